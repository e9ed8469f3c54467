"""``myoscope report``: the clinician report of a diary as a PDF.

Whoever can run this command can open the database file itself, so it reads the diary of the
account named with ``--user`` (or the only patient) without signing in, as ``myoscope insights``
does.
"""

from __future__ import annotations

import io
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from myoscope.cli.common import db_option, open_services
from myoscope.cli.insights import pick_patient
from myoscope.errors import InvalidInputError, UserError

if TYPE_CHECKING:
    from myoscope.bootstrap import Services

__all__ = ["report"]


def _seed_demo(services: Services) -> None:
    from zoneinfo import ZoneInfo

    from myoscope.services.demo import DEMO_TIMEZONE, seed_demo

    today = services.clock().astimezone(ZoneInfo(DEMO_TIMEZONE)).date()
    seed_demo(
        services.accounts,
        services.diaries,
        services.profiles,
        today=today,
        recordings=services.recordings,
    )


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInputError(
            f"{option} '{value}' is not a date; write it as YYYY-MM-DD, e.g. 2026-05-01."
        ) from None


@click.command()
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the PDF; '-' writes it to standard output.",
)
@click.option(
    "--user",
    "email",
    default=None,
    metavar="EMAIL",
    help="The diary's owner [default: the only patient account].",
)
@click.option(
    "--from",
    "from_",
    default=None,
    metavar="DATE",
    help="First day, YYYY-MM-DD [default: the first entry].",
)
@click.option("--to", default=None, metavar="DATE", help="Last day, YYYY-MM-DD [default: today].")
@click.option(
    "--demo",
    is_flag=True,
    help="Report the synthetic demo diary (built in memory, as 'myoscope serve --demo' does).",
)
@db_option
def report(
    out: Path, email: str | None, from_: str | None, to: str | None, demo: bool, db: str | None
) -> None:
    """Write the clinician report of a diary: one or two A4 pages (PDF).

    It leads with the myoclonus type, how often jerks and lapses of tone occur and the last
    episode, then the current medicines and changes, the response to each change with its 95 %
    interval, tolerance and triggers, side effects and adherence, the safety alerts for the
    current profile and the sensor summary. Information to discuss with a clinician, not
    medical advice.

    \b
    Example:
      myoscope report --out report.pdf
      myoscope report --user alex@example.org --from 2026-05-01 --to 2026-10-31 --out alex.pdf
      myoscope report --demo --out demo.pdf      # the synthetic demo patient
    """
    from myoscope.report import render_pdf

    start, end = _day(from_, "--from"), _day(to, "--to")
    if demo and (db or email):
        raise InvalidInputError(
            "--demo reports the synthetic demo diary in memory; leave out --db and --user, or "
            "leave out --demo."
        )
    services = open_services("sqlite://" if demo else db)
    try:
        if demo:
            _seed_demo(services)
        account = pick_patient(services.repository.accounts.all(), email)
        diary = services.diaries.open(account)
        data = services.report.gather(diary, period_from=start, period_to=end)
    finally:
        services.close()
    buffer = io.BytesIO()
    render_pdf(data, out=buffer)
    if str(out) == "-":
        sys.stdout.buffer.write(buffer.getvalue())
        sys.stdout.buffer.flush()
        return
    try:
        out.write_bytes(buffer.getvalue())
    except OSError as exc:
        raise UserError(f"Cannot write the report to '{out}': {exc.strerror}.") from None
    click.echo(
        f"Wrote {out}: the report of {data.patient} from {data.period_from.isoformat()} to "
        f"{data.period_to.isoformat()}."
    )
