"""Synthetic recording files for the recordings-in-the-diary tests (simulated EMG, known truth)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import numpy as np

from myoscope.signals import simulate_emg

BURSTS_S = (5.0, 9.0, 14.0, 100.0, 104.0)
"""Burst onsets: two groups (three bursts, then two) with a pause of more than a minute."""


def write_emg_csv(
    path: Path, *, duration_s: float = 120.0, bursts: Sequence[float] = BURSTS_S, seed: int = 1
) -> Path:
    """Write one EMG channel (uV, 1 kHz) with bursts at ``bursts`` as CSV with a time_s column."""
    sim = simulate_emg(
        duration_s,
        1000.0,
        channels=("EDC-R",),
        bursts=list(bursts),
        burst_durations_ms=(40.0, 80.0),
        amplitude_uv=(500.0, 800.0),
        silent_periods=0,
        seed=seed,
    )
    t = np.arange(sim.signal.shape[1]) / sim.rate_hz
    np.savetxt(
        path,
        np.column_stack([t, sim.signal.T]),
        delimiter=",",
        header="time_s,EDC-R (uV)",
        comments="",
        fmt=["%.4f", "%.3f"],
    )
    return path


def write_emg_edf(
    path: Path,
    start: datetime | None,
    *,
    duration_s: float = 60.0,
    bursts: Sequence[float] = (5.0, 9.0),
) -> Path:
    """Write one EMG channel as EDF; ``start`` (naive, local) goes in the header, or none."""
    import edfio

    sim = simulate_emg(
        duration_s,
        1000.0,
        channels=("EDC-R",),
        bursts=list(bursts),
        burst_durations_ms=(40.0, 80.0),
        amplitude_uv=(500.0, 800.0),
        seed=2,
    )
    signal = edfio.EdfSignal(
        sim.signal[0], sampling_frequency=1000.0, label="EMG EDC-R", physical_dimension="uV"
    )
    if start is None:
        edf = edfio.Edf([signal])
    else:
        edf = edfio.Edf(
            [signal],
            starttime=start.time().replace(microsecond=0),
            recording=edfio.Recording(startdate=start.date()),
        )
    edf.write(path)
    return path
