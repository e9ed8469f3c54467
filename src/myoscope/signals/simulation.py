"""Synthetic surface EMG with ground truth: bursts, tonic activity, silent periods, ECG, mains.

The model (research section 4.1) is, per channel::

    x(t) = A_burst(t) c_1(t) + A_tonic(t) g(t) c_2(t) + ecg(t) + hum(t) + n(t)

with ``c_1``, ``c_2`` independent unit-RMS Gaussian noises band-limited to 20-450 Hz (4th-order
Butterworth), ``A_burst`` a sum of burst envelopes, ``A_tonic`` a slowly varying tonic level,
``g`` the gain that drops to 0 in silent periods, an ECG-like QRS train (or a given ECG), a
50/60 Hz hum with its 3rd harmonic and white noise.

Duration definition
-------------------
Each burst envelope (and each silent-period dip of ``g``) has a flat part and raised-cosine
ramps of ``r = min(4 ms, D / 2)``. The duration ``D`` is the time between the **half-amplitude
points** of the envelope, so the envelope is non-zero over ``D + r``; ``onset_s`` and
``offset_s`` of the ground-truth events are those half-amplitude points and ``peak_s`` is the
middle. The amplitude of a burst is the plateau value of its envelope, i.e. the RMS (uV) of the
burst on its flat part.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import signal as sps

from myoscope.errors import SignalError
from myoscope.signals._checks import (
    FloatArray,
    channel_names,
    check_option,
    check_positive,
    check_rate,
)
from myoscope.signals.detection import Event

__all__ = ["RAMP_MS", "SimulatedEMG", "simulate_emg", "synthetic_ecg"]

RAMP_MS = 4.0
"""Length in ms of the raised-cosine ramps of burst and silent-period envelopes (research: 2-5 ms)."""

_MIN_GAP_MS = 250.0  # free time between the supports of two simulated events
_EDGE_S = 1.0  # no event starts in the first or ends in the last second


@dataclass(frozen=True)
class SimulatedEMG:
    """A synthetic recording and its ground truth.

    Parameters
    ----------
    signal : ndarray, shape (n_channels, n_samples), float64
        EMG in uV.
    rate_hz : float
        Sampling rate in Hz.
    channels : tuple of str
        Channel names.
    events : tuple of Event
        Ground truth: ``positive`` bursts and ``negative`` silent periods, sorted by onset.
    params : mapping
        The generator settings (including the heart rate actually drawn).
    """

    signal: FloatArray
    rate_hz: float
    channels: tuple[str, ...]
    events: tuple[Event, ...]
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        """Recording length in s."""
        return float(self.signal.shape[1] / self.rate_hz)

    def of(self, kind: str, channel: str | None = None) -> tuple[Event, ...]:
        """Return the ground-truth events of one kind, optionally of one channel."""
        check_option("kind", kind, ("positive", "negative"))
        return tuple(
            e for e in self.events if e.kind == kind and (channel is None or e.channel == channel)
        )


def _carrier(
    rng: np.random.Generator, n: int, rate_hz: float, band: tuple[float, float]
) -> FloatArray:
    sos = sps.butter(4, band, btype="bandpass", fs=rate_hz, output="sos")
    warm = int(rate_hz)  # discard the filter's start-up transient
    c: FloatArray = sps.sosfilt(sos, rng.standard_normal(n + warm))[warm:]
    c /= np.sqrt(np.mean(c * c))
    return c


def _envelope_into(
    out: FloatArray, rate_hz: float, onset_s: float, duration_s: float, amplitude: float
) -> None:
    """Add a plateau-with-raised-cosine-ramps envelope whose half-amplitude width is duration_s."""
    r = min(RAMP_MS * 1e-3, duration_s / 2.0)
    start = onset_s - r / 2.0
    stop = start + duration_s + r
    i0 = max(0, int(np.floor(start * rate_hz)))
    i1 = min(len(out), int(np.ceil(stop * rate_hz)) + 1)
    t = np.arange(i0, i1) / rate_hz
    rise = np.clip((t - start) / r, 0.0, 1.0)
    fall = np.clip((stop - t) / r, 0.0, 1.0)
    w = 0.5 * (1.0 - np.cos(np.pi * np.minimum(rise, fall)))
    out[i0:i1] += amplitude * w


def synthetic_ecg(
    n_samples: int,
    rate_hz: float,
    *,
    heart_rate_bpm: float,
    rng: np.random.Generator,
) -> FloatArray:
    """Return an ECG-like waveform (P-QRS-T as Gaussians) with R peaks of height 1.

    Parameters
    ----------
    n_samples : int
        Length in samples.
    rate_hz : float
        Sampling rate in Hz.
    heart_rate_bpm : float
        Mean heart rate in beats per minute; RR intervals vary by 3 % (SD).
    rng : numpy.random.Generator
        Random source.

    Returns
    -------
    ndarray, shape (n_samples,)
        Dimensionless; multiply by the R amplitude in uV.
    """
    # (centre ms relative to R, sigma ms, relative amplitude): P, Q, R, S, T.
    waves = (
        (-200.0, 25.0, 0.12),
        (-25.0, 6.0, -0.15),
        (0.0, 8.0, 1.0),
        (25.0, 7.0, -0.3),
        (260.0, 45.0, 0.3),
    )
    half = round(0.45 * rate_hz)
    tt = np.arange(-half, half + 1) / rate_hz * 1e3
    template = np.zeros_like(tt)
    for centre, sigma, amp in waves:
        template += amp * np.exp(-0.5 * ((tt - centre) / sigma) ** 2)
    rr = 60.0 / heart_rate_bpm
    n_beats = int(n_samples / rate_hz / rr) + 3
    times = np.cumsum(rr * (1.0 + 0.03 * rng.standard_normal(n_beats))) - rng.uniform(0, rr)
    idx = np.round(times * rate_hz).astype(np.intp) + half
    train = np.zeros(n_samples + 2 * half)
    idx = idx[(idx >= 0) & (idx < len(train))]
    np.add.at(train, idx, 1.0)
    ecg: FloatArray = sps.oaconvolve(train, template, mode="same")[half : half + n_samples]
    return ecg


def _durations(
    spec: tuple[float, float] | Sequence[float], count: int, rng: np.random.Generator, what: str
) -> FloatArray:
    """Durations in ms: a (low, high) tuple draws uniformly, a list gives them explicitly."""
    if isinstance(spec, tuple) and len(spec) == 2:
        low, high = float(spec[0]), float(spec[1])
        if not 0 < low <= high:
            raise SignalError(f"'{what}' range must satisfy 0 < low <= high ms, got {spec!r}.")
        return rng.uniform(low, high, count)
    values = np.asarray(list(spec), dtype=np.float64)
    if len(values) != count:
        raise SignalError(
            f"'{what}' lists {len(values)} durations for {count} events; give one per event "
            "or a (low, high) tuple in ms."
        )
    if np.any(~np.isfinite(values)) or np.any(values <= 0):
        raise SignalError(f"'{what}' must be positive durations in ms, got {list(spec)}.")
    return values


def _layout(
    durations_s: FloatArray, total_s: float, rng: np.random.Generator, ramp_s: FloatArray
) -> FloatArray:
    """Random non-overlapping onsets (half-amplitude points) for events of these durations."""
    n = len(durations_s)
    if n == 0:
        return np.zeros(0)
    support = durations_s + ramp_s
    gap = _MIN_GAP_MS * 1e-3
    free = total_s - 2 * _EDGE_S - support.sum() - gap * (n - 1)
    if free < 0:
        raise SignalError(
            f"{n} events totalling {support.sum():.2f} s do not fit in {total_s:g} s with "
            f"{_MIN_GAP_MS:g} ms between them: lengthen the recording or ask for fewer events."
        )
    slack = np.sort(rng.uniform(0.0, free, n))
    before = np.concatenate(([0.0], np.cumsum(support[:-1] + gap)))
    starts: FloatArray = _EDGE_S + slack + before
    return starts + ramp_s / 2.0


def simulate_emg(
    duration_s: float,
    rate_hz: float = 2000.0,
    *,
    channels: int | Sequence[str] = 1,
    bursts: int | Sequence[float] = 20,
    burst_durations_ms: tuple[float, float] | Sequence[float] = (20.0, 300.0),
    amplitude_uv: float | tuple[float, float] = (100.0, 800.0),
    tonic_uv: float = 10.0,
    tonic_variation: float = 0.2,
    silent_periods: int | Sequence[float] = 0,
    silent_durations_ms: tuple[float, float] | Sequence[float] = (50.0, 500.0),
    ecg_uv: float = 0.0,
    ecg: npt.ArrayLike | None = None,
    heart_rate_bpm: float | None = None,
    mains_uv: float = 0.0,
    mains_hz: float = 50.0,
    noise_uv: float = 2.0,
    seed: int = 0,
) -> SimulatedEMG:
    """Simulate surface EMG with myoclonic bursts and silent periods, and its ground truth.

    Parameters
    ----------
    duration_s : float
        Recording length in s (at least 3 s).
    rate_hz : float
        Sampling rate in Hz (at least 1000 Hz for the 20-450 Hz carrier; below that the
        carrier is limited to 0.45 * rate_hz).
    channels : int or sequence of str
        Number of channels (named ``ch1`` ...) or their names. Each channel gets its own
        independently placed events, carriers, hum phase and noise; the ECG is shared.
    bursts : int or sequence of float
        Number of bursts per channel placed at random, or their onsets in s (same on every
        channel).
    burst_durations_ms : (float, float) or sequence of float
        A ``(low, high)`` tuple draws each duration uniformly (ms); a list gives one duration
        per burst. Durations are half-amplitude widths (see the module notes).
    amplitude_uv : float or (float, float)
        Burst amplitude (envelope plateau = RMS of the burst) in uV, fixed or drawn
        uniformly from a range.
    tonic_uv : float
        RMS in uV of the tonic background activity (0 for rest).
    tonic_variation : float
        Relative slow modulation (0.05-0.5 Hz sine) of the tonic level, 0 to 0.9.
    silent_periods : int or sequence of float
        Number of silent periods per channel, or their onsets in s. Needs ``tonic_uv > 0``:
        a silent period only exists where there is tonic activity to interrupt.
    silent_durations_ms : (float, float) or sequence of float
        Like ``burst_durations_ms``, for silent periods (50-500 ms by default).
    ecg_uv : float
        R-peak amplitude in uV of the ECG contamination (0 for none).
    ecg : array_like, optional
        A real ECG at ``rate_hz`` to use instead of the synthetic one (at least as long as
        the recording; extra samples are ignored). It is centred on its median and scaled so
        that its 99.5th percentile of absolute value equals ``ecg_uv``.
    heart_rate_bpm : float, optional
        Heart rate of the synthetic ECG; drawn from 60-90 bpm when not given.
    mains_uv : float
        Amplitude in uV of the mains hum (the 3rd harmonic has 30 % of it; the amplitude
        drifts slowly by 10 %).
    mains_hz : {50, 60}
        Mains frequency in Hz.
    noise_uv : float
        RMS in uV of the white amplifier noise.
    seed : int
        Seed of the random generator: the same seed gives the same recording.

    Returns
    -------
    SimulatedEMG
        The signal in uV (shape ``(n_channels, n_samples)``) and the ground-truth events.

    Raises
    ------
    SignalError
        Bad parameters, or events that do not fit in the recording.
    """
    duration = check_positive("duration_s", duration_s, unit="s")
    if duration < 3.0:
        raise SignalError(f"'duration_s' must be at least 3 s, got {duration_s!r}.")
    rate = check_rate(rate_hz, minimum_hz=200.0, what="simulated EMG")
    check_option("mains_hz", mains_hz, (50, 60))
    for name, value in (
        ("tonic_uv", tonic_uv),
        ("ecg_uv", ecg_uv),
        ("mains_uv", mains_uv),
        ("noise_uv", noise_uv),
    ):
        check_positive(name, value, unit="uV", allow_zero=True)
    if not 0 <= tonic_variation < 1:
        raise SignalError(f"'tonic_variation' must be in [0, 1), got {tonic_variation!r}.")
    names = (
        channel_names(None, int(channels))
        if isinstance(channels, int)
        else channel_names(channels, len(channels))
    )
    if not names:
        raise SignalError("'channels' must name at least one channel.")
    n = round(duration * rate)
    t = np.arange(n) / rate
    rng = np.random.default_rng(seed)
    band = (20.0, min(450.0, 0.45 * rate))

    hr = float(heart_rate_bpm) if heart_rate_bpm is not None else float(rng.uniform(60, 90))
    ecg_wave: FloatArray | None = None
    if ecg is not None:
        given = np.asarray(ecg, dtype=np.float64).ravel()
        if len(given) < n or not np.all(np.isfinite(given[:n])):
            raise SignalError(
                f"'ecg' must hold at least {n} finite samples at {rate:g} Hz, got {len(given)}."
            )
        centred = given[:n] - np.median(given[:n])
        scale = np.percentile(np.abs(centred), 99.5)
        if scale <= 0:
            raise SignalError("'ecg' is flat: it cannot be scaled to 'ecg_uv'.")
        ecg_wave = centred / scale
    elif ecg_uv > 0:
        ecg_wave = synthetic_ecg(n, rate, heart_rate_bpm=hr, rng=rng)

    signal = np.zeros((len(names), n))
    truth: list[Event] = []
    for ci, name in enumerate(names):
        crng = np.random.default_rng([seed, ci + 1])
        # Event plan: bursts and silent periods share one non-overlapping layout.
        n_b = bursts if isinstance(bursts, int) else len(bursts)
        n_s = silent_periods if isinstance(silent_periods, int) else len(silent_periods)
        if n_b < 0 or n_s < 0:
            raise SignalError("'bursts' and 'silent_periods' must not be negative.")
        if n_s and tonic_uv <= 0:
            raise SignalError(
                "Silent periods need tonic activity to interrupt: set 'tonic_uv' > 0 "
                f"(got {tonic_uv!r}) or 'silent_periods=0'."
            )
        d_b = _durations(burst_durations_ms, n_b, crng, "burst_durations_ms") * 1e-3
        d_s = _durations(silent_durations_ms, n_s, crng, "silent_durations_ms") * 1e-3
        if isinstance(amplitude_uv, tuple):
            amps = crng.uniform(float(amplitude_uv[0]), float(amplitude_uv[1]), n_b)
        else:
            amps = np.full(n_b, check_positive("amplitude_uv", amplitude_uv, unit="uV"))
        kinds = np.array([0] * n_b + [1] * n_s)
        durs = np.concatenate((d_b, d_s))
        ramps = np.minimum(RAMP_MS * 1e-3, durs / 2.0)
        if isinstance(bursts, int) and isinstance(silent_periods, int):
            order = crng.permutation(len(kinds))
            onsets = np.empty(len(kinds))
            onsets[order] = _layout(durs[order], duration, crng, ramps[order])
        else:
            explicit_b = (
                _layout(d_b, duration, crng, ramps[:n_b])
                if isinstance(bursts, int)
                else np.asarray(bursts, dtype=np.float64)
            )
            explicit_s = (
                _layout(d_s, duration, crng, ramps[n_b:])
                if isinstance(silent_periods, int)
                else np.asarray(silent_periods, dtype=np.float64)
            )
            onsets = np.concatenate((explicit_b, explicit_s))
            _check_fits(onsets, durs, ramps, duration)

        burst_env = np.zeros(n)
        gain_dip = np.zeros(n)
        for k in range(len(kinds)):
            if kinds[k] == 0:
                _envelope_into(burst_env, rate, onsets[k], durs[k], amps[k])
            else:
                _envelope_into(gain_dip, rate, onsets[k], durs[k], 1.0)
            truth.append(
                Event(
                    channel=name,
                    kind="positive" if kinds[k] == 0 else "negative",
                    onset_s=float(onsets[k]),
                    offset_s=float(onsets[k] + durs[k]),
                    peak_s=float(onsets[k] + durs[k] / 2) if kinds[k] == 0 else None,
                    duration_ms=float(durs[k] * 1e3),
                    amplitude=float(amps[k]) if kinds[k] == 0 else None,
                    amplitude_unit="uV" if kinds[k] == 0 else None,
                )
            )
        x = burst_env * _carrier(crng, n, rate, band)
        if tonic_uv > 0:
            f_mod = crng.uniform(0.05, 0.5)
            level = tonic_uv * (
                1.0 + tonic_variation * np.sin(2 * np.pi * f_mod * t + crng.uniform(0, 2 * np.pi))
            )
            x += level * np.clip(1.0 - gain_dip, 0.0, 1.0) * _carrier(crng, n, rate, band)
        if ecg_wave is not None:
            x += ecg_uv * ecg_wave
        if mains_uv > 0:
            drift = 1.0 + 0.1 * np.sin(2 * np.pi * 0.1 * t + crng.uniform(0, 2 * np.pi))
            ph1, ph3 = crng.uniform(0, 2 * np.pi, 2)
            x += mains_uv * drift * np.sin(2 * np.pi * mains_hz * t + ph1)
            if 3 * mains_hz < rate / 2:
                x += 0.3 * mains_uv * np.sin(2 * np.pi * 3 * mains_hz * t + ph3)
        if noise_uv > 0:
            x += noise_uv * crng.standard_normal(n)
        signal[ci] = x

    truth.sort(key=lambda e: (e.onset_s, e.channel, e.kind))
    params = {
        "duration_s": duration,
        "rate_hz": rate,
        "tonic_uv": tonic_uv,
        "ecg_uv": ecg_uv,
        "ecg": "given" if ecg is not None else ("synthetic" if ecg_uv > 0 else None),
        "heart_rate_bpm": hr if ecg is None and ecg_uv > 0 else None,
        "mains_uv": mains_uv,
        "mains_hz": mains_hz,
        "noise_uv": noise_uv,
        "ramp_ms": RAMP_MS,
        "seed": seed,
    }
    return SimulatedEMG(
        signal=signal, rate_hz=rate, channels=names, events=tuple(truth), params=params
    )


def _check_fits(onsets: FloatArray, durs: FloatArray, ramps: FloatArray, total_s: float) -> None:
    start = onsets - ramps / 2
    stop = onsets + durs + ramps / 2
    if np.any(start < 0) or np.any(stop > total_s):
        raise SignalError(
            f"Every event must lie inside the recording (0 to {total_s:g} s); check the onsets "
            "given in 'bursts' or 'silent_periods'."
        )
    order = np.argsort(start)
    if np.any(start[order][1:] < stop[order][:-1]):
        raise SignalError(
            "The given events overlap: space the onsets in 'bursts' and 'silent_periods' apart."
        )
