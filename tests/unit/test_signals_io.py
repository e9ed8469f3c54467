"""Recording readers: real files from ../shared/data/signals and every error path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from myoscope.errors import SignalError
from myoscope.signals.io import Recording, infer_modality, read_recording

SHARED = Path(__file__).resolve().parents[3] / "shared/data/signals"
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="shared signal samples not available")

RNG = np.random.default_rng(0)


def _emg(n: int) -> np.ndarray:
    return RNG.normal(0.0, 20.0, n)


def _write_csv(path: Path, header: list[str], rows: np.ndarray, sep: str = ",") -> Path:
    lines = ["# exported by a test", sep.join(header)]
    lines += [sep.join(f"{v:.6g}" for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


# ---------------------------------------------------------------------------------------------
# real files
# ---------------------------------------------------------------------------------------------


@needs_shared
def test_real_walking_accelerometer() -> None:
    rec = read_recording(SHARED / "biosppy/acc.txt")
    assert rec.modality == "acc"
    assert rec.channels == ("acc_x", "acc_y", "acc_z")
    assert rec.rate_hz == {"acc_x": 100.0, "acc_y": 100.0, "acc_z": 100.0}
    assert rec.duration_s == pytest.approx(20.0)
    # the header says m/s^2 but gravity reads 1 g: the reader says so and uses g
    assert set(rec.units.values()) == {"g"}
    assert any("m/s^2" in n for n in rec.notes)
    ((rate, (names, arr)),) = rec.rate_groups().items()
    assert rate == 100.0
    assert names == rec.channels
    assert arr.shape == (3, 2000)


@needs_shared
@pytest.mark.parametrize(("name", "n"), [("emg.txt", 100_000), ("emg_1.txt", 63_880)])
def test_real_emg_text(name: str, n: int) -> None:
    rec = read_recording(SHARED / "biosppy" / name)
    assert rec.modality == "emg"
    assert rec.channels == ("EMG",)
    assert rec.rate_hz["EMG"] == 1000.0
    assert rec.data["EMG"].shape == (n,)


@needs_shared
def test_real_emg_through_edf(tmp_path: Path) -> None:
    import edfio

    x = np.loadtxt(SHARED / "biosppy/emg_1.txt")[:63_000]  # whole 1 s data records
    edf = edfio.Edf([edfio.EdfSignal(x - x.mean(), 1000, label="EDC-R", physical_dimension="uV")])
    edf.write(tmp_path / "emg.edf")
    rec = read_recording(tmp_path / "emg.edf")
    assert rec.modality == "emg"
    assert rec.units == {"EDC-R": "uV"}
    assert np.allclose(rec.data["EDC-R"], x - x.mean(), atol=0.1)


# ---------------------------------------------------------------------------------------------
# formats
# ---------------------------------------------------------------------------------------------


def test_csv_with_time_column(tmp_path: Path) -> None:
    n = 2000 * 6
    t = np.arange(n) / 2000.0
    rows = np.column_stack([t, _emg(n), _emg(n)])
    rec = read_recording(
        _write_csv(tmp_path / "r.csv", ["time_s", "EDC-R (uV)", "BIC-R (uV)"], rows)
    )
    assert rec.channels == ("EDC-R", "BIC-R")
    assert rec.rate_hz["EDC-R"] == pytest.approx(2000.0, rel=1e-6)
    assert rec.units == {"EDC-R": "uV", "BIC-R": "uV"}
    assert rec.modality == "emg"


def test_tsv_with_rate_and_channel_selection(tmp_path: Path) -> None:
    n = 1000 * 6
    rows = np.column_stack([_emg(n), _emg(n), _emg(n)])
    path = _write_csv(tmp_path / "r.tsv", ["EMG1", "EMG2", "EMG3"], rows, sep="\t")
    rec = read_recording(path, rate_hz=1000.0, channels=["EMG3", "EMG1"])
    assert rec.channels == ("EMG3", "EMG1")
    assert np.allclose(rec.data["EMG1"], rows[:, 0], rtol=1e-5)


def test_csv_accelerometer_and_ecg_other_channel(tmp_path: Path) -> None:
    n = 100 * 10
    rows = np.column_stack(
        [RNG.normal(0, 0.05, n) + 1.0, RNG.normal(0, 0.05, n), RNG.normal(0, 0.05, n)]
    )
    rec = read_recording(
        _write_csv(tmp_path / "a.csv", ["acc_x", "acc_y", "acc_z"], rows), rate_hz=100
    )
    assert rec.modality == "acc"
    assert set(rec.units.values()) == {"g"}
    n = 1000 * 6
    rows = np.column_stack([_emg(n), _emg(n)])
    rec = read_recording(_write_csv(tmp_path / "e.csv", ["EDC-R", "ECG"], rows), rate_hz=1000)
    assert rec.channels == ("EDC-R",)
    assert rec.other_channels == ("ECG",)


def test_npy_and_npz(tmp_path: Path) -> None:
    arr = np.stack([_emg(12_000), _emg(12_000)])
    np.save(tmp_path / "r.npy", arr)
    rec = read_recording(tmp_path / "r.npy", rate_hz=2000, modality="emg")
    assert rec.channels == ("ch1", "ch2")
    np.save(tmp_path / "one.npy", arr[0])
    assert read_recording(tmp_path / "one.npy", rate_hz=2000, modality="emg").channels == ("ch1",)
    np.savez(tmp_path / "r.npz", emg=arr, rate_hz=2000.0, channels=np.array(["EDC-R", "BIC-R"]))
    rec = read_recording(tmp_path / "r.npz", modality="emg")
    assert rec.channels == ("EDC-R", "BIC-R")
    assert rec.rate_hz["BIC-R"] == 2000.0


def test_edf_with_two_rates_is_grouped(tmp_path: Path) -> None:
    import edfio

    emg = edfio.EdfSignal(_emg(2000 * 10), 2000, label="EDC-R", physical_dimension="uV")
    acc = [
        edfio.EdfSignal(
            RNG.normal(0, 0.05, 1000) + (1.0 if ax == "x" else 0.0),
            100,
            label=f"acc_{ax}",
            physical_dimension="g",
            physical_range=(-8, 8),
        )
        for ax in "xyz"
    ]
    edfio.Edf([emg, *acc]).write(tmp_path / "mixed.edf")
    rec = read_recording(tmp_path / "mixed.edf", channels=["acc_x", "acc_y", "acc_z"])
    assert rec.modality == "acc"
    assert rec.rate_hz["acc_x"] == 100.0
    edfio.Edf(
        [emg, edfio.EdfSignal(_emg(1000 * 10), 1000, label="BIC-R", physical_dimension="uV")]
    ).write(tmp_path / "emg.edf")
    rec = read_recording(tmp_path / "emg.edf")
    groups = rec.rate_groups()
    assert set(groups) == {2000.0, 1000.0}
    assert groups[2000.0][0] == ("EDC-R",)
    assert groups[1000.0][1].shape == (1, 10_000)


def test_bdf(tmp_path: Path) -> None:
    import edfio

    sig = edfio.BdfSignal(_emg(1000 * 6), 1000, label="TA-L", physical_dimension="uV")
    edfio.Bdf([sig]).write(tmp_path / "r.bdf")
    rec = read_recording(tmp_path / "r.bdf")
    assert rec.channels == ("TA-L",)
    assert rec.modality == "emg"


def test_infer_modality() -> None:
    assert infer_modality({"a": "emg", "b": "other"}) == "emg"
    assert infer_modality({"x": "acc"}) == "acc"


# ---------------------------------------------------------------------------------------------
# error paths: each names the file, the channel where there is one, and what to do
# ---------------------------------------------------------------------------------------------


def _csv(
    tmp_path: Path, header: list[str], columns: list[np.ndarray], name: str = "bad.csv"
) -> Path:
    return _write_csv(tmp_path / name, header, np.column_stack(columns))


def test_unknown_extension(tmp_path: Path) -> None:
    (tmp_path / "r.xlsx").write_text("x")
    with pytest.raises(SignalError, match=r"r\.xlsx: unknown file type '\.xlsx'.*Convert"):
        read_recording(tmp_path / "r.xlsx")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SignalError, match="no such file"):
        read_recording(tmp_path / "nope.csv")


def test_missing_rate(tmp_path: Path) -> None:
    path = _csv(tmp_path, ["EMG"], [_emg(6000)])
    with pytest.raises(SignalError, match=r"bad\.csv: the sampling rate is unknown; pass --rate"):
        read_recording(path)
    np.save(tmp_path / "r.npy", _emg(6000))
    with pytest.raises(SignalError, match="pass --rate"):
        read_recording(tmp_path / "r.npy")


def test_rate_disagrees_with_time_column(tmp_path: Path) -> None:
    t = np.arange(6000) / 1000.0
    path = _csv(tmp_path, ["time_s", "EMG"], [t, _emg(6000)])
    with pytest.raises(SignalError, match="disagrees"):
        read_recording(path, rate_hz=2000)


def test_irregular_time_column(tmp_path: Path) -> None:
    t = np.arange(6000) / 1000.0
    t[3000:] += 0.0005
    path = _csv(tmp_path, ["time_s", "EMG"], [t, _emg(6000)])
    with pytest.raises(SignalError, match=r"irregular.*Resample"):
        read_recording(path)


@pytest.mark.parametrize(
    ("modality", "rate", "header", "message"),
    [
        ("emg", 250.0, "EDC-R", r"channel 'EDC-R' is sampled at 250 Hz, below the 500 Hz"),
        ("acc", 20.0, "acc_x", r"channel 'acc_x' is sampled at 20 Hz, below the 25 Hz"),
    ],
)
def test_rate_too_low(
    tmp_path: Path, modality: str, rate: float, header: str, message: str
) -> None:
    path = _csv(tmp_path, [header], [_emg(int(rate * 10))])
    with pytest.raises(SignalError, match=message):
        read_recording(path, rate_hz=rate, modality=modality)


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "e.csv").write_text("# nothing\n")
    with pytest.raises(SignalError, match=r"e\.csv: the file is empty"):
        read_recording(tmp_path / "e.csv", rate_hz=1000)


def test_empty_channel(tmp_path: Path) -> None:
    np.savez(tmp_path / "r.npz", EMG=np.zeros(0), EMG2=_emg(6000))
    with pytest.raises(SignalError, match=r"channel 'EMG' is empty.*--channels"):
        read_recording(tmp_path / "r.npz", rate_hz=1000, modality="emg")


def test_all_nan_channel(tmp_path: Path) -> None:
    path = tmp_path / "nan.csv"
    path.write_text("EDC-R,BIC-R\n" + "".join(f"{v},\n" for v in _emg(6000)))
    with pytest.raises(SignalError, match=r"nan\.csv: channel 'BIC-R' holds only NaN"):
        read_recording(path, rate_hz=1000)


def test_constant_channel(tmp_path: Path) -> None:
    path = _csv(tmp_path, ["EDC-R", "BIC-R"], [_emg(6000), np.full(6000, 3.0)])
    with pytest.raises(SignalError, match=r"channel 'BIC-R' is constant.*Drop it"):
        read_recording(path, rate_hz=1000)


def test_too_short(tmp_path: Path) -> None:
    path = _csv(tmp_path, ["EMG"], [_emg(2000)])
    with pytest.raises(SignalError, match=r"lasts 2\.00 s; at least 5 s"):
        read_recording(path, rate_hz=1000)


def test_ambiguous_modality(tmp_path: Path) -> None:
    path = _csv(tmp_path, ["sig1", "sig2"], [_emg(6000), _emg(6000)])
    with pytest.raises(SignalError, match=r"cannot tell the modality.*--modality emg"):
        read_recording(path, rate_hz=1000)
    path = _csv(tmp_path, ["EMG", "acc_x"], [_emg(6000), _emg(6000)], name="mixed.csv")
    with pytest.raises(SignalError, match="both EMG and accelerometer"):
        read_recording(path, rate_hz=1000)


def test_bad_modality_and_rate_values(tmp_path: Path) -> None:
    path = _csv(tmp_path, ["EMG"], [_emg(6000)])
    with pytest.raises(SignalError, match="Did you mean 'emg'"):
        read_recording(path, rate_hz=1000, modality="emgg")
    with pytest.raises(SignalError, match="positive number"):
        read_recording(path, rate_hz=-5)


def test_unknown_channel(tmp_path: Path) -> None:
    path = _csv(tmp_path, ["EDC-R", "BIC-R"], [_emg(6000), _emg(6000)])
    with pytest.raises(SignalError, match=r"no channel 'EDC_R'.*Did you mean 'EDC-R'"):
        read_recording(path, rate_hz=1000, channels=["EDC_R"])


def test_malformed_csv(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("EMG,EMG2\n1,2\n3\n")
    with pytest.raises(SignalError, match="line 3 has 1 fields"):
        read_recording(path, rate_hz=1000)
    path.write_text("EMG\n1\nabc\n")
    with pytest.raises(SignalError, match="non-numeric value 'abc' on line 3"):
        read_recording(path, rate_hz=1000)
    path.write_text("1,2\n3,4\n")
    with pytest.raises(SignalError, match="not a header"):
        read_recording(path, rate_hz=1000)


def test_unreadable_edf_and_npy(tmp_path: Path) -> None:
    (tmp_path / "x.edf").write_bytes(b"not an edf")
    with pytest.raises(SignalError, match=r"x\.edf: cannot read it as EDF"):
        read_recording(tmp_path / "x.edf")
    (tmp_path / "x.npy").write_bytes(b"junk")
    with pytest.raises(SignalError, match=r"x\.npy: cannot read it as a NumPy file"):
        read_recording(tmp_path / "x.npy", rate_hz=1000)
    np.save(tmp_path / "cube.npy", np.zeros((2, 2, 2)))
    with pytest.raises(SignalError, match="shape"):
        read_recording(tmp_path / "cube.npy", rate_hz=1000)


def test_recording_is_frozen() -> None:
    rec = Recording("f", {"a": np.ones(3)}, {"a": 1.0}, {"a": ""}, "emg")
    with pytest.raises(AttributeError):
        rec.file = "g"  # type: ignore[misc]
