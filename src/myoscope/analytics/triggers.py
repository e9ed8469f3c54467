"""Triggers and factors: jerks on days with a factor versus days without, at lag 0 and 1 day.

Exposures are **days**, not episodes. A trigger ticked on an episode exists only on days that
already had jerks, so "days with the trigger" would always have at least one jerk and the ratio
would be biased upwards. The estimate therefore takes day-level exposures from any source that
records a factor whether or not jerks followed: the check-in's sleep hours, skipped doses, and
(later) factors ticked on the daily check-in. Tags on episodes are counted separately, as a
description only (:func:`episode_trigger_counts`).

Derived exposures (:func:`derive_exposures`), stated once:

- ``sleep-loss``: a check-in whose ``sleep_hours`` (the night before that day) is under
  :data:`SLEEP_LOSS_HOURS` (6 h), or :data:`SLEEP_DROP_HOURS` (2 h) or more below the person's
  median; known on days whose check-in gives the hours.
- ``missed-dose``: a local day with a skipped scheduled dose of any drug; known on days with
  any scheduled dose recorded.

For each factor and lag (0: the same day, 1: the day after) the model is the count model of
:mod:`myoscope.analytics._counts` on the logged days whose exposure is known, with weekday
terms, a linear trend, one level per treatment period (between change points; the days of each
delay are a period of their own) and the exposure indicator. The dispersion is estimated once,
from the model without exposure. A ratio is given only with at least ``min_days`` (3) days
with and without the factor. Intervals are **not** adjusted for the number of comparisons; the
number is stated instead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from myoscope.analytics._counts import (
    METHOD,
    RatioEstimate,
    design,
    fit_counts,
    fit_ratio,
    period_columns,
)
from myoscope.analytics._wording import ratio_verdict
from myoscope.analytics.series import DailySeries, local_days
from myoscope.analytics.treatment import ChangePoint, change_cuts
from myoscope.domain.diary import CheckIn, Dose, DoseStatus, Episode, EpisodeFacts

__all__ = [
    "MIN_EXPOSURE_DAYS",
    "SLEEP_DROP_HOURS",
    "SLEEP_LOSS_HOURS",
    "Baseline",
    "Exposure",
    "TriggerEffect",
    "TriggerReport",
    "derive_exposures",
    "episode_trigger_counts",
    "skipped_dose_days",
    "trigger_effects",
]

_FACTOR_WORDS = {"missed-dose": "a missed dose", "sleep-loss": "sleep loss"}
"""How a factor reads in a verdict ("the day after a missed dose")."""

SLEEP_LOSS_HOURS = 6.0
"""A night shorter than this counts as sleep loss."""
SLEEP_DROP_HOURS = 2.0
"""A night this much shorter than the person's median also counts as sleep loss."""
MIN_EXPOSURE_DAYS = 3
"""Days needed both with and without a factor before a ratio is given."""


@dataclass(frozen=True)
class Exposure:
    """The days a factor was present, and the days on which it was recorded either way.

    Parameters
    ----------
    days : frozenset of date
        Days with the factor.
    observed : frozenset of date or None
        Days on which presence or absence is known; None means every logged day (a day not in
        ``days`` is then a day without the factor).
    """

    days: frozenset[date]
    observed: frozenset[date] | None = None


@dataclass(frozen=True)
class TriggerEffect:
    """The rate ratio of jerks on days with a factor versus without, at one lag.

    Parameters
    ----------
    trigger : str
        The factor (``sleep-loss``, ``alcohol`` ...).
    lag_days : int
        0: jerks on the day of the factor; 1: jerks the day after.
    estimate : RatioEstimate or None
        The ratio with its interval (None without enough data).
    days_with, days_without : int
        Logged days compared, with and without the factor.
    enough_data : bool
        Whether both groups had enough days and the model could be fitted.
    reason : str or None
        Why not.
    verdict : str
        Plain words that never claim more than the interval.
    method : str
        The model.
    """

    trigger: str
    lag_days: int
    estimate: RatioEstimate | None
    days_with: int
    days_without: int
    enough_data: bool
    reason: str | None
    verdict: str
    method: str

    def to_dict(self) -> dict[str, object]:
        """Return one entry of ``triggers`` in the insights document."""
        est = self.estimate
        return {
            "trigger": self.trigger,
            "lag_days": self.lag_days,
            "rate_ratio": est.shown_ratio if est else None,
            "ci95": est.ci95 if est else None,
            "days_with": self.days_with,
            "days_without": self.days_without,
            "method": self.method,
            "verdict": self.verdict,
            "enough_data": self.enough_data,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class TriggerReport:
    """Every factor's effect, how many comparisons were made, and a note saying so.

    Parameters
    ----------
    effects : list of TriggerEffect
        By factor (alphabetical), then lag.
    comparisons : int
        Ratios estimated (the effects with enough data).
    note : str
        The number of comparisons and what it means, in words.
    baseline : Baseline or None
        The model without any factor (None when it could not be fitted).
    """

    effects: list[TriggerEffect]
    comparisons: int
    note: str
    baseline: Baseline | None = None


@dataclass(frozen=True)
class Baseline:
    """The trigger model without any factor: its dispersion and coefficients.

    Parameters
    ----------
    alpha : float
        The NB2 dispersion every factor's model uses.
    coef : ndarray
        Coefficients (the starting point of each factor's fit).
    """

    alpha: float
    coef: NDArray[np.float64]


def episode_trigger_counts(episodes: Iterable[Episode | EpisodeFacts]) -> dict[str, int]:
    """Count the episodes tagged with each trigger (a description only: no ratio can be read).

    Parameters
    ----------
    episodes : iterable of Episode
        Episodes with their ``triggers``.

    Returns
    -------
    dict of str to int
        Trigger -> number of episodes tagged with it, most frequent first.
    """
    counts = Counter(str(t) for episode in episodes if episode.triggers for t in episode.triggers)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def skipped_dose_days(
    doses: Iterable[Dose], tz: ZoneInfo, drug_of: Mapping[str, str] | None = None
) -> dict[str | None, tuple[set[date], set[date]]]:
    """Return, per drug, the local days with a skipped dose and the days with any dose record.

    Parameters
    ----------
    doses : iterable of Dose
        Dose records; as-needed doses are left out.
    tz : ZoneInfo
        The person's time zone (a dose belongs to the local day of ``taken_at``).
    drug_of : mapping of str to str, optional
        Regimen id -> drug name, for doses recorded against a regimen without a drug name.

    Returns
    -------
    dict
        Drug (None when unknown) -> (days with a skipped dose, days with any dose recorded).
    """
    scheduled = [d for d in doses if not d.as_needed]
    instants = np.fromiter((d.taken_at.timestamp() for d in scheduled), float)
    days, _ = local_days(instants, tz)
    result: dict[str | None, tuple[set[date], set[date]]] = {}
    for dose, number in zip(scheduled, days.tolist(), strict=True):
        drug = dose.drug or (drug_of or {}).get(dose.regimen_id or "")
        skipped, recorded = result.setdefault(drug, (set(), set()))
        day = date.fromordinal(date(1970, 1, 1).toordinal() + number)
        recorded.add(day)
        if dose.status is DoseStatus.SKIPPED:
            skipped.add(day)
    return result


def derive_exposures(
    checkins: Iterable[CheckIn],
    doses: Iterable[Dose],
    tz: ZoneInfo,
    drug_of: Mapping[str, str] | None = None,
) -> dict[str, Exposure]:
    """Derive the day-level exposures that the diary records without bias.

    Parameters
    ----------
    checkins : iterable of CheckIn
        Check-ins with ``sleep_hours`` give ``sleep-loss``.
    doses : iterable of Dose
        Skipped scheduled doses give ``missed-dose``.
    tz : ZoneInfo
        The person's time zone.
    drug_of : mapping of str to str, optional
        Regimen id -> drug name (see :func:`skipped_dose_days`).

    Returns
    -------
    dict of str to Exposure
        Only factors that were recorded at least once.
    """
    exposures: dict[str, Exposure] = {}
    sleep = {c.day: c.sleep_hours for c in checkins if c.sleep_hours is not None}
    if sleep:
        median = float(np.median(list(sleep.values())))
        short = frozenset(
            day
            for day, hours in sleep.items()
            if hours < SLEEP_LOSS_HOURS or hours <= median - SLEEP_DROP_HOURS
        )
        exposures["sleep-loss"] = Exposure(short, frozenset(sleep))
    per_drug = skipped_dose_days(doses, tz, drug_of)
    if per_drug:
        skipped = frozenset().union(*(s for s, _ in per_drug.values()))
        recorded = frozenset().union(*(r for _, r in per_drug.values()))
        exposures["missed-dose"] = Exposure(skipped, recorded)
    return exposures


def trigger_effects(
    series: DailySeries,
    exposures: Mapping[str, Set[date] | Exposure],
    *,
    changes: Sequence[ChangePoint] = (),
    lags: Sequence[int] = (0, 1),
    min_days: int = MIN_EXPOSURE_DAYS,
    baseline: Baseline | None = None,
) -> TriggerReport:
    """Estimate, per factor and lag, the rate ratio of jerks on days with versus without it.

    Parameters
    ----------
    series : DailySeries
        The daily series.
    exposures : mapping of str to set of date or Exposure
        Factor -> the days exposed (every other logged day counts as unexposed), or an
        :class:`Exposure` that also says on which days the factor was recorded at all.
    changes : sequence of ChangePoint
        Treatment changes; each period between them gets its own level in the model.
    lags : sequence of int
        Lags in days (0 and 1).
    min_days : int
        Days needed both with and without the factor (3).
    baseline : Baseline, optional
        The model without any factor, when already fitted to this series and these changes
        (``TriggerReport.baseline`` of an earlier call); fitted here otherwise.

    Returns
    -------
    TriggerReport
        The effects, the number of comparisons, and a note.
    """
    logged = np.flatnonzero(series.logged)
    day = series.day[logged]
    y = series.jerks[logged]
    cuts = change_cuts(changes)
    base_periods = period_columns(day, cuts)
    if baseline is None and logged.size > 10 and y.sum() > 0:
        base = fit_counts(y, design(day, trend=True, extra=base_periods))
        baseline = None if base is None else Baseline(base.alpha, base.coef)
    alpha = None if baseline is None else baseline.alpha
    start = None if baseline is None else np.append(baseline.coef, 0.0)
    effects = []
    for name in sorted(exposures):
        exposure = exposures[name]
        if not isinstance(exposure, Exposure):
            exposure = Exposure(frozenset(exposure))
        exposed = _day_numbers(exposure.days)
        known = None if exposure.observed is None else _day_numbers(exposure.observed)
        for lag in lags:
            effects.append(_effect(name, lag, day, y, exposed, known, cuts, alpha, start, min_days))
    comparisons = sum(e.enough_data for e in effects)
    note = (
        f"{comparisons} comparisons were made (each factor on the same day and the day after). "
        "Intervals are not adjusted for this number: with no real effect, about 1 comparison "
        "in 20 still looks clear by chance."
    )
    return TriggerReport(effects, comparisons, note, baseline)


def _effect(
    name: str,
    lag: int,
    day: NDArray[np.int64],
    y: NDArray[np.float64],
    exposed: NDArray[np.int64],
    known: NDArray[np.int64] | None,
    cuts: list[int],
    alpha: float | None,
    start: NDArray[np.float64] | None,
    min_days: int,
) -> TriggerEffect:
    source = day - lag
    keep = np.ones(day.size, bool) if known is None else np.isin(source, known)
    x = np.isin(source[keep], exposed).astype(float)
    with_days, without_days = int(x.sum()), int(x.size - x.sum())
    method = f"{METHOD} with weekday, linear trend and treatment-period terms; " + (
        "same day" if lag == 0 else f"lag {lag} day{'s' if lag > 1 else ''}"
    )
    estimate = None
    reason = None
    if with_days < min_days or without_days < min_days:
        reason = (
            f"{with_days} logged days with and {without_days} without; at least {min_days} "
            "of each are needed"
        )
    else:
        d = day[keep]
        X = design(d, trend=True, extra=[*period_columns(d, cuts), x])
        fits = start is not None and start.size == X.shape[1]
        estimate = fit_ratio(y[keep], X, -1, alpha=alpha, start=start if fits else None)
        if estimate is None:
            reason = "the count model could not be fitted to these days"
    words = _FACTOR_WORDS.get(name, name.replace("-", " "))
    when = f"on days with {words}" if lag == 0 else f"the day after {words}"
    if estimate is None:
        verdict = f"not enough data: {reason}"
    else:
        verdict = ratio_verdict(
            estimate, clear="{change} jerks " + when, unclear="no clear difference"
        )
    return TriggerEffect(
        trigger=name,
        lag_days=lag,
        estimate=estimate,
        days_with=with_days,
        days_without=without_days,
        enough_data=estimate is not None,
        reason=reason,
        verdict=verdict,
        method=method,
    )


def _day_numbers(days: Set[date]) -> NDArray[np.int64]:
    epoch = date(1970, 1, 1).toordinal()
    return np.array([d.toordinal() - epoch for d in days], dtype=np.int64)
