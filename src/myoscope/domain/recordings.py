"""Recordings kept in a diary: an uploaded sensor file, its analysis and its state.

A :class:`Recording` is the metadata of one uploaded file (EMG or accelerometer) and of the
detection run on it in the background. The file itself is kept by the service under the data
folder and is never named by a path here: ``file_name`` is the sanitised name the person gave,
for display only. The episodes grouped from the detected jerks are ordinary diary episodes with
``source`` ``sensor`` and this recording's id (:class:`myoscope.domain.diary.Episode`).
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from typing import Any, Self

from pydantic import Field, model_validator

from myoscope.domain.diary import Ident, UtcDatetime, _Record, new_id

__all__ = [
    "RECORDING_FORMATS",
    "Recording",
    "RecordingStatus",
    "StartSource",
    "recording_format",
    "safe_file_name",
]

RECORDING_FORMATS: dict[str, str] = {
    "edf": "EDF",
    "bdf": "BDF",
    "csv": "CSV",
    "tsv": "TSV (tab-separated)",
    "npy": "NumPy array",
    "npz": "NumPy archive",
    "cwa": "Axivity",
    "gt3x": "ActiGraph",
    "bin": "GENEActiv",
}
"""The file types a recording may have (extension to plain name), as the signal readers read."""


class RecordingStatus(StrEnum):
    """Where a recording is in its analysis."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class StartSource(StrEnum):
    """Where a recording's start time came from.

    ``header``: the file's own header (EDF/BDF), read in the diary owner's time zone;
    ``user``: given by the person at upload; ``upload``: the upload time minus the duration
    (the recording is taken to have ended when it was uploaded).
    """

    HEADER = "header"
    USER = "user"
    UPLOAD = "upload"


_UNSAFE = re.compile(r"[^A-Za-z0-9._ ()+-]+")


def safe_file_name(name: str) -> str:
    """Return a file name fit for display: no folders, no control or odd characters.

    Parameters
    ----------
    name : str
        The name the browser or client sent (it may hold a path, from either kind of slash).

    Returns
    -------
    str
        The last path component, accents removed, characters other than letters, digits,
        space and ``._()+-`` replaced by ``_``, at most 120 characters, never empty or
        starting with a dot.

    Examples
    --------
    >>> safe_file_name("C:\\\\data\\\\night 1.edf")
    'night 1.edf'
    >>> safe_file_name("../../etc/passwd")
    'passwd'
    """
    base = re.split(r"[\\/]", name)[-1]
    plain = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    cleaned = _UNSAFE.sub("_", plain).strip(" .")
    if len(cleaned) > 120:
        stem, dot, ext = cleaned.rpartition(".")
        cleaned = (stem[: 119 - len(ext)] + dot + ext) if dot and len(ext) <= 8 else cleaned[:120]
    return cleaned or "recording"


def recording_format(name: str) -> str | None:
    """Return the format (lower-case extension) of a file name, or None when not accepted."""
    _, dot, ext = name.rpartition(".")
    ext = ext.lower()
    return ext if dot and ext in RECORDING_FORMATS else None


class Recording(_Record):
    """One uploaded recording and the state of its analysis.

    Parameters
    ----------
    id : str
        The record id; letters, digits, ``-`` and ``_`` only, as it names the kept file.
    file_name : str
        The sanitised name it was uploaded under (display only, never a path).
    format : str
        Its type: a key of :data:`RECORDING_FORMATS`.
    size_bytes : int
        Size of the file, in bytes.
    sha256 : str
        SHA-256 of the file (64 hexadecimal characters).
    started_at : datetime, optional
        When the recording started (UTC); None until known.
    started_at_source : StartSource, optional
        Where ``started_at`` came from.
    duration_s : float, optional
        Length, in s, once read.
    modality : str, optional
        ``emg`` or ``acc``, once read.
    status : RecordingStatus
        queued, running, done or failed.
    progress : float
        0 to 1.
    message : str, optional
        Why the analysis failed, in plain words (one line); or a note on a finished one.
    summary : dict, optional
        What the analysis found, compact: ``jerks``, ``negative_events``, ``per_hour``,
        ``channels``, ``quality`` (issues), ``physiology_hint``, ``groups``, ``group_gap_s``.
    """

    id: str = Field(
        default_factory=new_id,
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="letters, digits, '-' and '_' only: the id names the kept file",
    )
    file_name: str = Field(min_length=1, max_length=120)
    format: str = Field(min_length=1, max_length=8)
    size_bytes: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    started_at: UtcDatetime | None = None
    started_at_source: StartSource | None = None
    duration_s: float | None = Field(default=None, ge=0)
    modality: str | None = Field(default=None, pattern="^(emg|acc)$")
    status: RecordingStatus = RecordingStatus.QUEUED
    progress: float = Field(default=0.0, ge=0.0, le=1.0)
    message: str | None = Field(default=None, max_length=2000)
    summary: dict[str, Any] | None = None
    uploaded_by: Ident | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.format not in RECORDING_FORMATS:
            raise ValueError(
                f"format '{self.format}' is not a recording type; use one of "
                + ", ".join(RECORDING_FORMATS)
            )
        if (self.started_at is None) != (self.started_at_source is None):
            raise ValueError("give 'started_at' and 'started_at_source' together")
        return self
