"""Insights: everything the diary can say about treatment, tolerance and triggers, in one call.

:func:`build_insights` is deterministic and pure: it takes the records and the person's time
zone, never reads the clock (the period's last day defaults to the last entry, so a caller that
wants "the last 28 days" up to today passes ``period_to=today``) and does no I/O. Its result's
:meth:`Insights.to_dict` is the JSON document of ``shared/spec/insights.md`` plus extra fields.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from myoscope.analytics.adherence import (
    Adherence,
    SideEffectSummary,
    adherence,
    side_effect_summary,
)
from myoscope.analytics.patterns import HourWeekday, RecentBurden, hour_weekday, recent_burden
from myoscope.analytics.series import (
    BAND_JERKS,
    CONTINUOUS_JERKS,
    DailySeries,
    daily_series,
    zone,
)
from myoscope.analytics.tolerance import MIN_STABLE_DAYS, Tolerance, tolerance
from myoscope.analytics.treatment import (
    DEFAULT_DELAY_DAYS,
    MIN_DAYS_EACH_SIDE,
    WINDOW_DAYS,
    ChangePoint,
    Response,
    change_points,
    responses,
)
from myoscope.analytics.triggers import (
    MIN_EXPOSURE_DAYS,
    SLEEP_DROP_HOURS,
    SLEEP_LOSS_HOURS,
    Exposure,
    TriggerReport,
    derive_exposures,
    episode_trigger_counts,
    trigger_effects,
)
from myoscope.domain.diary import CheckIn, Dose, Episode, EpisodeFacts, Regimen, SideEffect

__all__ = ["Insights", "build_insights"]


@dataclass(frozen=True)
class Insights:
    """The insights of one diary over one period.

    Parameters
    ----------
    timezone : str
        The person's time zone.
    series : DailySeries
        The daily series over the period.
    changes : list of ChangePoint
        Treatment changes within the period.
    responses : list of Response
        The response to each change.
    tolerance : list of Tolerance
        Trends on a stable dose after each clear improvement.
    triggers : TriggerReport
        Factors at lag 0 and 1, with the number of comparisons.
    episode_triggers : dict of str to int
        Episodes tagged with each trigger (descriptive only).
    adherence : list of Adherence
        Per drug.
    side_effects : list of SideEffectSummary
        Per drug.
    unlinked_side_effects : int
        Reports not linked to a regimen.
    hour_of_day : HourWeekday
        The hour-of-day by weekday pattern.
    recent : RecentBurden
        The last 28 days versus the 28 before.
    sensor : dict or None
        The sensor summary, passed through.
    """

    timezone: str
    series: DailySeries
    changes: list[ChangePoint]
    responses: list[Response]
    tolerance: list[Tolerance]
    triggers: TriggerReport
    episode_triggers: dict[str, int]
    adherence: list[Adherence]
    side_effects: list[SideEffectSummary]
    unlinked_side_effects: int
    hour_of_day: HourWeekday
    recent: RecentBurden
    sensor: dict[str, Any] | None = field(default=None)

    def to_dict(self) -> dict[str, Any]:
        """Return the insights document (``shared/spec/insights.md``), JSON-ready."""
        series = self.series
        empty = series.days == 0
        last = series.last_episode
        side = []
        for summary in self.side_effects:
            entry = summary.to_dict()
            latest = [
                r for r in self.responses if r.change.drug.casefold() == summary.drug.casefold()
            ]
            entry["latest_response"] = latest[-1].verdict if latest else None
            side.append(entry)
        return {
            "period": {
                "from": None if empty else series.start.isoformat(),
                "to": None if empty else series.end.isoformat(),
                "days": series.days,
                "days_with_entries": int(series.logged.sum()),
                "timezone": self.timezone,
            },
            "burden": {
                "daily": series.to_rows(),
                "last_28_days": self.recent.to_dict(),
                "last_episode": None if last is None else last.isoformat(),
                "last_episode_by_kind": {
                    kind: moment.isoformat() for kind, moment in series.last_by_kind.items()
                },
                "assumptions": _assumptions(),
            },
            "responses": [r.to_dict() for r in self.responses],
            "tolerance": [t.to_dict() for t in self.tolerance],
            "triggers": [e.to_dict() for e in self.triggers.effects],
            "trigger_comparisons": self.triggers.comparisons,
            "trigger_note": self.triggers.note,
            "episode_triggers": {
                "counts": self.episode_triggers,
                "note": "episodes tagged with each trigger, as the person saw it; a description "
                "only, since a tag exists only on days that had jerks",
            },
            "adherence": [a.to_dict() for a in self.adherence],
            "side_effects": side,
            "side_effects_unlinked": self.unlinked_side_effects,
            "hour_of_day": self.hour_of_day.to_dict(),
            "sensor": self.sensor,
        }


def _assumptions() -> dict[str, object]:
    return {
        "band_jerks": {str(band): value for band, value in BAND_JERKS.items()},
        "continuous_jerks": CONTINUOUS_JERKS,
        "burden": "sum over the day's episodes of jerks x intensity / 10",
        "missing_days": "a day without an episode or a check-in is missing, not zero",
        "default_delay_days": DEFAULT_DELAY_DAYS,
        "window_days": WINDOW_DAYS,
        "min_days_each_side": MIN_DAYS_EACH_SIDE,
        "min_stable_days": MIN_STABLE_DAYS,
        "min_trigger_days": MIN_EXPOSURE_DAYS,
        "sleep_loss": f"under {SLEEP_LOSS_HOURS:g} h, or {SLEEP_DROP_HOURS:g} h or more below "
        "the person's median",
    }


def build_insights(
    *,
    episodes: Sequence[Episode | EpisodeFacts],
    checkins: Sequence[CheckIn],
    regimens: Sequence[Regimen] = (),
    doses: Sequence[Dose] = (),
    side_effects: Sequence[SideEffect] = (),
    timezone: str | ZoneInfo = "UTC",
    period_from: date | None = None,
    period_to: date | None = None,
    delays_days: Mapping[str, int] | None = None,
    tolerance_notes: Mapping[str, str] | None = None,
    exposures: Mapping[str, Set[date] | Exposure] | None = None,
    sensor: Mapping[str, Any] | None = None,
) -> Insights:
    """Compute every insight of a diary over a period.

    Parameters
    ----------
    episodes, checkins, regimens, doses, side_effects : sequence
        The diary's records (domain models, UTC times). Episodes derived from a sensor
        recording (``source`` ``"sensor"``) are left out: every number here is self-reported,
        and the sensor's own summary goes in ``sensor``.
    timezone : str or ZoneInfo
        The person's IANA time zone; days are local calendar days.
    period_from, period_to : date, optional
        First and last day (inclusive); default the first and last day with an episode or a
        check-in. The last 28 days end on ``period_to``.
    delays_days : mapping of str to int, optional
        Days before a drug's effect is expected, by knowledge-base id or name (7 by default).
    tolerance_notes : mapping of str to str, optional
        Knowledge-base text on tolerance per drug, added to a "possible tolerance" verdict.
    exposures : mapping of str to set of date or Exposure, optional
        Day-level factors (e.g. ticked on the check-in). They are added to the factors derived
        from the records (``sleep-loss`` from sleep hours, ``missed-dose`` from skipped doses);
        a factor given here replaces a derived one of the same name.
    sensor : mapping, optional
        The sensor summary, passed through unchanged.

    Returns
    -------
    Insights
        Use :meth:`Insights.to_dict` for the JSON document.

    Raises
    ------
    InvalidInputError
        The time zone is unknown, or the period ends before it starts.
    """
    tz = zone(timezone)
    # Sensor-derived episodes (``source == "sensor"``) are never mixed with self-reports: the
    # sensor summary carries them.
    own = [e for e in episodes if getattr(e, "source", "self") != "sensor"]
    series = daily_series(own, checkins, tz, start=period_from, end=period_to)
    all_changes = change_points(regimens, delays_days=delays_days)
    changes = [c for c in all_changes if series.days and series.start <= c.day <= series.end]
    drug_of = {r.id: r.drug for r in regimens}
    factors: dict[str, Set[date] | Exposure] = dict(derive_exposures(checkins, doses, tz, drug_of))
    factors.update(exposures or {})
    if (period_from is None and period_to is None) or not series.days:
        in_period = own if series.days else []
    else:  # compare instants: the period's first and last local midnights, in UTC
        lo = datetime.combine(series.start, time(), tz)
        hi = datetime.combine(series.end + timedelta(days=1), time(), tz)
        in_period = [e for e in own if lo <= e.started_at < hi]
    triggers = trigger_effects(series, factors, changes=all_changes)
    alpha = None if triggers.baseline is None else triggers.baseline.alpha
    found = [r for r in responses(series, all_changes, alpha=alpha) if r.change in changes]
    effects, unlinked = side_effect_summary(
        side_effects, regimens, start=period_from, end=period_to, tz=tz
    )
    return Insights(
        timezone=str(tz.key),
        series=series,
        changes=changes,
        responses=found,
        tolerance=tolerance(series, all_changes, found, notes=tolerance_notes),
        triggers=triggers,
        episode_triggers=episode_trigger_counts(in_period),
        adherence=adherence(
            regimens, doses, series, tz, changes=all_changes, baseline=triggers.baseline
        ),
        side_effects=effects,
        unlinked_side_effects=unlinked,
        hour_of_day=hour_weekday(series),
        recent=recent_burden(series),
        sensor=dict(sensor) if sensor is not None else None,
    )
