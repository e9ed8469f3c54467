"""``run_batch``: parallel analysis of a folder, per-file failures, summary and resuming."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from myoscope.cli.main import cli
from myoscope.errors import UserError
from myoscope.services import batch
from myoscope.services.batch import FileResult, find_recordings, result_path, run_batch


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("recordings")
    for seed in (1, 2, 3):
        out = folder / f"rec{seed}.npz"
        args = ["signals", "simulate", str(out), "--duration", "20", "--seed", str(seed)]
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    (folder / "broken.csv").write_text("not,a\nrecording\n", encoding="utf-8")
    return folder


def test_batch_writes_results_and_summary_then_resumes(recordings: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    seen: list[FileResult] = []
    result = run_batch(recordings, out, workers=2, progress=seen.append)

    assert (result.count("done"), result.count("skipped"), result.count("failed")) == (3, 0, 1)
    assert sorted(r.file for r in seen) == ["broken.csv", "rec1.npz", "rec2.npz", "rec3.npz"]
    broken = next(r for r in result.files if r.file == "broken.csv")
    assert broken.status == "failed"
    assert broken.error.startswith("broken.csv:")
    assert "\n" not in broken.error
    assert not result_path(out, "broken.csv").exists()
    for name in ("rec1.npz", "rec2.npz", "rec3.npz"):
        doc = json.loads(result_path(out, name).read_text(encoding="utf-8"))
        assert {"recording", "events", "jerks", "summary", "quality", "params"} <= doc.keys()
        assert doc["recording"]["file"] == name
    with result.summary_path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["file"] for r in rows] == ["broken.csv", "rec1.npz", "rec2.npz", "rec3.npz"]
    assert list(rows[0]) == list(batch.SUMMARY_COLUMNS)
    good = rows[1]
    assert good["status"] == "done"
    assert float(good["duration_s"]) == pytest.approx(20.0)
    assert good["channels"] == "EDC-R;BIC-R"
    assert int(good["jerks"]) > 0
    assert rows[0]["error"] == broken.error

    # An interruption: one result never written, a half-written temporary file left behind.
    result_path(out, "rec2.npz").unlink()
    stray = result_path(out, "rec2.npz").with_name("rec2.npz.json.tmp")
    stray.write_text('{"recording": ', encoding="utf-8")
    result_path(out, "rec3.npz").write_text('{"recording": {}', encoding="utf-8")  # not complete
    again = run_batch(recordings, out, workers=1)

    status = {r.file: r.status for r in again.files}
    assert status == {
        "broken.csv": "failed",
        "rec1.npz": "skipped",
        "rec2.npz": "done",
        "rec3.npz": "done",
    }
    assert not stray.exists()
    assert json.loads(result_path(out, "rec2.npz").read_text(encoding="utf-8"))["summary"]
    skipped = next(r for r in again.files if r.file == "rec1.npz")
    assert skipped.jerks is not None
    assert skipped.channels == ("EDC-R", "BIC-R")


def test_a_complete_run_starts_no_cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "rec.npz").write_bytes(b"")
    out = tmp_path / "out"
    out.mkdir()
    doc = {
        "recording": {"file": "rec.npz", "duration_s": 60.0, "channels": ["EDC-R"]},
        "summary": {
            "jerks": 3,
            "myoclonus_index_per_hour": 180.0,
            "per_channel": {"EDC-R": {"positive": 3, "negative": 1}},
        },
    }
    result_path(out, "rec.npz").write_text(json.dumps(doc), encoding="utf-8")

    def no_cluster(*args: object, **kwargs: object) -> None:
        raise AssertionError("a complete batch must not start a cluster")

    monkeypatch.setattr(batch, "_run", no_cluster)
    result = run_batch(tmp_path, out)
    assert result.files == (FileResult("rec.npz", "skipped", 60.0, ("EDC-R",), 3, 180.0, 3, 1),)


def test_bad_inputs_are_user_errors(
    recordings: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(UserError, match="is not a folder"):
        find_recordings(tmp_path / "missing")
    with pytest.raises(UserError, match="No recordings in"):
        find_recordings(tmp_path)
    with pytest.raises(UserError, match="--workers 0"):
        run_batch(recordings, tmp_path / "out", workers=0)
    monkeypatch.setattr(batch, "SCHEDULER_TIMEOUT_S", 1)
    with pytest.raises(UserError, match="Cannot reach the Dask scheduler"):
        run_batch(recordings, tmp_path / "out", scheduler="tcp://127.0.0.1:1")


def test_the_summary_table_is_not_taken_for_a_recording(recordings: Path, tmp_path: Path) -> None:
    (tmp_path / "summary.csv").write_text("file\n", encoding="utf-8")
    (tmp_path / "a.csv").write_text("x\n", encoding="utf-8")
    assert [p.name for p in find_recordings(tmp_path, out_dir=tmp_path)] == ["a.csv"]


def test_batch_on_an_existing_cluster_given_by_address(recordings: Path, tmp_path: Path) -> None:
    """`--scheduler ADDRESS`: a scheduler and a worker process started apart, as on a cluster."""
    import subprocess
    import sys
    import time

    from distributed import Client

    scheduler = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "distributed.cli.dask_scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(tmp_path / "s.json"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = None
    try:
        for _ in range(300):
            if (tmp_path / "s.json").exists() and (tmp_path / "s.json").stat().st_size:
                break
            time.sleep(0.1)
        address = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))["address"]
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "distributed.cli.dask_worker",
                address,
                "--nworkers",
                "1",
                "--nthreads",
                "1",
                "--no-dashboard",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        with Client(address, timeout=30) as client:
            client.wait_for_workers(1, timeout=60)
        result = run_batch(recordings, tmp_path / "out", scheduler=address)
        assert (result.count("done"), result.count("failed")) == (3, 1)
        assert result_path(tmp_path / "out", "rec1.npz").exists()
    finally:
        for proc in (worker, scheduler):
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=30)
