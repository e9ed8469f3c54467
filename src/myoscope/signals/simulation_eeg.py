"""Synthetic EEG with jerk-locked potentials, and the EMG of the same jerks, with ground truth.

For testing :func:`myoscope.signals.backaverage.jerk_locked_average` end to end
(``detect_emg`` -> jerk onsets -> back-average). Per EEG channel::

    eeg(t) = background(t) + w_c * sum_k spike(t - s_k) + movement(t) + n(t)

- ``background``: 1/f ("pink") noise plus an alpha rhythm (8-12 Hz, slowly waxing and waning),
  independent per channel, scaled to ``background_uv`` RMS;
- ``spike`` (``cortical`` scenario only): a positive Gaussian peak (SD 5 ms) at ``s_k``, the
  EMG onset of jerk ``k`` minus ``spike_latency_ms`` (plus a small jitter), followed 14 ms
  later by a negative one (SD 8 ms, 40 % of the height): the positive-negative pre-myoclonic
  spike of cortical myoclonus (research/signals.md section 1.5), ``spike_uv`` high and well
  below the background, so that only averaging reveals it; ``w_c`` weights the channels
  (the first channel carries it fully, the others at 25 % by default: a focal generator);
- ``movement``: an optional slow jerk-locked deflection after the onset (Gaussian at +60 ms,
  SD 15 ms), as a movement artefact would give;
- ``n``: white amplifier noise.

The EMG comes from :func:`myoscope.signals.simulation.simulate_emg` with the same onsets:
short bursts (15-45 ms) for the cortical scenario and longer ones (60-150 ms) otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import signal as sps

from myoscope.errors import SignalError
from myoscope.signals._checks import (
    FloatArray,
    channel_names,
    check_option,
    check_positive,
    check_rate,
)
from myoscope.signals.simulation import SimulatedEMG, simulate_emg

__all__ = ["SimulatedEEGJerks", "simulate_eeg_with_jerks"]

_EDGE_S = 1.0  # no jerk in the first or last second
_POSITIVE_SD_MS = 5.0
_NEGATIVE_SD_MS = 8.0
_NEGATIVE_DELAY_MS = 14.0
_NEGATIVE_SHARE = 0.4
_MOVEMENT_MS = 60.0
_MOVEMENT_SD_MS = 15.0
_ALPHA_SHARE = 0.3  # share of the background power in the alpha rhythm
_BURSTS_MS = {"cortical": (15.0, 45.0), "non-cortical": (60.0, 150.0)}


@dataclass(frozen=True)
class SimulatedEEGJerks:
    """A synthetic EEG + EMG recording of jerks and its ground truth.

    Parameters
    ----------
    eeg : ndarray, shape (n_eeg_channels, n_samples), float64
        EEG in uV.
    eeg_channels : tuple of str
        EEG channel names.
    emg : SimulatedEMG
        The EMG (uV) of the same jerks at the same rate and length, with its ground truth.
    rate_hz : float
        Sampling rate in Hz.
    onsets_s : ndarray
        True EMG onsets of the jerks in s (half-amplitude points), sorted.
    spike_times_s : ndarray
        Time of each planted positive spike peak in s (empty for ``non-cortical``).
    scenario : {"cortical", "non-cortical"}
        Whether spikes precede the jerks.
    params : dict
        The generator settings.
    """

    eeg: FloatArray
    eeg_channels: tuple[str, ...]
    emg: SimulatedEMG
    rate_hz: float
    onsets_s: FloatArray
    spike_times_s: FloatArray
    scenario: str
    params: dict[str, Any] = field(default_factory=dict)


def _onsets(
    count: int, duration_s: float, min_interval_s: float, rng: np.random.Generator
) -> FloatArray:
    """Random onsets at least ``min_interval_s`` apart, away from the edges."""
    if count < 0:
        raise SignalError(f"'jerks' must not be negative, got {count}.")
    span = duration_s - 2 * _EDGE_S
    free = span - min_interval_s * max(count - 1, 0)
    if free < 0:
        raise SignalError(
            f"{count} jerks at least {min_interval_s * 1e3:g} ms apart do not fit in "
            f"{duration_s:g} s: lengthen the recording or ask for fewer jerks."
        )
    slack = np.sort(rng.uniform(0.0, free, count))
    out: FloatArray = _EDGE_S + slack + min_interval_s * np.arange(count)
    return out


def _background(n: int, rate_hz: float, rng: np.random.Generator) -> FloatArray:
    """Unit-RMS 1/f noise plus an alpha rhythm."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1.0 / rate_hz)
    spectrum[1:] /= np.sqrt(f[1:])  # power falls as 1/f
    spectrum[0] = 0.0
    pink = np.fft.irfft(spectrum, n)
    pink /= np.sqrt(np.mean(pink * pink))
    sos = sps.butter(2, (8.0, 12.0), btype="bandpass", fs=rate_hz, output="sos")
    warm = int(rate_hz)
    alpha = sps.sosfilt(sos, rng.standard_normal(n + warm))[warm:]
    t = np.arange(n) / rate_hz
    alpha *= 1.0 + 0.5 * np.sin(2 * np.pi * rng.uniform(0.05, 0.2) * t + rng.uniform(0, 2 * np.pi))
    alpha /= np.sqrt(np.mean(alpha * alpha))
    out: FloatArray = np.sqrt(1.0 - _ALPHA_SHARE) * pink + np.sqrt(_ALPHA_SHARE) * alpha
    return out


def _add_gaussians(
    out: FloatArray, rate_hz: float, centres_s: FloatArray, sd_ms: float, height: float
) -> None:
    """Add a Gaussian of the given height and SD at each centre (vectorised, 5 SD wide)."""
    half = int(np.ceil(5 * sd_ms * 1e-3 * rate_hz))
    k = np.arange(-half, half + 1)
    base = np.round(centres_s * rate_hz).astype(np.intp)
    idx = base[:, None] + k[None, :]
    dt_ms = (idx / rate_hz - centres_s[:, None]) * 1e3
    values = height * np.exp(-0.5 * (dt_ms / sd_ms) ** 2)
    inside = (idx >= 0) & (idx < len(out))
    np.add.at(out, idx[inside], values[inside])


def simulate_eeg_with_jerks(
    duration_s: float = 120.0,
    rate_hz: float = 1000.0,
    *,
    jerks: int | Sequence[float] = 150,
    scenario: str = "cortical",
    eeg_channels: int | Sequence[str] = ("C3", "C4"),
    emg_channels: int | Sequence[str] = ("EDC-R",),
    spike_uv: float = 10.0,
    spike_latency_ms: float = 20.0,
    spike_jitter_ms: float = 1.5,
    spike_weights: Sequence[float] | None = None,
    background_uv: float = 20.0,
    movement_uv: float = 0.0,
    noise_uv: float = 1.0,
    min_interval_ms: float = 400.0,
    burst_durations_ms: tuple[float, float] | None = None,
    amplitude_uv: float | tuple[float, float] = (200.0, 600.0),
    seed: int = 0,
) -> SimulatedEEGJerks:
    """Simulate EEG and EMG of myoclonic jerks, with or without a preceding cortical spike.

    Parameters
    ----------
    duration_s : float
        Recording length in s (at least 3 s).
    rate_hz : float
        Sampling rate of EEG and EMG in Hz (at least 200 Hz; 1000 Hz or more gives a
        realistic EMG).
    jerks : int or sequence of float
        Number of jerks placed at random (at least ``min_interval_ms`` apart), or their EMG
        onsets in s.
    scenario : {"cortical", "non-cortical"}
        ``cortical`` plants a spike before every jerk; ``non-cortical`` plants none.
    eeg_channels, emg_channels : int or sequence of str
        Number of channels or their names.
    spike_uv : float
        Height of the positive spike peak in uV on a channel of weight 1.
    spike_latency_ms : float
        How long before the EMG onset the positive peak lies, in ms.
    spike_jitter_ms : float
        SD in ms of the jerk-to-jerk variation of that latency.
    spike_weights : sequence of float, optional
        Spike weight per EEG channel (default 1 for the first channel, 0.25 for the others).
    background_uv : float
        RMS in uV of the background EEG (1/f noise and alpha), before filtering.
    movement_uv : float
        Height in uV of a jerk-locked deflection 60 ms after the onset (0 for none).
    noise_uv : float
        RMS in uV of white noise on every EEG channel.
    min_interval_ms : float
        Shortest interval between random jerk onsets, in ms.
    burst_durations_ms : (float, float), optional
        EMG burst durations drawn uniformly, in ms (default by scenario: 15-45 cortical,
        60-150 non-cortical).
    amplitude_uv : float or (float, float)
        EMG burst amplitude in uV.
    seed : int
        Seed of the random generator: the same seed gives the same recording.

    Returns
    -------
    SimulatedEEGJerks
        EEG (uV), the EMG with its ground truth, the true onsets and spike times.

    Raises
    ------
    SignalError
        Bad parameters, or jerks that do not fit in the recording.
    """
    check_option("scenario", scenario, ("cortical", "non-cortical"))
    duration = check_positive("duration_s", duration_s, unit="s")
    if duration < 3.0:
        raise SignalError(f"'duration_s' must be at least 3 s, got {duration_s!r}.")
    rate = check_rate(rate_hz, minimum_hz=200.0, what="simulated EEG and EMG")
    for name, value in (
        ("spike_uv", spike_uv),
        ("spike_jitter_ms", spike_jitter_ms),
        ("background_uv", background_uv),
        ("movement_uv", movement_uv),
        ("noise_uv", noise_uv),
        ("min_interval_ms", min_interval_ms),
    ):
        check_positive(name, value, allow_zero=True)
    check_positive("spike_latency_ms", spike_latency_ms, unit="ms")
    names = (
        channel_names(None, int(eeg_channels))
        if isinstance(eeg_channels, int)
        else channel_names(eeg_channels, len(eeg_channels))
    )
    if not names:
        raise SignalError("'eeg_channels' must name at least one channel.")
    weights = (
        np.array([1.0] + [0.25] * (len(names) - 1))
        if spike_weights is None
        else np.asarray(spike_weights, dtype=np.float64)
    )
    if weights.shape != (len(names),) or not np.all(np.isfinite(weights)):
        raise SignalError(
            f"'spike_weights' must give one finite weight per EEG channel ({len(names)}), got "
            f"{spike_weights!r}."
        )
    rng = np.random.default_rng([seed, 1000])
    if isinstance(jerks, int):
        onsets = _onsets(jerks, duration, min_interval_ms * 1e-3, rng)
    else:
        onsets = np.sort(np.asarray(jerks, dtype=np.float64))
        if onsets.ndim != 1 or not np.all(np.isfinite(onsets)):
            raise SignalError("'jerks' must be a number or a flat list of finite onsets in s.")
    durations = burst_durations_ms if burst_durations_ms is not None else _BURSTS_MS[scenario]
    emg = simulate_emg(
        duration,
        rate,
        channels=emg_channels,
        bursts=[float(o) for o in onsets],
        burst_durations_ms=durations,
        amplitude_uv=amplitude_uv,
        tonic_uv=5.0,
        noise_uv=2.0,
        seed=seed,
    )
    n = emg.signal.shape[1]
    spikes = np.zeros(n)
    spike_times = np.zeros(0)
    if scenario == "cortical" and len(onsets):
        spike_times = onsets - spike_latency_ms * 1e-3
        spike_times = spike_times + spike_jitter_ms * 1e-3 * rng.standard_normal(len(onsets))
        _add_gaussians(spikes, rate, spike_times, _POSITIVE_SD_MS, spike_uv)
        negative = spike_times + _NEGATIVE_DELAY_MS * 1e-3
        _add_gaussians(spikes, rate, negative, _NEGATIVE_SD_MS, -_NEGATIVE_SHARE * spike_uv)
    movement = np.zeros(n)
    if movement_uv > 0 and len(onsets):
        _add_gaussians(movement, rate, onsets + _MOVEMENT_MS * 1e-3, _MOVEMENT_SD_MS, movement_uv)
    eeg = np.empty((len(names), n))
    for c in range(len(names)):
        crng = np.random.default_rng([seed, 2000 + c])
        eeg[c] = background_uv * _background(n, rate, crng) + weights[c] * spikes + movement
        if noise_uv > 0:
            eeg[c] += noise_uv * crng.standard_normal(n)
    params = {
        "duration_s": duration,
        "rate_hz": rate,
        "scenario": scenario,
        "spike_uv": spike_uv,
        "spike_latency_ms": spike_latency_ms,
        "spike_jitter_ms": spike_jitter_ms,
        "spike_weights": [float(w) for w in weights],
        "spike_shape": (
            f"positive Gaussian (SD {_POSITIVE_SD_MS:g} ms), then a negative one "
            f"{_NEGATIVE_DELAY_MS:g} ms later (SD {_NEGATIVE_SD_MS:g} ms, "
            f"{_NEGATIVE_SHARE:.0%} of the height)"
        ),
        "background_uv": background_uv,
        "alpha_share": _ALPHA_SHARE,
        "movement_uv": movement_uv,
        "noise_uv": noise_uv,
        "min_interval_ms": min_interval_ms,
        "burst_durations_ms": list(durations),
        "seed": seed,
    }
    return SimulatedEEGJerks(
        eeg=eeg,
        eeg_channels=names,
        emg=emg,
        rate_hz=rate,
        onsets_s=onsets,
        spike_times_s=spike_times,
        scenario=scenario,
        params=params,
    )
