"""The daily series: jerks, intensity and burden per local calendar day.

Every estimate starts here. A day is *logged* when it has at least one episode or a check-in;
a day with neither is **missing** (NaN), never zero. A check-in without episodes is a logged
day with zero jerks.

Assumptions, stated once:

- Counted episodes contribute their count. An episode recorded only as a band contributes the
  band's midpoint (:data:`BAND_JERKS`): ``1`` -> 1, ``2-10`` -> 6, ``11-50`` -> 30 and ``>50``
  -> 75 (the open band has no midpoint; 75 is half as much again as its lower end).
- A ``continuous`` episode without a count contributes :data:`CONTINUOUS_JERKS` (100, more than
  any band's midpoint), and its day is marked ``continuous`` so that a reader knows the count
  is a convention.
- ``intensity_mean`` is the plain mean of the day's episode intensities (0-10, not weighted by
  jerks); NaN on a logged day without episodes.
- ``burden`` is the sum over the day's episodes of jerks x intensity / 10: 10 jerks at
  intensity 5 and 5 jerks at intensity 10 both weigh 5. It is 0 on a check-in-only day.
- Days are calendar days in the person's time zone (IANA, via :mod:`zoneinfo`), so an episode
  at 23:30 local time belongs to that evening's day across daylight-saving changes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from numpy.typing import NDArray

from myoscope.domain.diary import CheckIn, CountBand, Episode, EpisodeFacts, JerkKind
from myoscope.errors import InvalidInputError

__all__ = [
    "BAND_JERKS",
    "CONTINUOUS_JERKS",
    "EPOCH",
    "DailySeries",
    "daily_series",
    "day_number",
    "local_days",
    "zone",
]

BAND_JERKS: dict[CountBand, float] = {
    CountBand.ONE: 1.0,
    CountBand.FEW: 6.0,
    CountBand.SEVERAL: 30.0,
    CountBand.MANY: 75.0,
}
"""Jerks counted for an episode recorded only as a band (the band's midpoint)."""

CONTINUOUS_JERKS = 100.0
"""Jerks counted for a ``continuous`` episode without a count (a convention; the day is marked)."""

EPOCH = date(1970, 1, 1)
_EPOCH_ORDINAL = EPOCH.toordinal()
_DAY_S = 86_400


def day_number(day: date) -> int:
    """Return the number of days from 1970-01-01 to ``day`` (negative before it)."""
    return day.toordinal() - _EPOCH_ORDINAL


def _to_date(number: int) -> date:
    return date.fromordinal(_EPOCH_ORDINAL + number)


@dataclass(frozen=True)
class DailySeries:
    """Per-day arrays over a period of local calendar days (index 0 is ``start``).

    Parameters
    ----------
    start : date
        The first day.
    jerks : ndarray of float
        Jerks per day (NaN when the day is missing).
    intensity_mean : ndarray of float
        Mean episode intensity, 0-10 (NaN without episodes).
    burden : ndarray of float
        Sum of jerks x intensity / 10 (NaN when missing).
    negative_jerks : ndarray of float
        Of ``jerks``, those recorded as negative myoclonus (lapses of tone).
    episodes : ndarray of int
        Episodes per day.
    severity : ndarray of float
        The check-in's overall severity, 0-10 (NaN without a check-in).
    logged : ndarray of bool
        Whether the day has an episode or a check-in.
    continuous : ndarray of bool
        Whether a continuous episode without a count was counted by convention that day.
    hour_jerks : ndarray of float, shape (days, 24)
        Jerks by local hour of each day's episodes (for the hour-of-day pattern).
    last_episode : datetime or None
        The start of the latest episode in the period, in local time.
    last_by_kind : dict of str to datetime
        The start of the latest jerk (``positive``) and lapse of tone (``negative``) episode
        in the period, in local time (a kind without episodes is absent).
    """

    start: date
    jerks: NDArray[np.float64]
    intensity_mean: NDArray[np.float64]
    burden: NDArray[np.float64]
    negative_jerks: NDArray[np.float64]
    episodes: NDArray[np.int64]
    severity: NDArray[np.float64]
    logged: NDArray[np.bool_]
    continuous: NDArray[np.bool_]
    hour_jerks: NDArray[np.float64]
    last_episode: datetime | None
    last_by_kind: dict[str, datetime] = field(default_factory=dict)

    @property
    def days(self) -> int:
        """Number of days in the series."""
        return int(self.jerks.size)

    @property
    def end(self) -> date:
        """The last day."""
        return self.start + timedelta(days=self.days - 1)

    @property
    def day(self) -> NDArray[np.int64]:
        """Days since 1970-01-01 of each index."""
        return np.arange(self.days, dtype=np.int64) + day_number(self.start)

    def index(self, day: date) -> int:
        """Return the index of ``day`` (may lie outside ``0 .. days - 1``)."""
        return day_number(day) - day_number(self.start)

    def date_at(self, index: int) -> date:
        """Return the day at ``index``."""
        return self.start + timedelta(days=index)

    def to_rows(self) -> list[dict[str, object]]:
        """Return one JSON-ready row per day (``burden.daily`` of the insights document)."""
        rows: list[dict[str, object]] = []
        columns = zip(
            self.logged.tolist(),
            self.jerks.tolist(),
            self.intensity_mean.tolist(),
            self.burden.tolist(),
            self.severity.tolist(),
            self.continuous.tolist(),
            self.negative_jerks.tolist(),
            strict=True,
        )
        day = self.start
        step = timedelta(days=1)
        for logged, jerks, intensity, burden, severity, continuous, negative in columns:
            row: dict[str, object] = {
                "date": day.isoformat(),
                "jerks": _number(jerks),
                "negative_jerks": _number(negative),
                "intensity_mean": _number(intensity, 2),
                "logged": logged,
                "burden": _number(burden, 2),
                "severity": _number(severity),
            }
            if continuous:
                row["continuous"] = True
            rows.append(row)
            day += step
        return rows


def _number(value: float, digits: int = 1) -> float | int | None:
    if not math.isfinite(value):
        return None
    if value.is_integer():
        return int(value)
    return round(value, digits)


def local_days(
    instants: NDArray[np.float64], tz: ZoneInfo
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Return the local day number and the local second of the day of UTC instants.

    Parameters
    ----------
    instants : ndarray of float
        Seconds since 1970-01-01T00:00Z.
    tz : ZoneInfo
        The person's time zone.

    Returns
    -------
    day : ndarray of int
        Local calendar day (days since 1970-01-01).
    seconds : ndarray of float
        Seconds since local midnight (0 to 86,400).

    Notes
    -----
    The UTC offset is looked up once at the start and once at the end of each UTC day that
    holds an instant; only instants on a day whose offset changes (a daylight-saving
    transition) are converted one by one. Five years of episodes need a few thousand look-ups.
    """
    if instants.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    utc_day = np.floor(instants / _DAY_S).astype(np.int64)
    unique, inverse = np.unique(utc_day, return_inverse=True)
    first = np.array([_offset_s(float(d) * _DAY_S, tz) for d in unique])
    last = np.array([_offset_s(float(d + 1) * _DAY_S - 1, tz) for d in unique])
    offset = first[inverse]
    changing = np.flatnonzero((first != last)[inverse])
    for k in changing:
        offset[k] = _offset_s(float(instants[k]), tz)
    local = instants + offset
    day = np.floor(local / _DAY_S).astype(np.int64)
    return day, local - day * _DAY_S


def _offset_s(instant: float, tz: ZoneInfo) -> float:
    offset = datetime.fromtimestamp(instant, UTC).astimezone(tz).utcoffset()
    return 0.0 if offset is None else offset.total_seconds()


def daily_series(
    episodes: Iterable[Episode | EpisodeFacts],
    checkins: Iterable[CheckIn],
    tz: ZoneInfo | str,
    *,
    start: date | None = None,
    end: date | None = None,
) -> DailySeries:
    """Aggregate episodes and check-ins into one value per local calendar day.

    Parameters
    ----------
    episodes : iterable of Episode
        Recorded episodes (UTC start times).
    checkins : iterable of CheckIn
        Daily check-ins (one per day; a later one for the same day replaces an earlier one).
    tz : ZoneInfo or str
        The person's IANA time zone, e.g. ``"Europe/London"``.
    start, end : date, optional
        The first and last day (inclusive). Default: the first and last day with an episode or
        a check-in. Records outside are left out.

    Returns
    -------
    DailySeries
        Arrays over the days from ``start`` to ``end``; a period without any record and
        without ``start`` and ``end`` gives an empty series.

    Raises
    ------
    InvalidInputError
        ``end`` is before ``start``, or the time zone is unknown.
    """
    zone_info = zone(tz)
    episode_list: Sequence[Episode | EpisodeFacts] = list(episodes)
    checkin_list = sorted(checkins, key=lambda c: c.updated_at)
    instants = np.array([e.started_at.timestamp() for e in episode_list], dtype=np.float64)
    counts = [e.count for e in episode_list]
    uncounted = [k for k, c in enumerate(counts) if c is None]
    jerks_each = np.array([c or 0 for c in counts], dtype=np.float64)
    by_convention = np.zeros(len(episode_list), dtype=bool)
    for k in uncounted:  # bands are rare beside counts; a loop over them only
        band = episode_list[k].count_band
        jerks_each[k] = BAND_JERKS.get(band, CONTINUOUS_JERKS) if band else CONTINUOUS_JERKS
        by_convention[k] = band not in BAND_JERKS
    intensity = np.array([e.intensity for e in episode_list], dtype=np.float64)
    negative_kind = JerkKind.NEGATIVE
    negative = np.array([e.kind is negative_kind for e in episode_list], dtype=bool)
    ep_day, ep_seconds = local_days(instants, zone_info)
    ci_day = np.fromiter((day_number(c.day) for c in checkin_list), np.int64)
    known = np.concatenate([ep_day, ci_day])
    if start is None:
        start = _to_date(int(known.min())) if known.size else end
    if end is None:
        end = _to_date(int(known.max())) if known.size else start
    if start is None or end is None:
        return _empty(EPOCH)
    if end < start:
        raise InvalidInputError(
            f"the period ends ({end.isoformat()}) before it starts ({start.isoformat()}); "
            "give a 'to' date on or after the 'from' date",
            field="to",
            received=end.isoformat(),
        )
    first = day_number(start)
    n = day_number(end) - first + 1
    index = ep_day - first
    inside = (index >= 0) & (index < n)
    idx = index[inside]
    j = jerks_each[inside]
    count = np.bincount(idx, minlength=n).astype(np.int64)
    jerks = np.bincount(idx, weights=j, minlength=n).astype(np.float64)
    burden = np.bincount(idx, weights=j * intensity[inside] / 10.0, minlength=n).astype(np.float64)
    negative_jerks = np.bincount(idx, weights=j * negative[inside], minlength=n).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        intensity_mean = np.bincount(idx, weights=intensity[inside], minlength=n) / count
    continuous = np.bincount(idx, weights=by_convention[inside], minlength=n) > 0
    hour = np.minimum((ep_seconds[inside] // 3600).astype(np.int64), 23)
    hour_jerks = (
        np.bincount(idx * 24 + hour, weights=j, minlength=n * 24).astype(np.float64).reshape(n, 24)
    )
    severity = np.full(n, np.nan)
    ci_index = ci_day - first
    for k, checkin in enumerate(checkin_list):
        if 0 <= ci_index[k] < n:
            severity[ci_index[k]] = checkin.severity
    logged = (count > 0) | np.isfinite(severity)
    jerks[~logged] = np.nan
    burden[~logged] = np.nan
    negative_jerks[~logged] = np.nan
    last_episode = None
    last_by_kind: dict[str, datetime] = {}
    if idx.size:
        positions = np.flatnonzero(inside)
        latest = positions[int(np.argmax(instants[inside]))]
        last_episode = episode_list[latest].started_at.astimezone(zone_info)
        for kind, of_kind in (("positive", ~negative), ("negative", negative)):
            chosen = positions[of_kind[inside]]
            if chosen.size:
                k = chosen[int(np.argmax(instants[chosen]))]
                last_by_kind[kind] = episode_list[k].started_at.astimezone(zone_info)
    return DailySeries(
        start=start,
        jerks=jerks,
        intensity_mean=intensity_mean,
        burden=burden,
        negative_jerks=negative_jerks,
        episodes=count,
        severity=severity,
        logged=logged,
        continuous=continuous,
        hour_jerks=hour_jerks,
        last_episode=last_episode,
        last_by_kind=last_by_kind,
    )


def _empty(start: date) -> DailySeries:
    none = np.zeros(0)
    return DailySeries(
        start=start,
        jerks=none,
        intensity_mean=none,
        burden=none,
        negative_jerks=none,
        episodes=np.zeros(0, dtype=np.int64),
        severity=none,
        logged=np.zeros(0, dtype=bool),
        continuous=np.zeros(0, dtype=bool),
        hour_jerks=np.zeros((0, 24)),
        last_episode=None,
    )


def zone(tz: ZoneInfo | str) -> ZoneInfo:
    """Return the time zone named ``tz`` (a ZoneInfo is returned as is).

    Raises
    ------
    InvalidInputError
        The name is not an IANA time zone.
    """
    if isinstance(tz, ZoneInfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInputError(
            f"unknown time zone '{tz}'; use an IANA name such as 'Europe/London'",
            field="timezone",
            received=tz,
        ) from None
