"""Recordings in the diary: upload, background detection, sensor episodes and their review.

A person (or a carer or clinician with a read-write share) uploads a recording; the file is kept
in the data folder under ``recordings/<patient_id>/<id>.<format>`` and a :class:`Recording` row
is queued. A :class:`RecordingWorker` (one thread, started with the server) takes queued
recordings one at a time, runs :func:`myoscope.services.recordings.analyse_recording` on them
with progress per 10-minute stretch, keeps the full result beside the file (gzip JSON, for the
review traces) and turns the detected jerks into sensor episodes (:func:`group_detections`).

Design decisions
----------------
- **A thread, not a process.** The heavy parts (filters, FFTs, envelopes) run in NumPy/SciPy,
  which release the GIL; memory is bounded by the 10-minute stretches; and the worker shares
  the repository (an in-memory SQLite database in tests, a connection pool otherwise) and
  reports progress through a plain callback. A process pool would add pickling, a second
  database connection per job and a progress channel for no gain at one job at a time. One
  worker per server: recordings are analysed in upload order.
- **Grouping.** Jerks (the result's ``jerks``: bursts on several channels within the jerk
  window counted once) less than :data:`GROUP_GAP_S` apart form one episode, and so do
  negative events (silent periods, merged across channels within the jerk window). An episode
  spans at most :data:`MAX_GROUP_S`. Positive and negative myoclonus never share an episode.
- **Intensity.** A sensor cannot rate how bad an episode felt. The episode model needs a
  number, so sensor episodes carry :data:`SENSOR_INTENSITY` (0) as a placeholder, which the
  web app shows as "not rated"; analyses of intensity must use ``source == "self"`` episodes
  only.
- **Review.** Sensor episodes start ``pending``; confirming or marking a false alarm is one
  action each. Confirmed sensor jerks are counted apart from self-reports
  (:meth:`RecordingService.sensor_counts`).
- **Deleting a recording** removes its file, its analysis and its pending and false-alarm
  episodes; confirmed episodes stay in the diary (someone vouched for them), still marked
  sensor with the recording's id.
- **Start time.** From the EDF/BDF header when it has a date (read in the diary owner's time
  zone; the anonymised date 01.01.85 counts as none), else the time given at upload, else the
  upload time minus the duration; ``started_at_source`` says which.

Nothing here logs signal values, file names or diary contents: ids, counts and durations only.
"""

from __future__ import annotations

import bisect
import gzip
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from myoscope.diary.repository import DiaryRepository
from myoscope.domain.diary import (
    AuditAction,
    AuditEvent,
    CountBand,
    Episode,
    EpisodeFacts,
    EpisodeSource,
    JerkKind,
    Page,
    Review,
    new_id,
)
from myoscope.domain.recordings import (
    RECORDING_FORMATS,
    Recording,
    RecordingStatus,
    StartSource,
    recording_format,
    safe_file_name,
)
from myoscope.errors import InvalidInputError, NotFoundError, SignalError
from myoscope.services.diary import DiaryAccess, DiaryService

__all__ = [
    "GROUP_GAP_S",
    "MAX_GROUP_S",
    "MAX_UPLOAD_BYTES",
    "SENSOR_INTENSITY",
    "RecordingService",
    "RecordingWorker",
    "SensorDay",
    "SensorGroup",
    "group_detections",
    "recording_start",
]

log = logging.getLogger("myoscope.recordings")

GROUP_GAP_S = 60.0
"""Jerks less than this many seconds apart belong to one sensor episode (a person reporting
"a bout of jerks" means a run without a minute's pause; longer pauses start a new episode)."""

MAX_GROUP_S = 3600.0
"""A sensor episode spans at most an hour, so that a long run is reviewed in pieces and its
count fits the episode model."""

NEGATIVE_MERGE_S = 0.05
"""Silent periods on different channels starting within 50 ms (the jerk window) are one lapse."""

SENSOR_INTENSITY = 0
"""The placeholder intensity of sensor episodes (not self-rated; shown as "not rated")."""

MAX_UPLOAD_BYTES = 1024 * 1024 * 1024
"""The largest recording accepted (1 GiB: about 17 hours of 8-channel 2 kHz EDF)."""

_PROGRESS_STEP = 0.02
_READING, _ANALYSING_TO = 0.05, 0.9
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


# ---------------------------------------------------------------------------------------------
# Grouping (pure)


@dataclass(frozen=True)
class SensorGroup:
    """Detections close in time: one sensor episode.

    Parameters
    ----------
    kind : JerkKind
        Positive (jerks) or negative (lapses of tone).
    start_s, end_s : float
        First onset and last offset, in s from the start of the recording.
    count : int
        Jerks (or lapses) in the group.
    onsets_s : tuple of float
        Their onsets, in s from the start of the recording.
    channels : tuple of str
        The channels involved, by first appearance.
    """

    kind: JerkKind
    start_s: float
    end_s: float
    count: int
    onsets_s: tuple[float, ...]
    channels: tuple[str, ...]


def _offsets(events: Sequence[Mapping[str, Any]], kind: str) -> tuple[list[float], list[float]]:
    chosen = sorted(
        (float(e["onset_s"]), float(e.get("offset_s", e["onset_s"])))
        for e in events
        if e.get("kind") == kind
    )
    return [c[0] for c in chosen], [c[1] for c in chosen]


def _units(result: Mapping[str, Any]) -> dict[JerkKind, list[tuple[float, tuple[str, ...]]]]:
    """Return the jerks and the merged lapses of a result as (onset, channels), by kind."""
    positive = [
        (float(j["onset_s"]), tuple(str(c) for c in j.get("channels", ())))
        for j in result.get("jerks", [])
    ]
    lapses: list[tuple[float, tuple[str, ...]]] = []
    negatives = sorted(
        (float(e["onset_s"]), str(e.get("channel", "")))
        for e in result.get("events", [])
        if e.get("kind") == "negative"
    )
    for onset, channel in negatives:
        if lapses and onset - lapses[-1][0] <= NEGATIVE_MERGE_S:
            first, channels = lapses[-1]
            lapses[-1] = (first, channels if channel in channels else (*channels, channel))
        else:
            lapses.append((onset, (channel,)))
    return {JerkKind.POSITIVE: sorted(positive), JerkKind.NEGATIVE: lapses}


def _group(
    kind: JerkKind,
    members: list[tuple[float, tuple[str, ...]]],
    onsets: list[float],
    offsets: list[float],
) -> SensorGroup:
    first, last = members[0][0], members[-1][0]
    # the group ends at the last offset of an event of its kind that starts within it
    lo = bisect.bisect_left(onsets, first)
    hi = bisect.bisect_right(onsets, last + NEGATIVE_MERGE_S)
    end = max([last, *offsets[lo:hi]])
    channels: list[str] = []
    for _, names in members:
        channels.extend(c for c in names if c not in channels)
    return SensorGroup(
        kind=kind,
        start_s=first,
        end_s=end,
        count=len(members),
        onsets_s=tuple(m[0] for m in members),
        channels=tuple(channels),
    )


def group_detections(
    result: Mapping[str, Any], *, gap_s: float = GROUP_GAP_S, max_span_s: float = MAX_GROUP_S
) -> list[SensorGroup]:
    """Group the detections of an analysis into sensor episodes.

    Parameters
    ----------
    result : mapping
        What :func:`~myoscope.services.recordings.analyse_recording` returned (``jerks`` and
        ``events`` are used).
    gap_s : float
        Detections less than this many seconds apart join one group.
    max_span_s : float
        A group starting more than this many seconds before a detection is closed first.

    Returns
    -------
    list of SensorGroup
        Positive and negative groups, in order of their start.

    Examples
    --------
    >>> result = {"jerks": [{"onset_s": t, "channels": ["EDC"]} for t in (1, 5, 100)],
    ...           "events": []}
    >>> [(g.start_s, g.count) for g in group_detections(result)]
    [(1.0, 2), (100.0, 1)]
    """
    if not gap_s > 0 or not max_span_s > 0:
        raise InvalidInputError("The grouping gap and the longest group must be positive.")
    events = list(result.get("events", []))
    groups: list[SensorGroup] = []
    for kind, units in _units(result).items():
        onsets, offsets = _offsets(events, kind.value)
        current: list[tuple[float, tuple[str, ...]]] = []
        for unit in units:
            if current and (
                unit[0] - current[-1][0] >= gap_s or unit[0] - current[0][0] > max_span_s
            ):
                groups.append(_group(kind, current, onsets, offsets))
                current = []
            current.append(unit)
        if current:
            groups.append(_group(kind, current, onsets, offsets))
    groups.sort(key=lambda g: (g.start_s, g.kind.value))
    return groups


def recording_start(
    *,
    header: datetime | None,
    given: datetime | None,
    uploaded_at: datetime,
    duration_s: float,
) -> tuple[datetime, StartSource]:
    """Decide when a recording started, and say how it was decided.

    Parameters
    ----------
    header : datetime, optional
        The start in the file's header, already in UTC (EDF/BDF), if it has one.
    given : datetime, optional
        The start the person gave at upload.
    uploaded_at : datetime
        When the file was uploaded (UTC).
    duration_s : float
        Length of the recording, in s.

    Returns
    -------
    (datetime, StartSource)
        The header's start, else the given one, else the upload time minus the duration.
    """
    if header is not None:
        return header, StartSource.HEADER
    if given is not None:
        return given, StartSource.USER
    return uploaded_at - timedelta(seconds=duration_s), StartSource.UPLOAD


def _header_start(path: Path, fmt: str, timezone: str) -> datetime | None:
    """Return the EDF/BDF header's start in UTC (read in ``timezone``), or None."""
    if fmt not in ("edf", "bdf"):
        return None
    try:
        import edfio

        edf = edfio.read_bdf(path) if fmt == "bdf" else edfio.read_edf(path, lazy_load_data=True)
        day, clock = edf.startdate, edf.starttime
    except Exception:  # an anonymised date, or a header edfio cannot read: no start then
        return None
    if not isinstance(day, date) or not isinstance(clock, dtime) or day == date(1985, 1, 1):
        return None
    return datetime.combine(day, clock, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


# ---------------------------------------------------------------------------------------------
# Per-day sensor counts (for insights and the report)


@dataclass(frozen=True)
class SensorDay:
    """Sensor jerks on one day of the diary (in the owner's time zone).

    Parameters
    ----------
    day : date
        The day.
    confirmed, pending, false_alarm : int
        Jerks (or lapses) in sensor episodes by review state, by the episode's start.
    recorded_s : float
        Seconds of analysed recordings that fall on this day (the exposure for a rate).
    """

    day: date
    confirmed: int
    pending: int
    false_alarm: int
    recorded_s: float


def _split_by_day(start: datetime, seconds: float, zone: ZoneInfo) -> Iterator[tuple[date, float]]:
    here = start.astimezone(zone)
    end = here + timedelta(seconds=seconds)
    while here < end:
        midnight = datetime.combine(here.date() + timedelta(days=1), dtime(), tzinfo=zone)
        stop = min(end, midnight)
        yield here.date(), (stop - here).total_seconds()
        here = stop


# ---------------------------------------------------------------------------------------------
# The service


class _Cancelled(Exception):
    """The worker is stopping: the recording goes back to the queue."""


ProgressCallback = Callable[[float], None]


class RecordingService:
    """Upload, analyse, list, review and delete the recordings of a diary.

    Parameters
    ----------
    diaries : DiaryService
        Access control, audit and the clock.
    root : pathlib.Path
        Folder of the recording files (``<root>/<patient_id>/<id>.<format>``).
    max_bytes : int
        Largest upload accepted, in bytes.
    mains_hz : {50, 60}
        Mains frequency for the analysis.
    """

    def __init__(
        self,
        diaries: DiaryService,
        root: Path,
        *,
        max_bytes: int = MAX_UPLOAD_BYTES,
        mains_hz: int = 50,
    ) -> None:
        self.diaries = diaries
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.mains_hz = mains_hz
        self.worker = RecordingWorker(self)

    @property
    def repository(self) -> DiaryRepository:
        """The diary repository."""
        return self.diaries.repository

    # -- files ---------------------------------------------------------------------------------
    def _folder(self, patient_id: str) -> Path:
        name = (
            patient_id if _ID.match(patient_id) else hashlib.sha256(patient_id.encode()).hexdigest()
        )
        return self.root / name

    def file_path(self, recording: Recording) -> Path:
        """Return where the recording's file is kept (never from anything the user typed)."""
        return self._folder(recording.patient_id) / f"{recording.id}.{recording.format}"

    def _result_path(self, recording: Recording) -> Path:
        return self._folder(recording.patient_id) / f"{recording.id}.result.json.gz"

    def cache_path(self, recording: Recording, name: str) -> Path:
        """Return a cache file of the recording (``name``: letters, digits, ``.-_`` only)."""
        if not re.fullmatch(r"[A-Za-z0-9_.-]{1,100}", name) or ".." in name:
            raise InvalidInputError("Not a valid cache name.")
        return self._folder(recording.patient_id) / f"{recording.id}.cache-{name}"

    def _remove_files(self, recording: Recording) -> None:
        folder = self._folder(recording.patient_id)
        if folder.is_dir():
            for path in folder.glob(f"{recording.id}.*"):
                path.unlink(missing_ok=True)

    def remove_all_files(self, patient_id: str) -> None:
        """Remove every recording file of a diary (after its rows are deleted)."""
        shutil.rmtree(self._folder(patient_id), ignore_errors=True)

    # -- upload --------------------------------------------------------------------------------
    def upload(
        self,
        diary: DiaryAccess,
        file_name: str,
        stream: IO[bytes],
        *,
        started_at: datetime | None = None,
        size_hint: int | None = None,
    ) -> Recording:
        """Keep an uploaded recording and queue it for analysis.

        Parameters
        ----------
        diary : DiaryAccess
            A diary open with write access.
        file_name : str
            The name the file was uploaded under (only its last part is kept, sanitised).
        stream : binary file
            The content, read in 1 MiB blocks.
        started_at : datetime, optional
            When the recording started, if the person knows (aware).
        size_hint : int, optional
            The announced size (Content-Length), to refuse an oversized file before reading.

        Returns
        -------
        Recording
            The queued recording.

        Raises
        ------
        PermissionDeniedError
            A read-only share.
        InvalidInputError
            An unknown file type, an empty file, one larger than the limit, or a naive start.
        """
        self.diaries.require_write(diary)
        shown = safe_file_name(file_name or "")
        fmt = recording_format(shown)
        if fmt is None:
            raise InvalidInputError(
                f"'{shown}' is not a recording type Myoscope reads; upload one of: "
                + ", ".join(f".{ext}" for ext in RECORDING_FORMATS)
                + ".",
                field="file",
            )
        if started_at is not None and started_at.utcoffset() is None:
            raise InvalidInputError(
                "The start time needs a time zone (such as +00:00).", field="started_at"
            )
        if size_hint is not None and size_hint > self.max_bytes:
            raise self._too_large()
        record_id = new_id()
        folder = self._folder(diary.patient_id)
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / f"{record_id}.{fmt}"
        size, digest = self._store(stream, folder, final)
        now = self.diaries.clock()
        recording = Recording(
            id=record_id,
            patient_id=diary.patient_id,
            created_at=now,
            updated_at=now,
            file_name=shown,
            format=fmt,
            size_bytes=size,
            sha256=digest,
            started_at=started_at,
            started_at_source=StartSource.USER if started_at is not None else None,
            uploaded_by=diary.actor.id,
        )
        try:
            with self.repository.transaction():
                self.repository.recordings.add(recording)
                self._audit(diary, AuditAction.CREATE, recording.id)
        except BaseException:
            final.unlink(missing_ok=True)
            raise
        log.info("recording %s queued (%d bytes) in diary %s", record_id, size, diary.patient_id)
        self.worker.wake()
        return recording

    def _too_large(self) -> InvalidInputError:
        return InvalidInputError(
            f"The file is larger than {self.max_bytes // 2**20} MB, the most Myoscope accepts; "
            "split the recording (for example one file per night) and upload the parts.",
            field="file",
        )

    def _store(self, stream: IO[bytes], folder: Path, final: Path) -> tuple[int, str]:
        digest = hashlib.sha256()
        size = 0
        handle, temporary = tempfile.mkstemp(prefix=".upload-", dir=folder)
        try:
            with os.fdopen(handle, "wb") as out:
                while block := stream.read(1 << 20):
                    size += len(block)
                    if size > self.max_bytes:
                        raise self._too_large()
                    digest.update(block)
                    out.write(block)
            if size == 0:
                raise InvalidInputError(
                    "The file is empty; choose the recording file again.", field="file"
                )
            os.replace(temporary, final)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return size, digest.hexdigest()

    # -- reading -------------------------------------------------------------------------------
    def _audit(self, diary: DiaryAccess, action: AuditAction, record_id: str | None) -> None:
        self.repository.append_audit(
            AuditEvent(
                at=self.diaries.clock(),
                actor_id=diary.actor.id,
                patient_id=diary.patient_id,
                action=action,
                resource="recordings",
                record_id=record_id,
            )
        )

    def _get(self, diary: DiaryAccess, recording_id: str) -> Recording:
        found = self.repository.recordings.get(diary.patient_id, recording_id)
        if found is None:
            raise NotFoundError(f"No recording with id '{recording_id}' in this diary.")
        return found

    def lookup(self, diary: DiaryAccess, recording_id: str) -> Recording:
        """Return one recording without an audit entry (status polls and trace images).

        Raises
        ------
        NotFoundError
            No such recording in this diary.
        """
        return self._get(diary, recording_id)

    def get(self, diary: DiaryAccess, recording_id: str) -> Recording:
        """Return one recording (its status, progress and summary).

        Raises
        ------
        NotFoundError
            No such recording in this diary.
        """
        recording = self._get(diary, recording_id)
        self._audit(diary, AuditAction.READ, recording_id)
        return recording

    def page(self, diary: DiaryAccess, *, limit: int = 100, offset: int = 0) -> Page[Recording]:
        """Return one page of the diary's recordings, newest upload first."""
        if not 1 <= limit <= 1000:
            raise InvalidInputError(
                f"limit must be between 1 and 1000; got {limit}.", field="limit"
            )
        if offset < 0:
            raise InvalidInputError(f"offset must be 0 or more; got {offset}.", field="offset")
        self._audit(diary, AuditAction.LIST, None)
        return self.repository.recordings.page(diary.patient_id, limit=limit, offset=offset)

    def episodes(self, diary: DiaryAccess, recording_id: str) -> list[Episode]:
        """Return the sensor episodes of a recording, in time order (no audit entry)."""
        return self.repository.recordings.episodes(diary.patient_id, recording_id)

    def result(self, diary: DiaryAccess, recording: Recording) -> dict[str, Any] | None:
        """Return the full analysis result kept beside the file, or None when there is none."""
        if recording.patient_id != diary.patient_id:
            raise NotFoundError(f"No recording with id '{recording.id}' in this diary.")
        path = self._result_path(recording)
        if not path.is_file():
            return None
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            loaded: dict[str, Any] = json.load(handle)
        return loaded

    def source_file(self, diary: DiaryAccess, recording: Recording) -> Path | None:
        """Return the kept file of a recording of this diary, or None when it is not here."""
        if recording.patient_id != diary.patient_id:
            raise NotFoundError(f"No recording with id '{recording.id}' in this diary.")
        path = self.file_path(recording)
        return path if path.is_file() else None

    # -- review and deletion -------------------------------------------------------------------
    def review(
        self, diary: DiaryAccess, recording_id: str, episode_id: str, review: Review | str
    ) -> Episode:
        """Confirm a sensor episode or mark it a false alarm (or put it back to pending).

        Raises
        ------
        NotFoundError
            No such recording, or no such sensor episode of it.
        PermissionDeniedError
            A read-only share.
        InvalidInputError
            An unknown review value.
        """
        self.diaries.require_write(diary)
        try:
            chosen = Review(review)
        except ValueError:
            raise InvalidInputError(
                f"'{review}' is not a review; use pending, confirmed or false-alarm.",
                field="review",
            ) from None
        with self.repository.transaction():
            self._get(diary, recording_id)
            episode = self.repository.episodes.get(diary.patient_id, episode_id)
            if episode is None or episode.recording_id != recording_id:
                raise NotFoundError(f"No group with id '{episode_id}' in this recording.")
            changed = episode.model_copy(
                update={"review": chosen, "updated_at": self.diaries.clock()}
            )
            self.repository.episodes.replace(changed)
            self.repository.append_audit(
                AuditEvent(
                    at=self.diaries.clock(),
                    actor_id=diary.actor.id,
                    patient_id=diary.patient_id,
                    action=AuditAction.UPDATE,
                    resource="episodes",
                    record_id=episode_id,
                )
            )
        return changed

    def delete(self, diary: DiaryAccess, recording_id: str) -> int:
        """Delete a recording, its file and its unconfirmed sensor episodes.

        Confirmed sensor episodes stay in the diary.

        Returns
        -------
        int
            How many sensor episodes were deleted with it.

        Raises
        ------
        NotFoundError, PermissionDeniedError
            No such recording, or a read-only share.
        """
        self.diaries.require_write(diary)
        with self.repository.transaction():
            recording = self._get(diary, recording_id)
            removed = 0
            for episode in self.episodes(diary, recording_id):
                if episode.review is not Review.CONFIRMED:
                    self.repository.episodes.delete(diary.patient_id, episode.id)
                    removed += 1
            self.repository.recordings.delete(diary.patient_id, recording_id)
            self._audit(diary, AuditAction.DELETE, recording_id)
        self._remove_files(recording)
        log.info("recording %s deleted with %d sensor episodes", recording_id, removed)
        return removed

    # -- counts for insights -------------------------------------------------------------------
    def sensor_counts(
        self, diary: DiaryAccess, *, since: date | None = None, until: date | None = None
    ) -> list[SensorDay]:
        """Return sensor jerks per day, by review state, with the recorded time of each day.

        Days are those of the diary owner's time zone; ``[since, until)`` limits them. Only
        days with recorded time or sensor episodes are listed. No audit entry is written
        (callers audit the whole analysis once).

        Parameters
        ----------
        diary : DiaryAccess
            An open diary.
        since, until : date, optional
            First day, and the day after the last.

        Returns
        -------
        list of SensorDay
            In day order.
        """
        episodes, recordings = self._sensor_rows(diary)
        return _sensor_days(episodes, recordings, ZoneInfo(diary.owner.timezone), since, until)

    def sensor_summary(
        self,
        diary: DiaryAccess,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> dict[str, Any] | None:
        """Return the insights' ``sensor`` section: analysed recordings and confirmed jerks.

        ``recordings`` counts the analysed recordings that started in ``[since, until)``;
        ``confirmed_jerks_per_hour_median`` is the median over them of the confirmed sensor
        jerks per hour of recording (a recording with nothing confirmed counts as 0: its
        groups are pending or false alarms). No audit entry is written.

        Returns
        -------
        dict or None
            ``{"recordings": int, "confirmed_jerks_per_hour_median": float}`` (the insights
            specification), or None when no recording was analysed in the period.
        """
        episodes, recordings = self._sensor_rows(diary)
        return _sensor_summary(episodes, recordings, since, until)

    def sensor_section(
        self, diary: DiaryAccess, *, first_day: date | None, last_day: date | None
    ) -> dict[str, Any] | None:
        """Return the ``sensor`` section of the insights over whole local days, read once.

        :meth:`sensor_summary` for the recordings that started in the period, plus ``daily``
        (:meth:`sensor_counts` of its days, with the hours recorded) and a note that these
        counts stay apart from what was written in the diary. None when no recording was
        analysed in the period. No audit entry is written.
        """
        zone = ZoneInfo(diary.owner.timezone)
        day_after = None if last_day is None else last_day + timedelta(days=1)
        since = None if first_day is None else datetime.combine(first_day, dtime(), zone)
        until = None if day_after is None else datetime.combine(day_after, dtime(), zone)
        episodes, recordings = self._sensor_rows(diary)
        found = _sensor_summary(episodes, recordings, since, until)
        if found is None:
            return None
        found["daily"] = [
            {
                "date": d.day.isoformat(),
                "confirmed": d.confirmed,
                "pending": d.pending,
                "false_alarm": d.false_alarm,
                "recorded_h": round(d.recorded_s / 3600.0, 3),
            }
            for d in _sensor_days(episodes, recordings, zone, first_day, day_after)
        ]
        found["note"] = (
            "jerks found in sensor recordings and confirmed by the person or a clinician; "
            "counted apart from what was written in the diary"
        )
        return found

    def _sensor_rows(self, diary: DiaryAccess) -> tuple[list[EpisodeFacts], list[Recording]]:
        """Return the diary's sensor episodes (light rows) and its recordings."""
        episodes = self.repository.episode_facts(diary.patient_id, source=EpisodeSource.SENSOR)
        return episodes, self.repository.recordings.all(diary.patient_id)

    # -- analysis ------------------------------------------------------------------------------
    def run_next(self, *, cancel: threading.Event | None = None) -> Recording | None:
        """Claim the oldest queued recording of any diary, analyse it, and return it.

        Returns None when nothing is queued.
        """
        claimed = self.repository.recordings.claim_next(self.diaries.clock())
        if claimed is None:
            return None
        return self.process(claimed, cancel=cancel)

    def run_pending(self) -> int:
        """Analyse every queued recording now, in this thread; return how many were run."""
        done = 0
        while self.run_next() is not None:
            done += 1
        return done

    def analyse_now(
        self, diary: DiaryAccess, recording_id: str, *, progress: ProgressCallback | None = None
    ) -> Recording:
        """Analyse one queued recording of this diary in the foreground (the command line).

        Raises
        ------
        NotFoundError
            No such recording, or it is not waiting in the queue (another worker took it).
        """
        recording = self._get(diary, recording_id)
        now = self.diaries.clock()
        running = recording.model_copy(
            update={"status": RecordingStatus.RUNNING, "progress": 0.0, "updated_at": now}
        )
        with self.repository.transaction():
            current = self._get(diary, recording_id)
            if current.status is not RecordingStatus.QUEUED:
                raise NotFoundError(
                    f"The recording '{recording_id}' is not waiting in the queue; it is "
                    f"{current.status}."
                )
            self.repository.recordings.replace(running)
        return self.process(running, progress=progress)

    def process(
        self,
        recording: Recording,
        *,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> Recording:
        """Analyse a recording marked running, store the result and create its episodes.

        A :class:`~myoscope.errors.SignalError` (a file the readers or detectors refuse)
        marks it failed with that message; any other failure marks it failed with a plain
        message naming the kind of problem. The uploaded file is kept either way. A ``cancel``
        event set while it runs puts it back in the queue.

        Returns
        -------
        Recording
            The recording as stored afterwards.
        """
        started = time.monotonic()
        path = self.file_path(recording)
        last = [0.0]

        def report(fraction: float) -> None:
            if cancel is not None and cancel.is_set():
                raise _Cancelled
            value = _READING + (_ANALYSING_TO - _READING) * min(1.0, max(0.0, fraction))
            if progress is not None:
                progress(value)
            if value - last[0] >= _PROGRESS_STEP:
                last[0] = value
                self.repository.recordings.set_progress(
                    recording.patient_id, recording.id, value, self.diaries.clock()
                )

        if not path.is_file():
            return self._fail(
                recording, "The uploaded file is no longer on the server; upload it again."
            )
        from myoscope.services.recordings import analyse_recording  # NumPy/SciPy: only here

        try:
            report(0.0)
            result = analyse_recording(path, mains_hz=self.mains_hz, progress=report)
            stored = self._finish(recording, result)
        except _Cancelled:
            return self._requeue(recording)
        except SignalError as exc:
            message = str(exc).replace(path.name, recording.file_name).splitlines()[0]
            log.info("recording %s: not analysed (signal problem)", recording.id)
            return self._fail(recording, message)
        except Exception as exc:  # never let one file stop the worker
            log.error("recording %s: analysis failed (%s)", recording.id, type(exc).__name__)
            return self._fail(
                recording,
                f"The analysis stopped on an unexpected problem ({type(exc).__name__}); the "
                "file is kept. Try again later, or tell the administrator.",
            )
        if progress is not None:
            progress(1.0)
        log.info(
            "recording %s analysed in %.1f s: %s sensor episodes",
            recording.id,
            time.monotonic() - started,
            (stored.summary or {}).get("groups"),
        )
        return stored

    def _current(self, recording: Recording) -> Recording:
        return self.repository.recordings.get(recording.patient_id, recording.id) or recording

    def _fail(self, recording: Recording, message: str) -> Recording:
        failed = self._current(recording).model_copy(
            update={
                "status": RecordingStatus.FAILED,
                "message": message[:2000],
                "updated_at": self.diaries.clock(),
            }
        )
        self.repository.recordings.replace(failed)
        return failed

    def _requeue(self, recording: Recording) -> Recording:
        queued = self._current(recording).model_copy(
            update={
                "status": RecordingStatus.QUEUED,
                "progress": 0.0,
                "updated_at": self.diaries.clock(),
            }
        )
        self.repository.recordings.replace(queued)
        log.info("recording %s put back in the queue", recording.id)
        return queued

    def _finish(self, recording: Recording, result: dict[str, Any]) -> Recording:
        owner = self.repository.accounts.get(recording.patient_id)
        timezone = owner.timezone if owner is not None else "UTC"
        duration = float(result["recording"]["duration_s"])
        start, source = recording_start(
            header=_header_start(self.file_path(recording), recording.format, timezone),
            given=recording.started_at if recording.started_at_source is StartSource.USER else None,
            uploaded_at=recording.created_at,
            duration_s=duration,
        )
        groups = group_detections(result)
        now = self.diaries.clock()
        episodes = [self._episode(recording, group, start, now) for group in groups]
        summary = _summary(result, groups)
        done = recording.model_copy(
            update={
                "status": RecordingStatus.DONE,
                "progress": 1.0,
                "message": None,
                "started_at": start,
                "started_at_source": source,
                "duration_s": duration,
                "modality": result["recording"]["modality"],
                "summary": summary,
                "updated_at": now,
            }
        )
        result["recording"]["file"] = recording.file_name  # the person's name, not ours
        result_path = self._result_path(recording)
        temporary = result_path.with_name(result_path.name + ".part")
        with gzip.open(temporary, "wt", encoding="utf-8") as handle:
            json.dump(result, handle)
        os.replace(temporary, result_path)
        with self.repository.transaction():
            current = self.repository.recordings.get(recording.patient_id, recording.id)
            if current is None:  # deleted while it ran
                result_path.unlink(missing_ok=True)
                return done
            for old in self.repository.recordings.episodes(recording.patient_id, recording.id):
                if old.review is Review.PENDING:
                    self.repository.episodes.delete(recording.patient_id, old.id)
            for episode in episodes:
                self.repository.episodes.add(episode)
            self.repository.recordings.replace(done)
            self.repository.append_audit(
                AuditEvent(
                    at=now,
                    actor_id=recording.uploaded_by or recording.patient_id,
                    patient_id=recording.patient_id,
                    action=AuditAction.UPDATE,
                    resource="recordings",
                    record_id=recording.id,
                )
            )
        return done

    @staticmethod
    def _episode(
        recording: Recording, group: SensorGroup, start: datetime, now: datetime
    ) -> Episode:
        what = "jerk" if group.kind is JerkKind.POSITIVE else "lapse of tone"
        plural = what if group.count == 1 else ("jerks" if what == "jerk" else "lapses of tone")
        channels = ", ".join(group.channels[:8]) or "the recording"
        return Episode(
            patient_id=recording.patient_id,
            created_at=now,
            updated_at=now,
            started_at=start + timedelta(seconds=group.start_s),
            ended_at=start + timedelta(seconds=group.end_s),
            count=group.count,
            count_band=CountBand.for_count(group.count),
            intensity=SENSOR_INTENSITY,
            kind=group.kind,
            note=(
                f"Found by a sensor recording: {group.count} {plural} on {channels}; "
                "intensity not rated."
            )[:2000],
            source=EpisodeSource.SENSOR,
            recording_id=recording.id,
            review=Review.PENDING,
        )


def _summary(result: Mapping[str, Any], groups: Sequence[SensorGroup]) -> dict[str, Any]:
    """Return the compact summary kept in the database (no event list)."""
    summary = result.get("summary", {})
    events = result.get("events", [])
    return {
        "jerks": int(summary.get("jerks", len(result.get("jerks", [])))),
        "negative_events": sum(1 for e in events if e.get("kind") == "negative"),
        "per_hour": summary.get("myoclonus_index_per_hour"),
        "per_hour_definition": summary.get("myoclonus_index_definition"),
        "channels": list(result.get("recording", {}).get("analysed", [])),
        "skipped": list(result.get("recording", {}).get("skipped", [])),
        "quality": [
            {"channel": q.get("channel"), "issue": q.get("issue"), "detail": q.get("detail")}
            for q in result.get("quality", [])
        ],
        "physiology_hint": summary.get("physiology_hint"),
        "physiology_hint_note": summary.get("physiology_hint_note"),
        "groups": len(groups),
        "group_gap_s": GROUP_GAP_S,
    }


# ---------------------------------------------------------------------------------------------
# The background worker


class RecordingWorker:
    """One background thread that analyses queued recordings, oldest first.

    :meth:`start` first puts recordings left ``running`` by a stopped server back in the
    queue. :meth:`wake` (called on each upload) makes it look at once; otherwise it looks
    every :attr:`poll_s` seconds (recordings queued by another process on the same database).
    :meth:`stop` asks a running analysis to stop at its next stretch, which goes back to the
    queue.

    Parameters
    ----------
    service : RecordingService
        What it runs.
    poll_s : float
        Seconds between looks at the queue when not woken.
    """

    def __init__(self, service: RecordingService, *, poll_s: float = 5.0) -> None:
        self.service = service
        self.poll_s = poll_s
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()

    @property
    def running(self) -> bool:
        """Whether the thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Requeue interrupted recordings and start the thread (again a no-op if running)."""
        if self.running:
            return
        requeued = self.service.repository.recordings.requeue_running(self.service.diaries.clock())
        if requeued:
            log.info("%d interrupted recordings put back in the queue", requeued)
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="myoscope-recordings", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Look at the queue now."""
        self._wake.set()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop the thread; a recording being analysed goes back to the queue."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
        self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                ran = self.service.run_next(cancel=self._stop)
            except Exception as exc:  # the database away, say: wait and try again
                log.error("recordings worker: %s; retrying", type(exc).__name__)
                ran = None
            if ran is None:
                self._wake.wait(self.poll_s)
                self._wake.clear()


def _sensor_days(
    episodes: list[EpisodeFacts],
    recordings: list[Recording],
    zone: ZoneInfo,
    since: date | None,
    until: date | None,
) -> list[SensorDay]:
    """Sensor jerks per local day by review state, with the seconds recorded that day."""
    days: dict[date, dict[str, float]] = {}

    def slot(day: date) -> dict[str, float]:
        return days.setdefault(
            day, {"confirmed": 0, "pending": 0, "false_alarm": 0, "recorded_s": 0.0}
        )

    for episode in episodes:
        if episode.review is None:
            continue
        key = episode.review.value.replace("-", "_")
        slot(episode.started_at.astimezone(zone).date())[key] += episode.count or 0
    for recording in recordings:
        if (
            recording.status is RecordingStatus.DONE
            and recording.started_at is not None
            and recording.duration_s
        ):
            for day, seconds in _split_by_day(recording.started_at, recording.duration_s, zone):
                slot(day)["recorded_s"] += seconds
    return [
        SensorDay(
            day=day,
            confirmed=int(v["confirmed"]),
            pending=int(v["pending"]),
            false_alarm=int(v["false_alarm"]),
            recorded_s=round(v["recorded_s"], 3),
        )
        for day, v in sorted(days.items())
        if (since is None or day >= since) and (until is None or day < until)
    ]


def _sensor_summary(
    episodes: list[EpisodeFacts],
    recordings: list[Recording],
    since: datetime | None,
    until: datetime | None,
) -> dict[str, Any] | None:
    """Analysed recordings started in ``[since, until)`` and their median confirmed rate."""
    confirmed: dict[str, int] = {}
    for episode in episodes:
        if episode.review is Review.CONFIRMED and episode.recording_id is not None:
            confirmed[episode.recording_id] = confirmed.get(episode.recording_id, 0) + (
                episode.count or 0
            )
    rates = sorted(
        confirmed.get(r.id, 0) / (r.duration_s / 3600.0)
        for r in recordings
        if r.status is RecordingStatus.DONE
        and r.duration_s
        and r.started_at is not None
        and (since is None or r.started_at >= since)
        and (until is None or r.started_at < until)
    )
    if not rates:
        return None
    middle = len(rates) // 2
    median = rates[middle] if len(rates) % 2 else (rates[middle - 1] + rates[middle]) / 2
    return {"recordings": len(rates), "confirmed_jerks_per_hour_median": round(median, 1)}
