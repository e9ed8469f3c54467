"""Adherence per drug, missed doses the next day, side effects per drug."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from analytics_records import at, checkin, dose, regimen, side_effect

from myoscope.analytics.adherence import adherence, side_effect_summary
from myoscope.analytics.series import daily_series
from myoscope.analytics.simulation import simulate_diary
from myoscope.analytics.treatment import change_points
from myoscope.domain.diary import DoseStatus

D = date(2026, 5, 1)
UTC_ZONE = ZoneInfo("UTC")


def ten_days():
    return daily_series([], [checkin(D + timedelta(days=k), 0) for k in range(10)], "UTC")


def test_recorded_doses_give_the_fraction_taken_or_late():
    r = regimen("levetiracetam", D, times=None)
    records = [dose(at(D + timedelta(days=k)), regimen_id=r.id) for k in range(8)]
    records += [dose(at(D, 20), DoseStatus.LATE, regimen_id=r.id)]
    records += [dose(at(D, 21), DoseStatus.SKIPPED, regimen_id=r.id)]
    (summary,) = adherence([r], records, ten_days(), UTC_ZONE)
    assert (summary.taken, summary.late, summary.skipped) == (8, 1, 1)
    assert summary.expected is None
    assert summary.scheduled == 10
    assert summary.taken_fraction == 0.9
    out = summary.to_dict()
    assert out["drug"] == "levetiracetam"
    assert out["taken_fraction"] == 0.9


def test_times_per_day_give_the_expected_doses_when_only_taken_ones_are_recorded():
    r = regimen("clonazepam", D, times=2)
    records = [dose(at(D + timedelta(days=k)), drug="clonazepam") for k in range(10)]
    (summary,) = adherence([r], records, ten_days(), UTC_ZONE)
    assert summary.expected == 20
    assert summary.scheduled == 20
    assert summary.taken_fraction == 0.5
    assert summary.missed_next_day is None


def test_days_nobody_wrote_anything_are_not_counted_as_missed():
    r = regimen("clonazepam", D - timedelta(days=100), times=1)
    series = daily_series([], [checkin(D), checkin(D + timedelta(days=5))], "UTC")
    (summary,) = adherence([r], [], series, UTC_ZONE)
    assert summary.expected == 2
    assert summary.taken_fraction == 0.0


def test_as_needed_regimens_and_a_drug_without_records_or_schedule():
    rescue = regimen("midazolam", D, as_needed=True)
    plain = regimen("piracetam", D, times=None)
    (summary,) = adherence([rescue, plain], [], ten_days(), UTC_ZONE)
    assert summary.drug == "piracetam"
    assert summary.taken_fraction is None
    assert summary.to_dict()["missed_then_next_day_ratio"] is None


def test_missed_doses_have_a_next_day_ratio_with_an_interval():
    diary = simulate_diary(11, "triggers", days=360)
    zone = ZoneInfo(diary.timezone)
    series = daily_series(diary.episodes, diary.checkins, zone, start=diary.start, end=diary.end)
    (summary,) = adherence(
        diary.regimens, diary.doses, series, zone, changes=change_points(diary.regimens)
    )
    effect = summary.missed_next_day
    assert effect is not None
    assert effect.lag_days == 1
    assert effect.enough_data
    out = summary.to_dict()
    low, high = out["missed_then_next_day_ci95"]
    assert low < out["missed_then_next_day_ratio"] < high
    assert 0.85 < summary.taken_fraction < 1


def test_side_effects_are_counted_per_drug_with_the_most_common():
    a = regimen("Clonazepam", D)
    b = regimen("levetiracetam", D)
    reports = [
        side_effect("drowsiness", a.id, D),
        side_effect("Drowsiness ", a.id, D),
        side_effect("unsteadiness", a.id, D),
        side_effect("irritability", b.id, D),
        side_effect("headache", None, D),
        side_effect("rash", b.id, D + timedelta(days=60)),
    ]
    summaries, unlinked = side_effect_summary(reports, [a, b], end=D + timedelta(days=30))
    assert unlinked == 1
    assert [(s.drug, s.reports, s.most_common) for s in summaries] == [
        ("Clonazepam", 3, "drowsiness"),
        ("levetiracetam", 1, "irritability"),
    ]
    assert summaries[0].to_dict()["effects"] == {"drowsiness": 2, "unsteadiness": 1}
