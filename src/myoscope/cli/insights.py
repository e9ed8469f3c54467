"""``myoscope insights``: what a diary says about treatment response, tolerance and triggers.

Whoever can run this command can open the database file itself, so it reads the diary of the
account named with ``--user`` (or the only patient) without signing in.
"""

from __future__ import annotations

import json
from typing import Any

import click

from myoscope.cli.common import db_option, open_services, parse_day, period_options, pick_patient

__all__ = ["insights", "render_insights"]


@click.command()
@period_options
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@db_option
def insights(
    email: str | None, from_: str | None, to: str | None, fmt: str, db: str | None
) -> None:
    """Show what the diary says: response to each medication change, tolerance and triggers.

    Every ratio comes with a 95 % interval and the method behind it; a comparison with too
    few days on either side says so instead of giving a number. Information to discuss with a
    clinician, not medical advice.

    \b
    Example:
      myoscope insights --user alex@example.org
      myoscope insights --from 2026-05-01 --to 2026-10-31 --format json
    """
    start, end = parse_day(from_, "--from"), parse_day(to, "--to")
    services = open_services(db)
    try:
        account = pick_patient(services.repository.accounts.all(), email)
        diary = services.diaries.open(account)
        doc = services.insights.insights(diary, period_from=start, period_to=end)
    finally:
        services.close()
    click.echo(
        json.dumps(doc, indent=2) if fmt == "json" else render_insights(doc), nl=fmt == "json"
    )


def _ci(ci: list[float] | None) -> str:
    return "" if not ci else f" (95 % CI {ci[0]:.2f}-{ci[1]:.2f})"


def render_insights(doc: dict[str, Any]) -> str:
    """Render the insights document as a short report for a terminal."""
    period = doc["period"]
    lines = [
        f"Insights {period['from']} to {period['to']}: {period['days']} days, "
        f"{period['days_with_entries']} with entries",
    ]
    burden = doc["burden"]
    recent = burden.get("last_28_days") or {}
    if recent.get("jerks_per_day") is not None:
        line = f"Last 28 days: {recent['jerks_per_day']:.1f} jerks a day"
        versus = recent.get("vs_previous_28_days") or {}
        if versus.get("ratio") is not None:
            line += (
                f"; {versus['ratio']:.2f} times the 28 days before{_ci(versus.get('ci95'))}: "
                f"{versus.get('verdict')}"
            )
        lines.append(line)
    else:
        lines.append("Last 28 days: nothing recorded")
    if burden.get("last_episode"):
        lines.append(f"Last episode: {burden['last_episode']}")
    lines += ["", "Response to medication changes:"]
    for r in doc["responses"] or []:
        change = r["change"]
        what = f"{change['date']} {change['drug']} {change.get('kind', '')}".rstrip()
        if r["enough_data"]:
            lines.append(
                f"  {what}: rate ratio {r['rate_ratio']:.2f}{_ci(r['ci95'])}: {r['verdict']}"
            )
        else:
            lines.append(f"  {what}: {r['verdict']}")
    if not doc["responses"]:
        lines.append("  no medication change in this period")
    if doc["tolerance"]:
        lines += ["", "On a stable dose:"]
        for t in doc["tolerance"]:
            trend = t.get("trend_per_week")
            figure = f"{trend:.2f} a week{_ci(t.get('ci95'))}: " if trend is not None else ""
            lines.append(f"  {t['drug']} since {t['since']}: {figure}{t['verdict']}")
    lines += ["", "Triggers and factors:", f"  ({doc['trigger_note']})"]
    shown = [t for t in doc["triggers"] if t["enough_data"]]
    for t in shown:
        lag = "same day" if t["lag_days"] == 0 else f"{t['lag_days']} day later"
        lines.append(
            f"  {t['trigger']} ({lag}; {t['days_with']} days with, {t['days_without']} without): "
            f"{t['rate_ratio']:.2f}{_ci(t['ci95'])}: {t['verdict']}"
        )
    if not shown:
        lines.append("  not enough days with and without any factor yet")
    if doc["adherence"]:
        lines += ["", "Doses taken:"]
        for a in doc["adherence"]:
            taken = a.get("taken_fraction")
            lines.append(
                f"  {a['drug']}: "
                + ("no doses recorded" if taken is None else f"{taken:.0%} taken or late")
            )
    if doc["side_effects"]:
        lines += ["", "Side effects:"]
        lines += [
            f"  {s['drug']}: {s['reports']} report(s), most often {s['most_common']}"
            for s in doc["side_effects"]
        ]
    sensor = doc.get("sensor")
    if sensor:
        median = sensor.get("confirmed_jerks_per_hour_median")
        lines += [
            "",
            f"Sensor recordings: {sensor['recordings']}"
            + ("" if median is None else f", median {median:.1f} confirmed jerks per hour"),
        ]
    lines += ["", doc["disclaimer"], ""]
    return "\n".join(lines)
