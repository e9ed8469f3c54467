"""``myoscope signals detect`` on wearable raw files: jerks found end to end, bad files refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner, Result

from myoscope.cli.main import cli
from myoscope.signals import AccelerometerJerk, Event, compare_events, simulate_accelerometer
from wearable_files import write_cwa, write_geneactiv, write_gt3x

AXES = ["acc_x", "acc_y", "acc_z"]
WRITERS: dict[str, Callable[..., Path]] = {
    ".cwa": write_cwa,
    ".gt3x": write_gt3x,
    ".bin": write_geneactiv,
}


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, ["signals", *args], catch_exceptions=False)


def user_error(result: Result) -> str:
    """Assert exit code 2 and exactly one line on stderr; return that line."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    return lines[0]


def found_events(data: dict[str, Any]) -> list[Event]:
    return [
        Event(
            e["channel"], e["kind"], e["onset_s"], e["offset_s"], e.get("peak_s"), e["duration_ms"]
        )
        for e in data["events"]
    ]


def truth_events(truth: list[AccelerometerJerk], channel: str, scale: float = 1.0) -> list[Event]:
    return [
        Event(
            channel,
            "positive",
            j.onset_s * scale,
            j.offset_s * scale,
            None,
            (j.offset_s - j.onset_s) * scale * 1000.0,
        )
        for j in truth
    ]


@pytest.fixture(scope="module")
def jerky() -> tuple[np.ndarray, list[AccelerometerJerk]]:
    return simulate_accelerometer(90, 100.0, jerks=15, walking_s=[(50.0, 70.0)], seed=11)


@pytest.mark.parametrize("ext", list(WRITERS))
def test_detect_finds_the_jerks_in_a_wearable_file(
    tmp_path: Path, jerky: tuple[np.ndarray, list[AccelerometerJerk]], ext: str
) -> None:
    signal, truth = jerky
    path = WRITERS[ext](tmp_path / f"wrist{ext}", signal)
    result = invoke("detect", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    recording = data["recording"]
    assert recording["file"] == f"wrist{ext}"
    assert recording["modality"] == "acc"
    assert recording["channels"] == AXES
    assert recording["rate_hz"] == dict.fromkeys(AXES, 100.0)
    assert recording["units"] == dict.fromkeys(AXES, "g")
    assert recording["sensors"] == {"acc": AXES}
    assert any("device clock" in note for note in recording["notes"])
    scores = compare_events(found_events(data), truth_events(truth, "acc"), tolerance_ms=100)
    assert scores.f1 >= 0.9, scores


def test_detect_times_follow_the_device_clock_of_a_slow_axivity(
    tmp_path: Path, jerky: tuple[np.ndarray, list[AccelerometerJerk]]
) -> None:
    # Set to 100 Hz, sampling at 99 Hz: sample j is at j / 99 s, so jerks are later by 100/99.
    signal, truth = jerky
    path = write_cwa(tmp_path / "slow.cwa", signal, true_rate_hz=99.0)
    result = invoke("detect", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert any("99.000 Hz" in note for note in data["recording"]["notes"])
    expected = truth_events(truth, "acc", scale=100.0 / 99.0)
    scores = compare_events(found_events(data), expected, tolerance_ms=100)
    assert scores.f1 >= 0.9, scores
    assert scores.onset_error_ms_median is not None
    assert scores.onset_error_ms_median <= 20.0


def test_detect_reports_a_gap_in_a_cwa(
    tmp_path: Path, jerky: tuple[np.ndarray, list[AccelerometerJerk]]
) -> None:
    path = write_cwa(tmp_path / "gap.cwa", jerky[0], drop_blocks={20})
    result = invoke("detect", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    notes = json.loads(result.stdout)["recording"]["notes"]
    assert any(note.startswith("1 gap(s) in the device data") for note in notes)


@pytest.mark.parametrize("ext", list(WRITERS))
def test_detect_refuses_garbage_with_a_wearable_extension(tmp_path: Path, ext: str) -> None:
    path = tmp_path / f"garbage{ext}"
    path.write_bytes(np.random.default_rng(7).bytes(3000))
    line = user_error(invoke("detect", str(path)))
    assert f"garbage{ext}: cannot read it as" in line


@pytest.mark.parametrize(("ext", "keep"), [(".cwa", 600), (".gt3x", 0.5), (".bin", 800)])
def test_detect_refuses_a_truncated_wearable_file(
    tmp_path: Path, jerky: tuple[np.ndarray, list[AccelerometerJerk]], ext: str, keep: float
) -> None:
    path = WRITERS[ext](tmp_path / f"cut{ext}", jerky[0])
    raw = path.read_bytes()
    path.write_bytes(raw[: int(len(raw) * keep) if keep < 1 else int(keep)])
    line = user_error(invoke("detect", str(path)))
    assert f"cut{ext}: cannot read it as" in line
    assert "copy it from the device again" in line


def test_unknown_extension_lists_the_wearable_formats(tmp_path: Path) -> None:
    path = tmp_path / "rec.xls"
    path.write_text("x")
    line = user_error(invoke("detect", str(path)))
    assert ".cwa, .gt3x, .bin" in line
