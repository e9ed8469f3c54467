"""ECG reduction: QRS detection and adaptive template subtraction (myoscope.signals.ecg)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from myoscope.errors import SignalError
from myoscope.services.recordings import analyse_recording
from myoscope.signals import clean_emg, compare_events, detect_emg, simulate_emg
from myoscope.signals.ecg import detect_qrs, remove_ecg
from myoscope.signals.simulation import synthetic_ecg

RATE = 2000.0


def _pair(ecg_uv: float, **kwargs: object) -> tuple[object, object]:
    n = int(60 * RATE)
    ecg = synthetic_ecg(n, RATE, heart_rate_bpm=72.0, rng=np.random.default_rng(0))
    args = {"duration_s": 60.0, "channels": 1, "bursts": 30, "ecg": ecg, "seed": 3, **kwargs}
    return simulate_emg(ecg_uv=ecg_uv, **args), simulate_emg(ecg_uv=0.0, **args)  # type: ignore[arg-type]


def test_qrs_detection_finds_every_beat() -> None:
    sim, _ = _pair(500.0, tonic_uv=30.0)
    peaks = detect_qrs(sim.signal[0], RATE)  # type: ignore[attr-defined]
    # About 72 beats/min for 60 s (with heart-rate variability and a few burst peaks).
    assert 66 <= len(peaks) <= 80
    assert np.all(np.diff(peaks) >= 0.25 * RATE)


def test_strong_ecg_is_reduced_and_detection_is_kept() -> None:
    sim, ref = _pair(1000.0, tonic_uv=60.0, silent_periods=15, amplitude_uv=(300.0, 1000.0))
    x = sim.signal[0]  # type: ignore[attr-defined]
    cleaned, n_beats = remove_ecg(x, RATE)
    assert n_beats >= 60
    clean_ref = ref.signal[0]  # type: ignore[attr-defined]
    before = np.mean(clean_emg(x - clean_ref, RATE) ** 2)
    after = np.mean(clean_emg(cleaned - clean_ref, RATE) ** 2)
    assert after < 0.2 * before  # measured 0.11
    raw_det = detect_emg(x, RATE)
    new_det = detect_emg(cleaned, RATE)
    truth = sim.of  # type: ignore[attr-defined]
    for kind in ("positive", "negative"):
        old = compare_events(raw_det.of(kind), truth(kind))
        new = compare_events(new_det.of(kind), truth(kind))
        assert new.f1 >= old.f1, (kind, old, new)


def test_no_ecg_leaves_the_signal_alone() -> None:
    sim, _ = _pair(0.0, tonic_uv=30.0)
    x = sim.signal[0]  # type: ignore[attr-defined]
    cleaned, n_beats = remove_ecg(x, RATE)
    # Without heartbeats the few QRS-like peaks found (bursts) do not match a template
    # well enough to be subtracted, or are too few.
    assert n_beats <= 5
    assert cleaned is not x
    if n_beats == 0:
        assert np.array_equal(cleaned, x)


def test_remove_ecg_rejects_bad_input() -> None:
    x = np.zeros(4000)
    with pytest.raises(SignalError, match="rate"):
        remove_ecg(x, 50.0)
    with pytest.raises(SignalError, match="template_beats"):
        remove_ecg(x, RATE, template_beats=0)
    with pytest.raises(SignalError, match="min_corr"):
        remove_ecg(x, RATE, min_corr=2.0)
    with pytest.raises(SignalError, match="shape"):
        remove_ecg(np.zeros((2, 4000)), RATE)
    with pytest.raises(SignalError, match="NaN"):
        remove_ecg(np.full(4000, np.nan), RATE)


def _write_csv(path: Path, signal: np.ndarray, names: list[str]) -> None:
    t = np.arange(signal.shape[1]) / RATE
    table = np.column_stack([t, signal.T])
    header = ",".join(["time_s", *[f"{n} (uV)" for n in names]])
    np.savetxt(path, table, delimiter=",", header=header, comments="", fmt="%.6g")


def test_service_reduces_ecg_only_on_flagged_channels(tmp_path: Path) -> None:
    ecg = synthetic_ecg(int(40 * RATE), RATE, heart_rate_bpm=70.0, rng=np.random.default_rng(1))
    dirty = simulate_emg(40.0, RATE, channels=1, bursts=15, ecg=ecg, ecg_uv=500.0, seed=2)
    clean = simulate_emg(40.0, RATE, channels=1, bursts=15, seed=4)
    path = tmp_path / "rec.csv"
    _write_csv(path, np.vstack([dirty.signal, clean.signal]), ["trunk", "forearm"])
    out = analyse_recording(path, modality="emg")
    ecg_issues = [q for q in out["quality"] if q["issue"] == "ecg"]
    assert [q["channel"] for q in ecg_issues] == ["trunk"]
    assert "ECG reduced:" in ecg_issues[0]["detail"]
    beats = out["params"]["ecg_reduction"]["beats_removed"]
    assert set(beats) == {"trunk"}
    assert beats["trunk"] >= 40
    # The clean channel is detected exactly as without the reduction.
    alone = detect_emg(clean.signal, RATE, ["forearm"])
    found = [e for e in out["events"] if e["channel"] == "forearm"]
    assert len(found) == len(alone.events)
    assert [e["onset_s"] for e in found] == [round(e.onset_s, 6) for e in alone.events]
