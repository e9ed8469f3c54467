"""Diary use cases: who may open a diary, recording and listing records, sharing, the audit log.

Every call goes through a :class:`DiaryAccess`, which :meth:`DiaryService.open` grants only to the
diary's owner or to an account the owner shared it with. Anyone else gets
:class:`~myoscope.errors.NotFoundError`, exactly as for a diary that does not exist, so no one
learns of another person's records. Every read and change is written to the append-only audit log
(ids only, never contents) in the same transaction as the change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from myoscope.diary.repository import DiaryRepository, RecordStore, TimeRange
from myoscope.domain.diary import (
    Access,
    Account,
    AuditAction,
    AuditEvent,
    CheckIn,
    CheckInIn,
    Dose,
    DoseIn,
    Episode,
    EpisodeIn,
    Page,
    Regimen,
    RegimenIn,
    Role,
    Share,
    SideEffect,
    SideEffectIn,
)
from myoscope.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from myoscope.knowledge import KnowledgeBase

__all__ = [
    "CHECKINS",
    "DOSES",
    "EPISODES",
    "KINDS",
    "MAX_PAGE",
    "REGIMENS",
    "SIDE_EFFECTS",
    "DiaryAccess",
    "DiaryService",
    "RecordKind",
    "SharedDiary",
    "validation_message",
]

MAX_PAGE = 1000
I = TypeVar("I", bound=BaseModel)  # noqa: E741 - the conventional name for an input type
R = TypeVar("R", Episode, CheckIn, Regimen, Dose, SideEffect)


@dataclass(frozen=True)
class RecordKind(Generic[I, R]):
    """One kind of diary record: its name in URLs and exports, its models and its store.

    Parameters
    ----------
    name : str
        Plural name used in URLs and exports (``episodes``, ``side-effects``).
    label : str
        Singular, plain-words name for messages (``episode``, ``side effect``).
    input_model, record_model : type
        The pydantic models of :mod:`myoscope.domain.diary`.
    store : callable
        Returns the repository's store for this kind.
    time_field : str
        The field ranges and ordering use.
    """

    name: str
    label: str
    input_model: type[I]
    record_model: type[R]
    store: Callable[[DiaryRepository], RecordStore[R]]
    time_field: str


EPISODES = RecordKind("episodes", "episode", EpisodeIn, Episode, lambda r: r.episodes, "started_at")
CHECKINS = RecordKind("checkins", "check-in", CheckInIn, CheckIn, lambda r: r.checkins, "day")
REGIMENS = RecordKind(
    "medications", "medication", RegimenIn, Regimen, lambda r: r.regimens, "started_on"
)
DOSES = RecordKind("doses", "dose", DoseIn, Dose, lambda r: r.doses, "taken_at")
SIDE_EFFECTS = RecordKind(
    "side-effects",
    "side effect",
    SideEffectIn,
    SideEffect,
    lambda r: r.side_effects,
    "started_at",
)
KINDS: dict[str, RecordKind[Any, Any]] = {
    k.name: k for k in (EPISODES, CHECKINS, REGIMENS, DOSES, SIDE_EFFECTS)
}


@dataclass(frozen=True)
class DiaryAccess:
    """An open diary: who is acting, whose diary it is, and what they may do.

    Parameters
    ----------
    actor : Account
        The signed-in account.
    owner : Account
        The patient whose diary this is.
    access : Access
        ``read-write`` for the owner and carers with a read-write share, else ``read``.
    """

    actor: Account
    owner: Account
    access: Access

    @property
    def patient_id(self) -> str:
        """The diary's id (the owner's account id)."""
        return self.owner.id

    @property
    def is_owner(self) -> bool:
        """Whether the actor owns the diary."""
        return self.actor.id == self.owner.id

    @property
    def can_write(self) -> bool:
        """Whether the actor may record and change entries."""
        return self.access is Access.READ_WRITE


@dataclass(frozen=True)
class SharedDiary:
    """A diary an account can open: its owner and the access granted."""

    owner: Account
    access: Access


def validation_message(exc: ValidationError, *, what: str) -> str:
    """Turn a pydantic validation error into one readable line naming each field.

    Parameters
    ----------
    exc : pydantic.ValidationError
        The error.
    what : str
        What was being validated, for example ``"episode"``.
    """
    parts = []
    for error in exc.errors():
        field = ".".join(str(p) for p in error["loc"]) or what
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "is not a field here; check the spelling"
        parts.append(f"'{field}': {message}")
    return f"Invalid {what}: " + "; ".join(parts)


def parse_input(kind: RecordKind[I, R], data: Any) -> I:
    """Validate a payload for ``kind``.

    Raises
    ------
    InvalidInputError
        Naming every wrong field.
    """
    if isinstance(data, kind.input_model):
        return data
    try:
        return kind.input_model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInputError(
            validation_message(exc, what=kind.label),
            field=".".join(str(p) for p in first["loc"]) or None,
            received=first.get("input"),
        ) from None


class DiaryService:
    """The diary use cases shared by the web app, the API and the command line.

    Parameters
    ----------
    repository : DiaryRepository
        Storage.
    kb : KnowledgeBase
        The knowledge base (medication names are recognised through it).
    clock : callable
        Returns the current UTC time.
    """

    def __init__(
        self, repository: DiaryRepository, kb: KnowledgeBase, clock: Callable[[], datetime]
    ) -> None:
        self.repository = repository
        self.kb = kb
        self.clock = clock

    # -- access --------------------------------------------------------------------------------
    def open(self, actor: Account, patient_id: str | None = None) -> DiaryAccess:
        """Open a diary: the actor's own (``patient_id`` None) or one shared with them.

        Raises
        ------
        NotFoundError
            No such diary, or one the actor may not see (the same message for both).
        """
        if patient_id is None or patient_id == actor.id:
            if actor.role is not Role.PATIENT:
                raise NotFoundError(
                    f"A {actor.role} account has no diary of its own; open a diary a patient "
                    "shared with you."
                )
            return DiaryAccess(actor, actor, Access.READ_WRITE)
        share = self.repository.active_share(patient_id, actor.id)
        owner = self.repository.accounts.get(patient_id) if share else None
        if share is None or owner is None:
            raise NotFoundError(f"No diary with id '{patient_id}'.")
        return DiaryAccess(actor, owner, share.access)

    def diaries_for(self, actor: Account) -> list[SharedDiary]:
        """Return the diaries the actor can open: their own first, then those shared with them."""
        found = [SharedDiary(actor, Access.READ_WRITE)] if actor.role is Role.PATIENT else []
        for share in self.repository.shares_with(actor.id):
            owner = self.repository.accounts.get(share.patient_id)
            if owner is not None:
                found.append(SharedDiary(owner, share.access))
        return found

    def require_write(self, diary: DiaryAccess) -> None:
        """Refuse changes through a read-only share (PermissionDeniedError)."""
        if not diary.can_write:
            raise PermissionDeniedError(
                f"{diary.owner.label} shared this diary with you to read only; ask them for "
                "read-write access to record entries."
            )

    def _audit(
        self,
        diary: DiaryAccess,
        action: AuditAction,
        resource: str,
        record_id: str | None = None,
    ) -> None:
        self.repository.append_audit(
            AuditEvent(
                at=self.clock(),
                actor_id=diary.actor.id,
                patient_id=diary.patient_id,
                action=action,
                resource=resource,
                record_id=record_id,
            )
        )

    # -- records ---------------------------------------------------------------------------------
    def add(
        self, diary: DiaryAccess, kind: RecordKind[I, R], data: Any, *, replace_day: bool = True
    ) -> R:
        """Record a new entry.

        Parameters
        ----------
        diary : DiaryAccess
            An open diary with write access.
        kind : RecordKind
            What to record.
        data : mapping or input model
            The entry.
        replace_day : bool
            For a check-in on a day that already has one: replace it (True), or refuse with a
            ConflictError (False) so that a form cannot overwrite it unnoticed.

        Returns
        -------
        record
            The stored record, with its id.

        Raises
        ------
        InvalidInputError, PermissionDeniedError, NotFoundError
            A bad entry, a read-only share, or a linked record that does not exist.
        """
        self.require_write(diary)
        payload = parse_input(kind, data)
        now = self.clock()
        with self.repository.transaction():
            if isinstance(payload, CheckInIn):
                existing = self._checkin_on(diary, payload.day)
                if existing is not None and not replace_day:
                    raise ConflictError(
                        f"There is already a check-in for {payload.day}; change that one "
                        "instead (History, then Edit), so that nothing in it is lost."
                    )
                if existing is not None:
                    replaced: CheckIn = self._replace(diary, CHECKINS, existing, payload, now)  # type: ignore[misc]
                    return replaced  # type: ignore[return-value]
            record = self._build(diary, kind, payload, now=now, created_at=now)
            kind.store(self.repository).add(record)
            self._audit(diary, AuditAction.CREATE, kind.name, record.id)
        return record

    def get(self, diary: DiaryAccess, kind: RecordKind[I, R], record_id: str) -> R:
        """Return one entry.

        Raises
        ------
        NotFoundError
            No such entry in this diary.
        """
        # The read runs outside any write transaction, so it never holds SQLite's single writer
        # lock; the record is returned only once its audit entry is stored.
        record = self._get(diary, kind, record_id)
        self._audit(diary, AuditAction.READ, kind.name, record_id)
        return record

    def update(self, diary: DiaryAccess, kind: RecordKind[I, R], record_id: str, data: Any) -> R:
        """Replace an entry with new contents (its id and creation time are kept).

        Raises
        ------
        NotFoundError, InvalidInputError, PermissionDeniedError
            No such entry, a bad entry, or a read-only share.
        """
        self.require_write(diary)
        payload = parse_input(kind, data)
        with self.repository.transaction():
            existing = self._get(diary, kind, record_id)
            if kind is CHECKINS:
                clash = self._checkin_on(diary, payload.day)  # type: ignore[attr-defined]
                if clash is not None and clash.id != record_id:
                    raise ConflictError(
                        f"There is already a check-in for {payload.day}; "  # type: ignore[attr-defined]
                        "change that one instead."
                    )
            return self._replace(diary, kind, existing, payload, self.clock())

    def delete(self, diary: DiaryAccess, kind: RecordKind[I, R], record_id: str) -> None:
        """Delete an entry.

        Raises
        ------
        NotFoundError, PermissionDeniedError
            No such entry, or a read-only share.
        """
        self.require_write(diary)
        with self.repository.transaction():
            self._get(diary, kind, record_id)
            if kind is REGIMENS:
                self._refuse_if_linked(diary, record_id)
            kind.store(self.repository).delete(diary.patient_id, record_id)
            self._audit(diary, AuditAction.DELETE, kind.name, record_id)

    def page(
        self,
        diary: DiaryAccess,
        kind: RecordKind[I, R],
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Page[R]:
        """Return one page of entries, newest first, optionally within ``[since, until)``.

        Raises
        ------
        InvalidInputError
            A limit outside 1-1000, a negative offset, or ``since`` after ``until``.
        """
        _check_window(limit, offset)
        if since is not None and until is not None and since > until:
            raise InvalidInputError(
                "since is after until; give the earlier time as since.", field="since"
            )
        self._audit(diary, AuditAction.LIST, kind.name)  # before the read, which takes no lock
        return kind.store(self.repository).page(
            diary.patient_id, period=TimeRange(since, until), limit=limit, offset=offset
        )

    def all(self, diary: DiaryAccess, kind: RecordKind[I, R]) -> list[R]:
        """Return every entry of a kind, oldest first (no audit entry: callers audit once)."""
        return kind.store(self.repository).all(diary.patient_id)

    def active_regimens(self, diary: DiaryAccess, on: date | None = None) -> list[Regimen]:
        """Return the regimens being taken on a day (today by default)."""
        day = on or self.today(diary)
        return [r for r in self.all(diary, REGIMENS) if r.active_on(day)]

    def change_regimen(
        self,
        diary: DiaryAccess,
        regimen_id: str,
        *,
        on: date,
        dose_amount: float | None,
        times_per_day: int | None,
        reason: str | None,
    ) -> Regimen:
        """Change a dose: stop the regimen on ``on`` and start its successor the same day.

        Raises
        ------
        NotFoundError, InvalidInputError, PermissionDeniedError
            No such regimen, a change before it started or after it stopped, a read-only share.
        """
        self.require_write(diary)
        with self.repository.transaction():
            old = self._get(diary, REGIMENS, regimen_id)
            if old.stopped_on is not None:
                raise InvalidInputError(
                    f"This medication was stopped on {old.stopped_on}; start it again instead of "
                    "changing it.",
                    field="regimen_id",
                )
            if on < old.started_on:
                raise InvalidInputError(
                    f"A change on {on} is before this medication started ({old.started_on}).",
                    field="on",
                )
            stopped = old.model_dump() | {"stopped_on": on, "stop_reason": reason or "dose changed"}
            self._replace(diary, REGIMENS, old, _input_of(REGIMENS, stopped), self.clock())
            new = RegimenIn(
                drug=old.drug,
                dose_amount=dose_amount,
                dose_unit=old.dose_unit,
                times_per_day=times_per_day,
                as_needed=old.as_needed,
                started_on=on,
                start_reason=reason,
                replaces_id=old.id,
            )
            return self.add(diary, REGIMENS, new)

    # -- helpers ---------------------------------------------------------------------------------
    def today(self, diary: DiaryAccess) -> date:
        """Return today's date in the diary owner's time zone."""
        from zoneinfo import ZoneInfo

        return self.clock().astimezone(ZoneInfo(diary.owner.timezone)).date()

    def _get(self, diary: DiaryAccess, kind: RecordKind[I, R], record_id: str) -> R:
        record = kind.store(self.repository).get(diary.patient_id, record_id)
        if record is None:
            raise NotFoundError(f"No {kind.label} with id '{record_id}' in this diary.")
        return record

    def _checkin_on(self, diary: DiaryAccess, day: date) -> CheckIn | None:
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        page = self.repository.checkins.page(
            diary.patient_id,
            # date.max has no next day (API fuzz): the range is open-ended then
            period=TimeRange(start, start + timedelta(days=1) if day < date.max else None),
            limit=1,
        )
        return page.items[0] if page.items else None

    def _refuse_if_linked(self, diary: DiaryAccess, regimen_id: str) -> None:
        linked = [d for d in self.all(diary, DOSES) if d.regimen_id == regimen_id]
        linked += [s for s in self.all(diary, SIDE_EFFECTS) if s.regimen_id == regimen_id]  # type: ignore[misc]
        followers = [r for r in self.all(diary, REGIMENS) if r.replaces_id == regimen_id]
        if linked or followers:
            raise ConflictError(
                f"This medication has {len(linked)} dose or side-effect entries and "
                f"{len(followers)} later dose changes linked to it; record that it stopped "
                "(give a stop date) instead of deleting it, so the history stays complete."
            )

    def _replace(
        self,
        diary: DiaryAccess,
        kind: RecordKind[I, R],
        existing: R,
        payload: I,
        now: datetime,
    ) -> R:
        record = self._build(
            diary, kind, payload, now=now, created_at=existing.created_at, record_id=existing.id
        )
        if isinstance(existing, Episode) and isinstance(record, Episode):
            # an edit keeps where the episode came from (a sensor episode stays one)
            provenance = ("source", "recording_id", "review")
            record = record.model_copy(update={k: getattr(existing, k) for k in provenance})
        kind.store(self.repository).replace(record)
        self._audit(diary, AuditAction.UPDATE, kind.name, record.id)
        return record

    def _build(
        self,
        diary: DiaryAccess,
        kind: RecordKind[I, R],
        payload: I,
        *,
        now: datetime,
        created_at: datetime,
        record_id: str | None = None,
    ) -> R:
        fields: dict[str, Any] = payload.model_dump()
        fields |= {"patient_id": diary.patient_id, "created_at": created_at, "updated_at": now}
        if record_id is not None:
            fields["id"] = record_id
        if kind is REGIMENS:
            if fields["replaces_id"] is not None:
                self._get(diary, REGIMENS, fields["replaces_id"])
            fields["drug_id"] = self.kb.medicine_names.lookup(fields["drug"])
        elif kind is DOSES:
            fields |= self._dose_defaults(diary, fields)
        elif kind is SIDE_EFFECTS and fields["regimen_id"] is not None:
            self._get(diary, REGIMENS, fields["regimen_id"])
        return kind.record_model.model_validate(fields)

    def _dose_defaults(self, diary: DiaryAccess, fields: dict[str, Any]) -> dict[str, Any]:
        if fields["regimen_id"] is None:
            return {}
        regimen = self._get(diary, REGIMENS, fields["regimen_id"])
        filled: dict[str, Any] = {"drug": fields["drug"] or regimen.drug}
        if fields["amount"] is None and regimen.dose_amount is not None:
            filled |= {"amount": regimen.dose_amount, "unit": regimen.dose_unit}
        if regimen.as_needed:
            filled["as_needed"] = True
        return filled

    # -- sharing ---------------------------------------------------------------------------------
    def grant(self, diary: DiaryAccess, email: str, access: Access | None = None) -> Share:
        """Share the diary with another account (owner only).

        Parameters
        ----------
        diary : DiaryAccess
            The owner's diary.
        email : str
            The other account's e-mail address.
        access : Access, optional
            ``read`` or ``read-write``; by default read-write for a carer and read otherwise.

        Raises
        ------
        PermissionDeniedError, NotFoundError, InvalidInputError
            Not the owner, no account with that address, or sharing with oneself.
        """
        self.require_owner(diary)
        grantee = self.repository.accounts.get_by_email(email.strip().lower())
        if grantee is None:
            raise NotFoundError(
                f"No account uses the e-mail address {email.strip()}; ask the person to get an "
                "account first (an administrator creates it)."
            )
        if grantee.id == diary.owner.id:
            raise InvalidInputError("This is your own diary; share it with someone else.")
        chosen = access or (Access.READ_WRITE if grantee.role is Role.CARER else Access.READ)
        with self.repository.transaction():
            current = self.repository.active_share(diary.patient_id, grantee.id)
            if current is not None:
                self.repository.revoke_share(current.id, self.clock())
            share = Share(
                patient_id=diary.patient_id,
                grantee_id=grantee.id,
                access=chosen,
                created_at=self.clock(),
            )
            self.repository.add_share(share)
            self._audit(diary, AuditAction.SHARE, "shares", share.id)
        return share

    def revoke(self, diary: DiaryAccess, share_id: str) -> Share:
        """Revoke a share (owner only); the other account loses access at once.

        Raises
        ------
        PermissionDeniedError, NotFoundError
            Not the owner, or no such active share.
        """
        self.require_owner(diary)
        share = self.repository.get_share(share_id)
        if share is None or share.patient_id != diary.patient_id:
            raise NotFoundError(f"No share with id '{share_id}' in this diary.")
        now = self.clock()
        with self.repository.transaction():
            if not self.repository.revoke_share(share_id, now):
                raise NotFoundError(f"The share '{share_id}' was already revoked.")
            self._audit(diary, AuditAction.REVOKE, "shares", share_id)
        return share.model_copy(update={"revoked_at": now})

    def shares(self, diary: DiaryAccess) -> list[tuple[Share, Account | None]]:
        """Return every share of the diary with the account it was granted to (owner only)."""
        self.require_owner(diary)
        return [
            (s, self.repository.accounts.get(s.grantee_id))
            for s in self.repository.shares_of(diary.patient_id)
        ]

    def audit(
        self,
        diary: DiaryAccess,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
        others_only: bool = False,
    ) -> Page[AuditEvent]:
        """Return who read or changed the diary, newest first (owner only).

        ``others_only`` leaves out the owner's own reads and changes.
        """
        self.require_owner(diary)
        _check_window(limit, offset)
        return self.repository.list_audit(
            diary.patient_id,
            period=TimeRange(since, until),
            limit=limit,
            offset=offset,
            exclude_actor=diary.owner.id if others_only else None,
        )

    def account_labels(self, ids: set[str]) -> dict[str, str]:
        """Return display labels for account ids (for the audit page)."""
        labels = {}
        for account_id in ids:
            account = self.repository.accounts.get(account_id)
            labels[account_id] = (
                f"{account.label} ({account.role})" if account else "a deleted account"
            )
        return labels

    def require_owner(self, diary: DiaryAccess) -> None:
        """Refuse owner-only actions to anyone but the owner (PermissionDeniedError)."""
        if not diary.is_owner:
            raise PermissionDeniedError(
                "Only the person whose diary this is can manage sharing, see the access log, "
                "export, import or delete it."
            )

    def record_audit(self, diary: DiaryAccess, action: AuditAction, resource: str) -> None:
        """Write one audit entry for a whole-diary action (export, import, assess)."""
        self._audit(diary, action, resource)


def _check_window(limit: int, offset: int) -> None:
    """Refuse a page size outside 1-1000 or a negative offset (InvalidInputError)."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInputError(
            f"limit must be between 1 and {MAX_PAGE}; got {limit}.", field="limit"
        )
    if offset < 0:
        raise InvalidInputError(f"offset must be 0 or more; got {offset}.", field="offset")


def _input_of(kind: RecordKind[I, R], fields: dict[str, Any]) -> I:
    allowed = kind.input_model.model_fields
    return kind.input_model.model_validate({k: v for k, v in fields.items() if k in allowed})
