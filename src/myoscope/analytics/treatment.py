"""Treatment changes and the response to each.

Change points come from the regimen history. A regimen that ``replaces`` another one of the
same drug is a **dose change** on the new regimen's start day; any other regimen's start is a
**start**, and a stop that no same-drug regimen replaces is a **stop**. As-needed regimens are
not change points (their use follows the jerks rather than the other way round). A replacement
with the same mg/day (a new formulation, a new schedule) is not a change. Doses are compared in
mg/day (``dose_amount`` x ``times_per_day``, in mg); other units give ``None``.

Response windows (``window_days`` = 28 by default):

- *before*: the ``window_days`` days before the change, starting no earlier than the day on
  which an earlier change (of any drug) had its full effect (its day plus its delay);
- *after*: from the change day plus the drug's delay (the days the knowledge base gives before
  an effect is expected; 7 by default) for ``window_days`` days, ending before the next change
  of any drug.

Only logged days count; each side needs at least ``min_days`` (14 by default) logged days, or
the response is reported with ``enough_data`` false and a reason.

The rate ratio comes from one count model (:mod:`myoscope.analytics._counts`) fitted to every
logged day of the series: weekday terms, a linear trend, and a level for each *segment*, the
segments being cut at every change day, at every day a change's full effect is expected, and
at every window's edges. The trend is therefore estimated from the drift *within* segments
over the whole diary, so a treatment step is never read as a trend, and the response is the
ratio of the after window's level to the before window's (the mean of their segments' levels,
weighted by logged days), with its variance from the same fit. Identifiability: the step and
the trend are told apart only by the days on either side, so the trend widens the interval
(about twice as wide as without a trend for a single change in 16 weeks); ``trend=False``
gives narrower intervals but reads a steady drift as an effect. If the whole-diary model cannot
be fitted (a segment without a single jerk), each change falls back to a model of its own two
windows with a trend shared by them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from myoscope.analytics._counts import (
    METHOD,
    RatioEstimate,
    design,
    fit_counts,
    fit_ratio,
    periods,
)
from myoscope.analytics._wording import ratio_verdict
from myoscope.analytics.series import DailySeries, day_number
from myoscope.domain.diary import Regimen

__all__ = [
    "DEFAULT_DELAY_DAYS",
    "MIN_DAYS_EACH_SIDE",
    "WINDOW_DAYS",
    "ChangePoint",
    "Response",
    "change_cuts",
    "change_points",
    "logged_in",
    "lookup",
    "ratio_fields",
    "responses",
]

DEFAULT_DELAY_DAYS = 7
"""Days after a change before its effect is expected, when the knowledge base gives none."""
WINDOW_DAYS = 28
"""Days compared on each side of a change (fewer where a neighbouring change cuts in)."""
MIN_DAYS_EACH_SIDE = 14
"""Logged days needed on each side of a comparison."""

ChangeKind = Literal["start", "stop", "dose-change"]


@dataclass(frozen=True)
class ChangePoint:
    """A start, stop or dose change of one drug.

    Parameters
    ----------
    day : date
        The day of the change (the new regimen's start, or the stop day).
    drug : str
        The drug as recorded.
    drug_id : str or None
        The knowledge-base id, when the name was recognised.
    kind : {"start", "stop", "dose-change"}
        What changed.
    from_mg_per_day, to_mg_per_day : float or None
        The daily dose before and after, in mg/day (0 before a start and after a stop; None
        when the dose is not in mg or not recorded).
    delay_days : int
        Days before an effect is expected.
    regimen_id : str
        The regimen that starts (or, for a stop, stops).
    """

    day: date
    drug: str
    drug_id: str | None
    kind: ChangeKind
    from_mg_per_day: float | None
    to_mg_per_day: float | None
    delay_days: int
    regimen_id: str

    @property
    def effective(self) -> date:
        """The day from which the change's full effect is expected."""
        return self.day + timedelta(days=self.delay_days)

    def to_dict(self) -> dict[str, object]:
        """Return the ``change`` object of the insights document."""
        return {
            "date": self.day.isoformat(),
            "drug": self.drug,
            "kind": self.kind,
            "from_mg_per_day": _mg(self.from_mg_per_day),
            "to_mg_per_day": _mg(self.to_mg_per_day),
            "delay_days": self.delay_days,
        }


def _mg(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(value, 3)


def lookup(table: Mapping[str, object], drug: str, drug_id: str | None) -> object | None:
    """Return ``table``'s entry for a drug: by knowledge-base id, bare id, or name (any case)."""
    keys = [drug_id, drug_id.split(":", 1)[-1] if drug_id else None, drug, drug.casefold()]
    folded = {key.casefold(): value for key, value in table.items()}
    for key in keys:
        if key is not None and key.casefold() in folded:
            return folded[key.casefold()]
    return None


def change_points(
    regimens: Iterable[Regimen],
    *,
    delays_days: Mapping[str, int] | None = None,
    default_delay_days: int = DEFAULT_DELAY_DAYS,
) -> list[ChangePoint]:
    """Return every start, stop and dose change in the regimen history, in date order.

    Parameters
    ----------
    regimens : iterable of Regimen
        The medication history (as-needed regimens are skipped).
    delays_days : mapping of str to int, optional
        Days before an effect is expected, per drug (keyed by knowledge-base id such as
        ``"drug:clonazepam"``, bare id or name, any case).
    default_delay_days : int
        The delay for a drug missing from ``delays_days`` (7 days).

    Returns
    -------
    list of ChangePoint
        Sorted by day, then drug.
    """
    scheduled = [r for r in regimens if not r.as_needed]
    by_id = {r.id: r for r in scheduled}
    replaced: set[str] = set()
    changes: list[ChangePoint] = []

    def delay(r: Regimen) -> int:
        value = lookup(delays_days or {}, r.drug, r.drug_id)
        return int(value) if isinstance(value, int | float) else default_delay_days

    def add(r: Regimen, day: date, kind: ChangeKind, old: float | None, new: float | None) -> None:
        changes.append(ChangePoint(day, r.drug, r.drug_id, kind, old, new, delay(r), r.id))

    for r in scheduled:
        old = by_id.get(r.replaces_id) if r.replaces_id else None
        if old is not None and old.drug.casefold() == r.drug.casefold():
            replaced.add(old.id)
            before, after = old.dose_mg_per_day, r.dose_mg_per_day
            if before is None or after is None or before != after:
                add(r, r.started_on, "dose-change", before, after)
        else:
            add(r, r.started_on, "start", 0.0, r.dose_mg_per_day)
    for r in scheduled:
        if r.stopped_on is not None and r.id not in replaced:
            add(r, r.stopped_on, "stop", r.dose_mg_per_day, 0.0)
    return sorted(changes, key=lambda c: (c.day, c.drug.casefold(), c.kind))


@dataclass(frozen=True)
class Response:
    """The response to one change: jerks per day after versus before.

    Parameters
    ----------
    change : ChangePoint
        The change.
    estimate : RatioEstimate or None
        The rate ratio after / before with its interval; None without enough data.
    before, after : tuple of (date, date) or None
        The windows compared (first and last day, inclusive), or None when empty.
    days_before, days_after : int
        Logged days in each window.
    enough_data : bool
        Whether both windows had enough logged days and the model could be fitted.
    reason : str or None
        Why not, when ``enough_data`` is false.
    verdict : str
        Plain words that never claim more than the interval.
    method : str
        The model and the delay used.
    note : str or None
        A caution, e.g. another drug changed the same day.
    """

    change: ChangePoint
    estimate: RatioEstimate | None
    before: tuple[date, date] | None
    after: tuple[date, date] | None
    days_before: int
    days_after: int
    enough_data: bool
    reason: str | None
    verdict: str
    method: str
    note: str | None = None

    @property
    def improved(self) -> bool:
        """Whether the whole interval lies below 1 (fewer jerks after the change)."""
        return self.estimate is not None and self.enough_data and self.estimate.below_one

    def to_dict(self) -> dict[str, object]:
        """Return one entry of ``responses`` in the insights document."""
        return {
            "change": self.change.to_dict(),
            **ratio_fields(self.estimate if self.enough_data else None, "rate_ratio"),
            "days_before": self.days_before,
            "days_after": self.days_after,
            "before": _window(self.before),
            "after": _window(self.after),
            "method": self.method,
            "verdict": self.verdict,
            "enough_data": self.enough_data,
            "reason": self.reason,
            "note": self.note,
        }


def _window(window: tuple[date, date] | None) -> dict[str, str] | None:
    return None if window is None else {"from": window[0].isoformat(), "to": window[1].isoformat()}


def ratio_fields(estimate: RatioEstimate | None, name: str) -> dict[str, object]:
    """Return ``{name: ratio, "ci95": [low, high]}`` as shown, or both None without estimate."""
    if estimate is None:
        return {name: None, "ci95": None}
    return {
        name: estimate.shown_ratio,
        "ci95": estimate.ci95,
    }


def logged_in(series: DailySeries, first: date, last: date) -> NDArray[np.int64]:
    """Return the indices of the logged days from ``first`` to ``last`` (inclusive)."""
    lo = max(series.index(first), 0)
    hi = min(series.index(last), series.days - 1)
    if hi < lo:
        return np.zeros(0, dtype=np.int64)
    return lo + np.flatnonzero(series.logged[lo : hi + 1])


def change_cuts(changes: Sequence[ChangePoint]) -> list[int]:
    """Return the days (since 1970-01-01) that start a treatment period.

    Every change day starts a period (the delay, while the effect builds up) and every day a
    change's full effect is expected starts another.
    """
    return sorted({day_number(c.day) for c in changes} | {day_number(c.effective) for c in changes})


def _windows(
    changes: Sequence[ChangePoint], change: ChangePoint, window_days: int
) -> tuple[tuple[date, date], tuple[date, date]]:
    earlier = [c.effective for c in changes if c.day < change.day]
    later = [c.day for c in changes if c.day > change.day]
    start = change.day - timedelta(days=window_days)
    if earlier:
        start = max(start, max(earlier))
    stop = change.effective + timedelta(days=window_days - 1)
    if later:
        stop = min(stop, min(later) - timedelta(days=1))
    return (start, change.day - timedelta(days=1)), (change.effective, stop)


class _JointModel:
    """One count model over every logged day: weekday, trend, a level per segment.

    Segments are cut at every change day, every day a change's effect is expected, and every
    window's first day and the day after its last, so each window is a union of segments. The
    trend comes from the drift *within* segments, over the whole period, so a treatment step
    is never read as a trend; a response is the difference between the mean levels of its
    after and before windows, with its variance from the same fit.
    """

    def __init__(
        self,
        series: DailySeries,
        changes: Sequence[ChangePoint],
        windows: list[tuple[tuple[date, date], tuple[date, date]]],
        trend: bool,
        alpha: float | None,
    ) -> None:
        rows = np.flatnonzero(series.logged)
        cuts = set(change_cuts(changes))
        for before, after in windows:
            for first, last in (before, after):
                cuts |= {day_number(first), day_number(last) + 1}
        segment, _ = periods(series.day[rows], sorted(cuts))
        # A segment without a single jerk has no finite level: its days are left out, and a
        # window that holds any of them is compared by its own model instead.
        totals = np.bincount(segment, weights=series.jerks[rows])
        self.empty = {int(p) for p in np.flatnonzero(totals <= 0)}
        keep = totals[segment] > 0
        self.rows, self.segment = rows[keep], segment[keep]
        day = series.day[self.rows]
        present = np.unique(self.segment)
        columns = [(self.segment == p).astype(float) for p in present[1:]]
        X = design(day, trend=trend, extra=columns)
        self.column = {int(p): X.shape[1] - len(columns) + k for k, p in enumerate(present[1:])}
        self.fit = fit_counts(series.jerks[self.rows], X, alpha=alpha) if self.rows.size else None
        self.size = X.shape[1]
        self._all_segment = np.full(series.days, -1, dtype=np.int64)
        self._all_segment[rows] = segment

    def weights(self, rows: np.ndarray) -> np.ndarray | None:
        """Return the contrast weights of a window's mean level, or None if it cannot be had."""
        weights = np.zeros(self.size)
        segments = self._all_segment[rows]
        for seg, count in zip(*np.unique(segments, return_counts=True), strict=True):
            if int(seg) in self.empty:
                return None
            if int(seg) in self.column:
                weights[self.column[int(seg)]] += count / rows.size
        return weights

    def ratio(self, before: np.ndarray, after: np.ndarray) -> RatioEstimate | None:
        """Return the ratio of the after window's level to the before window's."""
        if self.fit is None:
            return None
        first, second = self.weights(before), self.weights(after)
        if first is None or second is None:
            return None
        return self.fit.contrast(second - first)


def responses(
    series: DailySeries,
    changes: Sequence[ChangePoint],
    *,
    window_days: int = WINDOW_DAYS,
    min_days: int = MIN_DAYS_EACH_SIDE,
    trend: bool = True,
    alpha: float | None = None,
) -> list[Response]:
    """Estimate the response to every change: daily jerks after versus before.

    Parameters
    ----------
    series : DailySeries
        The daily series.
    changes : sequence of ChangePoint
        From :func:`change_points`; changes outside the series are still used to cut the
        windows of their neighbours, and reported without data.
    window_days : int
        Days on each side (28).
    min_days : int
        Logged days needed on each side (14).
    trend : bool
        Adjust for the underlying trend (default). Without it a steady drift is read as an
        effect.
    alpha : float, optional
        The NB2 dispersion of the series, when already estimated (e.g. by the trigger model
        over the same days); estimated from the whole-diary model otherwise.

    Returns
    -------
    list of Response
        One per change, in the order given.

    Notes
    -----
    All changes share one model fitted to every logged day of the series: weekday terms, a
    linear trend, and a level per segment (see :class:`_JointModel`). When that model cannot be
    fitted (for example a segment without a single jerk), each change falls back to its own
    model on its two windows, with a trend shared by them (a wider interval).
    """
    windows = [_windows(changes, change, window_days) for change in changes]
    joint = _JointModel(series, changes, windows, trend, alpha)
    results = []
    for change, (before_window, after_window) in zip(changes, windows, strict=True):
        same_day = [c.drug for c in changes if c.day == change.day and c is not change]
        before = logged_in(series, *before_window)
        after = logged_in(series, *after_window)
        results.append(
            _response(
                series,
                change,
                before,
                after,
                (before_window, after_window),
                min_days,
                trend,
                joint,
                same_day,
            )
        )
    return results


def _response(
    series: DailySeries,
    change: ChangePoint,
    before: np.ndarray,
    after: np.ndarray,
    windows: tuple[tuple[date, date], tuple[date, date]],
    min_days: int,
    trend: bool,
    joint: _JointModel,
    same_day: list[str],
) -> Response:
    n_before, n_after = int(before.size), int(after.size)
    joint_terms = (
        "weekday terms and a linear trend estimated within treatment periods over the whole diary"
        if trend
        else "weekday terms, no trend"
    )
    own_terms = (
        "weekday terms and a linear trend shared by the two windows"
        if trend
        else "weekday terms, no trend"
    )
    terms = joint_terms if joint.fit is not None else own_terms
    note = None
    if same_day:
        note = (
            f"{', '.join(sorted(set(same_day)))} also changed on {change.day.isoformat()}: "
            "this ratio is the effect of the changes together"
        )
    reason = None
    estimate = None
    rows = np.concatenate([before, after])
    y = series.jerks[rows]
    if n_before < min_days or n_after < min_days:
        reason = (
            f"{n_before} logged days before and {n_after} after the change; at least "
            f"{min_days} are needed on each side"
        )
    elif y[:n_before].sum() <= 0 or y[n_before:].sum() <= 0:
        reason = _no_fit_reason(float(y[:n_before].sum()), float(y[n_before:].sum()))
    else:
        estimate = joint.ratio(before, after)
        if estimate is None:
            terms = own_terms
            step = np.concatenate([np.zeros(n_before), np.ones(n_after)])
            estimate = fit_ratio(y, design(series.day[rows], trend=trend, extra=[step]), -1)
        if estimate is None:
            reason = _no_fit_reason(float(y[:n_before].sum()), float(y[n_before:].sum()))
    method = (
        f"{METHOD} with {terms}; ratio of the after window to the before window; "
        f"{change.delay_days}-day delay for onset of effect"
    )
    enough = reason is None
    if estimate is not None and enough:
        verdict = ratio_verdict(estimate, clear="{change} jerks")
    else:
        verdict = f"not enough data: {reason}"
    return Response(
        change=change,
        estimate=estimate if enough else None,
        before=windows[0] if n_before else None,
        after=windows[1] if n_after else None,
        days_before=n_before,
        days_after=n_after,
        enough_data=enough,
        reason=reason,
        verdict=verdict,
        method=method,
        note=note,
    )


def _no_fit_reason(before_sum: float, after_sum: float) -> str:
    if before_sum <= 0 and after_sum <= 0:
        return "no jerks were recorded on either side of the change"
    if after_sum <= 0:
        return (
            "no jerks were recorded after the change, so a ratio with an interval cannot be given"
        )
    if before_sum <= 0:
        return (
            "no jerks were recorded before the change, so a ratio with an interval cannot be given"
        )
    return "the count model could not be fitted to these days"
