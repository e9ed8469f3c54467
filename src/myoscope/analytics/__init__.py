"""Analytics: what the diary says about treatment response, tolerance and triggers (core).

Numbers only: no plotting, no I/O, no clock. The layers, from the records up:

- :mod:`~myoscope.analytics.series`: one value per local calendar day (missing days stay
  missing);
- :mod:`~myoscope.analytics.treatment`: change points from the regimen history and the
  response to each change;
- :mod:`~myoscope.analytics.tolerance`: jerks rising again on a stable dose;
- :mod:`~myoscope.analytics.triggers`: day-level factors at lag 0 and 1;
- :mod:`~myoscope.analytics.adherence`: adherence, missed doses, side effects per drug;
- :mod:`~myoscope.analytics.patterns`: the hour-of-day pattern and the last 28 days;
- :mod:`~myoscope.analytics.insights`: :func:`build_insights`, the whole document;
- :mod:`~myoscope.analytics.simulation`: synthetic diaries with planted effects.

Every ratio comes from one count model (:mod:`~myoscope.analytics._counts`); statsmodels is
imported on the first fit, so importing this package stays light.
"""

from __future__ import annotations

from myoscope.analytics._counts import RatioEstimate
from myoscope.analytics.adherence import (
    Adherence,
    SideEffectSummary,
    adherence,
    side_effect_summary,
)
from myoscope.analytics.insights import Insights, build_insights
from myoscope.analytics.patterns import HourWeekday, RecentBurden, hour_weekday, recent_burden
from myoscope.analytics.series import DailySeries, daily_series
from myoscope.analytics.simulation import (
    PlannedChange,
    PlantedTruth,
    SimulatedDiary,
    simulate_diary,
)
from myoscope.analytics.tolerance import Tolerance, tolerance
from myoscope.analytics.treatment import (
    ChangePoint,
    Response,
    change_points,
    responses,
)
from myoscope.analytics.triggers import (
    Exposure,
    TriggerEffect,
    TriggerReport,
    derive_exposures,
    episode_trigger_counts,
    trigger_effects,
)

__all__ = [
    "Adherence",
    "ChangePoint",
    "DailySeries",
    "Exposure",
    "HourWeekday",
    "Insights",
    "PlannedChange",
    "PlantedTruth",
    "RatioEstimate",
    "RecentBurden",
    "Response",
    "SideEffectSummary",
    "SimulatedDiary",
    "Tolerance",
    "TriggerEffect",
    "TriggerReport",
    "adherence",
    "build_insights",
    "change_points",
    "daily_series",
    "derive_exposures",
    "episode_trigger_counts",
    "hour_weekday",
    "recent_burden",
    "responses",
    "side_effect_summary",
    "simulate_diary",
    "tolerance",
    "trigger_effects",
]
