"""``myoscope report``: the clinician report of a diary as a PDF.

Whoever can run this command can open the database file itself, so it reads the diary of the
account named with ``--user`` (or the only patient) without signing in, as ``myoscope insights``
does.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from myoscope.cli.common import (
    db_option,
    open_services,
    parse_day,
    period_options,
    pick_patient,
    seed_demo_today,
)
from myoscope.errors import InvalidInputError, UserError

if TYPE_CHECKING:
    pass

__all__ = ["report"]


@click.command()
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the PDF; '-' writes it to standard output.",
)
@period_options
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

    start, end = parse_day(from_, "--from"), parse_day(to, "--to")
    if demo and (db or email):
        raise InvalidInputError(
            "--demo reports the synthetic demo diary in memory; leave out --db and --user, or "
            "leave out --demo."
        )
    services = open_services("sqlite://" if demo else db)
    try:
        if demo:
            seed_demo_today(services)
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
