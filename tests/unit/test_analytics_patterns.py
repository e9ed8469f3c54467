"""The hour-of-day pattern and the last 28 days."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from analytics_records import at, checkin, episode

from myoscope.analytics.patterns import hour_weekday, recent_burden
from myoscope.analytics.series import daily_series
from myoscope.analytics.simulation import PlannedChange, simulate_diary

MONDAY = date(2026, 6, 1)


def test_the_pattern_is_jerks_per_logged_day_of_each_weekday():
    records = [
        episode(at(MONDAY, 9), 6),
        episode(at(MONDAY + timedelta(days=7), 9), 2),
        episode(at(MONDAY + timedelta(days=1), 22), 3),
    ]
    checks = [checkin(MONDAY + timedelta(days=14), 0)]
    pattern = hour_weekday(daily_series(records, checks, "UTC"))
    assert pattern.logged_days.tolist() == [3, 1, 0, 0, 0, 0, 0]
    assert pattern.jerks_per_day[0, 9] == 8 / 3
    assert pattern.jerks_per_day[1, 22] == 3
    assert pattern.jerks_per_day[2:].sum() == 0
    out = pattern.to_dict()
    assert out["weekdays"][0] == "Mon"
    assert len(out["jerks_per_day"]) == 7
    assert all(len(row) == 24 for row in out["jerks_per_day"])


def test_the_pattern_uses_local_hours():
    records = [episode(at(MONDAY, 9, zone="America/New_York"), 4)]
    pattern = hour_weekday(daily_series(records, [], "America/New_York"))
    assert pattern.jerks_per_day[0, 9] == 4


def test_an_empty_series_has_an_empty_pattern_and_no_recent_ratio():
    series = daily_series([], [], "UTC")
    assert hour_weekday(series).jerks_per_day.shape == (7, 24)
    recent = recent_burden(series)
    assert recent.jerks_per_day is None
    assert not recent.enough_data


def test_the_last_28_days_against_the_28_before():
    change = PlannedChange(28, "clonazepam", 1, 1, 0.3, delay_days=1)
    diary = simulate_diary(2, "response", days=56, changes=[change], alpha=0.05)
    series = daily_series(
        diary.episodes, diary.checkins, diary.timezone, start=diary.start, end=diary.end
    )
    recent = recent_burden(series)
    assert recent.enough_data
    assert recent.estimate.high < 1
    assert recent.verdict.endswith("fewer jerks in the last 28 days, compared with the 28 before")
    last = series.logged[28:]
    assert recent.jerks_per_day == np.nanmean(series.jerks[28:][last])
    out = recent.to_dict()
    assert out["to"] == diary.end.isoformat()
    assert out["vs_previous_28_days"]["ratio"] < 1


def test_too_few_recent_days_say_why():
    records = [episode(at(MONDAY + timedelta(days=k)), 3) for k in range(40)]
    recent = recent_burden(daily_series(records, [], "UTC"))
    assert not recent.enough_data
    assert "at least 14 are needed in each" in recent.reason
    assert recent.to_dict()["vs_previous_28_days"]["ratio"] is None
