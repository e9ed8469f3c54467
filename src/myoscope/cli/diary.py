"""``myoscope diary``: diary tasks from the command line (adding a recording).

Whoever can run these commands can open the database file itself, so they act for the account
named with ``--user`` without signing in.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from myoscope.cli.common import db_option, open_services
from myoscope.errors import InvalidInputError, NotFoundError, SignalError

if TYPE_CHECKING:
    from myoscope.domain.recordings import Recording

__all__ = ["diary"]


@click.group()
def diary() -> None:
    """Add to a diary from the command line.

    \b
    Example:
      myoscope diary add-recording night.edf --user alex@example.org
    """


def _started_at(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        moment = None
    if moment is None or moment.utcoffset() is None:
        raise InvalidInputError(
            f"--started-at '{text}' is not a date and time with an offset; write it like "
            "2026-03-01T22:30:00+01:00."
        )
    return moment


@diary.command("add-recording")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--user", "email", required=True, metavar="EMAIL", help="The diary's owner.")
@click.option(
    "--started-at",
    "started_at",
    metavar="ISO",
    default=None,
    help="When the recording started (ISO 8601 with an offset), used when the file's header "
    "has no start [default: the header's start, else the time now minus the length].",
)
@db_option
def add_recording(file: Path, email: str, started_at: str | None, db: str | None) -> None:
    """Add a recording to a patient's diary and find the jerks in it now.

    The file is kept with the diary (as an upload in the web app would be), analysed here with
    a progress bar, and the jerks found become sensor episodes waiting for review in the web
    app. Formats: EDF/BDF, CSV/TSV, NumPy, Axivity .cwa, ActiGraph .gt3x, GENEActiv .bin.

    \b
    Example:
      myoscope diary add-recording night.edf --user alex@example.org
      myoscope diary add-recording wrist.csv --user alex@example.org \\
          --started-at 2026-03-01T22:30:00+01:00
    """
    start = _started_at(started_at)
    if not file.is_file():
        raise InvalidInputError(f"{file}: no such file; check the path.")
    services = open_services(db)
    try:
        account = services.repository.accounts.get_by_email(email)
        if account is None:
            raise NotFoundError(
                f"No account uses the e-mail address {email}; see 'myoscope users list'."
            )
        opened = services.diaries.open(account)
        with file.open("rb") as stream:
            recording = services.recordings.upload(opened, file.name, stream, started_at=start)
        shown = [0]
        with click.progressbar(
            length=1000, label="Finding jerks", file=sys.stderr, hidden=not sys.stderr.isatty()
        ) as bar:

            def advance(fraction: float) -> None:
                step = max(0, min(1000, int(fraction * 1000)) - shown[0])
                shown[0] += step
                bar.update(step)

            done = services.recordings.analyse_now(opened, recording.id, progress=advance)
        if done.status != "done":  # nothing is added for a file that cannot be analysed
            services.recordings.delete(opened, recording.id)
            raise SignalError(
                f"{done.message or 'the recording could not be analysed'} Nothing was added "
                "to the diary."
            )
        episodes = len(services.recordings.episodes(opened, recording.id))
    finally:
        services.close()
    for line in _summary_lines(done, episodes):
        click.echo(line)


def _summary_lines(recording: Recording, episodes: int) -> list[str]:
    summary: dict[str, Any] = recording.summary or {}
    minutes = (recording.duration_s or 0) / 60
    source = {
        "header": "from the file's header",
        "user": "as given",
        "upload": "estimated: now minus the length",
    }.get(str(recording.started_at_source), "")
    lines = [
        f"Recording {recording.id}: {recording.file_name}, {minutes:.1f} min of "
        f"{'surface EMG' if recording.modality == 'emg' else 'accelerometer'}",
        f"Started: {recording.started_at.isoformat() if recording.started_at else '?'} ({source})",
        f"Jerks: {summary.get('jerks', 0)}"
        + (f", {summary['per_hour']:.1f} per hour" if summary.get("per_hour") is not None else "")
        + (
            f"; lapses of tone: {summary['negative_events']}"
            if summary.get("negative_events")
            else ""
        ),
    ]
    for issue in summary.get("quality", []):
        lines.append(f"Quality: {issue.get('channel')}: {issue.get('issue')}")
    hint = summary.get("physiology_hint")
    if hint:
        lines.append(
            f"Physiology hint ({hint.get('note', 'not a diagnosis')}): cortical "
            f"{hint['cortical']:.0%}, subcortical {hint['subcortical']:.0%}, functional "
            f"{hint['functional']:.0%}"
        )
    lines.append(
        f"Sensor episodes created: {episodes} (jerks less than {summary.get('group_gap_s', 60):g} s "
        "apart grouped), waiting for review in the web app (Recordings)."
    )
    return lines
