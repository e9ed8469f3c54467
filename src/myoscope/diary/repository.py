"""The storage port of the diary (core): a protocol the SQL adapter implements.

Services depend on :class:`DiaryRepository`, never on a concrete database. Methods take and return
the frozen domain models of :mod:`myoscope.domain.diary`; nothing database-specific crosses this
boundary. Every method is atomic on its own; :meth:`DiaryRepository.transaction` groups several
calls (a change and its audit entry) into one transaction.
"""

from __future__ import annotations

from collections.abc import Collection
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from myoscope.domain.diary import (
    Account,
    AuditEvent,
    CheckIn,
    Dose,
    Episode,
    EpisodeFacts,
    EpisodeSource,
    Page,
    Regimen,
    Share,
    SideEffect,
)
from myoscope.domain.recordings import Recording

__all__ = ["AccountStore", "DiaryRepository", "RecordStore", "RecordingStore", "TimeRange"]

R = TypeVar("R", Episode, CheckIn, Regimen, Dose, SideEffect)


@dataclass(frozen=True)
class TimeRange:
    """A half-open time range ``[since, until)`` in UTC; either end may be open (None)."""

    since: datetime | None = None
    until: datetime | None = None


class RecordStore(Protocol[R]):
    """Storage of one kind of diary record, always scoped to one diary (``patient_id``).

    Lists are ordered newest first by the record's time field (episodes and side effects: started_at;
    check-ins: day; regimens: started_on; doses: taken_at), then by id.
    """

    def add(self, record: R) -> None:
        """Insert a new record; its id must be new."""
        ...

    def get(self, patient_id: str, record_id: str) -> R | None:
        """Return the record, or None when it does not exist in this diary."""
        ...

    def replace(self, record: R) -> bool:
        """Replace a record (same id and diary); return False when it does not exist."""
        ...

    def delete(self, patient_id: str, record_id: str) -> bool:
        """Delete a record; return False when it does not exist in this diary."""
        ...

    def page(
        self, patient_id: str, *, period: TimeRange = ..., limit: int = 100, offset: int = 0
    ) -> Page[R]:
        """Return one page of the diary's records in ``period``, newest first."""
        ...

    def all(self, patient_id: str) -> list[R]:
        """Return every record of the diary, oldest first (for export and analysis)."""
        ...

    def owners(self, record_ids: Collection[str]) -> dict[str, str]:
        """Return the diary (patient id) of each of these ids that exists in any diary.

        Only import uses it, to give new ids to records whose id another diary holds, without
        telling the importer anything about that diary.
        """
        ...

    def delete_all(self, patient_id: str) -> int:
        """Delete every record of this kind in the diary; return how many were deleted."""
        ...


class AccountStore(Protocol):
    """Storage of accounts and their password hashes."""

    def add(self, account: Account, password_hash: str) -> None:
        """Insert an account; the e-mail address (lower case) must be new."""
        ...

    def get(self, account_id: str) -> Account | None:
        """Return an account by id."""
        ...

    def get_by_email(self, email: str) -> Account | None:
        """Return an account by e-mail address (compared in lower case)."""
        ...

    def password_hash(self, account_id: str) -> str | None:
        """Return the stored password hash."""
        ...

    def set_password_hash(self, account_id: str, password_hash: str) -> None:
        """Store a new password hash."""
        ...

    def set_login_state(
        self, account_id: str, *, failed_logins: int, locked_until: datetime | None
    ) -> None:
        """Record the failed-login counter and the lock expiry."""
        ...

    def end_sessions(self, account_id: str) -> int:
        """Raise the account's session epoch by one and return the new value."""
        ...

    def update(self, account: Account) -> None:
        """Store changed account details (display name, time zone)."""
        ...

    def all(self) -> list[Account]:
        """Return every account, by e-mail address."""
        ...

    def count(self) -> int:
        """Return how many accounts exist."""
        ...


class RecordingStore(Protocol):
    """Storage of uploaded recordings' metadata and analysis state (never the files)."""

    def add(self, recording: Recording) -> None:
        """Insert a new recording; its id must be new."""
        ...

    def get(self, patient_id: str, recording_id: str) -> Recording | None:
        """Return the recording, or None when it does not exist in this diary."""
        ...

    def replace(self, recording: Recording) -> bool:
        """Replace a recording (same id and diary); return False when it does not exist."""
        ...

    def delete(self, patient_id: str, recording_id: str) -> bool:
        """Delete a recording; return False when it does not exist in this diary."""
        ...

    def page(self, patient_id: str, *, limit: int = 100, offset: int = 0) -> Page[Recording]:
        """Return one page of the diary's recordings, newest upload first."""
        ...

    def all(self, patient_id: str) -> list[Recording]:
        """Return every recording of the diary, oldest upload first."""
        ...

    def owners(self, recording_ids: Collection[str]) -> dict[str, str]:
        """Return the diary of each of these ids that exists in any diary (import only)."""
        ...

    def delete_all(self, patient_id: str) -> int:
        """Delete every recording of the diary; return how many were deleted."""
        ...

    def episodes(self, patient_id: str, recording_id: str) -> list[Episode]:
        """Return the sensor episodes grouped from a recording, oldest first."""
        ...

    def claim_next(self, updated_at: datetime) -> Recording | None:
        """Mark the oldest queued recording of any diary running and return it (None if none).

        Two workers never claim the same recording.
        """
        ...

    def set_progress(
        self, patient_id: str, recording_id: str, progress: float, updated_at: datetime
    ) -> bool:
        """Record the progress (0-1) of a running analysis; False when it is not running."""
        ...

    def requeue_running(self, updated_at: datetime) -> int:
        """Put every running recording back in the queue (after a restart); return how many."""
        ...


class DiaryRepository(Protocol):
    """Everything the services store: diary records, profiles, accounts, shares and the audit log."""

    episodes: RecordStore[Episode]
    checkins: RecordStore[CheckIn]
    regimens: RecordStore[Regimen]
    doses: RecordStore[Dose]
    side_effects: RecordStore[SideEffect]
    recordings: RecordingStore
    accounts: AccountStore

    def transaction(self) -> AbstractContextManager[None]:
        """Group the calls made inside the ``with`` block into one transaction."""
        ...

    def episode_facts(
        self, patient_id: str, *, source: EpisodeSource | None = None
    ) -> list[EpisodeFacts]:
        """Return what the analyses read of every episode of a diary, oldest first.

        Light rows for long diaries (see :class:`~myoscope.domain.diary.EpisodeFacts`);
        ``source`` keeps only self-reported or only sensor-derived episodes.
        """
        ...

    # profiles ---------------------------------------------------------------------------------
    def get_profile(self, patient_id: str) -> dict[str, Any] | None:
        """Return the stored profile document (without medications), or None."""
        ...

    def put_profile(self, patient_id: str, profile: dict[str, Any], updated_at: datetime) -> None:
        """Store (insert or replace) the profile document."""
        ...

    def delete_profile(self, patient_id: str) -> bool:
        """Delete the stored profile; return whether there was one."""
        ...

    # shares -----------------------------------------------------------------------------------
    def add_share(self, share: Share) -> None:
        """Store a new share."""
        ...

    def get_share(self, share_id: str) -> Share | None:
        """Return a share by id."""
        ...

    def active_share(self, patient_id: str, grantee_id: str) -> Share | None:
        """Return the active share of this diary with this account, if any."""
        ...

    def shares_of(self, patient_id: str) -> list[Share]:
        """Return every share the patient has made, newest first, revoked ones included."""
        ...

    def shares_with(self, grantee_id: str) -> list[Share]:
        """Return the active shares granted to an account."""
        ...

    def revoke_share(self, share_id: str, revoked_at: datetime) -> bool:
        """Mark a share revoked; return False when it was not active."""
        ...

    # audit ------------------------------------------------------------------------------------
    def append_audit(self, event: AuditEvent) -> None:
        """Append an audit entry (entries are never changed or deleted)."""
        ...

    def list_audit(
        self,
        patient_id: str,
        *,
        period: TimeRange = ...,
        limit: int = 100,
        offset: int = 0,
        exclude_actor: str | None = None,
    ) -> Page[AuditEvent]:
        """Return one page of a diary's audit entries, newest first.

        ``exclude_actor`` leaves out one account's entries (the patient's own, to see others).
        """
        ...

    def close(self) -> None:
        """Release the database connections."""
        ...
