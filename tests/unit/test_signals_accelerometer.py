"""Accelerometer jerks: simulation, detection quality, and no jerks counted while walking."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from myoscope.errors import SignalError
from myoscope.signals.accelerometer import (
    AccelerometerJerk,
    detect_acc_jerks,
    gait_mask,
    simulate_accelerometer,
)
from myoscope.signals.evaluation import compare_events

WALKING = Path(__file__).resolve().parents[3] / "shared/data/signals/biosppy/acc.txt"


@pytest.mark.parametrize(("seed", "rate"), [(0, 100.0), (1, 50.0), (2, 25.0), (3, 100.0)])
def test_jerks_are_found_with_f1_at_least_0_9(seed: int, rate: float) -> None:
    sig, truth = simulate_accelerometer(
        240, rate, jerks=50, walking_s=[(100.0, 150.0)], noise_g=0.003, seed=seed
    )
    found = detect_acc_jerks(sig, rate, channel="acc")
    scores = compare_events(found, truth, tolerance_ms=100.0)
    assert scores.f1 >= 0.9, scores


def test_small_jerks_in_noisy_sensor() -> None:
    sig, truth = simulate_accelerometer(
        180, 50.0, jerks=40, noise_g=0.005, jerk_amplitude_g=(0.05, 0.3), seed=7
    )
    assert compare_events(detect_acc_jerks(sig, 50.0), truth, tolerance_ms=100.0).f1 >= 0.9


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_jerk_in_simulated_walking(seed: int) -> None:
    sig, truth = simulate_accelerometer(90, 100.0, walking_s=[(0.0, 90.0)], seed=seed)
    assert truth == []
    assert detect_acc_jerks(sig, 100.0) == []
    # without gait rejection the heel strikes would be counted: the rejection is what works
    assert len(detect_acc_jerks(sig, 100.0, reject_gait=False)) > 0


@pytest.mark.skipif(not WALKING.exists(), reason="shared walking recording not available")
def test_no_jerk_in_real_walking_recording() -> None:
    # BioSPPy acc.txt: 100 Hz, 3 axes, 20 s of walking; values in g (the header's m/s^2 is wrong)
    xyz = np.loadtxt(WALKING).T
    assert xyz.shape == (3, 2000)
    assert detect_acc_jerks(xyz, 100.0) == []
    assert gait_mask(xyz, 100.0).mean() > 0.9


def test_gait_mask_covers_walking_only() -> None:
    sig, _ = simulate_accelerometer(120, 100.0, jerks=20, walking_s=[(40.0, 80.0)], seed=4)
    mask = gait_mask(sig, 100.0)
    t = np.arange(mask.size) / 100.0
    assert mask[(t > 42) & (t < 78)].all()
    assert not mask[t < 30].any()
    assert not mask[t > 92].any()


def test_events_carry_intensity_and_spec_fields() -> None:
    sig, truth = simulate_accelerometer(30, 100.0, jerks=[10.0, 20.0], seed=5)
    found = detect_acc_jerks(sig, 100.0, channel="wrist-R")
    assert len(found) == 2
    for e, t in zip(found, truth, strict=True):
        assert isinstance(e, AccelerometerJerk)
        assert e.channel == "wrist-R"
        assert e.kind == "positive"
        assert e.onset_s <= e.peak_s <= e.offset_s  # type: ignore[operator]
        assert e.duration_ms == pytest.approx((e.offset_s - e.onset_s) * 1000, abs=0.2)
        assert e.amplitude_unit == "g"
        assert e.amplitude == pytest.approx(t.amplitude, rel=0.25)
        assert e.peak_jerk_g_s == pytest.approx(t.peak_jerk_g_s, rel=0.25)
        d = e.to_dict()
        assert set(d) >= {"channel", "kind", "onset_s", "offset_s", "peak_s", "peak_jerk_g_s"}


def test_refractory_period_keeps_one_event_per_jerk() -> None:
    sig, truth = simulate_accelerometer(30, 100.0, jerks=[5.0, 5.5, 15.0], seed=6)
    found = detect_acc_jerks(sig, 100.0, refractory_ms=200.0)
    peaks = [e.peak_s for e in found]
    assert all(b - a >= 0.2 for a, b in itertools.pairwise(peaks))
    assert len(found) <= len(truth)


def test_simulation_is_reproducible() -> None:
    a, ta = simulate_accelerometer(20, 50.0, jerks=5, seed=11)
    b, tb = simulate_accelerometer(20, 50.0, jerks=5, seed=11)
    assert np.array_equal(a, b)
    assert ta == tb
    assert a.shape == (3, 1000)
    assert np.median(np.linalg.norm(a, axis=0)) == pytest.approx(1.0, abs=0.05)


@pytest.mark.parametrize(
    ("xyz", "rate", "kwargs", "message"),
    [
        (np.zeros((1000, 3)), 100.0, {}, r"Transpose it"),
        (np.zeros((2, 1000)), 100.0, {}, r"shape \(3, n_samples\)"),
        (np.full((3, 1000), np.nan), 100.0, {}, "NaN"),
        (np.zeros((3, 1000)), 10.0, {}, "at least 25 Hz"),
        (np.zeros((3, 100)), 100.0, {}, "too short"),
        (np.zeros((3, 1000)), 100.0, {"k": -1.0}, "'k'"),
        (np.zeros((3, 1000)), 100.0, {"band": (5.0, 1.0)}, "'band'"),
        (np.zeros((3, 1000)), 100.0, {"ring_ratio": 2.0}, "'ring_ratio'"),
    ],
)
def test_bad_input_is_a_signal_error(
    xyz: np.ndarray, rate: float, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(SignalError, match=message):
        detect_acc_jerks(xyz, rate, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"jerks": 500}, "Cannot place 500 jerks"),
        ({"jerks": [99.0]}, "outside the recording"),
        ({"walking_s": [(5.0, 2.0)]}, "walking period"),
        ({"noise_g": -1.0}, "'noise_g'"),
        ({"jerk_amplitude_g": (1.0, 0.5)}, "'jerk_amplitude_g'"),
    ],
)
def test_bad_simulation_parameters(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(SignalError, match=message):
        simulate_accelerometer(30, 100.0, **kwargs)  # type: ignore[arg-type]
