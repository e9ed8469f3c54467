"""Insights: what the diary says about treatment response, tolerance and triggers, in charts.

The page shows the insights document (:meth:`myoscope.services.insights.InsightsService.insights`)
in plain words first and numbers second. Every chart is drawn in the browser by
``/static/insights.js`` with the vendored Apache ECharts library (``/static/vendor/echarts``; no
file is fetched from another site), from a JSON block the template writes into the page; every
chart has a table with the same numbers, so the page is complete without JavaScript.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from myoscope.domain.diary import FIRST_DAY, LAST_DAY
from myoscope.errors import InvalidInputError
from myoscope.services.diary import DiaryAccess
from myoscope.web.deps import DiaryDep, diary_url, render, services_of
from myoscope.web.localtime import fmt_datetime, zone

__all__ = ["insights_view", "parse_day", "rolling_mean", "router"]

router = APIRouter(include_in_schema=False)

AVERAGE_DAYS = 7
"""Days in the moving average drawn over the daily jerks."""
AVERAGE_MIN_LOGGED = 4
"""Logged days a moving-average window needs (fewer: no average for that day)."""

_TRIGGER_NAMES = {
    "sleep-loss": "sleep loss",
    "missed-dose": "a missed dose",
    "touch-startle": "touch or startle",
}
_LAG_TEXT = {0: "same day", 1: "the day after"}


def parse_day(value: str | None, name: str) -> date | None:
    """Read a ``YYYY-MM-DD`` date from the query string.

    Parameters
    ----------
    value : str or None
        The text given (empty or None: no date).
    name : str
        What the date is, for the message ("start", "end").

    Returns
    -------
    date or None
        The day, or None when nothing was given.

    Raises
    ------
    InvalidInputError
        When the text is not a date, or lies outside the years a diary can hold.
    """
    text = (value or "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(
            f"The {name} date '{text[:40]}' is not a date; write it as year-month-day, "
            "for example 2026-03-01.",
            field=name,
        ) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidInputError(
            f"The {name} date {day.isoformat()} is outside the years a diary can hold "
            f"({FIRST_DAY.year} to {LAST_DAY.year}).",
            field=name,
        )
    return day


def rolling_mean(
    values: Sequence[float | None],
    window: int = AVERAGE_DAYS,
    min_logged: int = AVERAGE_MIN_LOGGED,
) -> list[float | None]:
    """Return the trailing moving average of daily jerks, skipping missing days.

    Parameters
    ----------
    values : sequence of float or None
        Jerks per day, oldest first; None is a day without any entry (missing, not zero).
    window : int
        Days in each window (the day itself and the ``window - 1`` before it).
    min_logged : int
        Logged days a window needs; with fewer, the day's average is None (a gap).

    Returns
    -------
    list of float or None
        The mean jerks per logged day of each window, rounded to 0.1, or None.
    """
    out: list[float | None] = []
    for i in range(len(values)):
        seen = [v for v in values[max(0, i - window + 1) : i + 1] if v is not None]
        out.append(round(sum(seen) / len(seen), 1) if len(seen) >= min_logged else None)
    return out


def _day_text(iso: str | None) -> str:
    """Return ``18 Jan 2026`` for an ISO date (empty for None)."""
    if not iso:
        return ""
    day = date.fromisoformat(iso[:10])
    return f"{day.day} {day:%b %Y}"


def _num(value: float | None, digits: int = 2) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _mg(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def _direction(ci95: Sequence[float] | None) -> str:
    """Say what a 95 % interval of a ratio supports: fewer, more, unclear, or none (no data)."""
    if not ci95:
        return "none"
    if ci95[1] < 1:
        return "fewer"
    if ci95[0] > 1:
        return "more"
    return "unclear"


def _interval_text(ratio: float | None, ci95: Sequence[float] | None, what: str) -> str:
    if ratio is None or not ci95:
        return ""
    return f"{what} {ratio:.2f} (95 % interval {ci95[0]:.2f} to {ci95[1]:.2f})"


def _change_label(change: Mapping[str, Any]) -> str:
    """Describe a medication change in a few words: ``levetiracetam 1000 → 2000 mg/day``."""
    drug = str(change.get("drug", ""))
    kind = change.get("kind")
    before, after = change.get("from_mg_per_day"), change.get("to_mg_per_day")
    if kind == "start":
        return f"{drug} started, {_mg(after)} mg/day"
    if kind == "stop":
        return f"{drug} stopped (was {_mg(before)} mg/day)"
    return f"{drug} {_mg(before)} → {_mg(after)} mg/day"


def _change_short(change: Mapping[str, Any]) -> str:
    """Label a change line on the chart: ``levetiracetam 1000→2000 mg/day``."""
    drug = str(change.get("drug", ""))
    before, after = change.get("from_mg_per_day"), change.get("to_mg_per_day")
    if change.get("kind") == "start":
        return f"{drug} {_mg(after)} mg/day"
    if change.get("kind") == "stop":
        return f"{drug} stopped"
    return f"{drug} {_mg(before)}→{_mg(after)} mg/day"


def _trigger_name(trigger: str) -> str:
    return _TRIGGER_NAMES.get(trigger, trigger.replace("-", " "))


def _estimate_row(
    label: str,
    ratio: float | None,
    ci95: Sequence[float] | None,
    entry: Mapping[str, Any],
    what: str = "rate ratio",
) -> dict[str, Any]:
    """Return one row of a forest plot: the numbers, the verdict and how to show it."""
    enough = bool(entry.get("enough_data", ratio is not None))
    shown = ratio is not None and bool(ci95) and enough
    return {
        "label": label,
        "ratio": ratio if shown else None,
        "low": ci95[0] if shown and ci95 else None,
        "high": ci95[1] if shown and ci95 else None,
        "enough": enough,
        "direction": _direction(ci95) if shown else "none",
        "verdict": str(entry.get("verdict") or ""),
        "reason": entry.get("reason"),
        "numbers": _interval_text(ratio, ci95, what) if shown else "",
        "method": entry.get("method"),
        "note": entry.get("note"),
    }


def _responses(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for r in doc["responses"]:
        change = r["change"]
        row = _estimate_row(
            f"{_change_label(change)} ({_day_text(change['date'])})",
            r.get("rate_ratio"),
            r.get("ci95"),
            r,
        )
        row |= {
            "date": change["date"],
            "short": _change_label(change),
            "delay_days": change.get("delay_days"),
            "before": r.get("before"),
            "after": r.get("after"),
            "days_before": r.get("days_before"),
            "days_after": r.get("days_after"),
            "windows": _windows_text(r),
        }
        rows.append(row)
    return rows


def _windows_text(response: Mapping[str, Any]) -> str:
    before, after = response.get("before"), response.get("after")
    parts = []
    if before:
        parts.append(
            f"before: {_day_text(before['from'])} to {_day_text(before['to'])} "
            f"({response.get('days_before', 0)} logged days)"
        )
    if after:
        parts.append(
            f"after: {_day_text(after['from'])} to {_day_text(after['to'])} "
            f"({response.get('days_after', 0)} logged days)"
        )
    return "; ".join(parts)


def _triggers(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for t in doc["triggers"]:
        lag = int(t.get("lag_days", 0))
        name = _trigger_name(str(t["trigger"]))
        row = _estimate_row(
            f"{name[:1].upper()}{name[1:]}, {_LAG_TEXT.get(lag, f'{lag} days later')}",
            t.get("rate_ratio"),
            t.get("ci95"),
            t,
        )
        row |= {"days_with": t.get("days_with"), "days_without": t.get("days_without")}
        rows.append(row)
    return rows


def _tolerance(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for t in doc["tolerance"]:
        row = _estimate_row(
            f"{t['drug']}, {_day_text(t.get('since'))} to {_day_text(t.get('until'))}",
            t.get("trend_per_week"),
            t.get("ci95"),
            t,
            what="change per week",
        )
        row |= {"drug": t["drug"], "days": t.get("days")}
        rows.append(row)
    return rows


def _headline(doc: Mapping[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    recent = doc["burden"]["last_28_days"]
    vs = recent.get("vs_previous_28_days") or {}
    last = doc["burden"].get("last_episode")
    return {
        "from": _day_text(recent.get("from")),
        "to": _day_text(recent.get("to")),
        "jerks_per_day": recent.get("jerks_per_day"),
        "logged_days": recent.get("logged_days", 0),
        "change": _estimate_row(
            "Compared with the 28 days before", vs.get("ratio"), vs.get("ci95"), vs
        ),
        "last_episode": fmt_datetime(datetime.fromisoformat(last), tz) if last else None,
    }


def _daily(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    days = doc["burden"]["daily"]
    averages = rolling_mean([d["jerks"] if d.get("logged") else None for d in days])
    return [
        {
            "date": d["date"],
            "text": _day_text(d["date"]),
            "logged": bool(d.get("logged")),
            "jerks": d.get("jerks") if d.get("logged") else None,
            "average": avg,
            "intensity": d.get("intensity_mean"),
            "burden": d.get("burden"),
        }
        for d, avg in zip(days, averages, strict=True)
    ]


def _heatmap(doc: Mapping[str, Any]) -> dict[str, Any]:
    pattern = doc["hour_of_day"]
    values: list[list[float]] = pattern["jerks_per_day"]
    peak = max((max(row) for row in values if row), default=0.0)
    busiest = None
    if peak > 0:
        w, h = next((w, h) for w, row in enumerate(values) for h, v in enumerate(row) if v == peak)
        busiest = {"weekday": pattern["weekdays"][w], "hour": pattern["hours"][h], "value": peak}
    return {
        "weekdays": pattern["weekdays"],
        "hours": pattern["hours"],
        "values": values,
        "logged_days": pattern.get("logged_days", []),
        "max": peak,
        "busiest": busiest,
    }


def _per_drug(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Adherence and side effects side by side, one row per medicine."""
    adherence = {a["drug"]: a for a in doc.get("adherence", [])}
    side = {s["drug"]: s for s in doc.get("side_effects", [])}
    names = list(dict.fromkeys([*adherence, *side]))
    return [{"drug": n, "adherence": adherence.get(n), "side_effects": side.get(n)} for n in names]


def _sensor(doc: Mapping[str, Any], daily: list[dict[str, Any]]) -> dict[str, Any] | None:
    sensor = doc.get("sensor")
    if not sensor:
        return None
    diary_jerks = {d["date"]: d["jerks"] for d in daily}
    days = [
        {**d, "text": _day_text(d.get("date")), "diary_jerks": diary_jerks.get(d.get("date"))}
        for d in sensor.get("daily", [])
    ]
    return {**sensor, "days": days}


def _assumptions(doc: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Return the analysis's assumptions as (what, value) pairs, in words."""
    a = doc["burden"].get("assumptions", {})
    out = []
    bands = a.get("band_jerks")
    if bands:
        out.append(
            (
                "Count bands",
                "a band counts as its midpoint: "
                + ", ".join(f"{band} as {value:g}" for band, value in bands.items())
                + (
                    f"; continuous jerks as {a['continuous_jerks']:g} a day"
                    if "continuous_jerks" in a
                    else ""
                ),
            )
        )
    words = {
        "burden": "Burden score",
        "missing_days": "Missing days",
        "sleep_loss": "Sleep loss",
    }
    out += [(label, str(a[key])) for key, label in words.items() if key in a]
    numbers = {
        "window_days": ("Comparison windows", "{} days before and after a change"),
        "min_days_each_side": ("Fewest logged days", "{} on each side of a comparison"),
        "min_stable_days": ("Tolerance", "looked for on a dose kept stable for {} days or more"),
        "min_trigger_days": ("Triggers", "compared with at least {} days with and without"),
        "default_delay_days": ("Default delay", "{} days before an effect is expected"),
    }
    out += [(label, text.format(a[key])) for key, (label, text) in numbers.items() if key in a]
    return out


def insights_view(doc: Mapping[str, Any], timezone: str) -> dict[str, Any]:
    """Turn the insights document into what the page shows and what its charts draw.

    Parameters
    ----------
    doc : mapping
        The insights document of :meth:`~myoscope.services.insights.InsightsService.insights`.
    timezone : str
        The diary owner's IANA time zone (the last episode is shown in it).

    Returns
    -------
    dict
        ``headline``, ``daily`` (with the 7-day average), ``changes``, ``responses``,
        ``tolerance``, ``triggers``, ``heatmap``, ``sensor``, ``assumptions`` and ``chart``
        (the JSON the page's script draws from).
    """
    daily = _daily(doc)
    responses = _responses(doc)
    triggers = _triggers(doc)
    heatmap = _heatmap(doc)
    changes = [
        {"date": r["date"], "text": _day_text(r["date"]), "label": r["short"]} for r in responses
    ]
    chart = {
        "daily": [
            [d["date"], d["jerks"], d["average"], d["intensity"], d["burden"]] for d in daily
        ],
        "changes": [
            {"date": c["date"], "label": c["label"], "short": _change_short(r["change"])}
            for c, r in zip(changes, doc["responses"], strict=True)
        ],
        "responses": [_chart_row(r) for r in responses],
        "triggers": [_chart_row(t) for t in triggers],
        "heatmap": {k: heatmap[k] for k in ("weekdays", "hours", "values", "max")},
    }
    logged = [d for d in daily if d["logged"]]
    return {
        "period": doc["period"],
        "period_text": (
            f"{_day_text(doc['period'].get('from'))} to {_day_text(doc['period'].get('to'))}"
        ),
        "headline": _headline(doc, zone(timezone)),
        "daily": daily,
        "logged_days": len(logged),
        "peak_day": max(logged, key=lambda d: d["jerks"] or 0) if logged else None,
        "changes": changes,
        "responses": responses,
        "tolerance": _tolerance(doc),
        "triggers": triggers,
        "trigger_comparisons": doc.get("trigger_comparisons", 0),
        "trigger_note": doc.get("trigger_note"),
        "episode_triggers": doc.get("episode_triggers") or {"counts": {}, "note": ""},
        "episode_trigger_counts": [
            (_trigger_name(str(name)), n)
            for name, n in ((doc.get("episode_triggers") or {}).get("counts") or {}).items()
        ],
        "per_drug": _per_drug(doc),
        "side_effects_unlinked": doc.get("side_effects_unlinked", 0),
        "heatmap": heatmap,
        "sensor": _sensor(doc, daily),
        "assumptions": _assumptions(doc),
        "delays": (doc.get("knowledge") or {}).get("delay_before_effect", {}),
        "disclaimer": doc.get("disclaimer", ""),
        "chart": chart,
    }


def _chart_row(row: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("label", "ratio", "low", "high", "enough", "direction", "verdict", "reason")
    return {k: row[k] for k in keys}


def _period_errors(
    given_from: str | None, given_to: str | None
) -> tuple[date | None, date | None, dict[str, str]]:
    errors: dict[str, str] = {}
    days: dict[str, date | None] = {"from": None, "to": None}
    for name, value, word in (("from", given_from, "start"), ("to", given_to, "end")):
        try:
            days[name] = parse_day(value, word)
        except InvalidInputError as exc:
            errors[name] = str(exc)
    start, end = days["from"], days["to"]
    if start and end and start > end:
        errors["from"] = (
            f"The start date ({start.isoformat()}) is after the end date ({end.isoformat()}); "
            "give an earlier start or a later end."
        )
    return (None, None, errors) if errors else (start, end, errors)


def _report_url(diary: DiaryAccess, start: date | None, end: date | None) -> str:
    query = "&".join(
        f"{key}={day.isoformat()}" for key, day in (("from", start), ("to", end)) if day
    )
    return diary_url(diary.patient_id, "report.pdf") + (f"?{query}" if query else "")


@router.get("/d/{patient_id}/insights")
def insights(
    request: Request,
    diary: DiaryDep,
    given_from: Annotated[str | None, Query(alias="from", max_length=100)] = None,
    given_to: Annotated[str | None, Query(alias="to", max_length=100)] = None,
) -> Response:
    """Show the diary's insights for a period (the whole diary by default)."""
    start, end, errors = _period_errors(given_from, given_to)
    doc = services_of(request).insights.insights(diary, period_from=start, period_to=end)
    return render(
        request,
        "insights.html",
        status_code=422 if errors else 200,
        view=insights_view(doc, diary.owner.timezone),
        errors=errors,
        values={"from": given_from or "", "to": given_to or ""},
        report_url=_report_url(diary, start, end),
    )
