"""Analyse every recording in a folder in parallel with Dask, resumably.

Each recording ``NAME`` gets ``<out>/NAME.json`` (the JSON document of
:func:`myoscope.services.recordings.analyse_recording`), written atomically (a ``.tmp``
file renamed into place), so a run that is interrupted leaves only complete results and the
next run skips them. ``<out>/summary.csv`` has one row per recording. Dask is imported only
when there is work to do.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from myoscope.errors import MyoscopeError, UserError

__all__ = [
    "DEFAULT_PATTERNS",
    "SCHEDULER_TIMEOUT_S",
    "SUMMARY_COLUMNS",
    "SUMMARY_NAME",
    "BatchResult",
    "FileResult",
    "find_recordings",
    "result_path",
    "run_batch",
]

DEFAULT_PATTERNS = (
    "*.csv",
    "*.tsv",
    "*.edf",
    "*.bdf",
    "*.npz",
    "*.npy",
    "*.txt",
    "*.cwa",
    "*.gt3x",
    "*.bin",
)
"""File name patterns of the recordings a batch picks up (not recursive)."""

SCHEDULER_TIMEOUT_S = 10
"""Seconds to wait for a ``--scheduler`` to answer."""

SUMMARY_NAME = "summary.csv"
"""Name of the summary table in the output folder."""

SUMMARY_COLUMNS = (
    "file",
    "status",
    "duration_s",
    "channels",
    "jerks",
    "myoclonus_index_per_hour",
    "positive",
    "negative",
    "error",
)
"""Columns of ``summary.csv``; ``channels`` lists the channel names separated by ``;``."""


@dataclass(frozen=True)
class FileResult:
    """The outcome for one recording of a batch.

    Attributes
    ----------
    file : str
        Recording file name.
    status : {"done", "skipped", "failed"}
        Analysed now, skipped because its complete result was already there, or failed.
    duration_s : float or None
        Recording length in s (None when failed).
    channels : tuple of str
        Channel names (empty when failed).
    jerks : int or None
        Jerks detected.
    myoclonus_index_per_hour : float or None
        Jerks per hour of recording.
    positive : int or None
        Positive events (bursts or jerks) over all channels.
    negative : int or None
        Negative events (silent periods) over all channels.
    error : str
        One-line reason when failed, else empty.
    """

    file: str
    status: str
    duration_s: float | None = None
    channels: tuple[str, ...] = ()
    jerks: int | None = None
    myoclonus_index_per_hour: float | None = None
    positive: int | None = None
    negative: int | None = None
    error: str = ""

    def to_row(self) -> dict[str, str]:
        """Return the row of ``summary.csv`` (empty cells for missing values)."""
        values: dict[str, Any] = {
            "file": self.file,
            "status": self.status,
            "duration_s": self.duration_s,
            "channels": ";".join(self.channels),
            "jerks": self.jerks,
            "myoclonus_index_per_hour": self.myoclonus_index_per_hour,
            "positive": self.positive,
            "negative": self.negative,
            "error": self.error,
        }
        return {k: "" if v is None else str(v) for k, v in values.items()}


@dataclass(frozen=True)
class BatchResult:
    """The outcome of a batch.

    Attributes
    ----------
    out_dir : pathlib.Path
        Output folder.
    summary_path : pathlib.Path
        The summary table.
    files : tuple of FileResult
        One per recording, in file-name order.
    """

    out_dir: Path
    summary_path: Path
    files: tuple[FileResult, ...]

    def count(self, status: str) -> int:
        """Return how many recordings have this status ("done", "skipped" or "failed")."""
        return sum(f.status == status for f in self.files)


def find_recordings(
    in_dir: str | Path,
    pattern: Sequence[str] = DEFAULT_PATTERNS,
    *,
    out_dir: str | Path | None = None,
) -> list[Path]:
    """List the recordings of a folder, sorted by name.

    Parameters
    ----------
    in_dir : str or pathlib.Path
        Folder to search (not recursive).
    pattern : sequence of str
        Glob patterns of file names.
    out_dir : str or pathlib.Path, optional
        Output folder; its summary table is never taken for a recording.

    Returns
    -------
    list of pathlib.Path

    Raises
    ------
    UserError
        The folder does not exist, or holds no recording.
    """
    folder = Path(in_dir)
    if not folder.is_dir():
        raise UserError(f"'{folder}' is not a folder; give the folder that holds the recordings.")
    summary = (Path(out_dir) / SUMMARY_NAME).resolve() if out_dir is not None else None
    found = {
        p
        for pat in pattern
        for p in folder.glob(pat)
        if p.is_file() and (summary is None or p.resolve() != summary)
    }
    if not found:
        raise UserError(
            f"No recordings in '{folder}' (looked for {', '.join(pattern)}); "
            "check the folder or the file types."
        )
    return sorted(found, key=lambda p: p.name)


def result_path(out_dir: str | Path, recording: str | Path) -> Path:
    """Return the result file of a recording: ``<out_dir>/<file name>.json``."""
    return Path(out_dir) / f"{Path(recording).name}.json"


def _complete(path: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(doc, dict) and {"recording", "summary"} <= doc.keys():
        return doc
    return None


def _from_result(file: str, status: str, doc: dict[str, Any]) -> FileResult:
    rec, summary = doc["recording"], doc["summary"]
    per_channel = summary.get("per_channel", {}).values()
    return FileResult(
        file=file,
        status=status,
        duration_s=rec.get("duration_s"),
        channels=tuple(rec.get("channels", ())),
        jerks=summary.get("jerks"),
        myoclonus_index_per_hour=summary.get("myoclonus_index_per_hour"),
        positive=sum(int(c.get("positive", 0)) for c in per_channel),
        negative=sum(int(c.get("negative", 0)) for c in per_channel),
    )


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if isinstance(exc, MyoscopeError):
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _analyse(path: str, options: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """Run on a worker: the result document, or None and a one-line reason."""
    from myoscope.services.recordings import analyse_recording

    try:
        return analyse_recording(path, **options), ""
    except Exception as exc:  # a bad file fails its row, never the batch
        return None, _one_line(exc)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _write_summary(path: Path, rows: Iterable[FileResult]) -> None:
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(SUMMARY_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row.to_row())
    _write_atomic(path, buffer.getvalue())


def run_batch(
    in_dir: str | Path,
    out_dir: str | Path,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    pattern: Sequence[str] = DEFAULT_PATTERNS,
    modality: str | None = None,
    rate_hz: float | None = None,
    channels: Sequence[str] | None = None,
    mains_hz: int = 50,
    progress: Callable[[FileResult], None] | None = None,
) -> BatchResult:
    """Analyse every recording of a folder in parallel, skipping those already done.

    Parameters
    ----------
    in_dir : str or pathlib.Path
        Folder of recordings (see :func:`find_recordings`).
    out_dir : str or pathlib.Path
        Output folder, created if needed: ``<file name>.json`` per recording and
        ``summary.csv``.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); a local cluster of
        processes is started when not given. Its workers must be able to read ``in_dir``.
    workers : int, optional
        Worker processes of the local cluster [default: the number of CPUs].
    pattern : sequence of str
        Glob patterns of the recording file names.
    modality, rate_hz, channels, mains_hz
        As for :func:`myoscope.services.recordings.analyse_recording` (rate in Hz).
    progress : callable, optional
        Called with each :class:`FileResult` as it is known (skipped ones first).

    Returns
    -------
    BatchResult

    Raises
    ------
    UserError
        No folder or no recordings, a bad worker count, an output folder that cannot be
        written, or a scheduler that cannot be reached. A recording that fails is reported
        in its row and never stops the batch.
    """
    if workers is not None and workers < 1:
        raise UserError(f"--workers {workers} is not allowed; give 1 or more.")
    if mains_hz not in (50, 60):
        raise UserError(f"Invalid mains frequency {mains_hz!r}: allowed 50 or 60 Hz.")
    out = Path(out_dir)
    files = find_recordings(in_dir, pattern, out_dir=out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"Cannot create '{out}': {exc.strerror}.") from None
    results: dict[str, FileResult] = {}
    todo: list[Path] = []
    for f in files:
        target = result_path(out, f)
        target.with_name(target.name + ".tmp").unlink(missing_ok=True)  # left by an interruption
        doc = _complete(target) if target.is_file() else None
        if doc is None:
            todo.append(f)
            continue
        results[f.name] = _from_result(f.name, "skipped", doc)
        if progress is not None:
            progress(results[f.name])
    options: dict[str, Any] = {
        "modality": modality,
        "rate_hz": rate_hz,
        "channels": None if channels is None else list(channels),
        "mains_hz": mains_hz,
    }
    try:
        if todo:
            _run(todo, out, options, results, scheduler, workers, progress)
    finally:
        summary_path = out / SUMMARY_NAME
        rows = tuple(results[f.name] for f in files if f.name in results)
        try:
            _write_summary(summary_path, rows)
        except OSError as exc:
            raise UserError(f"Cannot write '{summary_path}': {exc.strerror}.") from None
    return BatchResult(out, summary_path, rows)


def _run(
    todo: list[Path],
    out: Path,
    options: dict[str, Any],
    results: dict[str, FileResult],
    scheduler: str | None,
    workers: int | None,
    progress: Callable[[FileResult], None] | None,
) -> None:
    # distributed has no type hints: its calls below carry type: ignore[no-untyped-call].
    from distributed import Client, LocalCluster, as_completed

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=f"{SCHEDULER_TIMEOUT_S}s")  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError, ValueError) as exc:
            raise UserError(
                f"Cannot reach the Dask scheduler at '{scheduler}' ({_one_line(exc)}); "
                "check the address or leave out --scheduler for a local cluster."
            ) from None
        cluster = None
    else:
        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=min(workers or os.cpu_count() or 1, len(todo)),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=50,  # logging.CRITICAL: errors are reported per file
        )
        client = Client(cluster)  # type: ignore[no-untyped-call]
    try:
        futures = {
            client.submit(_analyse, str(f.resolve()), options, key=f"myoscope-{i}-{f.name}"): f
            for i, f in enumerate(todo)
        }
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            f = futures[future]
            try:
                doc, error = future.result()
            except Exception as exc:  # a worker that died: the file fails, the batch goes on
                doc, error = None, _one_line(exc)
            if doc is None:
                row = FileResult(f.name, "failed", error=error)
            else:
                try:
                    _write_atomic(result_path(out, f), json.dumps(doc, indent=2) + "\n")
                    row = _from_result(f.name, "done", doc)
                except OSError as exc:
                    row = FileResult(f.name, "failed", error=f"cannot write result: {exc.strerror}")
            results[f.name] = row
            if progress is not None:
                progress(row)
    finally:
        client.close()  # type: ignore[no-untyped-call]
        if cluster is not None:
            cluster.close()
