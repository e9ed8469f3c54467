"""Calibration: how often the 95 % intervals cover the truth planted in simulated diaries.

For each scenario of :func:`~myoscope.analytics.simulation.simulate_diary`, many diaries are
simulated with consecutive seeds and analysed exactly as a real diary is; every interval is
checked against the planted value. A correct method covers the truth in about 95 % of runs;
a factor with no planted effect should look "clear" (interval excluding 1) in about 5 %.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from myoscope.analytics.series import daily_series
from myoscope.analytics.simulation import simulate_diary
from myoscope.analytics.tolerance import tolerance
from myoscope.analytics.treatment import change_points, responses
from myoscope.analytics.triggers import Exposure, derive_exposures, trigger_effects

__all__ = ["Calibration", "Tally", "calibrate", "table"]


@dataclass
class Tally:
    """Runs in which an estimate was made, covered the truth, and looked clear.

    Parameters
    ----------
    truth : float
        The planted value (1 for no effect).
    estimated : int
        Runs with an estimate.
    covered : int
        Runs whose interval held the truth.
    clear : int
        Runs whose interval excluded 1.
    """

    truth: float
    estimated: int = 0
    covered: int = 0
    clear: int = 0

    @property
    def coverage(self) -> float:
        """Share of estimates whose interval held the truth."""
        return self.covered / self.estimated if self.estimated else float("nan")

    @property
    def clear_rate(self) -> float:
        """Share of estimates whose interval excluded 1 (power, or false positives at truth 1)."""
        return self.clear / self.estimated if self.estimated else float("nan")

    def add(self, low: float, high: float) -> None:
        """Count one interval."""
        self.estimated += 1
        self.covered += low <= self.truth <= high
        self.clear += high < 1.0 or low > 1.0


@dataclass
class Calibration:
    """The tallies of one scenario, by estimate (``"response"``, ``"trigger stress lag 0"`` ...).

    Parameters
    ----------
    scenario : str
        The simulation scenario.
    runs : int
        Diaries simulated.
    tallies : dict of str to Tally
        One per estimate.
    """

    scenario: str
    runs: int
    tallies: dict[str, Tally] = field(default_factory=dict)

    def tally(self, name: str, truth: float) -> Tally:
        """Return the tally of an estimate, created on first use."""
        return self.tallies.setdefault(name, Tally(truth))


def calibrate(scenario: str, runs: int, *, first_seed: int = 0) -> Calibration:
    """Simulate ``runs`` diaries of a scenario and tally interval coverage.

    Parameters
    ----------
    scenario : {"response", "tolerance", "triggers"}
        Which estimates are checked: the response to the planted change (``response``), the
        trend on the stable dose (``tolerance``), or every factor at lag 0 and 1
        (``triggers``; ``alcohol`` has no effect).
    runs : int
        Number of diaries (seeds ``first_seed`` to ``first_seed + runs - 1``).
    first_seed : int
        The first seed.

    Returns
    -------
    Calibration
        The tallies.
    """
    result = Calibration(scenario, runs)
    for seed in range(first_seed, first_seed + runs):
        diary = simulate_diary(seed, scenario)
        zone = ZoneInfo(diary.timezone)
        series = daily_series(
            diary.episodes, diary.checkins, zone, start=diary.start, end=diary.end
        )
        changes = change_points(diary.regimens)
        if scenario == "triggers":
            factors: dict[str, Exposure] = dict(derive_exposures(diary.checkins, diary.doses, zone))
            factors.update({k: Exposure(d, o) for k, (d, o) in diary.exposures.items()})
            for effect in trigger_effects(series, factors, changes=changes).effects:
                if effect.estimate is not None:
                    truth = diary.truth.trigger_ratio(effect.trigger, effect.lag_days)
                    name = f"trigger {effect.trigger} lag {effect.lag_days}"
                    result.tally(name, truth).add(effect.estimate.low, effect.estimate.high)
            continue
        found = responses(series, changes)
        if scenario == "response":
            for response in found:
                planted = diary.truth.responses.get(response.change.day)
                if response.estimate is not None and planted is not None:
                    result.tally("response", planted).add(
                        response.estimate.low, response.estimate.high
                    )
        for trend in tolerance(series, changes, found):
            if trend.estimate is not None and scenario == "tolerance":
                truth = diary.truth.tolerance_per_week[trend.change.drug]
                result.tally("tolerance", truth).add(trend.estimate.low, trend.estimate.high)
    return result


def table(results: Iterable[Calibration]) -> list[dict[str, object]]:
    """Return one row per scenario and estimate: runs, estimates, coverage, clear rate."""
    return [
        {
            "scenario": r.scenario,
            "estimate": name,
            "truth": t.truth,
            "runs": r.runs,
            "estimated": t.estimated,
            "coverage": t.coverage,
            "clear_rate": t.clear_rate,
        }
        for r in results
        for name, t in sorted(r.tallies.items())
    ]
