"""EMG filtering and detection: behaviour, invariances, error paths."""

from __future__ import annotations

import numpy as np
import pytest

from myoscope.errors import SignalError
from myoscope.signals import (
    clean_emg,
    compare_events,
    detect_bursts,
    detect_emg,
    detect_silent_periods,
    simulate_emg,
)
from myoscope.signals.filtering import emg_sos

RATE = 2000.0


@pytest.fixture(scope="module")
def sim():
    return simulate_emg(
        40,
        channels=2,
        bursts=25,
        silent_periods=6,
        tonic_uv=30,
        amplitude_uv=(200, 800),
        ecg_uv=100,
        mains_uv=20,
        seed=21,
    )


@pytest.fixture(scope="module")
def detection(sim):
    return detect_emg(sim.signal, sim.rate_hz, sim.channels)


def _times(events):
    return np.array([(e.onset_s, e.offset_s) for e in events])


# ----------------------------------------------------------------------------- filtering


def test_clean_emg_removes_mains_and_keeps_emg_band():
    t = np.arange(int(5 * RATE)) / RATE
    x = 100 * np.sin(2 * np.pi * 50 * t) + 30 * np.sin(2 * np.pi * 150 * t)
    x += 10 * np.sin(2 * np.pi * 100 * t) + 50 * np.sin(2 * np.pi * 2 * t)
    y = clean_emg(x, RATE, mains_hz=50)
    mid = slice(int(RATE), int(4 * RATE))
    spec = np.abs(np.fft.rfft(y[mid])) * 2 / len(y[mid])
    freqs = np.fft.rfftfreq(len(y[mid]), 1 / RATE)

    def at(f):
        return spec[np.argmin(abs(freqs - f))]

    assert at(50) < 0.1  # > 60 dB down from 100 uV
    assert at(150) < 0.1
    assert at(2) < 0.1
    assert at(100) == pytest.approx(10, rel=0.1)  # the 10 Hz wide notches cost < 1 dB here


def test_clean_emg_filters_each_row_and_keeps_shape():
    x = np.random.default_rng(0).standard_normal((3, 4000))
    y = clean_emg(x, RATE)
    assert y.shape == x.shape
    np.testing.assert_allclose(y[1], clean_emg(x[1], RATE))


def test_notches_above_the_band_are_skipped():
    assert len(emg_sos(RATE, mains_hz=60, harmonics=(1, 3, 9))) == 4 + 2
    assert len(emg_sos(RATE, mains_hz=None)) == 4


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rate_hz": 500}, "Nyquist"),
        ({"band": (450, 20)}, "low < high"),
        ({"band": (20,)}, "two numbers"),
        ({"mains_hz": 55}, "mains_hz"),
        ({"harmonics": (0,)}, "harmonics"),
        ({"order": 12}, "order"),
        ({"rate_hz": -1}, "rate_hz"),
    ],
)
def test_clean_emg_bad_parameters(kwargs, message):
    args = {"rate_hz": RATE, **kwargs}
    rate = args.pop("rate_hz")
    with pytest.raises(SignalError, match=message):
        clean_emg(np.ones(5000), rate, **args)


def test_clean_emg_too_short_to_filter():
    with pytest.raises(SignalError, match="too short to filter"):
        clean_emg(np.ones(10), RATE)


# ----------------------------------------------------------------------------- bursts


def test_single_burst_is_found_with_accurate_timing():
    sim = simulate_emg(6, bursts=[3.0], burst_durations_ms=[40.0], amplitude_uv=300.0, seed=2)
    (event,) = detect_bursts(sim.signal[0], RATE, channel="EDC")
    assert event.channel == "EDC"
    assert event.kind == "positive"
    assert event.onset_s == pytest.approx(3.0, abs=0.006)
    assert event.duration_ms == pytest.approx(40.0, abs=6.0)
    assert event.offset_s - event.onset_s == pytest.approx(event.duration_ms / 1e3)
    assert event.onset_s <= event.peak_s <= event.offset_s
    assert event.amplitude == pytest.approx(300.0, rel=0.25)
    assert event.amplitude_unit == "uV"


def test_background_only_gives_no_bursts():
    sim = simulate_emg(60, bursts=0, tonic_uv=20, ecg_uv=300, mains_uv=50, seed=4)
    assert detect_bursts(sim.signal[0], RATE) == []


def test_time_shift_shifts_events_exactly(sim):
    x = sim.signal[0]
    shift = 4000  # 2 s, a whole number of envelope blocks
    base = detect_bursts(x, RATE)
    moved = detect_bursts(x[shift:], RATE)
    expected = [e for e in base if e.onset_s > shift / RATE + 0.5]
    got = [e for e in moved if e.onset_s > 0.5]
    assert len(got) == len(expected) > 10
    np.testing.assert_allclose(_times(got) + shift / RATE, _times(expected), atol=1e-9)


@pytest.mark.parametrize("scale", [8.0, 1 / 16])
def test_amplitude_scaling_does_not_change_events(sim, scale):
    x = sim.signal[0]
    base = detect_emg(x, RATE)
    scaled = detect_emg(x * scale, RATE)
    assert len(scaled.events) == len(base.events) > 10
    np.testing.assert_allclose(_times(scaled.events), _times(base.events), atol=1e-9)
    amps = [e.amplitude for e in base.of("positive")]
    amps_scaled = [e.amplitude for e in scaled.of("positive")]
    np.testing.assert_allclose(amps_scaled, np.array(amps) * scale, rtol=1e-9)


def test_dense_jerks_do_not_inflate_the_baseline():
    sim = simulate_emg(30, bursts=90, burst_durations_ms=(20, 60), amplitude_uv=(60, 120), seed=8)
    scores = compare_events(detect_bursts(sim.signal[0], RATE), sim.of("positive"))
    assert scores.recall >= 0.95


def test_long_contractions_are_not_myoclonus():
    sim = simulate_emg(8, bursts=[2.0], burst_durations_ms=[2500.0], amplitude_uv=300.0, seed=1)
    assert detect_bursts(sim.signal[0], RATE, max_duration_ms=1000) == []
    (event,) = detect_bursts(sim.signal[0], RATE, max_duration_ms=3000)
    assert event.duration_ms == pytest.approx(2500, abs=10)


def test_ecg_beats_are_not_bursts():
    sim = simulate_emg(30, bursts=0, tonic_uv=5, ecg_uv=1500, seed=3)
    assert detect_bursts(sim.signal[0], RATE) == []
    assert len(detect_bursts(sim.signal[0], RATE, min_frequency_hz=0)) > 10


# ----------------------------------------------------------------------------- silent periods


def test_silent_periods_are_found(sim):
    truth = sim.of("negative", "ch1")
    found = detect_silent_periods(sim.signal[0], RATE)
    assert all(e.kind == "negative" and e.peak_s is None for e in found)
    scores = compare_events(found, truth)
    assert scores.f1 >= 0.9
    assert scores.duration_error_ms_median <= 10


def test_no_silent_periods_at_rest():
    sim = simulate_emg(30, bursts=10, tonic_uv=0, noise_uv=3, seed=6)
    assert detect_silent_periods(sim.signal[0], RATE) == []


def test_silent_period_shorter_than_min_is_ignored():
    sim = simulate_emg(
        10,
        bursts=0,
        silent_periods=[3.0, 6.0],
        silent_durations_ms=[30.0, 200.0],
        tonic_uv=50,
        seed=2,
    )
    found = detect_silent_periods(sim.signal[0], RATE)
    assert [round(e.onset_s, 1) for e in found] == [6.0]


# ----------------------------------------------------------------------------- detect_emg


def test_detect_emg_runs_every_channel_and_records_params(sim, detection):
    assert detection.channels == sim.channels
    assert set(detection.counts()) == set(sim.channels)
    assert detection.duration_s == pytest.approx(40.0)
    params = detection.params
    assert params["filter"]["band_hz"] == [20.0, 450.0]
    assert params["filter"]["mains_hz"] == 50.0
    assert params["positive"]["k_on"] > params["positive"]["k_off"]
    assert params["negative"]["level"] == 0.25
    assert set(params["channels"]) == set(sim.channels)
    for kind in ("positive", "negative"):
        assert compare_events(detection.of(kind), sim.of(kind)).f1 >= 0.9
    onsets = [e.onset_s for e in detection.events]
    assert onsets == sorted(onsets)


def test_detection_to_dict_uses_spec_field_names(detection):
    data = detection.to_dict()
    positive = next(e for e in data["events"] if e["kind"] == "positive")
    negative = next(e for e in data["events"] if e["kind"] == "negative")
    assert set(positive) == {
        "channel",
        "kind",
        "onset_s",
        "offset_s",
        "peak_s",
        "duration_ms",
        "amplitude",
        "amplitude_unit",
    }
    assert set(negative) == {"channel", "kind", "onset_s", "offset_s", "duration_ms"}


def test_only_one_kind_when_asked(sim):
    det = detect_emg(sim.signal, RATE, positive=False)
    assert {e.kind for e in det.events} == {"negative"}
    assert det.params["positive"] is None


# ----------------------------------------------------------------------------- errors


def test_too_short_recording():
    with pytest.raises(SignalError, match="too short"):
        detect_bursts(np.random.default_rng(0).standard_normal(1000), RATE)


def test_rate_too_low_for_band():
    x = np.random.default_rng(0).standard_normal(5000)
    with pytest.raises(SignalError, match="too low for the band"):
        detect_bursts(x, 500)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_channel_is_named(bad):
    x = np.random.default_rng(0).standard_normal((2, 8000))
    x[1, 100] = bad
    with pytest.raises(SignalError, match=r"Channel 'BIC'.*NaN"):
        detect_emg(x, RATE, ["EDC", "BIC"])


def test_constant_channel_is_named():
    x = np.random.default_rng(0).standard_normal((2, 8000))
    x[0] = 3.0
    with pytest.raises(SignalError, match="Channel 'EDC' is constant"):
        detect_emg(x, RATE, ["EDC", "BIC"])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda x: detect_bursts(x, RATE, k_on=2, k_off=5), "k_off"),
        (lambda x: detect_bursts(x, RATE, min_duration_ms=0), "min_duration_ms"),
        (lambda x: detect_bursts(x, RATE, min_duration_ms=50, max_duration_ms=20), "max_duration"),
        (lambda x: detect_silent_periods(x, RATE, level=1.5), "level"),
        (lambda x: detect_silent_periods(x, RATE, min_ms=300, max_ms=100), "max_ms"),
        (lambda x: detect_bursts(np.vstack([x, x]), RATE), "one channel"),
        (lambda x: detect_emg(np.vstack([x, x]), RATE, ["a"]), "one name per row"),
        (lambda x: detect_emg(x[np.newaxis, np.newaxis], RATE), "dimensions"),
        (lambda x: detect_emg(x.astype(str), RATE), "numbers"),
        (lambda x: detect_emg(x, RATE, mains_hz=55), "mains_hz"),
        (lambda x: detect_emg(x, RATE).of("positiv"), "Did you mean 'positive'"),
    ],
)
def test_bad_parameters(call, message):
    x = np.random.default_rng(0).standard_normal(8000)
    with pytest.raises(SignalError, match=message):
        call(x)
