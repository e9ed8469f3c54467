"""The SQL storage of uploaded recordings' metadata and analysis state.

It implements :class:`myoscope.diary.repository.RecordingStore`. The recording files themselves are not in the database: the service keeps them in the data
folder. Every query is scoped to one diary except the two the background worker needs
(:meth:`SqlRecordingStore.claim_next` and :meth:`SqlRecordingStore.requeue_running`).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import ColumnElement, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from myoscope.domain.diary import Episode, Page
from myoscope.domain.recordings import Recording, RecordingStatus
from myoscope.errors import ConflictError, InvalidInputError, NotFoundError
from myoscope.storage.engine import integrity_kind
from myoscope.storage.sql import _Access, _aware, _Builder, _check_page, _fetch, _row
from myoscope.storage.tables import episodes, recordings

__all__ = ["SqlRecordingStore"]

_build = _Builder(Recording)
_build_episode = _Builder(Episode)


class SqlRecordingStore:
    """Recordings in the ``recordings`` table, scoped to one diary.

    Parameters
    ----------
    access : _Access
        The repository's connection provider (shared with the other stores, so that a
        recording and its episodes change in one transaction).
    """

    def __init__(self, access: _Access) -> None:
        self._access = access

    @staticmethod
    def _checked(recording: Recording) -> dict[str, Any]:
        try:
            valid = Recording.model_validate(dict(recording))
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(part) for part in problem["loc"]) or "recording"
            raise InvalidInputError(
                f"The recording is not valid and was not stored: {where}: {problem['msg']}.",
                field=where,
            ) from None
        return _row(valid)

    @staticmethod
    def _key(patient_id: str, recording_id: str) -> list[ColumnElement[bool]]:
        return [recordings.c.id == recording_id, recordings.c.patient_id == patient_id]

    def add(self, recording: Recording) -> None:
        """Insert a new recording.

        Raises
        ------
        ConflictError
            When the id exists.
        NotFoundError
            When no account has the recording's ``patient_id``.
        """
        row = self._checked(recording)
        with self._access.connection(write=True) as connection:
            try:
                connection.execute(insert(recordings), row)
            except IntegrityError as exc:
                kind, _ = integrity_kind(exc)
                if kind == "foreign-key":
                    raise NotFoundError(
                        f"No diary with patient id '{recording.patient_id}': the recording was "
                        "not stored."
                    ) from None
                raise ConflictError(
                    f"A recording with id '{recording.id}' already exists; give a new id."
                ) from None

    def get(self, patient_id: str, recording_id: str) -> Recording | None:
        """Return the recording, or None when it does not exist in this diary."""
        with self._access.connection(write=False) as connection:
            fetched = _fetch(
                connection.execute(select(recordings).where(*self._key(patient_id, recording_id)))
            )
        return _build.first(fetched)

    def replace(self, recording: Recording) -> bool:
        """Replace every field of a recording; return False when it does not exist."""
        values = self._checked(recording)
        del values["id"], values["patient_id"]
        with self._access.connection(write=True) as connection:
            result = connection.execute(
                update(recordings)
                .where(*self._key(recording.patient_id, recording.id))
                .values(values)
            )
        return result.rowcount > 0

    def delete(self, patient_id: str, recording_id: str) -> bool:
        """Delete a recording; return False when it does not exist in this diary."""
        with self._access.connection(write=True) as connection:
            result = connection.execute(
                delete(recordings).where(*self._key(patient_id, recording_id))
            )
        return result.rowcount > 0

    def page(self, patient_id: str, *, limit: int = 100, offset: int = 0) -> Page[Recording]:
        """Return one page of the diary's recordings, newest upload first, then by id."""
        _check_page(limit, offset)
        where = recordings.c.patient_id == patient_id
        with self._access.connection(write=False) as connection:
            total = connection.execute(
                select(func.count()).select_from(recordings).where(where)
            ).scalar_one()
            fetched = _fetch(
                connection.execute(
                    select(recordings)
                    .where(where)
                    .order_by(recordings.c.created_at.desc(), recordings.c.id.desc())
                    .limit(limit)
                    .offset(offset)
                )
            )
        return Page[Recording](items=_build(fetched), total=total, limit=limit, offset=offset)

    def all(self, patient_id: str) -> list[Recording]:
        """Return every recording of the diary, oldest upload first, then by id."""
        with self._access.connection(write=False) as connection:
            fetched = _fetch(
                connection.execute(
                    select(recordings)
                    .where(recordings.c.patient_id == patient_id)
                    .order_by(recordings.c.created_at.asc(), recordings.c.id.asc())
                )
            )
        return _build(fetched)

    def owners(self, recording_ids: Collection[str]) -> dict[str, str]:
        """Return the diary (patient id) of each of these ids that exists, in any diary."""
        found: dict[str, str] = {}
        ids = list(recording_ids)
        with self._access.connection(write=False) as connection:
            for start in range(0, len(ids), 500):
                rows = connection.execute(
                    select(recordings.c.id, recordings.c.patient_id).where(
                        recordings.c.id.in_(ids[start : start + 500])
                    )
                )
                found.update({row.id: row.patient_id for row in rows})
        return found

    def delete_all(self, patient_id: str) -> int:
        """Delete every recording of the diary; return how many were deleted."""
        with self._access.connection(write=True) as connection:
            result = connection.execute(
                delete(recordings).where(recordings.c.patient_id == patient_id)
            )
        return result.rowcount

    def episodes(self, patient_id: str, recording_id: str) -> list[Episode]:
        """Return the sensor episodes grouped from a recording, oldest first, then by id."""
        with self._access.connection(write=False) as connection:
            fetched = _fetch(
                connection.execute(
                    select(episodes)
                    .where(
                        episodes.c.recording_id == recording_id,
                        episodes.c.patient_id == patient_id,
                    )
                    .order_by(episodes.c.started_at.asc(), episodes.c.id.asc())
                )
            )
        return _build_episode(fetched)

    def claim_next(self, updated_at: datetime) -> Recording | None:
        """Mark the oldest queued recording running and return it; None when none is queued.

        The update is conditional on the status still being ``queued``, so two workers (or
        two processes on one database) never run the same recording.
        """
        _aware(updated_at, "updated_at")
        with self._access.transaction(), self._access.connection(write=True) as connection:
            while True:
                candidate = connection.execute(
                    select(recordings.c.id, recordings.c.patient_id)
                    .where(recordings.c.status == RecordingStatus.QUEUED.value)
                    .order_by(recordings.c.created_at.asc(), recordings.c.id.asc())
                    .limit(1)
                ).first()
                if candidate is None:
                    return None
                claimed = connection.execute(
                    update(recordings)
                    .where(
                        recordings.c.id == candidate.id,
                        recordings.c.status == RecordingStatus.QUEUED.value,
                    )
                    .values(status=RecordingStatus.RUNNING.value, updated_at=updated_at)
                )
                if claimed.rowcount:
                    fetched = _fetch(
                        connection.execute(
                            select(recordings).where(recordings.c.id == candidate.id)
                        )
                    )
                    return _build.first(fetched)

    def set_progress(
        self, patient_id: str, recording_id: str, progress: float, updated_at: datetime
    ) -> bool:
        """Record the progress of a running analysis (clamped to 0-1)."""
        _aware(updated_at, "updated_at")
        value = min(1.0, max(0.0, float(progress)))
        with self._access.connection(write=True) as connection:
            result = connection.execute(
                update(recordings)
                .where(
                    *self._key(patient_id, recording_id),
                    recordings.c.status == RecordingStatus.RUNNING.value,
                )
                .values(progress=value, updated_at=updated_at)
            )
        return result.rowcount > 0

    def requeue_running(self, updated_at: datetime) -> int:
        """Put every running recording back in the queue, progress 0; return how many."""
        _aware(updated_at, "updated_at")
        with self._access.connection(write=True) as connection:
            result = connection.execute(
                update(recordings)
                .where(recordings.c.status == RecordingStatus.RUNNING.value)
                .values(status=RecordingStatus.QUEUED.value, progress=0.0, updated_at=updated_at)
            )
        return result.rowcount
