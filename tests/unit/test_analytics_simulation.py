"""Simulated diaries: deterministic, valid records, planted truth."""

from __future__ import annotations

from datetime import date

import pytest

from myoscope.analytics.simulation import SCENARIOS, PlannedChange, simulate_diary
from myoscope.domain.diary import CountBand
from myoscope.errors import InvalidInputError


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_scenario_is_deterministic_for_a_seed(scenario):
    a, b = simulate_diary(5, scenario), simulate_diary(5, scenario)
    assert a.episodes == b.episodes
    assert a.checkins == b.checkins
    assert a.doses == b.doses
    assert a.regimens == b.regimens
    assert a.truth == b.truth
    assert a.episodes != simulate_diary(6, scenario).episodes


def test_the_truth_names_what_was_planted():
    diary = simulate_diary(1, "demo")
    assert list(diary.truth.responses.values()) == [0.6, 0.6, 0.5]
    assert diary.truth.tolerance_per_week["clonazepam"] == pytest.approx(1.1)
    assert diary.truth.trigger_ratio("stress", 0) == 1.5
    assert diary.truth.trigger_ratio("alcohol", 0) == 1.0
    assert len(diary.side_effects) > 0
    increase = diary.regimens[1]
    assert increase.replaces_id == diary.regimens[0].id
    assert diary.regimens[0].stopped_on == increase.started_on


def test_missing_days_and_bands_can_be_asked_for():
    diary = simulate_diary(2, "response", days=60, missing_fraction=0.5, band_fraction=1.0)
    assert 15 < diary.logged_days < 45
    assert all(e.count is None and e.count_band is not None for e in diary.episodes)
    assert {e.count_band for e in diary.episodes} <= set(CountBand)


def test_changes_and_start_can_be_replaced():
    diary = simulate_diary(
        3, "response", start=date(2025, 1, 6), days=30, changes=[PlannedChange(10, "x", 1, 1, 0.5)]
    )
    assert diary.start == date(2025, 1, 6)
    assert diary.end == date(2025, 2, 4)
    assert [r.drug for r in diary.regimens] == ["x"]


def test_unknown_scenarios_and_empty_diaries_are_refused():
    with pytest.raises(InvalidInputError, match="unknown scenario 'respons'"):
        simulate_diary(1, "respons")
    with pytest.raises(InvalidInputError, match="days must be at least 1"):
        simulate_diary(1, "response", days=0)
