"""`myoscope signals detect` with EEG beside the EMG: jerk-locked back-averaging end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from myoscope.cli.main import cli
from myoscope.signals.simulation_eeg import simulate_eeg_with_jerks


def _edf(path: Path, scenario: str, jerks: int = 150, seed: int = 3) -> Path:
    import edfio

    sim = simulate_eeg_with_jerks(
        duration_s=150.0, rate_hz=1000.0, jerks=jerks, scenario=scenario, seed=seed
    )
    signals = [
        edfio.EdfSignal(np.asarray(x), 1000, label=name, physical_dimension="uV")
        for name, x in zip(sim.emg.channels, sim.emg.signal, strict=True)
    ]
    signals += [
        edfio.EdfSignal(np.asarray(x), 1000, label=name, physical_dimension="uV")
        for name, x in zip(sim.eeg_channels, sim.eeg, strict=True)
    ]
    edfio.Edf(signals).write(path)
    return path


def _detect(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["signals", "detect", *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_cortical_spike_found_before_the_jerks(tmp_path: Path) -> None:
    path = _edf(tmp_path / "cortical.edf", "cortical")
    code, out = _detect(str(path), "--format", "json")
    assert code == 0, out
    result = json.loads(out)
    assert result["recording"]["channels"] == ["EDC-R"]  # C3 and C4 are kept aside as EEG
    back = result["summary"]["back_average"]
    assert back["enough_data"] is True
    assert back["peak"] is not None
    assert back["peak"]["significant"] is True
    assert back["peak"]["latency_ms"] == pytest.approx(20.0, abs=5.0)
    code, text = _detect(str(path))
    assert code == 0
    assert "EEG back-averaging (C3, C4)" in text
    assert "not a diagnosis" in text


def test_no_spike_without_cortical_origin(tmp_path: Path) -> None:
    path = _edf(tmp_path / "subcortical.edf", "non-cortical")
    code, out = _detect(str(path), "--format", "json")
    assert code == 0, out
    back = json.loads(out)["summary"]["back_average"]
    assert back["enough_data"] is True
    assert back["peak"] is None


def test_too_few_jerks_says_so(tmp_path: Path) -> None:
    path = _edf(tmp_path / "few.edf", "cortical", jerks=12)
    code, text = _detect(str(path))
    assert code == 0
    assert "EEG back-averaging (C3, C4): not done" in text
