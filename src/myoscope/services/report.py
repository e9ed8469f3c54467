"""The clinician report: everything one or two printed pages say about a diary and a period.

:class:`ReportService` gathers, for the accounts allowed to read a diary, what a neurologist
needs at a glance, in the order the report prints it: who and which period; the myoclonus
(physiology, distribution, cause); how often each kind occurs (jerks and lapses of tone) and when
the last episode was; the current regimen and the changes in the period; the response to each
change with its interval; tolerance and trigger findings; side effects and adherence; the
engine's safety alerts for the current profile (clinician wording); the confirmed sensor counts;
the methods and sources. It is pure data (:class:`ReportData`): the PDF is drawn by the
:mod:`myoscope.report` adapter, so the same content could feed another format.

The numbers come from the insights service (the same figures as ``myoscope insights``, including
its daily series of jerks and lapses of tone, with missing days kept missing, so the diary is
read once); the alerts from :func:`myoscope.rules.assess.assess_profile`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from myoscope.domain.diary import AuditAction, JerkKind, Regimen
from myoscope.rules.assess import assess_profile
from myoscope.services.diary import REGIMENS, DiaryAccess, DiaryService
from myoscope.services.diary_profile import ProfileService
from myoscope.services.insights import InsightsService

__all__ = [
    "LAST_DAYS",
    "REPORT_TITLE",
    "SEVERITY_ORDER",
    "AlertLine",
    "ChangeLine",
    "FrequencyLine",
    "RegimenLine",
    "ReportData",
    "ReportService",
]

REPORT_TITLE = "Myoscope report — information to discuss with a clinician, not medical advice"

LAST_DAYS = 28
"""The recent window of the frequency table, in days (the insights' last 28 days)."""

SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}
"""Alerts print in this order: critical first."""

_OPTION_ADVICE = frozenset({"monitoring", "dose-adjustment", "lifestyle"})
"""Alert kinds that advise on a treatment option rather than warn about the person's state."""

_MYOCLONUS_FIELDS = (
    ("physiology", "Physiology"),
    ("distribution", "Distribution"),
    ("etiology", "Cause"),
    ("polarity", "Polarity"),
    ("occurs_at", "Occurs"),
    ("onset", "Onset"),
    ("course", "Course"),
)


@dataclass(frozen=True)
class FrequencyLine:
    """How often one kind of myoclonus occurs.

    Parameters
    ----------
    kind : str
        ``"positive"`` (jerks) or ``"negative"`` (lapses of tone).
    label : str
        The row's wording.
    per_day : float or None
        Mean per logged day over the period (None without logged days).
    per_day_last : float or None
        Mean per logged day over the last :data:`LAST_DAYS` days of the period.
    logged_days, logged_days_last : int
        Days with an episode or a check-in in each window.
    last_episode : datetime or None
        Start of the latest episode of this kind in the period (the owner's local time).
    """

    kind: str
    label: str
    per_day: float | None
    per_day_last: float | None
    logged_days: int
    logged_days_last: int
    last_episode: datetime | None


@dataclass(frozen=True)
class RegimenLine:
    """A medicine taken on the last day of the period.

    Parameters
    ----------
    drug : str
        As recorded.
    dose : str
        The dose as written (``"1000 mg twice a day"``, ``"as needed"``).
    mg_per_day : float or None
        The scheduled daily dose in mg, when the unit allows it.
    since : date
        First day of this dose.
    """

    drug: str
    dose: str
    mg_per_day: float | None
    since: date


@dataclass(frozen=True)
class ChangeLine:
    """A start, stop or change of dose within the period.

    Parameters
    ----------
    day : date
        The day of the change.
    drug : str
        The medicine.
    kind : str
        ``start``, ``stop`` or ``dose-change``.
    from_mg_per_day, to_mg_per_day : float or None
        Daily dose before and after, in mg (None when the unit gives no mg).
    reason : str or None
        The reason recorded with the change (shortened).
    """

    day: date
    drug: str
    kind: str
    from_mg_per_day: float | None
    to_mg_per_day: float | None
    reason: str | None


@dataclass(frozen=True)
class AlertLine:
    """A safety alert of the engine for the current profile (clinician wording).

    Parameters
    ----------
    severity : str
        ``critical``, ``warning`` or ``info``.
    kind : str
        The alert kind (``interaction``, ``monitoring`` ...).
    text : str
        The summary.
    sources : tuple of str
        Reference keys (``ref:...``).
    subjects : tuple of str
        What the alert is about (drug, condition ids), e.g. both drugs of an interaction.
    """

    severity: str
    kind: str
    text: str
    sources: tuple[str, ...]
    subjects: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportData:
    """Everything the clinician report shows, in plain values (nothing rendered).

    Parameters
    ----------
    patient : str
        The display name, or ``"the patient"``.
    age_years, sex : int or None, str or None
        From the profile, when stored.
    period_from, period_to : date
        The period (inclusive).
    generated_on : date
        Today in the owner's time zone.
    days, days_with_entries : int
        Days in the period, and days with an episode or a check-in.
    myoclonus : list of (str, str)
        Label and value of each known myoclonus field (physiology, distribution, cause ...).
    conditions : list of str
        Conditions in the profile.
    organ_function : list of str
        eGFR and liver function, as written.
    frequency : list of FrequencyLine
        Jerks and lapses of tone.
    last_episode : datetime or None
        The latest self-reported episode of any kind in the period (local time).
    regimen : list of RegimenLine
        Medicines taken on the last day of the period.
    changes : list of ChangeLine
        Starts, stops and dose changes in the period, oldest first.
    responses, tolerance, triggers, adherence, side_effects : list of dict
        The insights document's sections (``shared/spec/insights.md``).
    trigger_comparisons : int
        How many trigger comparisons were made.
    trigger_note : str
        What that number means for the intervals.
    burden : list of (date, float or None)
        Self-reported jerks per day for the chart (None on a missing day).
    alerts : list of AlertLine
        Critical first.
    urgent : list of str
        Reasons for urgent referral, when the engine gives any.
    alerts_note : str or None
        Why there are no alerts (no profile stored), when that is the case.
    sensor : dict or None
        The insights' ``sensor`` section when recordings were analysed.
    methods : list of str
        Methods and assumptions behind the figures.
    sources : list of (str, str)
        Reference key and short citation of every source an alert names.
    disclaimer : str
        The insights disclaimer.
    kb_version : str or None
        Knowledge-base version the alerts come from.
    """

    patient: str
    age_years: int | None
    sex: str | None
    period_from: date
    period_to: date
    generated_on: date
    days: int
    days_with_entries: int
    myoclonus: list[tuple[str, str]]
    conditions: list[str]
    organ_function: list[str]
    frequency: list[FrequencyLine]
    last_episode: datetime | None
    regimen: list[RegimenLine]
    changes: list[ChangeLine]
    responses: list[dict[str, Any]]
    tolerance: list[dict[str, Any]]
    triggers: list[dict[str, Any]]
    trigger_comparisons: int
    trigger_note: str
    adherence: list[dict[str, Any]]
    side_effects: list[dict[str, Any]]
    burden: list[tuple[date, float | None]]
    alerts: list[AlertLine]
    urgent: list[str]
    alerts_note: str | None
    sensor: dict[str, Any] | None
    methods: list[str]
    sources: list[tuple[str, str]]
    disclaimer: str
    kb_version: str | None = None

    @property
    def enough_data(self) -> bool:
        """Whether any day of the period has an entry."""
        return self.days_with_entries > 0


class ReportService:
    """Gather the clinician report of a diary for the accounts allowed to read it.

    Parameters
    ----------
    diaries : DiaryService
        Access control, records and audit.
    insights : InsightsService
        Response, tolerance, triggers, adherence, side effects and the sensor section.
    profiles : ProfileService
        The profile kept current from the medication list.
    """

    def __init__(
        self, diaries: DiaryService, insights: InsightsService, profiles: ProfileService
    ) -> None:
        self.diaries = diaries
        self.insights = insights
        self.profiles = profiles

    def gather(
        self,
        diary: DiaryAccess,
        *,
        period_from: date | None = None,
        period_to: date | None = None,
    ) -> ReportData:
        """Collect the report of a diary over a period.

        Parameters
        ----------
        diary : DiaryAccess
            From :meth:`DiaryService.open` (the owner or any share may print the report).
        period_from, period_to : date, optional
            First and last day; default the first entry and today (the owner's time zone).

        Returns
        -------
        ReportData
            The report's content; ``enough_data`` is False for a diary without entries in the
            period (the PDF then says there is not enough data).

        Raises
        ------
        InvalidInputError
            ``period_from`` after ``period_to``.
        """
        doc = self.insights.insights(diary, period_from=period_from, period_to=period_to)
        self.diaries.record_audit(diary, AuditAction.EXPORT, "report")
        period = doc["period"]
        start, end = date.fromisoformat(period["from"]), date.fromisoformat(period["to"])
        regimens = self.diaries.all(diary, REGIMENS)
        view = self.profiles.view(diary)
        stored = view.stored or {}
        taking = {r.drug_id.split(":", 1)[-1] for r in regimens if r.drug_id and r.active_on(end)}
        alerts, urgent, note, kb_version = self._alerts(view, taking)
        burden_doc = doc["burden"]
        return ReportData(
            patient=diary.owner.display_name or "the patient",
            age_years=stored.get("age_years"),
            sex=stored.get("sex"),
            period_from=start,
            period_to=end,
            generated_on=self.diaries.today(diary),
            days=int(period["days"]),
            days_with_entries=int(period["days_with_entries"]),
            myoclonus=_myoclonus(stored.get("myoclonus") or {}),
            conditions=[str(c) for c in stored.get("conditions", [])],
            organ_function=_organ_function(stored),
            frequency=self._frequency(doc, ZoneInfo(diary.owner.timezone)),
            last_episode=_parse_moment(burden_doc.get("last_episode")),
            regimen=_regimen(regimens, end),
            changes=_changes(regimens, start, end),
            responses=list(doc["responses"]),
            tolerance=list(doc["tolerance"]),
            triggers=[t for t in doc["triggers"] if t.get("enough_data")],
            trigger_comparisons=int(doc.get("trigger_comparisons", 0)),
            trigger_note=str(doc.get("trigger_note", "")),
            adherence=list(doc["adherence"]),
            side_effects=list(doc["side_effects"]),
            burden=[
                (date.fromisoformat(d["date"]), d["jerks"] if d.get("logged") else None)
                for d in burden_doc["daily"]
            ],
            alerts=alerts,
            urgent=urgent,
            alerts_note=note,
            sensor=doc.get("sensor"),
            methods=_methods(doc),
            sources=self._sources(alerts),
            disclaimer=str(doc["disclaimer"]),
            kb_version=kb_version,
        )

    # -- parts ---------------------------------------------------------------------------------
    def _frequency(self, doc: dict[str, Any], zone: ZoneInfo) -> list[FrequencyLine]:
        """Jerks and lapses of tone per logged day, from the insights' daily series."""
        daily = doc["burden"]["daily"]
        logged = np.array([bool(d["logged"]) for d in daily], dtype=bool)
        recent = np.zeros(logged.size, dtype=bool)
        recent[max(0, logged.size - LAST_DAYS) :] = True
        jerks = np.array([d["jerks"] or 0 for d in daily], dtype=np.float64)
        negative = np.array([d["negative_jerks"] or 0 for d in daily], dtype=np.float64)
        positive = jerks - negative
        latest = {
            JerkKind(kind): datetime.fromisoformat(moment)
            for kind, moment in doc["burden"]["last_episode_by_kind"].items()
        }
        lines = []
        for kind, label, values in (
            (JerkKind.POSITIVE, "Jerks (positive myoclonus)", positive),
            (JerkKind.NEGATIVE, "Lapses of tone (negative myoclonus)", negative),
        ):
            moment = latest.get(kind)
            lines.append(
                FrequencyLine(
                    kind=kind.value,
                    label=label,
                    per_day=_mean(values, logged),
                    per_day_last=_mean(values, logged & recent),
                    logged_days=int(logged.sum()),
                    logged_days_last=int((logged & recent).sum()),
                    last_episode=moment.astimezone(zone) if moment else None,
                )
            )
        return lines

    def _alerts(
        self, view: Any, taking: set[str]
    ) -> tuple[list[AlertLine], list[str], str | None, str | None]:
        """Return the engine's alerts that concern the person now.

        Advice that goes with a treatment option the person is not taking (how to monitor,
        dose or live with it: kinds ``monitoring``, ``dose-adjustment`` and ``lifestyle`` whose
        subjects are all such treatments) belongs to the Options page, not to this list; the
        note says how many were left out. Every other alert is kept.
        """
        if view.effective is None:
            return [], [], "No profile is stored, so the safety checks could not run.", None
        assessment = assess_profile(view.effective, self.diaries.kb, audience="clinician")
        treatments = self.diaries.kb.treatments

        def about_an_option(alert: Any) -> bool:
            if alert.kind not in _OPTION_ADVICE or not alert.subjects:
                return False
            return all(
                s not in taking and any(f"{p}:{s}" in treatments for p in ("drug", "intervention"))
                for s in alert.subjects
            )

        kept = [a for a in assessment.alerts if not about_an_option(a)]
        alerts = sorted(
            (
                AlertLine(a.severity, a.kind, a.summary, tuple(a.sources), tuple(a.subjects))
                for a in kept
            ),
            key=lambda a: SEVERITY_ORDER.get(a.severity, 3),
        )
        left = len(assessment.alerts) - len(kept)
        note = None if alerts else "The engine raised no alert for the current profile."
        if left:
            extra = (
                f"{left} note(s) on how to monitor or dose treatment options not being taken "
                "are on the Options page."
            )
            note = extra if note is None else f"{note} {extra}"
        return alerts, list(assessment.urgent.reasons), note, assessment.kb.version

    def _sources(self, alerts: list[AlertLine]) -> list[tuple[str, str]]:
        references = self.diaries.kb.references
        out: dict[str, str] = {}
        for alert in alerts:
            for key in alert.sources:
                ref = references.get(key)
                if key in out:
                    continue
                if ref is None:
                    out[key] = key
                    continue
                out[key] = f"{_first_author(ref.authors)} ({ref.year}) {ref.title.rstrip('.')}"
        return list(out.items())


def _first_author(authors: tuple[str, ...]) -> str:
    """``"Kojovic M"`` -> ``"Kojovic et al."``; an organisation is kept whole."""
    words = authors[0].split()
    person = len(words) >= 2 and words[-1].isupper() and len(words[-1]) <= 3
    name = " ".join(words[:-1]) if person else authors[0]
    return name + (" et al." if len(authors) > 1 else "")


def _mean(values: np.ndarray[Any, Any], mask: np.ndarray[Any, Any]) -> float | None:
    n = int(mask.sum())
    return None if n == 0 else round(float(values[mask].sum()) / n, 1)


def _parse_moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _words(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_words(v) for v in value)
    return str(value).replace("-", " ") if value not in (None, "") else ""


def _myoclonus(myoclonus: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (label, _words(myoclonus[key]))
        for key, label in _MYOCLONUS_FIELDS
        if myoclonus.get(key) not in (None, "", [], "unknown")
    ]


def _organ_function(stored: dict[str, Any]) -> list[str]:
    out = []
    egfr = stored.get("egfr_ml_min")
    if isinstance(egfr, int | float) and math.isfinite(egfr):
        out.append(f"eGFR {egfr:g} mL/min")
    if stored.get("dialysis"):
        out.append("on dialysis")
    liver = stored.get("hepatic_impairment")
    if liver:
        out.append(f"liver impairment: {_words(liver)}")
    return out


_TIMES = {1: "once a day", 2: "twice a day", 3: "three times a day", 4: "four times a day"}


def _dose_text(regimen: Regimen) -> str:
    if regimen.dose_amount is None:
        return "dose not recorded"
    amount = f"{regimen.dose_amount:g} {regimen.dose_unit}"
    if regimen.as_needed:
        return f"{amount} as needed"
    times = regimen.times_per_day or 1
    return f"{amount} {_TIMES.get(times, f'{times} times a day')}"


def _regimen(regimens: list[Regimen], day: date) -> list[RegimenLine]:
    active = sorted((r for r in regimens if r.active_on(day)), key=lambda r: r.drug.lower())
    return [RegimenLine(r.drug, _dose_text(r), r.dose_mg_per_day, r.started_on) for r in active]


def _short(text: str | None, limit: int = 90) -> str | None:
    if not text:
        return None
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _changes(regimens: list[Regimen], start: date, end: date) -> list[ChangeLine]:
    """List the starts, dose changes and stops in ``[start, end]`` from the regimen history."""
    by_id = {r.id: r for r in regimens}
    replaced = {r.replaces_id for r in regimens if r.replaces_id}
    out = []
    for r in regimens:
        before = by_id.get(r.replaces_id) if r.replaces_id else None
        if start <= r.started_on <= end:
            out.append(
                ChangeLine(
                    r.started_on,
                    r.drug,
                    "dose-change" if before else "start",
                    before.dose_mg_per_day if before else 0.0,
                    r.dose_mg_per_day,
                    _short(r.start_reason),
                )
            )
        if r.stopped_on and start <= r.stopped_on <= end and r.id not in replaced:
            out.append(
                ChangeLine(
                    r.stopped_on, r.drug, "stop", r.dose_mg_per_day, 0.0, _short(r.stop_reason)
                )
            )
    return sorted(out, key=lambda c: (c.day, c.drug.lower()))


def _methods(doc: dict[str, Any]) -> list[str]:
    burden = doc["burden"]
    assumptions = burden.get("assumptions") or {}
    methods = []
    responses = [r for r in doc["responses"] if r.get("method")]
    if responses:
        method = str(responses[0]["method"]).split(";")[0]
        methods.append(f"Rate ratios: {method}; 95 % intervals.")
    bands = assumptions.get("band_jerks")
    if bands:
        shown = ", ".join(f"{k} = {v:g}" for k, v in bands.items())
        methods.append(
            f"Episodes recorded as a band count as its midpoint ({shown}); continuous "
            f"= {assumptions.get('continuous_jerks', 100):g}."
        )
    if assumptions.get("missing_days"):
        methods.append(f"Missing days: {assumptions['missing_days']}.")
    if assumptions.get("window_days"):
        methods.append(
            f"Response windows: {assumptions['window_days']} days before and after each "
            f"change, after a per-drug delay; at least {assumptions.get('min_days_each_side')} "
            "logged days each side. Triggers need at least "
            f"{assumptions.get('min_trigger_days')} days with and without."
        )
    delays = (doc.get("knowledge") or {}).get("delay_before_effect") or {}
    if delays:
        methods.append(
            "Delay before an effect is expected: "
            + ", ".join(f"{d} {v['delay_days']} d" for d, v in delays.items())
            + " (the knowledge base's titration interval)."
        )
    if assumptions.get("sleep_loss"):
        methods.append(f"Sleep loss: {assumptions['sleep_loss']}.")
    methods.append(
        "Self-reported counts only; sensor-derived episodes are shown apart, confirmed groups only."
    )
    return methods
