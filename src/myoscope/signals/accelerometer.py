"""Myoclonic jerks in tri-axial accelerometer recordings: simulation and detection.

The detector follows the research notes (``research/signals.md`` sections 0.5 and 4.3):

1. band-pass each axis 1-20 Hz (zero-phase Butterworth, second-order sections);
2. jerk = the norm of the time derivatives of the band-passed axes, in g/s;
3. a robust threshold, median + ``k`` x MAD of the jerk, estimated per block of
   ``baseline_window_s`` on the samples that are not walking;
4. peak picking with a refractory period, and rejection of the decaying ringing of the limb
   after a jerk;
5. rejection of everything inside rhythmic gait: a window whose magnitude signal is periodic at
   a step (1.5-2.5 Hz) or stride (0.75-1.25 Hz) rhythm and carries enough movement is walking,
   and jerks found there are not counted (voluntary movement).

Accelerometry counts jerks and grades their intensity (peak jerk in g/s, peak dynamic
acceleration in g). It cannot estimate EMG burst duration or the generator class: limb
mechanics set the pulse shape (research section 4.3).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import signal as sps
from scipy.fft import next_fast_len
from scipy.ndimage import maximum_filter1d

from myoscope.errors import SignalError
from myoscope.signals.detection import Event

__all__ = [
    "DEFAULT_ACC_BAND_HZ",
    "DEFAULT_ACC_K",
    "DEFAULT_ACC_REFRACTORY_MS",
    "MIN_ACC_RATE_HZ",
    "AccelerometerJerk",
    "detect_acc_jerks",
    "gait_mask",
    "simulate_accelerometer",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

MIN_ACC_RATE_HZ = 25.0
"""Lowest accelerometer rate accepted, in Hz (common wearables record at 25-100 Hz)."""

DEFAULT_ACC_BAND_HZ = (1.0, 20.0)
"""Band-pass applied to each axis before the jerk is computed, in Hz (research section 4.3)."""

DEFAULT_ACC_K = 8.0
"""Threshold multiplier: a jerk peak must exceed median + k x MAD of the jerk magnitude.

Notes
-----
Research section 4.3 recommends median + 8 x MAD. Checked on seeded simulations (jerks of
0.1-1 g through a damped limb, 2 mg noise) and on the real BioSPPy walking recording.
"""

DEFAULT_ACC_REFRACTORY_MS = 200.0
"""Minimum time between two counted jerks, in ms (research section 0.5)."""

DEFAULT_MIN_PEAK_JERK_G_S = 0.5
"""Absolute floor on the jerk threshold, in g/s, so that a nearly noiseless record does not turn
sensor quantisation into jerks. Simulated jerks of 0.05 g peak reach about 1-2 g/s."""

DEFAULT_RING_RATIO = 0.5
"""A peak with a higher one less than ``DEFAULT_RING_WINDOW_MS`` before or after it counts as a
jerk only if it is at least this fraction of that higher peak: the ringing of a damped limb (damping ratio
0.2-0.7) decays by a factor of 0.01-0.28 per cycle, a new jerk does not."""

DEFAULT_RING_WINDOW_MS = 600.0
"""How far around a jerk a much smaller peak is taken for limb ringing or a precursor, in ms (a limb with a
natural frequency of 2 Hz and a damping ratio of 0.3 decays with a time constant of 265 ms)."""

EDGE_FRACTION = 0.2
"""Onset and offset of a jerk: where the jerk magnitude crosses this fraction of the way from
the baseline to the peak (used by the detector and for the simulated ground truth)."""

GAIT_STEP_BAND_HZ = (1.5, 2.5)
"""Step frequencies of walking, in Hz (the real BioSPPy walking recording steps at about 1.8 Hz)."""

GAIT_WINDOW_S = 5.0
"""Length of the sliding window in which gait periodicity is measured, in s."""

GAIT_HOP_S = 0.5
"""Hop between gait windows, in s."""

GAIT_MIN_AUTOCORR = 0.7
"""Normalised autocorrelation at the stride lag (two steps) above which a window is rhythmic.

Notes
-----
The real BioSPPy walking record gives 0.83-0.97 in 5 s windows (0.1-0.4 at the single-step lag:
left and right steps differ); clusters of simulated random jerks 1 s apart reach at most 0.6."""

GAIT_MIN_RMS_G = 0.03
"""Minimum RMS of the 0.5-5 Hz magnitude signal in a window for it to be walking, in g."""

GAIT_MARGIN_S = 1.0
"""Margin added on both sides of a gait stretch, in s (first and last steps of a bout)."""

_MAD_EPS = 1e-12


@dataclass(frozen=True)
class AccelerometerJerk(Event):
    """A jerk found in (or simulated for) a tri-axial accelerometer recording.

    ``amplitude`` is the peak dynamic acceleration ``|a|`` (band-passed) in g;
    ``peak_jerk_g_s`` is the peak of the jerk magnitude ``||da/dt||`` in g/s.
    """

    peak_jerk_g_s: float = math.nan

    def to_dict(self) -> dict[str, Any]:
        """Return the event as a JSON-ready dict, with ``peak_jerk_g_s`` added."""
        out = super().to_dict()
        out["peak_jerk_g_s"] = round(self.peak_jerk_g_s, 3)
        return out


# --------------------------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------------------------


def _as_xyz(xyz: npt.ArrayLike, channel: str) -> FloatArray:
    arr = np.asarray(xyz, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] != 3:
        hint = (
            " Transpose it (xyz.T): the axes go first."
            if arr.ndim == 2 and arr.shape[1] == 3
            else ""
        )
        raise SignalError(
            f"Accelerometer channel '{channel}': expected an array of shape (3, n_samples) "
            f"(x, y, z in g), got shape {arr.shape}.{hint}"
        )
    if not np.all(np.isfinite(arr)):
        bad = int(np.count_nonzero(~np.isfinite(arr)))
        raise SignalError(
            f"Accelerometer channel '{channel}': {bad} samples are NaN or infinite; "
            "interpolate or cut the gaps before detection."
        )
    return arr


def _check_rate(rate_hz: float, channel: str) -> float:
    rate = float(rate_hz)
    if not math.isfinite(rate) or rate < MIN_ACC_RATE_HZ:
        raise SignalError(
            f"Accelerometer channel '{channel}': sampling rate {rate_hz} Hz is too low; "
            f"jerk detection needs at least {MIN_ACC_RATE_HZ:g} Hz. Check --rate."
        )
    return rate


def _check_band(band: tuple[float, float], rate_hz: float) -> tuple[float, float]:
    low, high = float(band[0]), float(band[1])
    if not (0.0 < low < high):
        raise SignalError(
            f"Invalid value for 'band': need 0 < low < high in Hz, got ({low:g}, {high:g})."
        )
    nyquist_cap = 0.45 * rate_hz
    if low >= nyquist_cap:
        raise SignalError(
            f"Invalid value for 'band': the low edge {low:g} Hz is above 0.45 x the sampling "
            f"rate ({nyquist_cap:g} Hz); lower it or use a higher rate."
        )
    return low, min(high, nyquist_cap)


def _check_positive(name: str, value: float) -> float:
    v = float(value)
    if not math.isfinite(v) or v <= 0:
        raise SignalError(f"Invalid value for '{name}': need a positive number, got {value!r}.")
    return v


# --------------------------------------------------------------------------------------------
# gait
# --------------------------------------------------------------------------------------------


def gait_mask(
    xyz: npt.ArrayLike,
    rate_hz: float,
    *,
    channel: str = "acc",
    step_band_hz: tuple[float, float] = GAIT_STEP_BAND_HZ,
    window_s: float = GAIT_WINDOW_S,
    min_autocorr: float = GAIT_MIN_AUTOCORR,
    min_rms_g: float = GAIT_MIN_RMS_G,
    margin_s: float = GAIT_MARGIN_S,
) -> BoolArray:
    """Mark the samples that lie inside rhythmic gait (walking, running on the spot).

    Parameters
    ----------
    xyz : array_like, shape (3, n_samples)
        Acceleration in g, axes first.
    rate_hz : float
        Sampling rate in Hz (>= 25 Hz).
    channel : str
        Channel name used in error messages.
    step_band_hz : (float, float)
        Step frequencies of walking, in Hz; the stride (half the step frequency) is tested too.
    window_s : float
        Length of the sliding analysis window, in s (hop 0.5 s).
    min_autocorr : float
        Normalised autocorrelation of the 0.5-5 Hz magnitude at the stride lag (two steps) above
        which a window is rhythmic.
    min_rms_g : float
        Minimum RMS, in g, of the 0.5-5 Hz magnitude in a rhythmic window for it to be gait.
    margin_s : float
        Margin, in s, added on both sides of each gait stretch.

    Returns
    -------
    numpy.ndarray of bool, shape (n_samples,)
        True where the person is walking.

    Notes
    -----
    The magnitude ``|a|`` does not depend on how the sensor is worn, and each heel strike shows
    in it. A window counts as gait when the unbiased autocorrelation of the magnitude, normalised
    by its value at lag 0, reaches ``min_autocorr`` at some lag in the stride range (two step
    periods, 0.8-1.33 s for steps at 1.5-2.5 Hz), and the window moves by at least
    ``min_rms_g``. Testing the stride rather than the single step makes it robust to left-right
    asymmetry and needs three repetitions in the window; a single jerk, or two, rings for one or
    two limb cycles and gives a low autocorrelation there. Rhythmic myoclonus at a stride-like
    rate (about 0.75-1.25 Hz) sustained over the window cannot be told from gait this way.
    """
    arr = _as_xyz(xyz, channel)
    rate = _check_rate(rate_hz, channel)
    n = arr.shape[1]
    mask = np.zeros(n, dtype=np.bool_)
    # Gait lives below 5 Hz: decimate the magnitude to about 20 Hz to keep this cheap.
    mag = np.sqrt(np.einsum("ij,ij->j", arr, arr))
    sos = sps.butter(2, [0.5, min(5.0, 0.45 * rate)], btype="bandpass", fs=rate, output="sos")
    q = max(1, int(rate // 20.0))
    m = sps.sosfiltfilt(sos, mag)[::q] if n > 27 else mag[::q] - mag.mean()
    fs_m = rate / q
    w = round(window_s * fs_m)
    hop = max(1, round(GAIT_HOP_S * fs_m))
    if len(m) < w or w < 8:
        return mask
    f_lo, f_hi = step_band_hz
    lag_lo = math.floor(2 * fs_m / f_hi)
    max_lag = min(math.ceil(2 * fs_m / f_lo), w - 2)
    starts = np.arange(0, len(m) - w + 1, hop)
    nfft = int(next_fast_len(2 * w))
    unbiased = w / (w - np.arange(max_lag + 1))
    flagged = np.zeros(len(starts), dtype=np.bool_)
    batch = 4096
    for b0 in range(0, len(starts), batch):
        idx = starts[b0 : b0 + batch, None] + np.arange(w)[None, :]
        seg = m[idx]
        seg = seg - seg.mean(axis=1, keepdims=True)
        power = np.einsum("ij,ij->i", seg, seg) / w
        spec = np.fft.rfft(seg, n=nfft, axis=1)
        acf = np.fft.irfft(spec * np.conj(spec), n=nfft, axis=1)[:, : max_lag + 1]
        acf = acf * unbiased[None, :] / np.maximum(acf[:, :1], _MAD_EPS)
        best = acf[:, lag_lo : max_lag + 1].max(axis=1)
        flagged[b0 : b0 + batch] = (best >= min_autocorr) & (np.sqrt(power) >= min_rms_g)
    margin = round(margin_s * rate)
    for s in starts[flagged]:
        a = max(0, s * q - margin)
        e = min(n, (s + w) * q + margin)
        mask[a:e] = True
    return mask


# --------------------------------------------------------------------------------------------
# detection
# --------------------------------------------------------------------------------------------


def _jerk_signals(filtered: FloatArray, rate: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Jerk magnitude, its Hilbert envelope (g/s) and the dynamic ``|a|`` (g) of band-passed axes.

    The jerk magnitude ``||da/dt||`` dips to zero between the lobes of one movement (push, brake,
    ringing); the norm of the axes' analytic signals is a smooth envelope of it, so that one
    jerk gives one peak and the limb's ringing decays monotonically.
    """
    n = filtered.shape[1]
    deriv = np.gradient(filtered, axis=1) * rate if n > 1 else np.zeros_like(filtered)
    jerk = np.sqrt(np.einsum("ij,ij->j", deriv, deriv))
    analytic = sps.hilbert(deriv, N=int(next_fast_len(n)), axis=1)[:, :n]
    env = np.sqrt(np.sum(np.abs(analytic) ** 2, axis=0))
    acc = np.sqrt(np.einsum("ij,ij->j", filtered, filtered))
    return jerk, np.asarray(env, dtype=np.float64), acc


def _bandpass(arr: FloatArray, rate: float, band: tuple[float, float]) -> FloatArray:
    sos = sps.butter(4, list(band), btype="bandpass", fs=rate, output="sos")
    return np.asarray(sps.sosfiltfilt(sos, arr, axis=1), dtype=np.float64)


def _block_thresholds(
    jerk: FloatArray, keep: BoolArray, k: float, block: int, floor: float
) -> tuple[FloatArray, FloatArray]:
    """Per-sample high threshold and baseline (median) from block-wise median and MAD."""
    n = len(jerk)
    high = np.empty(n)
    base = np.empty(n)
    use = jerk[keep] if np.count_nonzero(keep) >= 10 else jerk
    g_med = float(np.median(use))
    g_mad = float(np.median(np.abs(use - g_med)))
    for b0 in range(0, n, block):
        seg = jerk[b0 : b0 + block]
        sel = seg[keep[b0 : b0 + block]]
        if len(sel) >= max(10, len(seg) // 10):
            med = float(np.median(sel))
            mad = float(np.median(np.abs(sel - med)))
        else:
            med, mad = g_med, g_mad
        base[b0 : b0 + block] = med
        high[b0 : b0 + block] = max(med + k * mad, floor)
    return high, base


def _edges(jerk: FloatArray, p: int, base: float, limit: int) -> tuple[int, int]:
    """First and last sample around peak ``p`` above ``EDGE_FRACTION`` of the peak height."""
    level = base + EDGE_FRACTION * (float(jerk[p]) - base)
    lo = max(0, p - limit)
    hi = min(len(jerk), p + limit + 1)
    left = np.flatnonzero(jerk[lo:p] < level)
    right = np.flatnonzero(jerk[p:hi] < level)
    i0 = lo + int(left[-1]) + 1 if len(left) else lo
    i1 = p + int(right[0]) - 1 if len(right) else hi - 1
    return i0, i1


def detect_acc_jerks(
    xyz: npt.ArrayLike,
    rate_hz: float,
    *,
    channel: str = "acc",
    band: tuple[float, float] = DEFAULT_ACC_BAND_HZ,
    k: float = DEFAULT_ACC_K,
    refractory_ms: float = DEFAULT_ACC_REFRACTORY_MS,
    min_peak_jerk_g_s: float = DEFAULT_MIN_PEAK_JERK_G_S,
    ring_ratio: float = DEFAULT_RING_RATIO,
    ring_window_ms: float = DEFAULT_RING_WINDOW_MS,
    baseline_window_s: float = 600.0,
    reject_gait: bool = True,
) -> list[AccelerometerJerk]:
    """Find myoclonic jerks in a tri-axial accelerometer recording.

    Parameters
    ----------
    xyz : array_like, shape (3, n_samples)
        Acceleration in g (x, y, z), axes first; gravity may be present (it is filtered out).
    rate_hz : float
        Sampling rate in Hz (>= 25 Hz).
    channel : str
        Name given to the events (for example the sensor location).
    band : (float, float)
        Band-pass applied to each axis, in Hz; the upper edge is clipped to 0.45 x the rate.
    k : float
        Threshold multiplier: a jerk peak must exceed median + k x MAD of the jerk magnitude.
    refractory_ms : float
        Minimum time between two counted jerks, in ms.
    min_peak_jerk_g_s : float
        Absolute floor of the threshold, in g/s.
    ring_ratio : float
        A peak with a higher peak within ``ring_window_ms`` of it counts only if its height is
        at least this fraction of the higher one (otherwise it is limb ringing).
    ring_window_ms : float
        How far around a peak, in ms, higher peaks are looked for.
    baseline_window_s : float
        Length, in s, of the blocks over which median and MAD are estimated.
    reject_gait : bool
        Drop jerks inside rhythmic gait (see :func:`gait_mask`). Default True: walking is
        voluntary movement, not myoclonus.

    Returns
    -------
    list of AccelerometerJerk
        One event per jerk, in time order, with ``kind="positive"``. ``onset_s`` and
        ``offset_s`` are where the jerk magnitude crosses 20 % of the way from the baseline to
        the peak (s from the first sample); ``peak_s`` is the time of the peak jerk;
        ``amplitude`` is the peak band-passed ``|a|`` in g; ``peak_jerk_g_s`` is the peak jerk
        in g/s.

    Raises
    ------
    SignalError
        The array is not (3, n), holds NaN, or the rate is below 25 Hz.
    SignalError
        A parameter is out of range.
    """
    arr = _as_xyz(xyz, channel)
    rate = _check_rate(rate_hz, channel)
    lo, hi = _check_band(band, rate)
    k = _check_positive("k", k)
    refractory_ms = _check_positive("refractory_ms", refractory_ms)
    ring_window_ms = _check_positive("ring_window_ms", ring_window_ms)
    baseline_window_s = _check_positive("baseline_window_s", baseline_window_s)
    if not 0.0 < ring_ratio <= 1.0:
        raise SignalError(f"Invalid value for 'ring_ratio': need 0 < r <= 1, got {ring_ratio!r}.")
    n = arr.shape[1]
    if n < int(2 * rate):
        raise SignalError(
            f"Accelerometer channel '{channel}': {n / rate:.2f} s of data is too short; "
            "jerk detection needs at least 2 s."
        )
    jerk, env, acc = _jerk_signals(_bandpass(arr, rate, (lo, hi)), rate)
    walking = gait_mask(arr, rate, channel=channel) if reject_gait else np.zeros(n, np.bool_)
    high, base = _block_thresholds(
        env, ~walking, k, max(1, int(baseline_window_s * rate)), float(min_peak_jerk_g_s)
    )
    refractory = max(1, round(refractory_ms * rate / 1000.0))
    peaks, _ = sps.find_peaks(env, height=high, distance=refractory)
    ring = round(ring_window_ms * rate / 1000.0)
    neighbourhood = maximum_filter1d(env, size=2 * ring + 1, mode="nearest")
    events: list[AccelerometerJerk] = []
    last_end = -1
    for p in peaks:
        if walking[p] or float(env[p]) < ring_ratio * float(neighbourhood[p]):
            continue
        i0, i1 = _edges(env, int(p), float(base[p]), ring)
        if i0 <= last_end:  # a second envelope peak of the same movement
            continue
        last_end = i1
        pk = i0 + int(np.argmax(jerk[i0 : i1 + 1]))
        h = float(jerk[pk])
        onset = i0 / rate
        offset = (i1 + 1) / rate
        events.append(
            AccelerometerJerk(
                channel=channel,
                kind="positive",
                onset_s=round(onset, 4),
                offset_s=round(offset, 4),
                peak_s=round(pk / rate, 4),
                duration_ms=round((offset - onset) * 1000.0, 1),
                amplitude=round(float(acc[i0 : i1 + 1].max()), 4),
                amplitude_unit="g",
                peak_jerk_g_s=round(h, 3),
            )
        )
    return events


# --------------------------------------------------------------------------------------------
# simulation
# --------------------------------------------------------------------------------------------


def _bilinear_acc_response(fn_hz: float, zeta: float, fs: float) -> tuple[FloatArray, FloatArray]:
    """Digital s^2 / (s^2 + 2 zeta w s + w^2): force in, limb acceleration out."""
    w = 2 * math.pi * fn_hz
    b, a = sps.bilinear([1.0, 0.0, 0.0], [1.0, 2 * zeta * w, w * w], fs=fs)
    return np.asarray(b, dtype=np.float64), np.asarray(a, dtype=np.float64)


def _jerk_pulse(rng: np.random.Generator, fs: float) -> FloatArray:
    """One jerk's limb acceleration (1-D, unit peak) through twitch and limb mechanics."""
    burst_s = rng.uniform(0.02, 0.15)  # EMG burst duration
    tc = rng.uniform(0.03, 0.1)  # twitch contraction time
    fn = rng.uniform(2.0, 8.0)  # limb natural frequency
    zeta = rng.uniform(0.3, 0.7)  # limb damping ratio
    length = int(fs * min(3.0, burst_s + 6 * tc + 5.0 / (zeta * 2 * math.pi * fn)))
    t = np.arange(length) / fs
    twitch = (t / tc) * np.exp(1.0 - t / tc)
    drive = np.zeros(length)
    drive[: max(1, int(burst_s * fs))] = 1.0
    force = np.convolve(drive, twitch)[:length]
    b, a = _bilinear_acc_response(fn, zeta, fs)
    accel = sps.lfilter(b, a, force)
    peak = float(np.max(np.abs(accel)))
    return np.asarray(accel / peak if peak > 0 else accel, dtype=np.float64)


def _unit(v: FloatArray) -> FloatArray:
    return np.asarray(v / np.linalg.norm(v), dtype=np.float64)


def _walking(
    rng: np.random.Generator, n: int, fs: float, start_s: float, end_s: float, axes: FloatArray
) -> FloatArray:
    """Return walking acceleration (3, n) in g between start_s and end_s: steps, heel strikes."""
    out = np.zeros((3, n))
    vert, ap, ml = axes
    cadence = rng.uniform(1.7, 2.0)  # steps per second
    t = start_s + rng.uniform(0.0, 0.2)
    strike_b, strike_a = _bilinear_acc_response(rng.uniform(3.0, 5.0), 0.5, fs)
    strike_len = int(0.6 * fs)
    tt = np.arange(n) / fs
    smooth = np.zeros((3, n))
    k = 0
    phase = 0.0
    while t < end_s - 0.3:
        period = (1.0 / cadence) * rng.normal(1.0, 0.03)
        i0 = int(t * fs)
        i1 = min(n, int((t + period) * fs))
        if i1 <= i0:
            break
        local = (tt[i0:i1] - t) / period  # 0..1 within the step
        side = 1.0 if k % 2 == 0 else -1.0
        amp = rng.normal(1.0, 0.1)
        smooth[:, i0:i1] += (
            vert[:, None] * (0.18 * amp * np.cos(2 * np.pi * local))[None, :]
            + ap[:, None] * (0.1 * amp * np.sin(2 * np.pi * local + phase))[None, :]
            + ml[:, None] * (0.06 * side * np.sin(np.pi * local))[None, :]
        )
        # heel strike: a short force impulse through a stiff, damped response
        impulse = np.zeros(strike_len)
        impulse[: max(1, int(0.05 * fs))] = 1.0
        strike = sps.lfilter(strike_b, strike_a, impulse)
        strike *= rng.uniform(0.1, 0.2) / max(float(np.max(np.abs(strike))), _MAD_EPS)
        e = min(n, i0 + strike_len)
        out[:, i0:e] += (vert[:, None] + 0.3 * ap[:, None]) * strike[None, : e - i0]
        t += period
        k += 1
    return out + smooth


def simulate_accelerometer(
    duration_s: float,
    rate_hz: float = 100.0,
    *,
    jerks: int | Sequence[float] = 0,
    walking_s: Sequence[tuple[float, float]] = (),
    noise_g: float = 0.002,
    jerk_amplitude_g: tuple[float, float] = (0.1, 1.0),
    channel: str = "acc",
    seed: int = 0,
) -> tuple[FloatArray, list[AccelerometerJerk]]:
    """Simulate a tri-axial accelerometer recording with myoclonic jerks and walking.

    Parameters
    ----------
    duration_s : float
        Length of the recording, in s.
    rate_hz : float
        Output sampling rate, in Hz (>= 25 Hz). The physics run at >= 1 kHz and are low-passed
        and decimated, as a MEMS sensor's anti-alias filter would.
    jerks : int or sequence of float
        Number of jerks placed at random outside walking (at least 1 s apart), or their onset
        times in s.
    walking_s : sequence of (float, float)
        Periods of walking (start, end) in s: steps at 1.7-2.0 Hz with heel strikes, about
        0.3-0.5 g peak dynamic acceleration, like the real BioSPPy walking record.
    noise_g : float
        RMS of white sensor noise, in g (MEMS sensors: 0.001-0.005 g).
    jerk_amplitude_g : (float, float)
        Range of the peak dynamic acceleration of each jerk, in g (drawn uniformly).
    channel : str
        Channel name of the ground-truth events.
    seed : int
        Seed of the random generator; the same seed gives the same recording.

    Returns
    -------
    signal : numpy.ndarray, shape (3, n_samples)
        Acceleration in g, gravity included (1 g along a fixed, slowly wobbling direction).
    events : list of AccelerometerJerk
        Ground truth, in time order, measured on each noiseless jerk as the sensor sees it
        (decimated, band-passed 1-20 Hz): ``onset_s``/``offset_s`` where the jerk magnitude
        crosses 20 % of its peak, ``peak_s`` at the peak jerk, ``amplitude`` the peak dynamic
        ``|a|`` in g and ``peak_jerk_g_s`` the peak jerk in g/s.

    Notes
    -----
    Each jerk is an EMG drive of 20-150 ms, through a critically damped muscle twitch
    (contraction time 30-100 ms) and a limb mass-spring-damper (natural frequency 2-8 Hz,
    damping ratio 0.3-0.7); the output is the limb acceleration along a random direction
    (research section 4.3, an engineering model).
    """
    duration_s = _check_positive("duration_s", duration_s)
    rate = _check_rate(rate_hz, channel)
    noise_g = float(noise_g)
    if noise_g < 0 or not math.isfinite(noise_g):
        raise SignalError(f"Invalid value for 'noise_g': need >= 0 g, got {noise_g!r}.")
    lo_amp, hi_amp = float(jerk_amplitude_g[0]), float(jerk_amplitude_g[1])
    if not 0 < lo_amp <= hi_amp:
        raise SignalError(
            f"Invalid value for 'jerk_amplitude_g': need 0 < low <= high, got {jerk_amplitude_g!r}."
        )
    for start, end in walking_s:
        if not 0 <= start < end:
            raise SignalError(
                f"Invalid walking period ({start}, {end}): need 0 <= start < end in s."
            )
    rng = np.random.default_rng(seed)
    q = max(1, math.ceil(1000.0 / rate))
    fs = rate * q
    n_out = round(duration_s * rate)
    n = n_out * q

    # Orientation: gravity along a fixed direction that wobbles slowly (posture changes).
    g_dir = _unit(np.array([0.35, -0.93, 0.25]) + rng.normal(0, 0.1, 3))
    ap = _unit(np.cross(g_dir, [0.0, 0.0, 1.0]))
    ml = np.cross(g_dir, ap)
    axes = np.stack([g_dir, ap, ml])
    wobble = np.zeros((3, n))
    n_knots = max(2, int(duration_s / 20.0) + 2)
    knots = rng.normal(0, 0.02, size=(3, n_knots))
    wobble = np.stack(
        [np.interp(np.arange(n), np.linspace(0, n, n_knots), knots[i]) for i in range(3)]
    )
    sig = g_dir[:, None] + wobble

    for start, end in walking_s:
        sig += _walking(rng, n, fs, float(start), min(float(end), duration_s), axes)

    # Jerk onsets
    if isinstance(jerks, int):
        if jerks < 0:
            raise SignalError(f"Invalid value for 'jerks': need >= 0, got {jerks}.")
        onsets: list[float] = []
        tries = 0
        while len(onsets) < jerks and tries < 100 * (jerks + 1):
            tries += 1
            t0 = float(rng.uniform(1.0, max(1.0, duration_s - 2.0)))
            if any(s - 2.0 <= t0 <= e + 2.0 for s, e in walking_s):
                continue
            if any(abs(t0 - o) < 1.0 for o in onsets):
                continue
            onsets.append(t0)
        if len(onsets) < jerks:
            raise SignalError(
                f"Cannot place {jerks} jerks at least 1 s apart outside walking in "
                f"{duration_s:g} s; lower 'jerks' or lengthen the recording."
            )
        onsets.sort()
    else:
        onsets = sorted(float(o) for o in jerks)
        for o in onsets:
            if not 0 <= o < duration_s:
                raise SignalError(
                    f"Jerk onset {o} s is outside the recording (0 to {duration_s:g} s)."
                )

    truth_raw: list[tuple[int, FloatArray]] = []
    for o in onsets:
        pulse = _jerk_pulse(rng, fs) * rng.uniform(lo_amp, hi_amp)
        direction = _unit(rng.normal(size=3))
        i0 = round(o * fs)
        e = min(n, i0 + len(pulse))
        comp = direction[:, None] * pulse[None, : e - i0]
        sig[:, i0:e] += comp
        truth_raw.append((i0, comp))

    # Sensor: anti-alias low-pass and decimation, then white noise.
    out = sps.resample_poly(sig, 1, q, axis=1, padtype="line") if q > 1 else sig
    out = np.asarray(out[:, :n_out], dtype=np.float64)
    if noise_g > 0:
        out = out + rng.normal(0.0, noise_g, size=out.shape)

    # Ground truth as the sensor sees it: each noiseless jerk alone, decimated and band-passed
    # like the detector's input.
    band = _check_band(DEFAULT_ACC_BAND_HZ, rate)
    sos = sps.butter(4, list(band), btype="bandpass", fs=rate, output="sos")
    pad = int(fs)  # 1 s of context either side, at the internal rate
    events: list[AccelerometerJerk] = []
    for i0, comp in truth_raw:
        start = max(0, i0 - pad) // q * q
        buf = np.zeros((3, i0 - start + comp.shape[1] + pad))
        buf[:, i0 - start : i0 - start + comp.shape[1]] = comp
        seen = sps.resample_poly(buf, 1, q, axis=1) if q > 1 else buf
        seen = sps.sosfiltfilt(sos, seen, axis=1)
        jmag, jenv, amag = _jerk_signals(np.asarray(seen, dtype=np.float64), rate)
        j0, j1 = _edges(jenv, int(np.argmax(jenv)), 0.0, len(jenv))
        pk = j0 + int(np.argmax(jmag[j0 : j1 + 1]))
        t0 = start / fs
        onset = t0 + j0 / rate
        offset = t0 + (j1 + 1) / rate
        events.append(
            AccelerometerJerk(
                channel=channel,
                kind="positive",
                onset_s=round(onset, 4),
                offset_s=round(offset, 4),
                peak_s=round(t0 + pk / rate, 4),
                duration_ms=round((offset - onset) * 1000.0, 1),
                amplitude=round(float(amag[j0 : j1 + 1].max()), 4),
                amplitude_unit="g",
                peak_jerk_g_s=round(float(jmag[pk]), 3),
            )
        )
    return out, events
