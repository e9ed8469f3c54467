"""The recording figure: written, windowed, decimated and every bad request refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from myoscope.errors import UserError
from myoscope.plots.signals import (
    MAX_POINTS,
    check_image_path,
    envelope,
    plot_recording,
    plot_window,
)
from myoscope.services.recordings import analyse_recording
from myoscope.signals import simulate_accelerometer, simulate_emg
from myoscope.signals.io import Recording, open_recording

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def emg(tmp_path_factory: pytest.TempPathFactory) -> tuple[Recording, dict[str, Any]]:
    sim = simulate_emg(
        40.0, 1000.0, channels=("EDC-R", "BIC-R"), bursts=12, silent_periods=2, seed=5
    )
    path = tmp_path_factory.mktemp("plot") / "emg.npz"
    np.savez(path, signal=sim.signal, rate_hz=1000.0, channels=np.array(sim.channels))
    return open_recording(path), analyse_recording(path)


def test_emg_figure_is_a_png(emg: tuple[Recording, dict[str, Any]], tmp_path: Path) -> None:
    recording, result = emg
    assert any(e["kind"] == "positive" for e in result["events"])
    out = plot_recording(recording, result, out=tmp_path / "emg.png")
    data = out.read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert len(data) > 20_000


@pytest.mark.parametrize("ext", [".svg", ".pdf"])
def test_vector_formats(emg: tuple[Recording, dict[str, Any]], tmp_path: Path, ext: str) -> None:
    recording, result = emg
    out = plot_recording(recording, result, start_s=10, duration_s=5, out=tmp_path / f"f{ext}")
    assert out.stat().st_size > 5_000


def test_accelerometer_figure(tmp_path: Path) -> None:
    signal, _ = simulate_accelerometer(30.0, 100.0, jerks=6, channel="wrist", seed=2)
    path = tmp_path / "acc.npz"
    np.savez(
        path, signal=signal, rate_hz=100.0, channels=np.array(["wrist_x", "wrist_y", "wrist_z"])
    )
    recording, result = open_recording(path), analyse_recording(path)
    out = plot_recording(recording, result, out=tmp_path / "acc.png")
    assert out.read_bytes().startswith(PNG_MAGIC)


def test_window_defaults_to_30_s_and_is_cut_at_the_end() -> None:
    assert plot_window(40.0) == (0.0, 30.0)
    assert plot_window(40.0, 25.0) == (25.0, 40.0)
    assert plot_window(40.0, 5.0, 2.5) == (5.0, 7.5)
    assert plot_window(12.0) == (0.0, 12.0)


@pytest.mark.parametrize(
    ("start", "duration", "words"),
    [
        (40.0, None, "beyond the recording"),
        (99.0, 5.0, "beyond the recording"),
        (-1.0, None, "0 s or more"),
        (0.0, 0.0, "positive duration"),
        (0.0, -3.0, "positive duration"),
        (float("nan"), None, "invalid"),
    ],
)
def test_bad_windows_are_user_errors(start: float, duration: float | None, words: str) -> None:
    with pytest.raises(UserError, match=words):
        plot_window(40.0, start, duration, file="emg.npz")


@pytest.mark.parametrize("name", ["x.jpg", "x", "x.png.txt"])
def test_unknown_image_types(name: str) -> None:
    with pytest.raises(UserError, match=r"\.png, \.svg or \.pdf"):
        check_image_path(Path(name))


def test_unwritable_output_is_a_user_error(
    emg: tuple[Recording, dict[str, Any]], tmp_path: Path
) -> None:
    recording, result = emg
    with pytest.raises(UserError, match="Cannot write"):
        plot_recording(recording, result, out=tmp_path / "missing" / "x.png")


def test_envelope_keeps_short_traces_and_extremes_of_long_ones() -> None:
    t = np.arange(1000) / 100.0
    x = np.sin(t)
    assert envelope(t, x)[1] is x
    rng = np.random.default_rng(0)
    n = 5 * MAX_POINTS + 7
    t = np.arange(n) / 2000.0
    x = rng.normal(size=n)
    x[12_345] = 50.0
    te, xe = envelope(t, x)
    assert len(xe) <= MAX_POINTS + 2
    assert len(te) == len(xe)
    assert xe.max() == 50.0
    assert xe.min() == x.min()
    assert np.all(np.diff(te) >= 0)
