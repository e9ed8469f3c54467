"""Jerk grouping, summaries, the myoclonus index and the physiology hint."""

from __future__ import annotations

import numpy as np
import pytest

from myoscope.errors import SignalError
from myoscope.signals.detection import Event
from myoscope.signals.summary import (
    MIN_HINT_BURSTS,
    group_jerks,
    hint_missing_reason,
    physiology_hint,
    summarise,
)


def burst(channel: str, onset: float, duration_ms: float = 30.0, kind: str = "positive") -> Event:
    return Event(
        channel, kind, onset, onset + duration_ms / 1000, onset + 0.005, duration_ms, 100.0, "uV"
    )


def test_bursts_on_several_channels_within_the_window_are_one_jerk_in_onset_order() -> None:
    events = [burst("BIC", 1.020), burst("EDC", 1.000), burst("DEL", 1.045), burst("EDC", 5.0)]
    jerks = group_jerks(events, window_ms=50)
    assert [j.channels for j in jerks] == [("EDC", "BIC", "DEL"), ("EDC",)]
    assert jerks[0].lead_channel == "EDC"
    assert jerks[0].onset_s == pytest.approx(1.0)


def test_a_burst_outside_the_window_or_on_the_same_channel_starts_a_new_jerk() -> None:
    events = [burst("EDC", 1.0), burst("BIC", 1.06), burst("EDC", 2.0), burst("EDC", 2.03)]
    assert [j.channels for j in group_jerks(events)] == [("EDC",), ("BIC",), ("EDC",), ("EDC",)]


def test_silent_periods_are_not_jerks() -> None:
    assert group_jerks([burst("EDC", 1.0, 150, kind="negative")]) == []


def test_group_jerks_rejects_a_negative_window() -> None:
    with pytest.raises(SignalError, match="window_ms"):
        group_jerks([], window_ms=-1)


def test_summary_counts_durations_index_and_hourly_profile() -> None:
    events = [burst("EDC", 10.0 + i, 20.0 + i) for i in range(12)]
    events += [burst("BIC", 10.01 + i) for i in range(12)]
    events += [burst("EDC", 4000.0), burst("EDC", 50.0, 200, kind="negative")]
    s = summarise(events, duration_s=5400.0, channels=["EDC", "BIC", "TA"])
    edc = s.per_channel["EDC"]
    assert (edc.positive, edc.negative) == (13, 1)
    assert edc.per_minute == pytest.approx(13 / 90, abs=1e-3)
    assert edc.duration_ms_median == pytest.approx(26.0)
    assert edc.duration_ms_iqr == pytest.approx((23.0, 29.0))
    assert s.per_channel["TA"].positive == 0
    assert s.per_channel["TA"].duration_ms_median is None
    assert s.jerks == 13
    assert s.myoclonus_index_per_hour == pytest.approx(13 / 1.5, abs=0.01)
    assert [h.jerks for h in s.hourly_profile] == [12, 1]
    assert s.hourly_profile[1].per_hour == pytest.approx(2.0)
    data = s.to_dict()
    assert {"per_channel", "myoclonus_index_per_hour", "physiology_hint"} <= set(data)
    assert "Kuopio" in data["myoclonus_index_definition"]
    assert set(data["per_channel"]["EDC"]) >= {
        "positive",
        "negative",
        "per_minute",
        "duration_ms_median",
        "duration_ms_iqr",
    }


def test_summary_rejects_unknown_channels_and_bad_duration() -> None:
    with pytest.raises(SignalError, match="'XX'"):
        summarise([burst("XX", 1.0)], duration_s=10, channels=["EDC"])
    with pytest.raises(SignalError, match="duration_s"):
        summarise([], duration_s=0, channels=["EDC"])


def test_accelerometer_summaries_give_no_hint_and_say_why() -> None:
    events = [burst("wrist", float(i)) for i in range(20)]
    s = summarise(events, duration_s=60, channels=["wrist"], modality="acc")
    assert s.physiology_hint is None
    assert s.physiology_hint_note
    assert "accelerometry" in s.physiology_hint_note


def test_no_hint_below_ten_bursts_with_the_reason() -> None:
    durations = [30.0] * (MIN_HINT_BURSTS - 1)
    assert physiology_hint(durations, list(range(len(durations)))) is None
    s = summarise([burst("EDC", float(i)) for i in range(3)], duration_s=60, channels=["EDC"])
    assert s.physiology_hint is None
    assert s.physiology_hint_note == hint_missing_reason(3, channel="EDC")
    assert "10" in s.physiology_hint_note


def irregular_onsets(n: int, seed: int = 1) -> list[float]:
    rng = np.random.default_rng(seed)
    return list(np.cumsum(rng.uniform(0.5, 6.0, n)))


def test_short_bursts_point_to_a_cortical_generator() -> None:
    rng = np.random.default_rng(0)
    hint = physiology_hint(list(rng.normal(30, 5, 60)), irregular_onsets(60), channel="EDC")
    assert hint is not None
    assert hint.cortical > 0.8
    assert hint.confidence == "moderate"
    assert hint.basis[0].startswith("median burst 3")
    probs = [hint.cortical, hint.subcortical, hint.segmental_propriospinal, hint.functional]
    assert sum(probs) == pytest.approx(1.0, abs=0.02)
    assert "diagnosis" in hint.to_dict()["note"]


def test_long_regular_bursts_point_away_from_cortex_and_rhythm_to_segmental() -> None:
    rng = np.random.default_rng(0)
    durations = list(rng.normal(150, 10, 40))
    long_irregular = physiology_hint(durations, irregular_onsets(40))
    assert long_irregular is not None
    assert long_irregular.cortical < 0.1
    assert long_irregular.subcortical > long_irregular.segmental_propriospinal
    rhythmic = physiology_hint(durations, [i * 0.5 for i in range(40)])  # 2 Hz
    assert rhythmic is not None
    assert rhythmic.segmental_propriospinal > 0.5
    assert any("rhythmic" in b or "regularly" in b for b in rhythmic.basis)


def test_long_variable_bursts_weigh_towards_functional() -> None:
    rng = np.random.default_rng(0)
    hint = physiology_hint(list(rng.uniform(60, 400, 40)), irregular_onsets(40))
    assert hint is not None
    assert hint.functional == max(
        hint.cortical, hint.subcortical, hint.segmental_propriospinal, hint.functional
    )


def test_medians_near_the_boundary_are_low_confidence() -> None:
    hint = physiology_hint([47.0] * 50, irregular_onsets(50))
    assert hint is not None
    assert hint.confidence == "low"
    assert 0.3 < hint.cortical < 0.7
    assert "boundary" in hint.basis[1]


def test_hint_rejects_mismatched_lengths() -> None:
    with pytest.raises(SignalError, match="one onset per burst"):
        physiology_hint([30.0] * 10, [1.0] * 9)
