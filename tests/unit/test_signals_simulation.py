"""Simulated EMG: deterministic, ground truth as asked, bad parameters rejected."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from myoscope.errors import SignalError
from myoscope.signals import simulate_emg
from myoscope.signals.simulation import RAMP_MS, synthetic_ecg


def test_same_seed_same_recording_and_other_seed_differs():
    a = simulate_emg(10, bursts=5, ecg_uv=100, mains_uv=10, seed=3)
    b = simulate_emg(10, bursts=5, ecg_uv=100, mains_uv=10, seed=3)
    c = simulate_emg(10, bursts=5, ecg_uv=100, mains_uv=10, seed=4)
    np.testing.assert_array_equal(a.signal, b.signal)
    assert a.events == b.events
    assert not np.array_equal(a.signal, c.signal)


def test_shape_channels_and_counts():
    sim = simulate_emg(20, 1000, channels=["EDC", "BIC"], bursts=7, silent_periods=3, seed=1)
    assert sim.signal.shape == (2, 20_000)
    assert sim.signal.dtype == np.float64
    assert sim.channels == ("EDC", "BIC")
    assert sim.duration_s == pytest.approx(20.0)
    for ch in sim.channels:
        assert len(sim.of("positive", ch)) == 7
        assert len(sim.of("negative", ch)) == 3
    onsets = [e.onset_s for e in sim.events]
    assert onsets == sorted(onsets)


def test_events_do_not_overlap_and_stay_inside():
    sim = simulate_emg(30, channels=2, bursts=40, silent_periods=10, seed=5)
    for ch in sim.channels:
        evs = sorted((e for e in sim.events if e.channel == ch), key=lambda e: e.onset_s)
        for a, b in itertools.pairwise(evs):
            assert b.onset_s - a.offset_s > 0.2
        assert evs[0].onset_s > 0.5
        assert evs[-1].offset_s < 29.5


def test_explicit_durations_and_onsets_are_the_truth():
    sim = simulate_emg(5, bursts=[1.0, 2.5], burst_durations_ms=[20.0, 250.0], seed=0)
    bursts = sim.of("positive")
    assert [e.onset_s for e in bursts] == [1.0, 2.5]
    assert [e.duration_ms for e in bursts] == pytest.approx([20.0, 250.0])
    assert bursts[1].offset_s == pytest.approx(2.75)
    assert bursts[1].peak_s == pytest.approx(2.625)


def test_duration_is_the_half_amplitude_width_of_the_envelope():
    # Without background, the squared signal averaged over many seeds follows the envelope.
    rate = 2000.0
    env2 = np.zeros(6000)
    for seed in range(40):
        sim = simulate_emg(
            3,
            rate,
            bursts=[1.2],
            burst_durations_ms=[40.0],
            amplitude_uv=100.0,
            tonic_uv=0,
            noise_uv=0,
            seed=seed,
        )
        env2 += sim.signal[0] ** 2
    env = np.sqrt(env2 / 40)
    plateau = np.median(env[int(1.21 * rate) : int(1.23 * rate)])
    above = np.flatnonzero(env >= 0.5 * plateau)
    width_ms = (above[-1] - above[0] + 1) / rate * 1e3
    assert width_ms == pytest.approx(40.0, abs=3.0)
    support = np.flatnonzero(env > 0.02 * plateau)
    assert (support[-1] - support[0]) / rate * 1e3 == pytest.approx(40.0 + RAMP_MS, abs=3.0)


def test_amplitude_is_the_burst_rms():
    sim = simulate_emg(
        5,
        bursts=[2.0],
        burst_durations_ms=[300.0],
        amplitude_uv=250.0,
        tonic_uv=0,
        noise_uv=0,
        seed=2,
    )
    seg = sim.signal[0, int(2.01 * 2000) : int(2.29 * 2000)]
    assert np.sqrt(np.mean(seg**2)) == pytest.approx(250.0, rel=0.15)


def test_mains_has_fundamental_and_third_harmonic():
    sim = simulate_emg(10, bursts=0, tonic_uv=0, noise_uv=0, mains_uv=20, mains_hz=60, seed=1)
    spectrum = np.abs(np.fft.rfft(sim.signal[0])) * 2 / sim.signal.shape[1]
    freqs = np.fft.rfftfreq(sim.signal.shape[1], 1 / 2000)
    assert spectrum[np.argmin(abs(freqs - 60))] == pytest.approx(20, rel=0.15)
    assert spectrum[np.argmin(abs(freqs - 180))] == pytest.approx(6, rel=0.15)


def test_synthetic_ecg_rate_and_amplitude():
    sim = simulate_emg(60, bursts=0, tonic_uv=0, noise_uv=0, ecg_uv=300, seed=9)
    hr = sim.params["heart_rate_bpm"]
    assert 60 <= hr <= 90
    x = sim.signal[0]
    assert x.max() == pytest.approx(300, rel=0.1)
    peaks = np.flatnonzero((x[1:-1] > x[:-2]) & (x[1:-1] >= x[2:]) & (x[1:-1] > 150))
    assert len(peaks) == pytest.approx(hr, abs=3)


def test_given_ecg_is_scaled_and_used():
    rng = np.random.default_rng(0)
    raw = synthetic_ecg(20_000, 2000, heart_rate_bpm=70, rng=rng) * 3.0 + 5.0
    sim = simulate_emg(10, bursts=0, tonic_uv=0, noise_uv=0, ecg=raw, ecg_uv=200, seed=1)
    assert np.percentile(np.abs(sim.signal[0]), 99.5) == pytest.approx(200, rel=0.01)
    assert sim.params["ecg"] == "given"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"duration_s": 1}, "at least 3 s"),
        ({"rate_hz": 100}, "too low"),
        ({"mains_hz": 55}, "mains_hz"),
        ({"bursts": 500}, "do not fit"),
        ({"bursts": [1.0, 1.05]}, "overlap"),
        ({"bursts": [9.9]}, "inside the recording"),
        ({"silent_periods": 2, "tonic_uv": 0}, "tonic"),
        ({"bursts": 2, "burst_durations_ms": [20.0]}, "one per event"),
        ({"burst_durations_ms": (50.0, 10.0)}, "low <= high"),
        ({"ecg": np.zeros(10), "ecg_uv": 100}, "at least"),
        ({"noise_uv": -1}, "noise_uv"),
        ({"tonic_variation": 1.5}, "tonic_variation"),
        ({"channels": ["a", "a"]}, "unique"),
    ],
)
def test_bad_parameters_raise_signal_error(kwargs, message):
    args = {"duration_s": 10, "bursts": 3, **kwargs}
    duration = args.pop("duration_s")
    with pytest.raises(SignalError, match=message):
        simulate_emg(duration, **args)
