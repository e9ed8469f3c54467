"""Adherence per drug, the effect of a missed dose on the next day, and side effects per drug.

Adherence is ``(taken + late) / scheduled`` doses. The scheduled number is the larger of the
doses recorded (taken, late or skipped) and, when the regimen gives ``times_per_day``, the
doses expected on the days the regimen was active within the period **and** the diary was in
use (a logged day, or a day with any dose recorded): a person who records only the doses they
take is then not shown as fully adherent, and days nobody wrote anything do not count as
missed. As-needed regimens and doses are left out.

The effect of missing a dose is the rate ratio of jerks the day after a day with a skipped dose
of that drug versus after other days on which its doses were recorded (the trigger model at
lag 1, see :mod:`myoscope.analytics.triggers`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from myoscope.analytics.series import DailySeries, day_number, local_days
from myoscope.analytics.treatment import ChangePoint
from myoscope.analytics.triggers import Baseline, Exposure, TriggerEffect, trigger_effects
from myoscope.domain.diary import Dose, DoseStatus, Regimen, SideEffect

__all__ = ["Adherence", "SideEffectSummary", "adherence", "side_effect_summary"]


@dataclass(frozen=True)
class Adherence:
    """Doses of one drug: how many were taken, and what a missed one did the next day.

    Parameters
    ----------
    drug : str
        The drug as first recorded.
    taken, late, skipped : int
        Scheduled doses recorded with each status.
    expected : int or None
        Doses expected from ``times_per_day`` on the days the diary was in use (None when no
        regimen of the drug gives ``times_per_day``).
    scheduled : int
        The denominator: the larger of the recorded and the expected doses.
    taken_fraction : float or None
        ``(taken + late) / scheduled`` (None when nothing was scheduled).
    missed_next_day : TriggerEffect or None
        Jerks the day after a skipped dose versus after other recorded days.
    """

    drug: str
    taken: int
    late: int
    skipped: int
    expected: int | None
    scheduled: int
    taken_fraction: float | None
    missed_next_day: TriggerEffect | None

    def to_dict(self) -> dict[str, object]:
        """Return one entry of ``adherence`` in the insights document."""
        effect = self.missed_next_day
        est = effect.estimate if effect is not None else None
        return {
            "drug": self.drug,
            "taken_fraction": None
            if self.taken_fraction is None
            else round(self.taken_fraction, 3),
            "missed_then_next_day_ratio": est.shown_ratio if est else None,
            "missed_then_next_day_ci95": est.ci95 if est else None,
            "missed_then_next_day_verdict": effect.verdict if effect else None,
            "doses": {
                "taken": self.taken,
                "late": self.late,
                "skipped": self.skipped,
                "expected": self.expected,
                "scheduled": self.scheduled,
            },
        }


def _drug_names(regimens: Iterable[Regimen]) -> dict[str, str]:
    return {r.id: r.drug for r in regimens}


def adherence(
    regimens: Sequence[Regimen],
    doses: Sequence[Dose],
    series: DailySeries,
    tz: ZoneInfo,
    *,
    changes: Sequence[ChangePoint] = (),
    baseline: Baseline | None = None,
) -> list[Adherence]:
    """Summarise adherence per drug over the series' period.

    Parameters
    ----------
    regimens : sequence of Regimen
        The medication history (as-needed regimens are left out).
    doses : sequence of Dose
        Dose records (as-needed doses are left out); a dose belongs to the local day of
        ``taken_at``.
    series : DailySeries
        The daily series (its period and logged days).
    tz : ZoneInfo
        The person's time zone.
    changes : sequence of ChangePoint
        Treatment changes, passed to the next-day model.
    baseline : Baseline, optional
        The trigger model without any factor, when already fitted (see
        :func:`~myoscope.analytics.triggers.trigger_effects`).

    Returns
    -------
    list of Adherence
        One per drug with a scheduled regimen or dose, alphabetical.
    """
    drug_of = _drug_names(regimens)
    scheduled = [d for d in doses if not d.as_needed]
    instants = np.fromiter((d.taken_at.timestamp() for d in scheduled), float)
    numbers, _ = local_days(instants, tz)
    first, n = day_number(series.start), series.days
    inside = (numbers >= first) & (numbers < first + n)
    in_use = series.logged.copy()
    in_use[numbers[inside] - first] = True
    names: dict[str, str] = {}
    per_drug: dict[str, list[tuple[Dose, int]]] = {}
    for dose, number, keep in zip(scheduled, numbers.tolist(), inside.tolist(), strict=True):
        name = dose.drug or drug_of.get(dose.regimen_id or "")
        if keep and name:
            names.setdefault(name.casefold(), name)
            per_drug.setdefault(name.casefold(), []).append((dose, number))
    expected: dict[str, int] = {}
    for regimen in regimens:
        if regimen.as_needed:
            continue
        key = regimen.drug.casefold()
        names.setdefault(key, regimen.drug)
        if regimen.times_per_day is not None:
            expected[key] = expected.get(key, 0) + regimen.times_per_day * _active_days(
                regimen, series, in_use
            )
    results = []
    for key in sorted(names):
        records = per_drug.get(key, [])
        status = Counter(d.status for d, _ in records)
        taken, late = status[DoseStatus.TAKEN], status[DoseStatus.LATE]
        skipped = status[DoseStatus.SKIPPED]
        due = max(len(records), expected.get(key, 0))
        effect = None
        if any(d.status is DoseStatus.SKIPPED for d, _ in records):
            epoch = date(1970, 1, 1).toordinal()
            recorded = frozenset(date.fromordinal(epoch + k) for _, k in records)
            missed = frozenset(
                date.fromordinal(epoch + k) for d, k in records if d.status is DoseStatus.SKIPPED
            )
            report = trigger_effects(
                series,
                {"missed-dose": Exposure(missed, recorded)},
                changes=changes,
                lags=(1,),
                baseline=baseline,
            )
            effect = report.effects[0]
        results.append(
            Adherence(
                drug=names[key],
                taken=taken,
                late=late,
                skipped=skipped,
                expected=expected.get(key),
                scheduled=due,
                taken_fraction=(taken + late) / due if due else None,
                missed_next_day=effect,
            )
        )
    return results


def _active_days(regimen: Regimen, series: DailySeries, in_use: np.ndarray) -> int:
    lo = max(series.index(regimen.started_on), 0)
    stop = regimen.stopped_on or series.end + timedelta(days=1)
    hi = min(series.index(stop), series.days)
    return int(in_use[lo:hi].sum()) if hi > lo else 0


@dataclass(frozen=True)
class SideEffectSummary:
    """Side effects reported for one drug.

    Parameters
    ----------
    drug : str
        The drug of the regimen the reports were linked to.
    reports : int
        Number of reports.
    most_common : str
        The effect reported most often (alphabetically first on a tie).
    effects : dict of str to int
        Every effect with its number of reports.
    """

    drug: str
    reports: int
    most_common: str
    effects: dict[str, int]

    def to_dict(self) -> dict[str, object]:
        """Return one entry of ``side_effects`` in the insights document."""
        return {
            "drug": self.drug,
            "reports": self.reports,
            "most_common": self.most_common,
            "effects": self.effects,
        }


def side_effect_summary(
    side_effects: Iterable[SideEffect],
    regimens: Iterable[Regimen],
    *,
    start: date | None = None,
    end: date | None = None,
    tz: ZoneInfo | None = None,
) -> tuple[list[SideEffectSummary], int]:
    """Count side-effect reports per drug (through the regimen they are linked to).

    Parameters
    ----------
    side_effects : iterable of SideEffect
        The reports.
    regimens : iterable of Regimen
        The medication history, to name the drug of ``regimen_id``.
    start, end : date, optional
        Keep reports that started within these local days (inclusive).
    tz : ZoneInfo, optional
        The person's time zone (for ``start`` and ``end``; UTC when left out).

    Returns
    -------
    summaries : list of SideEffectSummary
        One per drug, most reports first.
    unlinked : int
        Reports not linked to a regimen.
    """
    drug_of = _drug_names(regimens)
    per_drug: dict[str, Counter[str]] = {}
    names: dict[str, str] = {}
    unlinked = 0
    for report in side_effects:
        day = report.started_at.astimezone(tz).date() if tz else report.started_at.date()
        if (start and day < start) or (end and day > end):
            continue
        drug = drug_of.get(report.regimen_id or "")
        if drug is None:
            unlinked += 1
            continue
        names.setdefault(drug.casefold(), drug)
        per_drug.setdefault(drug.casefold(), Counter())[report.effect.strip().casefold()] += 1
    summaries = [
        SideEffectSummary(
            drug=names[key],
            reports=sum(counts.values()),
            most_common=min(counts, key=lambda e: (-counts[e], e)),
            effects=dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
        )
        for key, counts in per_drug.items()
    ]
    summaries.sort(key=lambda s: (-s.reports, s.drug.casefold()))
    return summaries, unlinked
