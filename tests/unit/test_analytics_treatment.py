"""Change points, responses and tolerance."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from analytics_records import at, checkin, episode, regimen

from myoscope.analytics._counts import RatioEstimate
from myoscope.analytics._wording import ratio_verdict
from myoscope.analytics.series import daily_series
from myoscope.analytics.simulation import PlannedChange, simulate_diary
from myoscope.analytics.tolerance import tolerance
from myoscope.analytics.treatment import change_points, responses

D = date(2026, 2, 1)


def test_start_dose_change_and_stop_come_from_the_regimen_chain():
    first = regimen("Levetiracetam", D, amount=500, times=2, stopped_on=date(2026, 3, 1))
    second = regimen(
        "levetiracetam",
        date(2026, 3, 1),
        amount=750,
        times=2,
        replaces=first,
        stopped_on=date(2026, 5, 1),
    )
    changes = change_points([second, first])
    assert [(c.day, c.kind, c.from_mg_per_day, c.to_mg_per_day) for c in changes] == [
        (D, "start", 0.0, 1000.0),
        (date(2026, 3, 1), "dose-change", 1000.0, 1500.0),
        (date(2026, 5, 1), "stop", 1500.0, 0.0),
    ]
    assert changes[0].to_dict() == {
        "date": "2026-02-01",
        "drug": "Levetiracetam",
        "kind": "start",
        "from_mg_per_day": 0,
        "to_mg_per_day": 1000,
        "delay_days": 7,
    }


def test_as_needed_regimens_and_same_dose_replacements_are_not_changes():
    old = regimen("clonazepam", D, amount=0.5, times=2, stopped_on=date(2026, 3, 1))
    same = regimen("clonazepam", date(2026, 3, 1), amount=1, times=1, replaces=old)
    rescue = regimen("midazolam", D, as_needed=True)
    assert [c.kind for c in change_points([old, same, rescue])] == ["start"]


def test_a_replacement_by_another_drug_is_a_stop_and_a_start():
    old = regimen("valproate", D, stopped_on=date(2026, 3, 1))
    new = regimen("levetiracetam", date(2026, 3, 1), replaces=old)
    assert [(c.drug, c.kind) for c in change_points([old, new])] == [
        ("valproate", "start"),
        ("levetiracetam", "start"),
        ("valproate", "stop"),
    ]


def test_doses_without_amount_or_in_tablets_have_no_mg_per_day():
    changes = change_points([regimen("piracetam", D, amount=None), regimen("x", D, unit="tablet")])
    assert [(c.from_mg_per_day, c.to_mg_per_day) for c in changes] == [(0.0, None), (0.0, None)]
    assert changes[0].to_dict()["to_mg_per_day"] is None


def test_delays_come_from_the_mapping_by_id_or_name_with_a_default_of_seven_days():
    a = regimen("Clonazepam", D, drug_id="drug:clonazepam")
    b = regimen("Levetiracetam", D)
    c = regimen("valproate", D)
    delays = {"clonazepam": 3, "LEVETIRACETAM": 14}
    found = {ch.drug: ch.delay_days for ch in change_points([a, b, c], delays_days=delays)}
    assert found == {"Clonazepam": 3, "Levetiracetam": 14, "valproate": 7}


def simulated(seed: int, scenario: str, **options):
    diary = simulate_diary(seed, scenario, **options)
    series = daily_series(
        diary.episodes, diary.checkins, diary.timezone, start=diary.start, end=diary.end
    )
    return diary, series, change_points(diary.regimens)


def test_a_strong_planted_response_is_found_and_worded_within_its_interval():
    change = PlannedChange(56, "levetiracetam", 500, 2, 0.3)
    diary, series, changes = simulated(1, "response", changes=[change], alpha=0.05)
    (response,) = responses(series, changes)
    assert response.enough_data
    assert response.estimate is not None
    assert response.estimate.low < 0.3 < response.estimate.high
    assert response.estimate.high < 1
    assert response.verdict.startswith("about ")
    assert response.verdict.endswith("% fewer jerks")
    assert response.days_before >= 14
    assert response.days_after >= 14
    out = response.to_dict()
    assert out["rate_ratio"] == pytest.approx(response.estimate.ratio, abs=1e-3)
    assert out["ci95"][0] < out["rate_ratio"] < out["ci95"][1]
    assert "negative binomial" in out["method"]
    assert "7-day delay" in out["method"]
    assert out["after"]["from"] == (change_day(diary) + timedelta(days=7)).isoformat()


def change_day(diary):
    return diary.start + timedelta(days=diary.truth.changes[0].day)


def test_too_few_days_on_a_side_give_no_numbers_and_a_reason():
    early = PlannedChange(5, "levetiracetam", 500, 2, 0.5)
    _, series, changes = simulated(2, "response", changes=[early])
    (response,) = responses(series, changes)
    assert not response.enough_data
    assert response.estimate is None
    assert "at least 14 are needed on each side" in response.reason
    assert response.verdict.startswith("not enough data")
    assert response.to_dict()["rate_ratio"] is None
    assert response.to_dict()["ci95"] is None


def test_no_jerks_after_the_change_is_said_in_words_without_a_ratio():
    records = [episode(at(D + timedelta(days=k)), 5) for k in range(30)]
    checks = [checkin(D + timedelta(days=k), 0) for k in range(30, 70)]
    series = daily_series(records, checks, "UTC")
    changes = change_points([regimen("clonazepam", D + timedelta(days=30))])
    (response,) = responses(series, changes)
    assert not response.enough_data
    assert "no jerks were recorded after the change" in response.reason


def test_windows_stop_at_the_neighbouring_change():
    diary, series, _ = simulated(3, "demo")
    changes = change_points(diary.regimens)
    found = responses(series, changes)
    for previous, current in itertools.pairwise(found):
        assert current.before is None or current.before[0] >= previous.change.effective
        assert previous.after is None or previous.after[1] < current.change.day


def test_changes_on_the_same_day_are_noted():
    _, series, _ = simulated(4, "response")
    changes = change_points([regimen("a", date(2026, 3, 2)), regimen("b", date(2026, 3, 2))])
    assert all("also changed on 2026-03-02" in r.note for r in responses(series, changes))


def test_without_trend_the_method_says_so():
    _, series, changes = simulated(5, "response")
    (response,) = responses(series, changes, trend=False)
    assert "no trend" in response.method


@pytest.mark.parametrize(
    ("low", "ratio", "high", "verdict"),
    [
        (0.47, 0.58, 0.71, "about 42% fewer jerks"),
        (0.7, 0.9, 1.1, "no clear change (from 30% fewer to 10% more)"),
        (1.2, 1.5, 1.9, "about 50% more jerks"),
        (2.1, 2.6, 3.2, "about 2.6 times as many jerks"),
        (0.99, 1.0, 1.01, "no clear change (from 1% fewer to 1% more)"),
    ],
)
def test_verdicts_never_claim_more_than_the_interval(low, ratio, high, verdict):
    estimate = RatioEstimate(ratio, low, high, 0.1, 1.0, 50)
    assert ratio_verdict(estimate, clear="{change} jerks") == verdict


def test_tolerance_is_found_on_a_stable_dose_after_an_improvement_with_the_note():
    diary, series, changes = simulated(6, "tolerance", alpha=0.05)
    found = responses(series, changes)
    notes = {"drug:clonazepam": "ignored", "Clonazepam": "Tolerance to clonazepam is common."}
    (trend,) = tolerance(series, changes, found, notes=notes)
    assert trend.enough_data
    assert trend.rising
    assert trend.estimate.low < 1.05 < trend.estimate.high
    assert trend.verdict == (
        "jerks rising again on a stable dose: possible tolerance. "
        "Tolerance to clonazepam is common."
    )
    assert trend.since == found[0].change.effective
    assert trend.until == diary.end
    out = trend.to_dict()
    assert out["drug"] == "clonazepam"
    assert out["trend_per_week"] > 1


def test_no_tolerance_is_looked_for_without_a_clear_improvement():
    _, series, changes = simulated(7, "response", changes=[PlannedChange(56, "x", 1, 1, 1.0)])
    found = responses(series, changes)
    assert not found[0].improved
    assert tolerance(series, changes, found) == []


def test_a_short_stable_period_gives_not_enough_data():
    change = PlannedChange(56, "clonazepam", 1, 1, 0.3)
    _, series, changes = simulated(8, "response", changes=[change], alpha=0.05, days=56 + 7 + 20)
    found = responses(series, changes, min_days=10)
    (trend,) = tolerance(series, changes, found)
    assert not trend.enough_data
    assert "at least 28 are needed" in trend.reason
    assert trend.to_dict()["trend_per_week"] is None


def test_a_stretch_without_jerks_outside_the_windows_leaves_the_joint_model_usable():
    diary = simulate_diary(9, "response", alpha=0.05, changes=[PlannedChange(56, "x", 1, 1, 0.3)])
    quiet = [checkin(diary.start - timedelta(days=k), 0) for k in range(1, 11)]
    series = daily_series(diary.episodes, [*diary.checkins, *quiet], diary.timezone, end=diary.end)
    (response,) = responses(series, change_points(diary.regimens))
    assert response.enough_data
    assert "over the whole diary" in response.method


def test_a_window_with_a_jerk_free_segment_uses_its_own_model():
    start = date(2026, 1, 5)
    quiet_days = range(27, 32)  # the first days of the first change's after window
    records = [
        episode(at(start + timedelta(days=k)), 6 if k < 20 else 3)
        for k in range(90)
        if k not in quiet_days
    ]
    quiet = [checkin(start + timedelta(days=k), 0) for k in quiet_days]
    series = daily_series(records, quiet, "UTC")
    first = regimen("x", start + timedelta(days=20), amount=1, times=1)
    second = regimen("y", start + timedelta(days=60), amount=1, times=1)
    found = responses(series, change_points([first, second]))
    assert [r.enough_data for r in found] == [True, True]
    assert "shared by the two windows" in found[0].method
    assert "over the whole diary" in found[1].method


def test_an_interval_that_touches_one_once_shown_is_not_called_a_change():
    estimate = RatioEstimate(0.814, 0.6631, 0.99961, 0.1, 1.0, 100)
    assert estimate.ci95 == [0.663, 1.0]
    assert not estimate.excludes_one
    assert ratio_verdict(estimate, clear="{change} jerks").startswith("no clear change")


def test_small_changes_keep_a_decimal_in_words():
    estimate = RatioEstimate(0.996, 0.990, 0.998, 0.0, 1.0, 5000)
    assert ratio_verdict(estimate, clear="{change} jerks") == "about 0.4% fewer jerks"
