"""Day-level factors: derived exposures, the minimum days, lags and the comparisons count."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from analytics_records import at, checkin, dose, episode

from myoscope.analytics.series import daily_series
from myoscope.analytics.simulation import simulate_diary
from myoscope.analytics.treatment import change_points
from myoscope.analytics.triggers import (
    Exposure,
    derive_exposures,
    episode_trigger_counts,
    skipped_dose_days,
    trigger_effects,
)
from myoscope.domain.diary import DoseStatus, Trigger

D = date(2026, 4, 1)
LONDON = ZoneInfo("Europe/London")


def test_sleep_loss_is_a_short_night_or_two_hours_below_the_median():
    nights = [8, 8, 8, 8, 5.5, 6.0, 6.5, None]
    checks = [checkin(D + timedelta(days=k), sleep_hours=h) for k, h in enumerate(nights)]
    exposure = derive_exposures(checks, [], LONDON)["sleep-loss"]
    assert exposure.days == {D + timedelta(days=4), D + timedelta(days=5)}
    assert exposure.observed == {D + timedelta(days=k) for k in range(7)}


def test_without_sleep_hours_or_doses_nothing_is_derived():
    assert derive_exposures([checkin(D)], [], LONDON) == {}


def test_missed_doses_fall_on_the_local_day():
    late_evening = datetime(2026, 4, 1, 23, 30, tzinfo=UTC)  # 00:30 on 2 April in London
    records = [
        dose(late_evening, DoseStatus.SKIPPED, drug="clonazepam"),
        dose(at(D, 8), DoseStatus.TAKEN, drug="clonazepam"),
        dose(at(D, 9), DoseStatus.SKIPPED, drug="rescue", as_needed=True),
    ]
    exposure = derive_exposures([], records, LONDON)["missed-dose"]
    assert exposure.days == {date(2026, 4, 2)}
    assert exposure.observed == {D, date(2026, 4, 2)}
    per_drug = skipped_dose_days(records, LONDON)
    assert set(per_drug) == {"clonazepam"}


def test_a_dose_recorded_against_a_regimen_finds_its_drug():
    records = [dose(at(D), DoseStatus.SKIPPED, regimen_id="r1")]
    assert set(skipped_dose_days(records, LONDON, {"r1": "valproate"})) == {"valproate"}


def test_episode_tags_are_counted_as_a_description_only():
    records = [
        episode(at(D), 3, triggers=(Trigger.STRESS, Trigger.NOISE)),
        episode(at(D, 11), 3, triggers=(Trigger.STRESS,)),
        episode(at(D, 12), 3),
    ]
    assert episode_trigger_counts(records) == {"stress": 2, "noise": 1}


def series_of(n: int = 60, seed: int = 0):
    diary = simulate_diary(seed, "triggers", days=n)
    return diary, daily_series(
        diary.episodes, diary.checkins, diary.timezone, start=diary.start, end=diary.end
    )


def test_fewer_than_three_days_with_the_factor_gives_no_ratio():
    diary, series = series_of()
    logged = [diary.start + timedelta(days=int(i)) for i in range(series.days) if series.logged[i]]
    report = trigger_effects(series, {"alcohol": set(logged[:2]), "noise": set(logged[:10])})
    alcohol = [e for e in report.effects if e.trigger == "alcohol"]
    assert [e.lag_days for e in alcohol] == [0, 1]
    assert all(not e.enough_data and e.estimate is None for e in alcohol)
    assert "at least 3 of each are needed" in alcohol[0].reason
    assert alcohol[0].to_dict()["rate_ratio"] is None
    noise = [e for e in report.effects if e.trigger == "noise"]
    assert all(e.enough_data for e in noise)
    assert report.comparisons == 2
    assert report.note.startswith("2 comparisons were made")
    assert "not adjusted" in report.note


def test_every_logged_day_counts_as_without_unless_observed_days_are_given():
    diary, series = series_of()
    days = {diary.start + timedelta(days=k) for k in range(0, 60, 5)}
    plain = trigger_effects(series, {"x": days}, lags=(0,)).effects[0]
    observed = frozenset(diary.start + timedelta(days=k) for k in range(30))
    limited = trigger_effects(
        series, {"x": Exposure(frozenset(days), observed)}, lags=(0,)
    ).effects[0]
    assert plain.days_with + plain.days_without == int(series.logged.sum())
    assert limited.days_with + limited.days_without < plain.days_with + plain.days_without


def test_planted_triggers_show_at_their_lag_with_words_that_fit_the_interval():
    diary, series = series_of(360, seed=3)
    factors = dict(derive_exposures(diary.checkins, diary.doses, ZoneInfo(diary.timezone)))
    factors.update({k: Exposure(d, o) for k, (d, o) in diary.exposures.items()})
    report = trigger_effects(series, factors, changes=change_points(diary.regimens))
    found = {(e.trigger, e.lag_days): e for e in report.effects}
    stress = found["stress", 0]
    assert stress.estimate.low > 1
    assert stress.verdict.endswith("more jerks on days with stress")
    sleep = found["sleep-loss", 1]
    assert sleep.estimate.low > 1
    assert sleep.verdict.endswith("more jerks the day after sleep loss")
    assert report.comparisons == 8
    for effect in report.effects:
        if not effect.estimate.excludes_one:
            assert effect.verdict.startswith("no clear difference (from ")


def test_an_empty_series_gives_no_comparisons():
    series = daily_series([], [], "UTC")
    report = trigger_effects(series, {"stress": {D}})
    assert report.comparisons == 0
    assert all(not e.enough_data for e in report.effects)
