"""``myoscope signals``: simulate -> detect round trips, output formats and every bad input."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner, Result

from myoscope.cli.main import cli
from myoscope.signals import Event, compare_events

SPEC_KEYS = {"recording", "events", "jerks", "summary", "quality", "params"}
EVENT_COLUMNS = [
    "channel",
    "kind",
    "onset_s",
    "offset_s",
    "peak_s",
    "duration_ms",
    "amplitude",
    "amplitude_unit",
]


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, ["signals", *args], catch_exceptions=False)


def user_error(result: Result) -> str:
    """Assert exit code 2 and exactly one line on stderr; return that line."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    return lines[0]


def to_event(d: dict[str, Any]) -> Event:
    return Event(
        d["channel"], d["kind"], d["onset_s"], d["offset_s"], d.get("peak_s"), d["duration_ms"]
    )


@pytest.fixture(scope="module")
def emg_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sim") / "rec.csv"
    result = invoke("simulate", str(path), "--ecg", "--seed", "4", "--duration", "40")
    assert result.exit_code == 0, result.output
    assert "rec.truth.json" in result.output
    return path


@pytest.fixture(scope="module")
def emg_json(emg_csv: Path) -> dict[str, Any]:
    result = invoke("detect", str(emg_csv), "--format", "json")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def truth_of(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.with_name(path.stem + ".truth.json").read_text())
    return data


def test_simulated_emg_bursts_are_found_by_detect(emg_csv: Path, emg_json: dict[str, Any]) -> None:
    truth = [to_event(e) for e in truth_of(emg_csv)["events"] if e["kind"] == "positive"]
    found = [to_event(e) for e in emg_json["events"] if e["kind"] == "positive"]
    scores = compare_events(found, truth, tolerance_ms=20)
    assert scores.f1 >= 0.95, scores
    assert scores.duration_error_ms_median is not None
    assert scores.duration_error_ms_median <= 5.0


def test_json_has_the_spec_keys(emg_json: dict[str, Any]) -> None:
    assert set(emg_json) == SPEC_KEYS
    rec = emg_json["recording"]
    assert {"file", "duration_s", "channels", "rate_hz", "modality"} <= set(rec)
    assert rec["file"] == "rec.csv"
    assert rec["modality"] == "emg"
    assert rec["channels"] == ["EDC-R", "BIC-R"]
    assert rec["rate_hz"] == {"EDC-R": 2000.0, "BIC-R": 2000.0}
    assert rec["units"] == {"EDC-R": "uV", "BIC-R": "uV"}
    positive = next(e for e in emg_json["events"] if e["kind"] == "positive")
    assert set(EVENT_COLUMNS) <= set(positive)
    assert positive["amplitude_unit"] == "uV"
    negative = next(e for e in emg_json["events"] if e["kind"] == "negative")
    assert {"channel", "kind", "onset_s", "offset_s", "duration_ms"} <= set(negative)
    jerk = emg_json["jerks"][0]
    assert set(jerk) == {"onset_s", "channels", "lead_channel"}
    assert jerk["lead_channel"] == jerk["channels"][0]
    summary = emg_json["summary"]
    assert {"per_channel", "myoclonus_index_per_hour", "physiology_hint"} <= set(summary)
    assert set(summary["per_channel"]["EDC-R"]) >= {
        "positive",
        "negative",
        "per_minute",
        "duration_ms_median",
        "duration_ms_iqr",
    }
    hint = summary["physiology_hint"]
    assert {"cortical", "subcortical", "functional", "basis", "confidence"} <= set(hint)
    assert {q["issue"] for q in emg_json["quality"]} <= {
        "flat",
        "clipped",
        "disconnected",
        "mains-hum",
        "ecg",
    }
    assert emg_json["params"]["mains_hz"] == 50
    assert emg_json["params"]["detector"]["2000 Hz"]["filter"]["band_hz"]


def test_text_report_has_counts_index_and_the_disclaimer(emg_csv: Path) -> None:
    result = invoke("detect", str(emg_csv))
    assert result.exit_code == 0, result.output
    assert "myoclonus index" in result.stdout
    assert "EDC-R:" in result.stdout
    assert "duration median" in result.stdout
    assert "a hint from the signal, not a diagnosis" in result.stdout


def test_csv_writes_the_events_table_to_a_file(emg_csv: Path, emg_json: dict[str, Any]) -> None:
    out = emg_csv.with_name("events.csv")
    result = invoke("detect", str(emg_csv), "--format", "csv", "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert list(rows[0]) == EVENT_COLUMNS
    assert len(rows) == len(emg_json["events"])
    assert {r["kind"] for r in rows} == {"positive", "negative"}


def test_channels_option_keeps_only_those_channels(emg_csv: Path) -> None:
    result = invoke("detect", str(emg_csv), "--channels", "BIC-R", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["recording"]["channels"] == ["BIC-R"]
    assert {e["channel"] for e in data["events"]} == {"BIC-R"}


def test_accelerometer_round_trip_through_npz(tmp_path: Path) -> None:
    path = tmp_path / "wrist.npz"
    assert invoke("simulate", str(path), "--modality", "acc", "--seed", "2").exit_code == 0
    result = invoke("detect", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["recording"]["modality"] == "acc"
    assert data["recording"]["sensors"] == {"wrist": ["wrist_x", "wrist_y", "wrist_z"]}
    truth = [to_event(e) for e in truth_of(path)["events"]]
    scores = compare_events([to_event(e) for e in data["events"]], truth, tolerance_ms=50)
    assert scores.f1 >= 0.9, scores
    assert data["summary"]["physiology_hint"] is None


def test_a_flat_channel_is_reported_and_the_others_still_analysed(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    emg = rng.normal(0, 20, 2000 * 10)
    flat = rng.normal(0, 0.01, 2000 * 10)
    path = tmp_path / "flat.npz"
    np.savez(path, emg=np.stack([emg, flat]), rate_hz=2000.0, channels=np.array(["EDC", "BIC"]))
    result = invoke("detect", str(path), "--modality", "emg", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"channel": "BIC", "issue": "flat"}.items() <= data["quality"][0].items()
    assert data["recording"]["skipped"] == ["BIC"]
    assert list(data["summary"]["per_channel"]) == ["EDC"]


def test_only_flat_channels_is_a_user_error(tmp_path: Path) -> None:
    path = tmp_path / "dead.npy"
    np.save(path, np.random.default_rng(0).normal(0, 0.01, 2000 * 10))
    line = user_error(invoke("detect", str(path), "--rate", "2000", "--modality", "emg"))
    assert "dead.npy" in line
    assert "no usable channel" in line


def test_unknown_extension(tmp_path: Path) -> None:
    path = tmp_path / "rec.wav"
    path.write_bytes(b"RIFF")
    line = user_error(invoke("detect", str(path)))
    assert "rec.wav" in line
    assert "'.wav'" in line


def test_missing_rate(tmp_path: Path) -> None:
    path = tmp_path / "rec.npy"
    np.save(path, np.random.default_rng(0).normal(0, 20, 20000))
    line = user_error(invoke("detect", str(path), "--modality", "emg"))
    assert "rec.npy" in line
    assert "rate" in line


def test_rate_too_low_for_emg(tmp_path: Path) -> None:
    path = tmp_path / "slow.npy"
    np.save(path, np.random.default_rng(0).normal(0, 20, 2000))
    line = user_error(invoke("detect", str(path), "--modality", "emg", "--rate", "100"))
    assert "100 Hz" in line
    assert "500 Hz" in line


def test_constant_channel(tmp_path: Path) -> None:
    path = tmp_path / "const.csv"
    rows = "\n".join(f"{i / 1000:.3f},{np.sin(i) * 50:.3f},5.0" for i in range(10000))
    path.write_text("time_s,EDC (uV),BIC (uV)\n" + rows + "\n")
    line = user_error(invoke("detect", str(path)))
    assert "const.csv" in line
    assert "'BIC'" in line
    assert "constant" in line


def test_unknown_channel_name_suggests_the_closest(emg_csv: Path) -> None:
    line = user_error(invoke("detect", str(emg_csv), "--channels", "EDC-L"))
    assert "'EDC-L'" in line
    assert "Did you mean 'EDC-R'?" in line


def test_empty_channels_option(emg_csv: Path) -> None:
    assert "--channels" in user_error(invoke("detect", str(emg_csv), "--channels", " , "))


def test_missing_file(tmp_path: Path) -> None:
    assert "nothere.csv" in user_error(invoke("detect", str(tmp_path / "nothere.csv")))


def test_bad_format_and_mains_choices(emg_csv: Path) -> None:
    assert "--format" in user_error(invoke("detect", str(emg_csv), "--format", "xml"))
    assert "--mains" in user_error(invoke("detect", str(emg_csv), "--mains", "55"))


def test_simulate_rejects_unknown_extension_and_low_rates(tmp_path: Path) -> None:
    assert "'.edf'" in user_error(invoke("simulate", str(tmp_path / "x.edf")))
    assert "1000 Hz" in user_error(invoke("simulate", str(tmp_path / "x.csv"), "--rate", "500"))
    line = user_error(
        invoke("simulate", str(tmp_path / "x.csv"), "--modality", "acc", "--rate", "10")
    )
    assert "25 Hz" in line


def test_simulate_is_reproducible(tmp_path: Path) -> None:
    for name in ("a.npz", "b.npz"):
        assert (
            invoke("simulate", str(tmp_path / name), "--seed", "7", "--duration", "10").exit_code
            == 0
        )
    a, b = np.load(tmp_path / "a.npz"), np.load(tmp_path / "b.npz")
    assert np.array_equal(a["signal"], b["signal"])
    assert truth_of(tmp_path / "a.npz")["events"] == truth_of(tmp_path / "b.npz")["events"]


def test_plot_writes_a_png_of_a_window(emg_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "rec.png"
    result = invoke("plot", str(emg_csv), "--out", str(out), "--start", "10", "--duration", "5")
    assert result.exit_code == 0, result.output
    assert f"Wrote {out}" in result.stdout
    data = out.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 20_000


def test_plot_takes_the_detect_options(emg_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "one.svg"
    result = invoke("plot", str(emg_csv), "--out", str(out), "--channels", "BIC-R", "--mains", "60")
    assert result.exit_code == 0, result.output
    assert out.read_text().lstrip().startswith("<?xml")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--start", "500"], "beyond the recording (40.0 s long)"),
        (["--start", "-2"], "0 s or more"),
        (["--duration", "-1"], "positive duration"),
        (["--duration", "0"], "positive duration"),
    ],
)
def test_plot_bad_window(emg_csv: Path, tmp_path: Path, args: list[str], words: str) -> None:
    out = tmp_path / "x.png"
    line = user_error(invoke("plot", str(emg_csv), "--out", str(out), *args))
    assert words in line
    assert not out.exists()


def test_plot_bad_output_type_fails_before_reading(tmp_path: Path) -> None:
    line = user_error(invoke("plot", str(tmp_path / "missing.csv"), "--out", "x.jpg"))
    assert "unknown image type '.jpg'" in line


def test_plot_needs_out(emg_csv: Path) -> None:
    result = invoke("plot", str(emg_csv))
    assert result.exit_code == 2
    assert "--out" in result.stderr


def test_batch_analyses_a_folder_and_reports_counts(emg_csv: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "rec.csv").write_bytes(emg_csv.read_bytes())
    (folder / "broken.csv").write_text("nothing here\n", encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("batch", str(folder), "--out", str(out), "--workers", "1")
    assert result.exit_code == 0, result.output
    assert "1 done, 0 skipped (already done), 1 failed" in result.stdout
    assert result.stderr.startswith("Failed: broken.csv: ")
    assert json.loads((out / "rec.csv.json").read_text())["recording"]["file"] == "rec.csv"
    assert (out / "summary.csv").read_text().startswith("file,status,duration_s,channels")


def test_batch_bad_inputs_are_one_line_errors(
    emg_csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = str(tmp_path / "out")
    assert "is not a folder" in user_error(invoke("batch", str(tmp_path / "nope"), "--out", out))
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "No recordings in" in user_error(invoke("batch", str(empty), "--out", out))
    from myoscope.services import batch

    monkeypatch.setattr(batch, "SCHEDULER_TIMEOUT_S", 1)
    folder = emg_csv.parent
    line = user_error(
        invoke("batch", str(folder), "--out", out, "--scheduler", "tcp://127.0.0.1:1")
    )
    assert "Cannot reach the Dask scheduler" in line
