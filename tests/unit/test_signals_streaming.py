"""Long recordings: files read on demand, and EMG analysed in stretches.

The streamed analysis must give the events of a whole-recording analysis (no event lost or
counted twice at a seam), and readers must return exactly the samples asked for.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import myoscope.services.recordings as recordings
from myoscope.errors import SignalError
from myoscope.services.recordings import analyse_recording, chunk_plan
from myoscope.signals import simulate_emg
from myoscope.signals.io import open_recording, read_recording

RATE = 2000.0


# ---------------------------------------------------------------------------------------------
# the plan
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 19_999, 20_000, 59_999, 60_000, 61_234, 1_000_003])
def test_chunk_plan_covers_every_sample_once(n: int) -> None:
    plan = chunk_plan(n, 1000.0, chunk_s=20.0, overlap_s=3.0)
    starts = [p[1] for p in plan]
    stops = [p[2] for p in plan]
    assert starts[0] == 0
    assert stops[-1] == n
    assert starts[1:] == stops[:-1]  # contiguous, no gap, no overlap between cores
    for r0, a, b, r1 in plan:
        assert 0 <= r0 <= a < b <= r1 <= n or n == 0
        assert a - r0 == min(a, 3000)
        assert r1 - b == min(n - b, 3000)
    assert all(b - a >= 20_000 for _, a, b, _ in plan[:-1])
    assert plan[-1][2] - plan[-1][1] < 40_000 or len(plan) == 1


def test_short_recording_is_one_stretch() -> None:
    assert chunk_plan(2000 * 60, RATE) == [(0, 0, 120_000, 120_000)]


# ---------------------------------------------------------------------------------------------
# readers on demand
# ---------------------------------------------------------------------------------------------


def _layouts(tmp_path: Path) -> dict[str, tuple[Path, np.ndarray]]:
    rng = np.random.default_rng(3)
    x = rng.normal(0, 30, (3, 12_000))
    out: dict[str, tuple[Path, np.ndarray]] = {}
    for name, arr in {
        "rows": x,  # (n_channels, n_samples), C order
        "columns": np.ascontiguousarray(x.T),  # (n_samples, n_channels), C order
        "fortran_rows": np.asfortranarray(x),
        "fortran_columns": np.asfortranarray(x.T),
        "int16": np.round(x).astype(np.int16),
        "float32": x.astype(np.float32),
        "single": x[0],
    }.items():
        path = tmp_path / f"{name}.npy"
        np.save(path, arr)
        out[name] = (path, np.asarray(arr, dtype=np.float64))
    return out


def test_npy_read_on_demand_matches_the_whole_array(tmp_path: Path) -> None:
    for name, (path, arr) in _layouts(tmp_path).items():
        expected = arr if arr.ndim == 1 or arr.shape[0] <= arr.shape[1] else arr.T
        expected = np.atleast_2d(expected)
        src = open_recording(path, rate_hz=1000.0, modality="emg")
        assert len(src.channels) == expected.shape[0], name
        for i, channel in enumerate(src.channels):
            assert src.lengths[channel] == expected.shape[1]
            np.testing.assert_array_equal(src.read(channel, 1234, 5678), expected[i, 1234:5678])
            np.testing.assert_array_equal(src.read(channel, 11_000, 99_999), expected[i, 11_000:])
            np.testing.assert_array_equal(src.read(channel), expected[i])
        whole = read_recording(path, rate_hz=1000.0, modality="emg")
        assert list(whole.data) == list(src.channels)


def test_truncated_npy_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cut.npy"
    np.save(path, np.zeros((2, 50_000)))
    path.write_bytes(path.read_bytes()[:-1000])
    with pytest.raises(SignalError, match=r"cut\.npy: the file is truncated"):
        open_recording(path, rate_hz=1000.0, modality="emg")


def test_constant_lazy_channel_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "flat.npy"
    x = np.random.default_rng(1).normal(0, 20, (2, 20_000))
    x[1] = 7.0
    np.save(path, x)
    with pytest.raises(SignalError, match="channel 'ch2' is constant"):
        open_recording(path, rate_hz=1000.0, modality="emg")


def test_edf_read_on_demand_matches_the_whole_signal(tmp_path: Path) -> None:
    import edfio

    rng = np.random.default_rng(4)
    x = rng.normal(0, 50, 2000 * 12)
    y = rng.normal(0, 5, 500 * 12)
    path = tmp_path / "rec.edf"
    edfio.Edf(
        [
            edfio.EdfSignal(x, 2000, label="EDC-R", physical_dimension="uV"),
            edfio.EdfSignal(y, 500, label="EEG C3", physical_dimension="uV"),
        ]
    ).write(path)
    src = open_recording(path)
    whole = read_recording(path)
    assert src.channels == ("EDC-R",)
    assert src.other_channels == ("EEG C3",)
    for channel in ("EDC-R", "EEG C3"):
        np.testing.assert_allclose(src.read(channel, 777, 9001), whole.data[channel][777:9001])
    # the physical values come back within the EDF quantisation step
    step = (x.max() - x.min()) / 65535
    np.testing.assert_allclose(src.read("EDC-R"), x, atol=step)


# ---------------------------------------------------------------------------------------------
# analysis in stretches
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def long_npy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sim = simulate_emg(
        duration_s=130.0,
        rate_hz=RATE,
        channels=3,
        bursts=60,
        silent_periods=20,
        seed=5,
        ecg_uv=300.0,
        mains_uv=50.0,
    )
    path = tmp_path_factory.mktemp("long") / "rec.npy"
    np.save(path, sim.signal)
    return path


def _key(e: dict[str, object]) -> tuple[object, ...]:
    return (e["channel"], e["kind"], e["onset_s"], e["offset_s"], e["duration_ms"])


def test_stretches_give_the_events_of_the_whole_recording(
    long_npy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recordings, "CHUNK_S", 10_000.0)
    whole = analyse_recording(long_npy, rate_hz=RATE, modality="emg")
    monkeypatch.setattr(recordings, "CHUNK_S", 30.0)
    streamed = analyse_recording(long_npy, rate_hz=RATE, modality="emg")
    assert whole["params"]["chunking"]["stretches"] == 1
    assert streamed["params"]["chunking"]["stretches"] == 4
    a = sorted(_key(e) for e in whole["events"])
    b = sorted(_key(e) for e in streamed["events"])
    assert len(a) == len(b) > 200
    for ea, eb in zip(a, b, strict=True):
        assert ea[:2] == eb[:2]
        assert ea[2] == pytest.approx(eb[2], abs=1e-3)
        assert ea[4] == pytest.approx(eb[4], abs=1.0)
    assert streamed["summary"]["myoclonus_index_per_hour"] == pytest.approx(
        whole["summary"]["myoclonus_index_per_hour"]
    )
    # ECG beats are counted once, not again in the context read around each stretch
    beats = {
        r: [q["detail"] for q in r_["quality"] if q["issue"] == "ecg"]
        for r, r_ in (("whole", whole), ("streamed", streamed))
    }
    for w, s in zip(beats["whole"], beats["streamed"], strict=True):
        nw = int(w.rsplit("ECG reduced: ", 1)[1].split()[0])
        ns = int(s.rsplit("ECG reduced: ", 1)[1].split()[0])
        assert abs(nw - ns) <= 3
        assert "in 4 of 4 stretches" in s


def test_a_flat_stretch_leaves_the_channel_out_there_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = simulate_emg(duration_s=90.0, rate_hz=RATE, channels=2, bursts=40, seed=8)
    x = sim.signal.copy()
    x[1, : int(35 * RATE)] = 0.01 * np.sin(np.arange(int(35 * RATE)))  # electrode off
    path = tmp_path / "off.npy"
    np.save(path, x)
    monkeypatch.setattr(recordings, "CHUNK_S", 30.0)
    result = analyse_recording(path, rate_hz=RATE, modality="emg")
    flat = [q for q in result["quality"] if q["channel"] == "ch2" and q["issue"] == "flat"]
    assert flat
    assert "where this was found" in flat[0]["detail"]
    assert "ch2" in result["recording"]["analysed"]
    late = [e for e in result["events"] if e["channel"] == "ch2"]
    assert late
    assert min(e["onset_s"] for e in late) >= 30.0
