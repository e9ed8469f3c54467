"""The daily series: local days, missing days, count bands, DST and edge cases."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from analytics_records import at, checkin, episode

from myoscope.analytics.series import (
    BAND_JERKS,
    CONTINUOUS_JERKS,
    daily_series,
    local_days,
)
from myoscope.domain.diary import CountBand, JerkKind
from myoscope.errors import InvalidInputError

D = date(2026, 3, 2)


def test_no_records_give_an_empty_series():
    series = daily_series([], [], "Europe/London")
    assert series.days == 0
    assert series.to_rows() == []
    assert series.last_episode is None


def test_no_records_in_a_given_period_are_all_missing():
    series = daily_series([], [], "UTC", start=D, end=date(2026, 3, 8))
    assert series.days == 7
    assert not series.logged.any()
    assert np.isnan(series.jerks).all()
    assert all(row["jerks"] is None and row["logged"] is False for row in series.to_rows())


def test_one_day_with_one_episode():
    series = daily_series([episode(at(D, 9), 7, intensity=4)], [], "UTC")
    assert series.days == 1
    assert series.start == D
    assert series.jerks.tolist() == [7.0]
    assert series.intensity_mean.tolist() == [4.0]
    assert series.burden.tolist() == [pytest.approx(2.8)]
    assert series.to_rows()[0] == {
        "date": "2026-03-02",
        "jerks": 7,
        "intensity_mean": 4,
        "logged": True,
        "burden": 2.8,
        "severity": None,
        "negative_jerks": 0,
    }
    assert set(series.last_by_kind) == {"positive"}
    assert series.last_by_kind["positive"] == series.last_episode


def test_a_day_without_entries_is_missing_and_a_checkin_without_episodes_is_zero():
    series = daily_series(
        [episode(at(D), 3), episode(at(date(2026, 3, 5)), 2)], [checkin(date(2026, 3, 4), 0)], "UTC"
    )
    assert series.logged.tolist() == [True, False, True, True]
    assert math.isnan(series.jerks[1])
    assert series.jerks[2] == 0
    assert series.burden[2] == 0
    assert math.isnan(series.intensity_mean[2])
    assert series.severity[2] == 0


def test_bands_count_at_their_midpoints_and_continuous_days_are_marked():
    records = [
        episode(at(D, 8), None, band=CountBand.ONE),
        episode(at(D, 9), None, band=CountBand.FEW),
        episode(at(D, 10), None, band=CountBand.SEVERAL),
        episode(at(D, 11), None, band=CountBand.MANY),
        episode(at(date(2026, 3, 3), 11), None, band=CountBand.CONTINUOUS),
        episode(at(date(2026, 3, 4), 11), 120, band=CountBand.CONTINUOUS),
    ]
    series = daily_series(records, [], "UTC")
    assert series.jerks[0] == sum(BAND_JERKS.values()) == 1 + 6 + 30 + 75
    assert series.jerks[1] == CONTINUOUS_JERKS
    assert series.jerks[2] == 120  # a counted continuous episode keeps its count
    assert series.continuous.tolist() == [False, True, False]
    assert series.to_rows()[1]["continuous"] is True
    assert "continuous" not in series.to_rows()[0]


def test_negative_myoclonus_is_counted_apart_as_well():
    series = daily_series(
        [episode(at(D, 8), 4, kind=JerkKind.NEGATIVE), episode(at(D, 9), 6)], [], "UTC"
    )
    assert series.jerks[0] == 10
    assert series.negative_jerks[0] == 4
    assert series.episodes[0] == 2


@pytest.mark.parametrize(
    ("local_day", "hour"),
    [
        (date(2026, 3, 29), 23),
        (date(2026, 3, 29), 0),
        (date(2026, 10, 25), 23),
        (date(2026, 10, 25), 1),
    ],
)
def test_episodes_fall_on_their_local_day_across_daylight_saving_changes(local_day, hour):
    zone = "Europe/London"
    start = datetime.combine(local_day, datetime.min.time()).replace(
        hour=hour, tzinfo=ZoneInfo(zone)
    )
    series = daily_series([episode(start.astimezone(UTC), 3)], [], zone)
    assert series.start == local_day
    assert series.hour_jerks[0, hour] == 3
    assert series.last_episode is not None
    assert series.last_episode.utcoffset() == start.utcoffset()


def test_local_days_match_zoneinfo_for_every_hour_of_a_dst_year():
    zone = ZoneInfo("America/New_York")
    instants = np.arange(
        datetime(2026, 1, 1, tzinfo=UTC).timestamp(),
        datetime(2027, 1, 1, tzinfo=UTC).timestamp(),
        1800.0,
    )
    day, seconds = local_days(instants, zone)
    for k in range(0, instants.size, 97):
        local = datetime.fromtimestamp(instants[k], UTC).astimezone(zone)
        assert day[k] == (local.date() - date(1970, 1, 1)).days
        assert seconds[k] == local.hour * 3600 + local.minute * 60


def test_a_late_evening_episode_in_a_zone_ahead_of_utc_is_on_the_next_local_day():
    series = daily_series([episode(datetime(2026, 3, 2, 23, 30, tzinfo=UTC), 2)], [], "Asia/Tokyo")
    assert series.start == date(2026, 3, 3)


def test_the_period_keeps_records_inside_it_only():
    records = [episode(at(date(2026, 3, d)), d) for d in range(1, 11)]
    series = daily_series(records, [], "UTC", start=date(2026, 3, 4), end=date(2026, 3, 6))
    assert series.jerks.tolist() == [4, 5, 6]
    assert series.last_episode == at(date(2026, 3, 6))


def test_the_latest_checkin_of_a_day_counts():
    series = daily_series(
        [],
        [
            checkin(D, 7, updated=datetime(2026, 3, 2, 20, tzinfo=UTC)),
            checkin(D, 2, updated=datetime(2026, 3, 2, 9, tzinfo=UTC)),
        ],
        "UTC",
    )
    assert series.severity.tolist() == [7]


def test_an_end_before_the_start_is_refused():
    with pytest.raises(InvalidInputError, match="before it starts"):
        daily_series([], [], "UTC", start=D, end=date(2026, 3, 1))


def test_an_unknown_time_zone_is_refused():
    with pytest.raises(InvalidInputError, match="unknown time zone 'Europe/Londn'"):
        daily_series([], [], "Europe/Londn")
