"""Plain-words labels and small page models built from diary records (no I/O)."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from myoscope.domain.diary import (
    BodyArea,
    CheckIn,
    CountBand,
    Dose,
    DoseStatus,
    DoseUnit,
    Episode,
    JerkKind,
    Regimen,
    Severity,
    SideEffect,
    Trigger,
)
from myoscope.web.localtime import fmt_date, fmt_datetime, fmt_time

__all__ = [
    "BODY_AREAS",
    "COUNT_BANDS",
    "DAY_FACTORS",
    "INTERFERENCE",
    "INTERFERENCE_ITEMS",
    "JERK_KINDS",
    "KIND_LABELS",
    "MOODS",
    "OUTCOMES",
    "SEVERITIES",
    "STATUSES",
    "TRIGGERS",
    "UNITS",
    "CalendarDay",
    "DoseSlot",
    "Entry",
    "Summary",
    "dose_slots",
    "entries",
    "month_calendar",
    "regimen_text",
    "summarise",
]

BODY_AREAS = [
    (BodyArea.EYES, "Eyes"),
    (BodyArea.FACE, "Face"),
    (BodyArea.NECK, "Neck"),
    (BodyArea.TRUNK, "Trunk"),
    (BodyArea.LEFT_ARM, "Left arm"),
    (BodyArea.RIGHT_ARM, "Right arm"),
    (BodyArea.LEFT_LEG, "Left leg"),
    (BodyArea.RIGHT_LEG, "Right leg"),
]
TRIGGERS = [
    (Trigger.ACTION, "Moving (action)"),
    (Trigger.NOISE, "Noise"),
    (Trigger.LIGHT, "Light"),
    (Trigger.TOUCH_STARTLE, "Touch or startle"),
    (Trigger.STRESS, "Stress"),
    (Trigger.SLEEP_LOSS, "Lack of sleep"),
    (Trigger.ALCOHOL, "Alcohol"),
    (Trigger.CAFFEINE, "Caffeine"),
    (Trigger.MISSED_DOSE, "A missed dose"),
    (Trigger.OTHER, "Something else"),
]
DAY_FACTORS = [
    (Trigger.STRESS, "Stress"),
    (Trigger.ALCOHOL, "Alcohol"),
    (Trigger.CAFFEINE, "Caffeine"),
    (Trigger.NOISE, "Noise"),
    (Trigger.LIGHT, "Bright or flashing light"),
]
COUNT_BANDS = [
    (CountBand.ONE, "1"),
    (CountBand.FEW, "2-10"),
    (CountBand.SEVERAL, "11-50"),
    (CountBand.MANY, "More than 50"),
    (CountBand.CONTINUOUS, "Continuous"),
]
JERK_KINDS = [
    (JerkKind.POSITIVE, "Jerk"),
    (JerkKind.NEGATIVE, "Sudden loss of tone"),
]
INTERFERENCE = [(0, "None"), (1, "A little"), (2, "Some"), (3, "A lot"), (4, "Could not")]
INTERFERENCE_ITEMS = [
    ("walking", "Walking"),
    ("eating", "Eating and drinking"),
    ("speaking", "Speaking"),
    ("writing", "Writing"),
    ("work", "Work or chores"),
]
MOODS = [(1, "Very low"), (2, "Low"), (3, "OK"), (4, "Good"), (5, "Very good")]
SEVERITIES = [(Severity.MILD, "Mild"), (Severity.MODERATE, "Moderate"), (Severity.SEVERE, "Severe")]
STATUSES = [
    (DoseStatus.TAKEN, "Taken"),
    (DoseStatus.LATE, "Taken late"),
    (DoseStatus.SKIPPED, "Skipped"),
]
UNITS = [(u, u.value) for u in DoseUnit]
OUTCOMES = [
    ("ineffective", "Did not help"),
    ("partial", "Helped partly"),
    ("not-tolerated", "Side effects were too much"),
    ("effective-stopped", "Helped, stopped for another reason"),
]
KIND_LABELS = {
    "episodes": "Episode",
    "checkins": "Check-in",
    "medications": "Medication",
    "doses": "Dose",
    "side-effects": "Side effect",
}
_LABELS: dict[str, str] = {
    str(k): v
    for k, v in [
        *BODY_AREAS,
        *TRIGGERS,
        *COUNT_BANDS,
        *JERK_KINDS,
        *SEVERITIES,
        *STATUSES,
        *OUTCOMES,
    ]
}


def label(value: object) -> str:
    """Return the plain-words label of a vocabulary value."""
    return _LABELS.get(str(value), str(value))


def _num(value: float) -> str:
    return f"{value:g}"


def regimen_text(r: Regimen) -> str:
    """Return ``levetiracetam 500 mg, 2 times a day`` (or ``as needed``)."""
    dose = f" {_num(r.dose_amount)} {r.dose_unit}" if r.dose_amount is not None else ""
    if r.as_needed:
        schedule = ", as needed"
    elif r.times_per_day:
        schedule = ", once a day" if r.times_per_day == 1 else f", {r.times_per_day} times a day"
    else:
        schedule = ""
    return f"{r.drug}{dose}{schedule}"


@dataclass(frozen=True)
class Entry:
    """One line of the history list."""

    kind: str
    record_id: str
    when: str
    sort_key: datetime
    title: str
    details: list[str]
    badge: str | None = None
    recording_id: str | None = None


_REVIEW_BADGES = {
    "pending": "sensor · to review",
    "confirmed": "sensor · confirmed",
    "false-alarm": "sensor · false alarm",
}


def _episode(e: Episode, tz: ZoneInfo) -> Entry:
    how_many = f"{e.count} jerks" if e.count else f"{label(e.count_band)} jerks"
    if e.count_band == CountBand.CONTINUOUS:
        how_many = "continuous jerks"
    if e.count == 1 or (e.count is None and e.count_band == CountBand.ONE):
        how_many = "1 jerk"
    kind = "loss of tone" if e.kind == JerkKind.NEGATIVE else "jerks"
    title = f"Episode: {how_many}, intensity {e.intensity}/10" + (
        f" ({kind})" if e.kind == JerkKind.NEGATIVE else ""
    )
    details = []
    if e.ended_at:
        details.append(f"until {fmt_time(e.ended_at, tz)}")
    if e.body_areas:
        details.append("where: " + ", ".join(label(a).lower() for a in e.body_areas))
    if e.triggers:
        details.append("set off by: " + ", ".join(label(t).lower() for t in e.triggers))
    if e.fell:
        details.append("fell")
    if e.note:
        details.append(f"note: {e.note}")
    if e.source == "sensor":  # found by a recording: no self-rated intensity, a review state
        title = title.replace(f"intensity {e.intensity}/10", "intensity not rated")
        return Entry(
            "episodes",
            e.id,
            fmt_datetime(e.started_at, tz),
            e.started_at,
            title,
            details,
            badge=_REVIEW_BADGES.get(str(e.review), "sensor"),
            recording_id=e.recording_id,
        )
    return Entry("episodes", e.id, fmt_datetime(e.started_at, tz), e.started_at, title, details)


def _checkin(c: CheckIn, tz: ZoneInfo) -> Entry:
    details = [
        f"{name.lower()}: {dict(INTERFERENCE)[value].lower()}"
        for key, name in INTERFERENCE_ITEMS
        if (value := getattr(c, key)) is not None
    ]
    if c.sleep_hours is not None:
        details.append(f"slept {_num(c.sleep_hours)} h")
    if c.mood is not None:
        details.append(f"mood: {dict(MOODS)[c.mood].lower()}")
    if c.factors:
        named = dict(DAY_FACTORS)
        details.append("today: " + ", ".join(named.get(f, str(f)).lower() for f in c.factors))
    if c.note:
        details.append(f"note: {c.note}")
    key = datetime(c.day.year, c.day.month, c.day.day, 23, 59, tzinfo=tz)
    return Entry(
        "checkins", c.id, fmt_date(c.day), key, f"Check-in: severity {c.severity}/10", details
    )


def _dose(d: Dose, tz: ZoneInfo) -> Entry:
    amount = f" {_num(d.amount)} {d.unit}" if d.amount is not None and d.unit else ""
    prn = " (as needed)" if d.as_needed else ""
    details = [f"note: {d.note}"] if d.note else []
    title = f"Dose: {d.drug or 'medicine'}{amount}{prn}: {label(d.status).lower()}"
    return Entry("doses", d.id, fmt_datetime(d.taken_at, tz), d.taken_at, title, details)


def _side_effect(s: SideEffect, tz: ZoneInfo, drugs: dict[str, str]) -> Entry:
    details = []
    if s.regimen_id and s.regimen_id in drugs:
        details.append(f"thought to be from {drugs[s.regimen_id]}")
    if s.ended_at:
        details.append(f"until {fmt_datetime(s.ended_at, tz)}")
    if s.note:
        details.append(f"note: {s.note}")
    title = f"Side effect: {s.effect} ({label(s.severity).lower()})"
    return Entry("side-effects", s.id, fmt_datetime(s.started_at, tz), s.started_at, title, details)


def _regimen(r: Regimen, tz: ZoneInfo) -> Entry:
    details = []
    if r.start_reason:
        details.append(f"why: {r.start_reason}")
    if r.stopped_on:
        details.append(f"stopped {fmt_date(r.stopped_on)}")
    if r.stop_reason:
        details.append(f"stop reason: {r.stop_reason}")
    if r.outcome:
        details.append(f"outcome: {label(r.outcome).lower()}")
    key = datetime(r.started_on.year, r.started_on.month, r.started_on.day, tzinfo=tz)
    return Entry(
        "medications",
        r.id,
        fmt_date(r.started_on),
        key,
        f"Medication started: {regimen_text(r)}",
        details,
    )


def entries(records: Iterable[Any], tz: ZoneInfo, regimens: Sequence[Regimen] = ()) -> list[Entry]:
    """Return history lines for records of any kind, newest first."""
    drugs = {r.id: r.drug for r in regimens}
    out: list[Entry] = []
    for record in records:
        if isinstance(record, Episode):
            out.append(_episode(record, tz))
        elif isinstance(record, CheckIn):
            out.append(_checkin(record, tz))
        elif isinstance(record, Dose):
            out.append(_dose(record, tz))
        elif isinstance(record, SideEffect):
            out.append(_side_effect(record, tz, drugs))
        elif isinstance(record, Regimen):
            out.append(_regimen(record, tz))
    out.sort(key=lambda e: (e.sort_key, e.record_id), reverse=True)
    return out


@dataclass(frozen=True)
class CalendarDay:
    """One day of the month calendar."""

    day: date
    in_month: bool
    episodes: int
    max_intensity: int | None


def month_calendar(
    year: int, month: int, episodes: Iterable[Episode], tz: ZoneInfo
) -> list[list[CalendarDay]]:
    """Return the weeks (Monday first) of a month with episodes and the highest intensity per day."""
    counts: dict[date, int] = {}
    highest: dict[date, int] = {}
    for e in episodes:
        day = e.started_at.astimezone(tz).date()
        counts[day] = counts.get(day, 0) + 1
        highest[day] = max(highest.get(day, 0), e.intensity)
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    return [
        [CalendarDay(d, d.month == month, counts.get(d, 0), highest.get(d)) for d in week]
        for week in weeks
    ]


@dataclass(frozen=True)
class DoseSlot:
    """A scheduled dose today: recorded (with its dose) or still open."""

    regimen: Regimen
    number: int
    of: int
    dose: Dose | None


def dose_slots(regimens: Iterable[Regimen], doses_today: Iterable[Dose]) -> list[DoseSlot]:
    """Return today's scheduled doses of the active, regular regimens, matched to doses logged."""
    by_regimen: dict[str, list[Dose]] = {}
    for d in sorted(doses_today, key=lambda d: (d.taken_at, d.id)):
        if d.regimen_id and not d.as_needed:
            by_regimen.setdefault(d.regimen_id, []).append(d)
    slots = []
    for r in regimens:
        if r.as_needed:
            continue
        logged = by_regimen.get(r.id, [])
        total = max(r.times_per_day or 1, len(logged))
        slots += [
            DoseSlot(r, n + 1, total, logged[n] if n < len(logged) else None) for n in range(total)
        ]
    return slots


@dataclass
class Summary:
    """The diary's last weeks in numbers, for the options page."""

    days: int
    episodes: int = 0
    max_intensity: int | None = None
    mean_intensity: float | None = None
    falls: int = 0
    doses: dict[str, int] = field(default_factory=dict)
    side_effects: int = 0
    last_checkin: CheckIn | None = None
    last_episode: Episode | None = None
    triggers: list[tuple[str, int]] = field(default_factory=list)


def summarise(
    days: int,
    episodes: Sequence[Episode],
    doses: Sequence[Dose],
    checkins: Sequence[CheckIn],
    side_effects: Sequence[SideEffect],
) -> Summary:
    """Summarise records already limited to the last ``days`` days."""
    summary = Summary(days, episodes=len(episodes), side_effects=len(side_effects))
    if episodes:
        intensities = [e.intensity for e in episodes]
        summary.max_intensity = max(intensities)
        summary.mean_intensity = round(sum(intensities) / len(intensities), 1)
        summary.falls = sum(1 for e in episodes if e.fell)
        summary.last_episode = max(episodes, key=lambda e: e.started_at)
        tally: dict[str, int] = {}
        for e in episodes:
            for t in e.triggers:
                tally[label(t)] = tally.get(label(t), 0) + 1
        summary.triggers = sorted(tally.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    for status, _ in STATUSES:
        summary.doses[label(status)] = sum(1 for d in doses if d.status == status)
    if checkins:
        summary.last_checkin = max(checkins, key=lambda c: c.day)
    return summary
