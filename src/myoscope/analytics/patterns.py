"""When jerks happen: the hour-of-day by weekday pattern, and the last 28 days.

Hour-of-day pattern: episode jerks by local weekday and hour, divided by the number of logged
days of that weekday, so that a weekday logged more often does not look worse.

Recent burden: jerks per logged day over the last 28 days of the period, and the rate ratio
versus the 28 days before, from the count model with weekday terms and a step (no trend: over
two adjacent windows a trend would take the step's place).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray

from myoscope.analytics._counts import METHOD, RatioEstimate, design, fit_ratio
from myoscope.analytics._wording import ratio_verdict
from myoscope.analytics.series import DailySeries
from myoscope.analytics.treatment import MIN_DAYS_EACH_SIDE, WINDOW_DAYS

__all__ = ["WEEKDAYS", "HourWeekday", "RecentBurden", "hour_weekday", "recent_burden"]

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
"""Row labels of the hour-of-day pattern (Monday first)."""


@dataclass(frozen=True)
class HourWeekday:
    """Jerks per logged day by local weekday (rows, Monday first) and hour (columns, 0-23).

    Parameters
    ----------
    jerks_per_day : ndarray, shape (7, 24)
        Mean episode jerks in that hour on a logged day of that weekday (0 when the weekday
        was never logged).
    logged_days : ndarray of int, shape (7,)
        Logged days of each weekday.
    """

    jerks_per_day: NDArray[np.float64]
    logged_days: NDArray[np.int64]

    def to_dict(self) -> dict[str, object]:
        """Return the ``hour_of_day`` object of the insights document."""
        return {
            "weekdays": list(WEEKDAYS),
            "hours": list(range(24)),
            "jerks_per_day": [[round(float(v), 2) for v in row] for row in self.jerks_per_day],
            "logged_days": [int(v) for v in self.logged_days],
        }


def hour_weekday(series: DailySeries) -> HourWeekday:
    """Return the hour-of-day by weekday pattern of a daily series.

    Parameters
    ----------
    series : DailySeries
        The daily series (its ``hour_jerks`` hold the jerks by local hour).

    Returns
    -------
    HourWeekday
        Jerks per logged day by weekday and hour.
    """
    weekday = (series.day + 3) % 7
    logged = series.logged
    days = np.bincount(weekday[logged], minlength=7).astype(np.int64)
    totals = np.zeros((7, 24))
    np.add.at(totals, weekday[logged], series.hour_jerks[logged])
    with np.errstate(invalid="ignore", divide="ignore"):
        per_day = np.where(days[:, None] > 0, totals / np.maximum(days, 1)[:, None], 0.0)
    return HourWeekday(per_day, days)


@dataclass(frozen=True)
class RecentBurden:
    """Jerks over the last 28 days and the ratio versus the 28 days before.

    Parameters
    ----------
    last : tuple of (date, date)
        The last window (inclusive).
    jerks_per_day : float or None
        Mean jerks per logged day in it (None without a logged day).
    days_last, days_previous : int
        Logged days in each window.
    estimate : RatioEstimate or None
        Last / previous rate ratio with its interval (None without enough data).
    enough_data : bool
        Whether both windows had enough logged days and the model could be fitted.
    reason : str or None
        Why not.
    verdict : str
        Plain words that never claim more than the interval.
    """

    last: tuple[date, date]
    jerks_per_day: float | None
    days_last: int
    days_previous: int
    estimate: RatioEstimate | None
    enough_data: bool
    reason: str | None
    verdict: str

    def to_dict(self) -> dict[str, object]:
        """Return ``burden.last_28_days`` of the insights document."""
        est = self.estimate
        return {
            "from": self.last[0].isoformat(),
            "to": self.last[1].isoformat(),
            "jerks_per_day": None if self.jerks_per_day is None else round(self.jerks_per_day, 1),
            "logged_days": self.days_last,
            "vs_previous_28_days": {
                "ratio": est.shown_ratio if est else None,
                "ci95": est.ci95 if est else None,
                "logged_days": self.days_previous,
                "method": f"{METHOD} with weekday terms",
                "verdict": self.verdict,
                "enough_data": self.enough_data,
                "reason": self.reason,
            },
        }


def recent_burden(
    series: DailySeries, *, days: int = WINDOW_DAYS, min_days: int = MIN_DAYS_EACH_SIDE
) -> RecentBurden:
    """Summarise the last ``days`` days of the series and compare them with the ones before.

    Parameters
    ----------
    series : DailySeries
        The daily series; its last day ends the last window.
    days : int
        Window length (28).
    min_days : int
        Logged days needed in each window for the ratio (14).

    Returns
    -------
    RecentBurden
        The mean and the ratio.
    """
    n = series.days
    last_lo, prev_lo = max(n - days, 0), max(n - 2 * days, 0)
    last = last_lo + np.flatnonzero(series.logged[last_lo:n])
    previous = prev_lo + np.flatnonzero(series.logged[prev_lo:last_lo])
    mean = float(np.mean(series.jerks[last])) if last.size else None
    end = series.end
    window = (end - timedelta(days=days - 1), end)
    estimate = None
    reason = None
    if last.size < min_days or previous.size < min_days:
        reason = (
            f"{last.size} logged days in the last {days} and {previous.size} in the {days} "
            f"before; at least {min_days} are needed in each"
        )
    else:
        rows = np.concatenate([previous, last])
        step = np.concatenate([np.zeros(previous.size), np.ones(last.size)])
        estimate = fit_ratio(
            series.jerks[rows], design(series.day[rows], trend=False, extra=[step]), -1
        )
        if estimate is None:
            reason = "the count model could not be fitted to these days (too few jerks)"
    verdict = (
        ratio_verdict(
            estimate,
            clear="{change} jerks in the last " + f"{days} days, compared with the {days} before",
        )
        if estimate is not None
        else f"not enough data: {reason}"
    )
    return RecentBurden(
        last=window,
        jerks_per_day=mean,
        days_last=int(last.size),
        days_previous=int(previous.size),
        estimate=estimate,
        enough_data=estimate is not None,
        reason=reason,
        verdict=verdict,
    )
