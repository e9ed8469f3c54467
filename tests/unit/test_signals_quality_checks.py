"""Channel quality checks on simulated signals with one known problem each."""

from __future__ import annotations

import numpy as np
import pytest

from myoscope.errors import SignalError
from myoscope.signals.quality import QualityIssue, check_channel
from myoscope.signals.simulation import simulate_emg

RATE = 2000.0


def _emg(seed: int = 1, **kwargs: float) -> np.ndarray:
    return simulate_emg(40, RATE, seed=seed, **kwargs).signal[0].copy()


def _issues(x: np.ndarray, **kwargs: object) -> set[str]:
    return {i.issue for i in check_channel(x, RATE, modality="emg", **kwargs)}  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_clean_emg_has_no_issue(seed: int) -> None:
    assert check_channel(_emg(seed), RATE, modality="emg", channel="EDC-R") == []


def test_flat_channel() -> None:
    x = np.random.default_rng(0).normal(0.0, 0.1, int(20 * RATE))
    issues = check_channel(x, RATE, modality="emg", channel="BIC-R")
    assert [i.issue for i in issues] == ["flat"]
    assert issues[0].channel == "BIC-R"
    assert "0.5" in issues[0].detail


def test_clipped_channel() -> None:
    x = np.clip(_emg(), -150.0, 150.0)
    issues = check_channel(x, RATE, modality="emg")
    assert "clipped" in {i.issue for i in issues}
    detail = next(i.detail for i in issues if i.issue == "clipped")
    assert "150" in detail
    assert "-150" in detail


def test_disconnected_channel() -> None:
    x = _emg()
    x[20_000:30_000] = 0.0  # 5 s at zero
    issues = check_channel(x, RATE, modality="emg")
    assert {i.issue for i in issues} == {"disconnected"}
    assert "5.0 s" in issues[0].detail


@pytest.mark.parametrize("mains_hz", [50, 60])
def test_mains_dominated_channel_names_the_frequency(mains_hz: int) -> None:
    x = _emg(mains_uv=40.0, mains_hz=float(mains_hz))
    issues = check_channel(x, RATE, modality="emg", mains_hz=50)
    hum = [i for i in issues if i.issue == "mains-hum"]
    assert len(hum) == 1
    assert f"{mains_hz} Hz" in hum[0].detail


def test_small_hum_is_not_reported() -> None:
    assert "mains-hum" not in _issues(_emg(mains_uv=3.0))


@pytest.mark.parametrize("seed", [0, 1])
def test_ecg_contaminated_channel(seed: int) -> None:
    issues = check_channel(_emg(seed, ecg_uv=300.0), RATE, modality="emg")
    ecg = [i for i in issues if i.issue == "ecg"]
    assert len(ecg) == 1
    assert "beats/min" in ecg[0].detail


def test_accelerometer_skips_emg_checks() -> None:
    rng = np.random.default_rng(3)
    t = np.arange(30 * 100) / 100
    x = 1.0 + 0.05 * np.sin(2 * np.pi * 1.0 * t) + rng.normal(0, 0.003, t.size)
    assert check_channel(x, 100.0, modality="acc") == []


def test_issue_to_dict() -> None:
    issue = QualityIssue("EDC-R", "mains-hum", "50 Hz")
    assert issue.to_dict() == {"channel": "EDC-R", "issue": "mains-hum", "detail": "50 Hz"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"modality": "eeg"}, "allowed 'emg' or 'acc'"),
        ({"modality": "emg", "mains_hz": 55}, "allowed 50 or 60"),
    ],
)
def test_bad_parameters(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(SignalError, match=message):
        check_channel(np.ones(100), RATE, **kwargs)  # type: ignore[arg-type]


def test_bad_arrays() -> None:
    with pytest.raises(SignalError, match="1-D"):
        check_channel(np.ones((2, 100)), RATE, modality="emg")
    with pytest.raises(SignalError, match="no finite sample"):
        check_channel(np.full(100, np.nan), RATE, modality="emg")
    with pytest.raises(SignalError, match="positive"):
        check_channel(np.ones(100), 0.0, modality="emg")
