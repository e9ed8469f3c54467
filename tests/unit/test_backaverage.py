"""Jerk-locked back-averaging of the EEG, on seeded simulations with ground truth."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import signal as sps

from myoscope.errors import SignalError
from myoscope.signals.backaverage import (
    MIN_JERKS,
    eeg_channels,
    jerk_locked_average,
)
from myoscope.signals.detection import detect_emg
from myoscope.signals.simulation_eeg import simulate_eeg_with_jerks
from myoscope.signals.summary import group_jerks


@pytest.fixture(scope="module")
def cortical():
    return simulate_eeg_with_jerks(scenario="cortical", seed=3)


def test_a_planted_cortical_spike_is_found_at_its_latency_and_is_significant(cortical) -> None:
    result = jerk_locked_average(
        cortical.eeg, cortical.rate_hz, cortical.onsets_s, channel_names=cortical.eeg_channels
    )
    assert result.enough_data
    assert result.n_jerks == result.n_jerks_used == 150
    peak = result.peak
    assert peak is not None
    assert peak.channel == "C3"
    assert peak.polarity == "positive"
    assert peak.latency_ms == pytest.approx(20.0, abs=5.0)
    assert peak.significant
    assert peak.p_value <= 0.01
    assert peak.z > 4
    assert "supports a cortical origin" in result.finding
    assert "20 ms" in result.finding or "21 ms" in result.finding or "19 ms" in result.finding
    # The weakly weighted channel's spike (2.5 uV) stays below the noise: no claim for it.
    c4 = result.averages[1]
    assert c4.channel == "C4"
    assert not c4.largest.significant


def test_the_average_shows_the_positive_then_negative_spike(cortical) -> None:
    result = jerk_locked_average(
        cortical.eeg, cortical.rate_hz, cortical.onsets_s, channel_names=cortical.eeg_channels
    )
    t = result.times_ms
    assert t[0] == pytest.approx(-200.0)
    assert t[-1] == pytest.approx(100.0)
    c3 = result.averages[0].waveform_uv
    assert c3[np.argmin(np.abs(t + 20))] > 5.0
    assert c3[np.argmin(np.abs(t + 6))] < -2.0
    baseline = c3[(t >= -200) & (t <= -100)]
    assert abs(baseline.mean()) < 1e-9
    assert np.abs(baseline).max() < 6 * result.averages[0].noise_uv


def test_no_significant_potential_without_a_spike_in_at_least_19_of_20_seeds() -> None:
    false_positives = 0
    for seed in range(20):
        sim = simulate_eeg_with_jerks(scenario="non-cortical", duration_s=90, jerks=120, seed=seed)
        result = jerk_locked_average(
            sim.eeg, sim.rate_hz, sim.onsets_s, channel_names=sim.eeg_channels, seed=seed
        )
        assert result.enough_data
        false_positives += result.peak is not None
        if result.peak is None:
            assert "does not exclude a cortical origin" in result.finding
    assert false_positives <= 1


def test_a_movement_artefact_after_the_onset_is_not_reported_as_a_preceding_potential() -> None:
    sim = simulate_eeg_with_jerks(scenario="non-cortical", movement_uv=30.0, seed=4)
    result = jerk_locked_average(sim.eeg, sim.rate_hz, sim.onsets_s, channel_names=sim.eeg_channels)
    t = result.times_ms
    assert result.averages[0].waveform_uv[np.argmin(np.abs(t - 60))] > 20.0
    assert result.peak is None


def test_end_to_end_from_detected_emg_onsets() -> None:
    sim = simulate_eeg_with_jerks(scenario="cortical", rate_hz=2000.0, seed=7)
    detection = detect_emg(sim.emg.signal, sim.rate_hz, sim.emg.channels, negative=False)
    onsets = [j.onset_s for j in group_jerks(detection.events)]
    assert len(onsets) == pytest.approx(len(sim.onsets_s), abs=3)
    result = jerk_locked_average(sim.eeg, sim.rate_hz, onsets, channel_names=sim.eeg_channels)
    assert result.params["working_rate_hz"] == 1000.0
    assert result.peak is not None
    assert result.peak.channel == "C3"
    assert result.peak.latency_ms == pytest.approx(20.0, abs=5.0)


def test_a_clinical_eeg_rate_of_256_hz_is_averaged_at_that_rate() -> None:
    sim = simulate_eeg_with_jerks(scenario="cortical", rate_hz=1024.0, seed=5)
    eeg = sps.decimate(sim.eeg, 4, ftype="fir", zero_phase=True)
    result = jerk_locked_average(eeg, 256.0, sim.onsets_s, channel_names=sim.eeg_channels)
    assert result.params["working_rate_hz"] == 256.0
    assert len(result.times_ms) == 77
    assert result.peak is not None
    assert result.peak.latency_ms == pytest.approx(20.0, abs=5.0)


def test_mains_hum_is_notched_when_asked(cortical) -> None:
    t = np.arange(cortical.eeg.shape[1]) / cortical.rate_hz
    hummed = cortical.eeg + 40.0 * np.sin(2 * np.pi * 50.0 * t + 0.3)
    kwargs = {"channel_names": cortical.eeg_channels}
    plain = jerk_locked_average(hummed, cortical.rate_hz, cortical.onsets_s, **kwargs)
    notched = jerk_locked_average(
        hummed, cortical.rate_hz, cortical.onsets_s, mains_hz=50, **kwargs
    )
    assert notched.params["notch_q"] is not None
    assert notched.averages[0].noise_uv < 0.8 * plain.averages[0].noise_uv
    assert notched.peak is not None
    assert notched.peak.latency_ms == pytest.approx(20.0, abs=5.0)


def test_too_few_jerks_give_no_average_and_say_why(cortical) -> None:
    onsets = cortical.onsets_s[: MIN_JERKS - 1]
    result = jerk_locked_average(cortical.eeg, cortical.rate_hz, onsets)
    assert not result.enough_data
    assert result.peak is None
    assert result.averages == ()
    assert result.reason is not None
    assert f"at least {MIN_JERKS}" in result.reason
    assert result.to_dict()["peak"] is None
    empty = jerk_locked_average(cortical.eeg, cortical.rate_hz, [])
    assert not empty.enough_data
    assert empty.n_jerks == 0


def test_jerks_too_close_to_another_or_to_the_edges_are_left_out() -> None:
    rate = 500.0
    rng = np.random.default_rng(0)
    eeg = rng.standard_normal(int(60 * rate)) * 20
    spaced = 1.0 + 0.5 * np.arange(100)  # 1.0 ... 50.5 s, 500 ms apart
    close = spaced[:10] + 0.1  # 100 ms after a jerk: not isolated
    edges = np.array([0.05, 59.95])  # the epoch leaves the recording
    onsets = np.concatenate((spaced, close, edges))
    result = jerk_locked_average(eeg, rate, onsets)
    assert result.n_jerks == 112
    assert result.rejected["isolation"] == 10
    assert result.rejected["edge"] == 2
    assert result.n_jerks_used + result.rejected["artefact"] == 100
    relaxed = jerk_locked_average(eeg, rate, onsets, isolation_ms=50.0)
    assert relaxed.rejected["isolation"] == 0


def test_an_epoch_with_a_large_artefact_is_left_out() -> None:
    sim = simulate_eeg_with_jerks(scenario="non-cortical", jerks=60, duration_s=60, seed=2)
    eeg = sim.eeg.copy()
    i = round((sim.onsets_s[5] - 0.05) * sim.rate_hz)
    eeg[1, i : i + 20] += 800.0  # an electrode pop on C4 during one epoch
    result = jerk_locked_average(eeg, sim.rate_hz, sim.onsets_s, channel_names=sim.eeg_channels)
    assert result.rejected["artefact"] >= 1
    capped = jerk_locked_average(
        eeg, sim.rate_hz, sim.onsets_s, channel_names=sim.eeg_channels, max_ptp_uv=1.0
    )
    assert not capped.enough_data
    assert capped.rejected["artefact"] == 60


def test_the_result_is_small_json_and_reproducible(cortical) -> None:
    kwargs = {"channel_names": cortical.eeg_channels, "mains_hz": 50}
    first = jerk_locked_average(cortical.eeg, cortical.rate_hz, cortical.onsets_s, **kwargs)
    again = jerk_locked_average(cortical.eeg, cortical.rate_hz, cortical.onsets_s, **kwargs)
    doc = first.to_dict()
    assert doc == again.to_dict()
    text = json.dumps(doc)
    assert len(text) < 20_000
    assert doc["time_ms"] == {"start": -200.0, "step": 1.0, "n": 301}
    assert [a["channel"] for a in doc["averages"]] == ["C3", "C4"]
    assert len(doc["averages"][0]["waveform_uv"]) == 301
    assert doc["peak"]["significant"] is True
    assert doc["params"]["mains_hz"] == 50
    assert "randomisation" in doc["method"]
    assert doc["disclaimer"] == "a hint from the signal, not a diagnosis"


def test_a_single_channel_1d_signal_is_accepted(cortical) -> None:
    result = jerk_locked_average(cortical.eeg[0], cortical.rate_hz, cortical.onsets_s)
    assert result.channels == ("ch1",)
    assert result.peak is not None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rate_hz": 100.0}, "too low for the band"),
        ({"onsets_s": [1.0, 500.0]}, "outside the EEG recording"),
        ({"onsets_s": [-0.5, 1.0]}, "outside the EEG recording"),
        ({"onsets_s": [1.0, float("nan")]}, "NaN or infinite"),
        ({"onsets_s": [[1.0, 2.0]]}, "flat list"),
        ({"channel_names": ["C3"]}, "1 channel names were given for 2"),
        ({"window_ms": (100.0, -200.0)}, "start < stop"),
        ({"search_ms": (-300.0, -5.0)}, "inside 'window_ms'"),
        ({"search_ms": (0.0, 50.0)}, "before the EMG onset"),
        ({"min_jerks": 1}, "min_jerks"),
        ({"n_random": 20}, "n_random"),
        ({"alpha": 1.5}, "alpha"),
        ({"mains_hz": 55}, "mains_hz"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(cortical, kwargs, message) -> None:
    args = {
        "eeg": cortical.eeg[:, :60_000],
        "rate_hz": cortical.rate_hz,
        "onsets_s": cortical.onsets_s[:40],
        **kwargs,
    }
    with pytest.raises(SignalError, match=message):
        jerk_locked_average(**args)


def test_nan_samples_and_wrong_shapes_are_refused() -> None:
    eeg = np.random.default_rng(0).standard_normal((2, 5000))
    eeg[1, 100] = np.nan
    with pytest.raises(SignalError, match="Channel 'C4' contains 1 NaN"):
        jerk_locked_average(eeg, 1000.0, [1.0, 2.0], channel_names=["C3", "C4"])
    with pytest.raises(SignalError, match="shape"):
        jerk_locked_average(np.zeros((2, 2, 5000)), 1000.0, [1.0])


def test_eeg_channels_are_recognised_by_label_or_10_20_name() -> None:
    names = ["EEG C3-A2", "C4", "Cz", "FCz", "Fp1-Ref", "O2 (uV)", "eeg", "EDC-R", "FCR", "TA"]
    names += ["ECG", "acc_x", "ch1", "C3x", "EMG FDI", "T10"]
    assert eeg_channels(names) == [
        "EEG C3-A2",
        "C4",
        "Cz",
        "FCz",
        "Fp1-Ref",
        "O2 (uV)",
        "eeg",
        "T10",
    ]


def test_the_simulation_returns_its_ground_truth() -> None:
    sim = simulate_eeg_with_jerks(duration_s=20, jerks=[2.0, 5.0, 9.0], seed=1)
    assert sim.eeg.shape == (2, 20_000)
    assert sim.emg.signal.shape == (1, 20_000)
    assert list(sim.onsets_s) == [2.0, 5.0, 9.0]
    assert sim.spike_times_s == pytest.approx(sim.onsets_s - 0.020, abs=0.006)
    assert [e.onset_s for e in sim.emg.of("positive")] == pytest.approx([2.0, 5.0, 9.0])
    quiet = simulate_eeg_with_jerks(duration_s=20, jerks=3, scenario="non-cortical", seed=1)
    assert len(quiet.spike_times_s) == 0
    assert np.all(np.diff(quiet.onsets_s) >= 0.4)
    again = simulate_eeg_with_jerks(duration_s=20, jerks=3, scenario="non-cortical", seed=1)
    assert np.array_equal(quiet.eeg, again.eeg)


def test_the_simulation_refuses_bad_settings() -> None:
    with pytest.raises(SignalError, match="scenario"):
        simulate_eeg_with_jerks(scenario="cortikal")
    with pytest.raises(SignalError, match="do not fit"):
        simulate_eeg_with_jerks(duration_s=10, jerks=100)
    with pytest.raises(SignalError, match="spike_weights"):
        simulate_eeg_with_jerks(duration_s=10, jerks=5, spike_weights=[1.0])
