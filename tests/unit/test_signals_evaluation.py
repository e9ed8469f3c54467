"""compare_events: one-to-one matching by onset within a tolerance."""

from __future__ import annotations

import pytest

from myoscope.errors import SignalError
from myoscope.signals import Event, compare_events


def ev(onset, duration_ms=50.0, channel="ch1", kind="positive"):
    return Event(channel, kind, onset, onset + duration_ms / 1e3, None, duration_ms)


def test_perfect_agreement():
    truth = [ev(1.0), ev(2.0), ev(3.0)]
    s = compare_events(truth, truth)
    assert (s.precision, s.recall, s.f1, s.tp, s.fp, s.fn) == (1.0, 1.0, 1.0, 3, 0, 0)
    assert s.onset_error_ms_median == 0.0
    assert s.duration_error_ms_median == 0.0


def test_misses_and_false_alarms():
    s = compare_events([ev(1.005), ev(5.0)], [ev(1.0), ev(2.0)])
    assert (s.tp, s.fp, s.fn) == (1, 1, 1)
    assert s.precision == s.recall == s.f1 == 0.5
    assert s.onset_error_ms_median == pytest.approx(5.0)
    assert s.onset_bias_ms == pytest.approx(5.0)


def test_tolerance_is_inclusive_and_applies_to_onsets():
    assert compare_events([ev(1.019)], [ev(1.0)], tolerance_ms=20).tp == 1
    assert compare_events([ev(1.021)], [ev(1.0)], tolerance_ms=20).tp == 0
    assert compare_events([ev(1.021)], [ev(1.0)], tolerance_ms=30).tp == 1


def test_matching_is_one_to_one_and_prefers_the_closest():
    s = compare_events([ev(0.995), ev(1.001)], [ev(1.0)])
    assert (s.tp, s.fp, s.fn) == (1, 1, 0)
    assert s.onset_error_ms_median == pytest.approx(1.0)


def test_duration_errors_absolute_and_signed():
    s = compare_events(
        [ev(1.0, 60.0), ev(2.0, 45.0), ev(3.0, 52.0)],
        [ev(1.0, 50.0), ev(2.0, 50.0), ev(3.0, 50.0)],
    )
    assert s.duration_error_ms_median == pytest.approx(5.0)
    assert s.duration_bias_ms == pytest.approx(2.0)


def test_channel_and_kind_must_agree():
    s = compare_events(
        [ev(1.0, channel="a"), ev(2.0, kind="negative")],
        [ev(1.0, channel="b"), ev(2.0)],
    )
    assert (s.tp, s.fp, s.fn) == (0, 2, 2)
    assert s.f1 == 0.0
    assert s.onset_error_ms_median is None


def test_empty_sides():
    assert compare_events([], []).f1 == 1.0
    assert compare_events([], [ev(1.0)]).recall == 0.0
    assert compare_events([ev(1.0)], []).precision == 0.0


def test_scores_to_dict():
    d = compare_events([ev(1.0)], [ev(1.0)]).to_dict()
    assert d["f1"] == 1.0
    assert d["tp"] == 1


def test_bad_tolerance():
    with pytest.raises(SignalError, match="tolerance_ms"):
        compare_events([], [], tolerance_ms=0)
