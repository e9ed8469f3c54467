"""Tolerance: jerks rising again on a stable dose after an improvement.

After a response whose whole interval lies below 1 (a clear improvement), the stable-dose
period runs from the end of the change's delay to the day before the next change of any drug
(or the end of the series), and needs at least ``min_days`` (28) logged days. The count model
(:mod:`myoscope.analytics._counts`) has weekday terms and a linear trend in weeks;
``exp(trend)`` is the ratio of the jerk rate from one week to the next. "Possible tolerance" is
said only when the whole interval lies above 1, and the knowledge base's text on tolerance for
the drug, when given, is added to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from myoscope.analytics._counts import METHOD, RatioEstimate, design, fit_ratio
from myoscope.analytics._wording import interval_words
from myoscope.analytics.series import DailySeries
from myoscope.analytics.treatment import ChangePoint, Response, logged_in, lookup, ratio_fields

__all__ = ["MIN_STABLE_DAYS", "Tolerance", "tolerance"]

MIN_STABLE_DAYS = 28
"""Logged days needed in a stable-dose period to estimate a trend."""


@dataclass(frozen=True)
class Tolerance:
    """A trend of jerks within a stable-dose period that followed an improvement.

    Parameters
    ----------
    change : ChangePoint
        The change whose improvement the period follows.
    since, until : date
        The period (inclusive).
    estimate : RatioEstimate or None
        ``ratio`` is the rate ratio from one week to the next.
    days : int
        Logged days in the period.
    enough_data : bool
        Whether the period had enough logged days and the model could be fitted.
    reason : str or None
        Why not.
    verdict : str
        Plain words; "possible tolerance" only when the whole interval lies above 1.
    method : str
        The model.
    """

    change: ChangePoint
    since: date
    until: date
    estimate: RatioEstimate | None
    days: int
    enough_data: bool
    reason: str | None
    verdict: str
    method: str

    @property
    def rising(self) -> bool:
        """Whether jerks clearly rise (the whole interval above 1)."""
        return self.estimate is not None and self.estimate.above_one

    def to_dict(self) -> dict[str, object]:
        """Return one entry of ``tolerance`` in the insights document."""
        fields = ratio_fields(self.estimate if self.enough_data else None, "trend_per_week")
        return {
            "drug": self.change.drug,
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            **fields,
            "days": self.days,
            "method": self.method,
            "verdict": self.verdict,
            "enough_data": self.enough_data,
            "reason": self.reason,
        }


def tolerance(
    series: DailySeries,
    changes: Sequence[ChangePoint],
    found: Sequence[Response],
    *,
    notes: Mapping[str, str] | None = None,
    min_days: int = MIN_STABLE_DAYS,
) -> list[Tolerance]:
    """Look for jerks rising again on a stable dose after each clear improvement.

    Parameters
    ----------
    series : DailySeries
        The daily series.
    changes : sequence of ChangePoint
        Every change (any change ends a stable period).
    found : sequence of Response
        The responses; only those with a clear improvement (interval below 1) are followed.
    notes : mapping of str to str, optional
        Knowledge-base text on tolerance per drug (id, bare id or name), appended to the
        verdict when tolerance is possible.
    min_days : int
        Logged days needed in the period (28).

    Returns
    -------
    list of Tolerance
        One per improvement, in the order of ``found``.
    """
    results = []
    end = series.end
    for response in found:
        change = response.change
        if not response.improved or change.kind == "stop":
            continue
        later = [c.day for c in changes if c.day > change.day]
        until = min([end, *(d - timedelta(days=1) for d in later)])
        since = change.effective
        rows = logged_in(series, since, until) if since <= until else np.zeros(0, np.int64)
        method = f"{METHOD} with weekday terms and a linear trend per week"
        estimate = None
        reason = None
        if rows.size < min_days:
            reason = f"{rows.size} logged days on the stable dose; at least {min_days} are needed"
        else:
            estimate = fit_ratio(series.jerks[rows], design(series.day[rows], trend=True), -1)
            if estimate is None:
                reason = "the count model could not be fitted to these days"
        if estimate is None:
            verdict = f"not enough data: {reason}"
        elif estimate.above_one:
            verdict = "jerks rising again on a stable dose: possible tolerance"
            note = lookup(notes or {}, change.drug, change.drug_id)
            if isinstance(note, str) and note.strip():
                verdict = f"{verdict}. {note.strip()}"
        elif estimate.below_one:
            verdict = "jerks still falling on a stable dose"
        else:
            verdict = f"no clear trend on a stable dose ({interval_words(estimate)} a week)"
        results.append(
            Tolerance(
                change=change,
                since=since,
                until=until,
                estimate=estimate,
                days=int(rows.size),
                enough_data=estimate is not None,
                reason=reason,
                verdict=verdict,
                method=method,
            )
        )
    return results
