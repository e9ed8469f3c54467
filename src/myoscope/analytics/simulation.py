"""Synthetic diaries with planted effects, to show that the analytics find what is there.

Daily jerk counts are gamma-Poisson (negative binomial with dispersion ``alpha``): the rate of
day ``d`` is ``base x weekday factor x trend**weeks x drug effects x trigger effects``, times a
gamma variable with mean 1 and variance ``alpha``. Each drug change has a rate ratio that is
reached linearly (on the log scale) over its delay, and optionally a tolerance: the rate then
rises by ``tolerance_per_week`` a week on the stable dose. Triggers multiply the rate on the day
of the factor (lag 0) or the day after (lag 1); ``alcohol`` has no effect (the null trigger).
Days are left unlogged at random (``missing_fraction``); on every logged day the person writes a
check-in (with the night's sleep) and the doses of the day, and splits the day's jerks over one
or more episodes at local hours that favour the morning.

Everything is **synthetic** and deterministic for a seed. The records are domain models, as a
storage or a service would return them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np

from myoscope.domain.diary import (
    CheckIn,
    CountBand,
    Dose,
    DoseStatus,
    DoseUnit,
    Episode,
    JerkKind,
    Regimen,
    Severity,
    SideEffect,
    Trigger,
)
from myoscope.errors import InvalidInputError

__all__ = ["SCENARIOS", "PlannedChange", "PlantedTruth", "SimulatedDiary", "simulate_diary"]

Scenario = Literal["response", "tolerance", "triggers", "demo"]
SCENARIOS: tuple[str, ...] = ("response", "tolerance", "triggers", "demo")
"""The scenarios :func:`simulate_diary` knows."""

_WEEKDAY = (1.0, 1.05, 1.0, 1.1, 1.15, 0.85, 0.8)  # Monday first: busier weekdays, calmer weekends
_HOURS = np.array([1, 1, 1, 1, 1, 2, 4, 8, 10, 9, 7, 6, 5, 5, 5, 5, 5, 6, 6, 5, 4, 3, 2, 1], float)
_HOURS_CDF = np.cumsum(_HOURS) / _HOURS.sum()  # local hour of an episode: mornings are busiest


@dataclass(frozen=True)
class PlannedChange:
    """A medication change planted in a simulated diary.

    Parameters
    ----------
    day : int
        Days after the diary's first day (may be negative: before the diary).
    drug : str
        The drug's name.
    mg : float
        The amount of one dose, in mg.
    times_per_day : int
        Doses a day.
    ratio : float
        The true rate ratio of jerks once the effect is complete.
    delay_days : int
        Days over which the effect builds up.
    tolerance_per_week : float
        From the end of the delay, the rate rises by this factor a week (1: no tolerance).
    """

    day: int
    drug: str
    mg: float
    times_per_day: int
    ratio: float
    delay_days: int = 7
    tolerance_per_week: float = 1.0


@dataclass(frozen=True)
class PlantedTruth:
    """What was planted, to compare the estimates with.

    Parameters
    ----------
    responses : dict of date to float
        Change day -> true rate ratio after / before (trend excluded).
    tolerance_per_week : dict of str to float
        Drug -> true weekly rate ratio on its stable dose (tolerance times the trend).
    triggers : dict of (str, int) to float
        (factor, lag in days) -> true rate ratio; pairs not listed have ratio 1.
    trend_per_week : float
        The underlying weekly rate ratio.
    alpha : float
        The gamma-Poisson dispersion.
    changes : tuple of PlannedChange
        The planted medication changes.
    """

    responses: dict[date, float]
    tolerance_per_week: dict[str, float]
    triggers: dict[tuple[str, int], float]
    trend_per_week: float
    alpha: float
    changes: tuple[PlannedChange, ...]

    def trigger_ratio(self, factor: str, lag: int) -> float:
        """Return the true ratio of a factor at a lag (1 when none was planted)."""
        return self.triggers.get((factor, lag), 1.0)


@dataclass(frozen=True)
class SimulatedDiary:
    """A synthetic diary: domain records, day-level factors and the planted truth.

    Parameters
    ----------
    episodes, checkins, regimens, doses, side_effects : list
        The records.
    exposures : dict of str to tuple of (frozenset of date, frozenset of date)
        Factors a check-in would record (``stress``, ``alcohol``): the days with the factor and
        the days on which it was recorded either way. Sleep loss and missed doses are in the
        records themselves.
    truth : PlantedTruth
        What was planted.
    timezone : str
        The person's IANA time zone.
    start, end : date
        The first and last day.
    """

    episodes: list[Episode]
    checkins: list[CheckIn]
    regimens: list[Regimen]
    doses: list[Dose]
    side_effects: list[SideEffect]
    exposures: dict[str, tuple[frozenset[date], frozenset[date]]]
    truth: PlantedTruth
    timezone: str
    start: date
    end: date
    logged_days: int = field(default=0)


def _scenario(name: str) -> tuple[int, list[PlannedChange], dict[tuple[str, int], float], float]:
    if name == "response":
        return 112, [PlannedChange(56, "levetiracetam", 500, 2, 0.6)], {}, 1.01
    if name == "tolerance":
        change = PlannedChange(28, "clonazepam", 0.5, 2, 0.5, tolerance_per_week=1.05)
        return 140, [change], {}, 1.0
    triggers = {("stress", 0): 1.5, ("sleep-loss", 1): 1.6, ("missed-dose", 1): 1.4}
    if name == "triggers":
        return 180, [PlannedChange(-200, "levetiracetam", 500, 2, 1.0)], triggers, 1.0
    if name == "demo":
        return (
            183,
            [
                PlannedChange(35, "levetiracetam", 500, 2, 0.6),
                PlannedChange(84, "levetiracetam", 1000, 2, 0.6),
                PlannedChange(126, "clonazepam", 0.5, 1, 0.5, tolerance_per_week=1.1),
            ],
            triggers,
            1.0,
        )
    raise InvalidInputError(
        f"unknown scenario '{name}'; use one of {', '.join(SCENARIOS)}",
        field="scenario",
        received=name,
        allowed=SCENARIOS,
    )


def simulate_diary(
    seed: int,
    scenario: Scenario | str = "response",
    *,
    days: int | None = None,
    start: date = date(2026, 1, 5),
    timezone: str = "Europe/London",
    base_jerks_per_day: float = 8.0,
    alpha: float = 0.2,
    missing_fraction: float = 0.15,
    band_fraction: float = 0.0,
    changes: list[PlannedChange] | None = None,
    triggers: dict[tuple[str, int], float] | None = None,
    trend_per_week: float | None = None,
    patient_id: str = "simulated",
) -> SimulatedDiary:
    """Simulate a diary with planted medication effects, tolerance and triggers.

    Parameters
    ----------
    seed : int
        Seed of the random number generator (same seed, same diary; record ids included).
    scenario : {"response", "tolerance", "triggers", "demo"}
        ``response``: 112 days, levetiracetam started on day 56 (rate ratio 0.6, trend 1 %
        a week). ``tolerance``: 140 days, clonazepam on day 28 (ratio 0.5), then 5 % more
        jerks a week. ``triggers``: 180 days on a stable dose; stress x1.5 the same day,
        sleep loss x1.6 and a missed dose x1.4 the day after, alcohol no effect. ``demo``:
        183 days: levetiracetam started on day 35 (ratio 0.6) and doubled on day 84 (0.6),
        clonazepam added on day 126 (0.5) with 10 % more jerks a week after that, and the
        triggers.
    days : int, optional
        Length of the diary (the scenario's by default).
    start : date
        The first day.
    timezone : str
        IANA time zone of the person (episode times are local times converted to UTC).
    base_jerks_per_day : float
        Mean jerks a day before any treatment, on an average weekday.
    alpha : float
        Gamma-Poisson dispersion (variance = mean + alpha x mean**2).
    missing_fraction : float
        Chance that a day is not logged at all.
    band_fraction : float
        Chance that an episode is recorded as a count band rather than a count.
    changes, triggers, trend_per_week : optional
        Replace the scenario's medication changes, trigger ratios or weekly trend.
    patient_id : str
        The diary the records belong to.

    Returns
    -------
    SimulatedDiary
        The records and the planted truth.
    """
    default_days, planned, planted, trend = _scenario(scenario)
    days = default_days if days is None else days
    planned = planned if changes is None else changes
    planted = planted if triggers is None else triggers
    trend = trend if trend_per_week is None else trend_per_week
    if days < 1:
        raise InvalidInputError(f"days must be at least 1; got {days}", field="days", received=days)
    rng = np.random.default_rng(seed)
    zone = ZoneInfo(timezone)
    d = np.arange(days)
    weekday = np.array([(start + timedelta(days=int(i))).weekday() for i in range(7)])
    log_rate = np.log(base_jerks_per_day) + np.log(np.asarray(_WEEKDAY))[weekday[d % 7]]
    log_rate += math.log(trend) * d / 7.0
    for change in planned:
        ramp = np.clip((d - change.day) / max(change.delay_days, 1), 0.0, 1.0)
        log_rate += math.log(change.ratio) * ramp
        weeks_on = np.clip(d - change.day - change.delay_days, 0, None) / 7.0
        log_rate += math.log(change.tolerance_per_week) * weeks_on
    logged = rng.random(days) >= missing_fraction
    factor_days = {
        "stress": rng.random(days) < 0.2,
        "alcohol": rng.random(days) < 0.15,
        "sleep-loss": rng.random(days) < 0.15,
    }
    writer = _Writer(rng, zone, patient_id, start, band_fraction)
    regimens = writer.regimens(planned)
    first_active = [
        next((r for r in regimens if r.active_on(start + timedelta(days=int(i)))), None) for i in d
    ]
    due = np.array([0 if r is None else min(r.times_per_day or 1, 2) for r in first_active])
    # Each of the first active regimen's (up to two) daily doses is skipped with chance 6 %.
    skip = (rng.random((days, 2)) < 0.06) & (np.arange(2) < due[:, None])
    factor_days["missed-dose"] = skip.any(axis=1) & logged
    for (factor, lag), ratio in planted.items():
        exposed = factor_days.get(factor)
        if exposed is not None:
            shifted = np.zeros(days, bool)
            shifted[lag:] = exposed[: days - lag] if lag else exposed
            log_rate += math.log(ratio) * shifted
    gamma = rng.gamma(1.0 / alpha, alpha, days) if alpha > 0 else np.ones(days)
    jerks = rng.poisson(np.exp(log_rate) * gamma)
    for i in np.flatnonzero(logged):
        day = start + timedelta(days=int(i))
        tags = [f for f in ("stress", "sleep-loss") if factor_days[f][i]]
        writer.day(day, int(jerks[i]), tags, bool(factor_days["sleep-loss"][i]))
        for regimen in (r for r in regimens if r.active_on(day)):
            writer.doses(day, regimen, skip[i] if regimen is first_active[i] else np.zeros(2, bool))
    observed = frozenset(start + timedelta(days=int(i)) for i in np.flatnonzero(logged))
    exposures = {
        name: (
            frozenset(
                start + timedelta(days=int(i)) for i in np.flatnonzero(factor_days[name] & logged)
            ),
            observed,
        )
        for name in ("stress", "alcohol")
    }
    truth = PlantedTruth(
        responses={start + timedelta(days=c.day): c.ratio for c in planned},
        tolerance_per_week={c.drug: c.tolerance_per_week * trend for c in planned},
        triggers=dict(planted),
        trend_per_week=trend,
        alpha=alpha,
        changes=tuple(planned),
    )
    if scenario == "demo":
        writer.side_effects(regimens)
    return SimulatedDiary(
        episodes=writer.episodes,
        checkins=writer.checkins,
        regimens=regimens,
        doses=writer.dose_records,
        side_effects=writer.effects,
        exposures=exposures,
        truth=truth,
        timezone=timezone,
        start=start,
        end=start + timedelta(days=days - 1),
        logged_days=int(logged.sum()),
    )


class _Writer:
    """Turns the simulated days into domain records."""

    def __init__(
        self, rng: np.random.Generator, zone: ZoneInfo, patient: str, start: date, bands: float
    ) -> None:
        self.rng = rng
        self.zone = zone
        self.patient = patient
        self.start = start
        self.bands = bands
        self.episodes: list[Episode] = []
        self.checkins: list[CheckIn] = []
        self.dose_records: list[Dose] = []
        self.effects: list[SideEffect] = []
        self.serial = 0

    def _id(self, kind: str) -> str:
        self.serial += 1
        return f"{kind}{self.serial:08d}"

    def _at(self, day: date, hour: int, minute: int) -> datetime:
        return datetime.combine(day, time(hour, minute), self.zone).astimezone(UTC)

    def _stamp(self, at: datetime) -> dict[str, object]:
        return {"patient_id": self.patient, "created_at": at, "updated_at": at}

    def regimens(self, planned: list[PlannedChange]) -> list[Regimen]:
        records: list[Regimen] = []
        ordered = sorted(planned, key=lambda c: c.day)
        for change in ordered:
            started = self.start + timedelta(days=change.day)
            previous = next((r for r in reversed(records) if r.drug == change.drug), None)
            if previous is not None:
                stopped = previous.model_copy(
                    update={"stopped_on": started, "stop_reason": "dose changed"}
                )
                records[records.index(previous)] = stopped
            at = self._at(started, 9, 0)
            records.append(
                Regimen(
                    id=self._id("regimen"),
                    drug=change.drug,
                    dose_amount=change.mg,
                    dose_unit=DoseUnit.MG,
                    times_per_day=change.times_per_day,
                    started_on=started,
                    replaces_id=previous.id if previous is not None else None,
                    **self._stamp(at),
                )
            )
        return records

    def day(self, day: date, jerks: int, tags: list[str], short_night: bool) -> None:
        rng = self.rng
        sleep = rng.uniform(3.5, 5.5) if short_night else min(max(rng.normal(7.4, 0.5), 6.25), 9.5)
        at = self._at(day, 21, 0)
        self.checkins.append(
            CheckIn(
                id=self._id("checkin"),
                day=day,
                severity=int(min(10, round(2 + jerks / 4))),
                sleep_hours=round(sleep * 4) / 4,
                mood=int(rng.integers(2, 6)),
                **self._stamp(at),
            )
        )
        if jerks == 0:
            return
        n = int(min(jerks, 1 + rng.poisson(0.5 + jerks / 12)))
        split = (rng.multinomial(jerks - n, np.full(n, 1 / n)) + 1).tolist()
        u = rng.random((n, 6))
        hours = np.sort(np.searchsorted(_HOURS_CDF, u[:, 0], side="right")).tolist()
        minutes = (u[:, 1] * 60).astype(int).tolist()
        for k in range(n):
            count = split[k]
            started = self._at(day, min(hours[k], 23), minutes[k])
            banded = u[k, 2] < self.bands
            triggers = [Trigger(t) for t, v in zip(tags, u[k, 3:5], strict=False) if v < 0.5]
            self.episodes.append(
                Episode(
                    id=self._id("episode"),
                    started_at=started,
                    count=None if banded else count,
                    count_band=CountBand.for_count(count) if banded else None,
                    intensity=int(min(10, 2 + count // 10 + int(u[k, 5] * 3))),
                    kind=JerkKind.NEGATIVE if u[k, 5] < 0.1 else JerkKind.POSITIVE,
                    triggers=triggers,
                    **self._stamp(started),
                )
            )

    def doses(self, day: date, regimen: Regimen, skipped: np.ndarray) -> None:
        times = (8, 20) if (regimen.times_per_day or 1) > 1 else (21,)
        for k, hour in enumerate(times):
            due = self._at(day, hour, 0)
            skip = bool(skipped[k]) if k < skipped.size else False
            late = not skip and self.rng.random() < 0.08
            taken = due + timedelta(minutes=90) if late else due
            self.dose_records.append(
                Dose(
                    id=self._id("dose"),
                    regimen_id=regimen.id,
                    drug=regimen.drug,
                    amount=regimen.dose_amount,
                    unit=regimen.dose_unit,
                    status=DoseStatus.SKIPPED
                    if skip
                    else DoseStatus.LATE
                    if late
                    else DoseStatus.TAKEN,
                    taken_at=taken,
                    scheduled_at=due,
                    **self._stamp(taken),
                )
            )

    def side_effects(self, regimens: list[Regimen]) -> None:
        effects = {
            "clonazepam": ("drowsiness", "drowsiness", "unsteadiness"),
            "levetiracetam": ("irritability", "tiredness"),
        }
        for regimen in regimens:
            for k, effect in enumerate(effects.get(regimen.drug, ())):
                at = self._at(regimen.started_on + timedelta(days=3 + 5 * k), 15, 0)
                self.effects.append(
                    SideEffect(
                        id=self._id("effect"),
                        effect=effect,
                        severity=Severity.MILD,
                        started_at=at,
                        regimen_id=regimen.id,
                        **self._stamp(at),
                    )
                )
