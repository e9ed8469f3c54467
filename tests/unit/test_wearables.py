"""Wearable raw files (.cwa, .gt3x, .bin) through actfast: known signals in, the same signals out.

The files are written by ``tests/wearable_files.py`` from the published formats, with a
simulated accelerometer, so every test knows what the reader must return.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from myoscope.errors import SignalError
from myoscope.signals import simulate_accelerometer
from myoscope.signals.io import SUPPORTED_EXTENSIONS, read_recording
from myoscope.signals.wearables import CHANNELS, WearableRecording, read_wearable
from wearable_files import (
    CWA_BLOCK,
    CWA_HEADER,
    GENEACTIV_PAGE,
    cwa_quantum_g,
    write_cwa,
    write_geneactiv,
    write_gt3x,
)

AXES = list(CHANNELS)
GT3X_OR_BIN_QUANTUM = 0.5 / 256.0 + 1e-6
"""Largest rounding error of the GT3X and GENEActiv writers (1/256 g per count), in g."""


@pytest.fixture(scope="module")
def signal() -> npt.NDArray[np.float64]:
    sig, _ = simulate_accelerometer(30, 100.0, jerks=6, seed=5)
    return sig


def xyz(read: WearableRecording) -> npt.NDArray[np.float64]:
    return np.stack([read.data[c] for c in AXES])


def note_with(read: WearableRecording | tuple[str, ...], text: str) -> str:
    notes = read.notes if isinstance(read, WearableRecording) else read
    found = [n for n in notes if text in n]
    assert found, f"no note mentions {text!r}: {notes}"
    return found[0]


# --------------------------------------------------------------------------------------------
# Axivity .cwa
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("packed", "fractional"), [(True, True), (False, True), (True, False), (False, False)]
)
def test_cwa_returns_the_written_signal(
    tmp_path: Path, signal: npt.NDArray[np.float64], packed: bool, fractional: bool
) -> None:
    path = write_cwa(tmp_path / "wrist.cwa", signal, packed=packed, fractional=fractional)
    read = read_wearable(path, "cwa")
    per_block = 120 if packed else 80
    n = signal.shape[1] // per_block * per_block
    assert read.rate_hz == 100.0
    assert list(read.data) == AXES
    assert all(x.dtype == np.float64 and x.shape == (n,) for x in read.data.values())
    assert np.abs(xyz(read) - signal[:, :n]).max() <= cwa_quantum_g(signal, packed=packed)
    assert read.device == "Axivity CWA (AX3)"
    assert "light" in note_with(read, "left out")
    assert "2026-03-02 09:30:00" in note_with(read, "device clock")
    assert not any("grid" in note for note in read.notes)  # regular: kept sample for sample


def test_cwa_through_read_recording_is_an_accelerometer_in_g(
    tmp_path: Path, signal: npt.NDArray[np.float64]
) -> None:
    rec = read_recording(write_cwa(tmp_path / "wrist.cwa", signal))
    assert rec.modality == "acc"
    assert rec.channels == tuple(AXES)
    assert rec.units == dict.fromkeys(AXES, "g")
    assert rec.rate_hz == dict.fromkeys(AXES, 100.0)
    assert rec.duration_s == pytest.approx(30.0)
    assert {".cwa", ".gt3x", ".bin"} <= set(SUPPORTED_EXTENSIONS)


def test_cwa_device_clock_sets_the_time_base(tmp_path: Path) -> None:
    # The device was set to 100 Hz but sampled at 99 Hz: a real AX3 is off by up to ~1 %.
    sig, _ = simulate_accelerometer(60, 100.0, jerks=10, seed=3)
    read = read_wearable(write_cwa(tmp_path / "slow.cwa", sig, true_rate_hz=99.0), "cwa")
    assert read.rate_hz == 100.0
    written = sig.shape[1] // 120 * 120
    assert len(read.data["acc_x"]) == pytest.approx(written * 100 / 99, abs=2)
    t = np.arange(len(read.data["acc_x"])) / 100.0
    expected = np.stack([np.interp(t * 99.0, np.arange(sig.shape[1]), axis) for axis in sig])
    assert np.abs(xyz(read) - expected).max() < 0.01
    assert "99.0" in note_with(read, "regular 100 Hz grid")


def test_cwa_missing_block_is_a_reported_gap(
    tmp_path: Path, signal: npt.NDArray[np.float64]
) -> None:
    read = read_wearable(write_cwa(tmp_path / "gap.cwa", signal, drop_blocks={5}), "cwa")
    x = xyz(read)
    assert x.shape == signal.shape  # the time the block covered is kept
    gap = note_with(read, "gap")
    assert "1 gap(s)" in gap
    assert "1.2 s in all" in gap
    assert "from 6.0 s" in gap
    quantum = cwa_quantum_g(signal)
    assert np.abs(x[:, :600] - signal[:, :600]).max() <= quantum
    assert np.abs(x[:, 720:] - signal[:, 720:]).max() <= quantum
    # inside the gap: a straight line between the samples either side, not the lost data
    ramp = np.linspace(x[0, 599], x[0, 720], 122)[1:-1]
    assert np.allclose(x[0, 600:720], ramp, atol=1e-9)


def test_cwa_damaged_block_is_skipped_and_reported(
    tmp_path: Path, signal: npt.NDArray[np.float64]
) -> None:
    path = write_cwa(tmp_path / "damaged.cwa", signal)
    raw = bytearray(path.read_bytes())
    raw[CWA_HEADER + 3 * CWA_BLOCK + 100] ^= 0xFF  # the checksum no longer adds up
    path.write_bytes(bytes(raw))
    read = read_wearable(path, "cwa")
    assert "checksum" in note_with(read, "1 damaged part(s) of the file skipped")
    assert "1 gap(s)" in note_with(read, "gap")
    assert xyz(read).shape == signal.shape


def test_cwa_blocks_out_of_order_drop_the_overlap(
    tmp_path: Path, signal: npt.NDArray[np.float64]
) -> None:
    path = write_cwa(tmp_path / "swapped.cwa", signal)
    raw = bytearray(path.read_bytes())
    a = CWA_HEADER + 3 * CWA_BLOCK
    b = a + CWA_BLOCK
    raw[a:b], raw[b : b + CWA_BLOCK] = raw[b : b + CWA_BLOCK], raw[a:b]
    path.write_bytes(bytes(raw))
    read = read_wearable(path, "cwa")
    assert note_with(read, "went backwards").startswith("120 sample(s)")
    assert "1 gap(s)" in note_with(read, "gap")
    x = xyz(read)
    assert x.shape == signal.shape
    assert np.abs(x[:, 480:] - signal[:, 480:]).max() <= cwa_quantum_g(signal)


def test_cwa_cut_inside_a_block_keeps_the_whole_blocks(
    tmp_path: Path, signal: npt.NDArray[np.float64]
) -> None:
    path = write_cwa(tmp_path / "cut.cwa", signal)
    path.write_bytes(path.read_bytes()[: CWA_HEADER + 10 * CWA_BLOCK + 200])
    read = read_wearable(path, "cwa")
    assert xyz(read).shape == (3, 1200)
    assert "200 bytes" in note_with(read, "ends inside a data block")


def test_ax6_gyroscope_is_left_out(tmp_path: Path, signal: npt.NDArray[np.float64]) -> None:
    read = read_wearable(write_cwa(tmp_path / "ax6.cwa", signal, ax6=True), "cwa")
    assert read.device == "Axivity CWA (AX6)"
    assert list(read.data) == AXES
    assert np.abs(xyz(read) - signal).max() <= 0.5 / 2048 + 1e-6
    assert "gyroscope" in note_with(read, "left out")


def test_a_rate_given_by_the_user_is_ignored_with_a_note(
    tmp_path: Path, signal: npt.NDArray[np.float64]
) -> None:
    rec = read_recording(write_cwa(tmp_path / "wrist.cwa", signal), rate_hz=50.0)
    assert rec.rate_hz["acc_x"] == 100.0
    note_with(rec.notes, "--rate 50 Hz ignored")


def test_a_file_of_another_supported_format_is_read_with_a_note(
    tmp_path: Path, signal: npt.NDArray[np.float64]
) -> None:
    path = tmp_path / "wrist.bin"
    path.write_bytes(write_cwa(tmp_path / "wrist.cwa", signal).read_bytes())
    read = read_wearable(path, "bin")
    assert ".cwa" in note_with(read, "holds Axivity CWA data")
    assert xyz(read).shape == signal.shape


# --------------------------------------------------------------------------------------------
# ActiGraph .gt3x and GENEActiv .bin
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [100, 30])
def test_gt3x_returns_the_written_signal(tmp_path: Path, rate: int) -> None:
    sig, _ = simulate_accelerometer(20, float(rate), jerks=4, seed=rate)
    read = read_wearable(write_gt3x(tmp_path / "hip.gt3x", sig, rate_hz=rate), "gt3x")
    assert read.rate_hz == rate
    assert read.device == "Actigraph GT3X"
    assert np.abs(xyz(read) - sig).max() <= GT3X_OR_BIN_QUANTUM
    assert not any("grid" in note for note in read.notes)


def test_gt3x_idle_sleep_seconds_are_a_reported_gap(
    tmp_path: Path, signal: npt.NDArray[np.float64]
) -> None:
    path = write_gt3x(tmp_path / "idle.gt3x", signal, skip_seconds={10, 11, 12})
    read = read_wearable(path, "gt3x")
    assert "3.0 s in all" in note_with(read, "1 gap(s)")
    x = xyz(read)
    assert x.shape == signal.shape
    assert np.abs(x[:, 1300:] - signal[:, 1300:]).max() <= GT3X_OR_BIN_QUANTUM


@pytest.mark.parametrize("rate", [100.0, 50.0])
def test_geneactiv_returns_the_written_signal(tmp_path: Path, rate: float) -> None:
    sig, _ = simulate_accelerometer(30, rate, jerks=4, seed=int(rate))
    read = read_wearable(write_geneactiv(tmp_path / "wrist.bin", sig, rate_hz=rate), "bin")
    n = sig.shape[1] // GENEACTIV_PAGE * GENEACTIV_PAGE
    assert read.rate_hz == rate
    assert read.device == "GeneActiv BIN"
    assert np.abs(xyz(read) - sig[:, :n]).max() <= GT3X_OR_BIN_QUANTUM
    assert "button state" in note_with(read, "left out")


def test_geneactiv_cut_short_is_reported(tmp_path: Path, signal: npt.NDArray[np.float64]) -> None:
    path = write_geneactiv(tmp_path / "cut.bin", signal)
    text = path.read_bytes()
    path.write_bytes(text[: len(text) // 2])
    read = read_wearable(path, "bin")
    note_with(read, "the header announces 10 pages but 5 were read")
    note_with(read, "the last page holds")


def test_geneactiv_missing_page_is_a_reported_gap(
    tmp_path: Path, signal: npt.NDArray[np.float64]
) -> None:
    read = read_wearable(write_geneactiv(tmp_path / "gap.bin", signal, skip_pages={4}), "bin")
    assert "3.0 s in all" in note_with(read, "1 gap(s)")
    assert xyz(read).shape == signal.shape


# --------------------------------------------------------------------------------------------
# unusable files
# --------------------------------------------------------------------------------------------


def _one_line_error(path: Path) -> str:
    with pytest.raises(SignalError) as info:
        read_recording(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path.name}: ")
    return message


@pytest.mark.parametrize("ext", [".cwa", ".gt3x", ".bin"])
def test_garbage_with_a_wearable_extension(tmp_path: Path, ext: str) -> None:
    path = tmp_path / f"noise{ext}"
    path.write_bytes(np.random.default_rng(1).bytes(4096))
    message = _one_line_error(path)
    assert "cannot read it as" in message
    assert "copy it from the device again" in message


@pytest.mark.parametrize("ext", [".cwa", ".gt3x", ".bin"])
def test_empty_wearable_file(tmp_path: Path, ext: str) -> None:
    path = tmp_path / f"empty{ext}"
    path.write_bytes(b"")
    assert "the file is empty" in _one_line_error(path)


def test_cwa_cut_inside_its_header(tmp_path: Path, signal: npt.NDArray[np.float64]) -> None:
    path = write_cwa(tmp_path / "cut.cwa", signal)
    path.write_bytes(path.read_bytes()[:700])
    assert "cannot read it as an Axivity .cwa file" in _one_line_error(path)


def test_cwa_with_a_header_and_no_block(tmp_path: Path, signal: npt.NDArray[np.float64]) -> None:
    path = write_cwa(tmp_path / "header.cwa", signal)
    path.write_bytes(path.read_bytes()[:CWA_HEADER])
    assert "no accelerometer samples could be read" in _one_line_error(path)


def test_cwa_whose_blocks_are_all_damaged(tmp_path: Path) -> None:
    path = tmp_path / "blocks.cwa"
    path.write_bytes(b"MD" + bytes(CWA_HEADER - 2) + np.random.default_rng(2).bytes(4 * 512))
    message = _one_line_error(path)
    assert "no accelerometer samples could be read" in message
    assert "expected 'AX'" in message


def test_gt3x_cut_short(tmp_path: Path, signal: npt.NDArray[np.float64]) -> None:
    path = write_gt3x(tmp_path / "cut.gt3x", signal)
    path.write_bytes(path.read_bytes()[:-40])  # the ZIP directory is at the end
    assert "cannot read it as an ActiGraph .gt3x file" in _one_line_error(path)


def test_too_short_a_wearable_recording(tmp_path: Path) -> None:
    sig, _ = simulate_accelerometer(3, 100.0, seed=1)
    message = _one_line_error(write_gt3x(tmp_path / "short.gt3x", sig))
    assert "at least 5 s" in message


def test_a_geneactiv_page_that_makes_the_decoder_panic(
    tmp_path: Path, signal: npt.NDArray[np.float64]
) -> None:
    # actfast 1.3.0 panics (PanicException, a BaseException) on a "Page Time" line without a
    # value; the reader turns that into the usual one-line error.
    path = write_geneactiv(tmp_path / "panic.bin", signal)
    text = path.read_text()
    path.write_text(text.replace("Page Time:2026-03-02 09:30:03:000", "Page Time", 1), newline="")
    assert "the decoder stopped on malformed data" in _one_line_error(path)


def test_gt3x_without_raw_samples(tmp_path: Path, signal: npt.NDArray[np.float64]) -> None:
    path = write_gt3x(tmp_path / "epochs.gt3x", signal, skip_seconds=range(30))
    message = _one_line_error(path)
    assert "no accelerometer samples could be read" in message
    assert "export raw data" in message
