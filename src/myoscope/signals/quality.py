"""Channel quality checks: flat, clipped, disconnected, mains-dominated, ECG-contaminated.

A channel with a quality issue is reported (the output's ``quality`` list) while the other
channels are still processed (``../shared/spec/recordings.md``). The checks look at the raw
channel, before filtering.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import signal as sps

from myoscope.errors import SignalError, did_you_mean

__all__ = [
    "ISSUES",
    "QualityIssue",
    "check_channel",
]

FloatArray = npt.NDArray[np.float64]
Issue = Literal["flat", "clipped", "disconnected", "mains-hum", "ecg"]
ISSUES: tuple[Issue, ...] = ("flat", "clipped", "disconnected", "mains-hum", "ecg")

FLAT_FLOOR = {"emg": 0.5, "acc": 1e-4}
"""Robust standard deviation below which a channel is flat: 0.5 uV for EMG given in uV
(amplifier noise is 1-5 uV RMS), 1e-4 g for an accelerometer in g (MEMS noise is 1-5 mg)."""

CLIP_MIN_FRACTION = 5e-4
"""Fraction of samples sitting at the extreme value (in runs of >= 2) that makes a channel clipped."""

DISCONNECT_MIN_S = 1.0
"""Shortest run of identical samples, in s, reported as a disconnection (electrode off, rail)."""

MAINS_MAX_RATIO = 0.5
"""Largest fraction of the 20-450 Hz EMG power within +-1 Hz of mains and its harmonics before
a channel is mains-dominated: beyond it the hum carries more power than the resting EMG."""

ECG_MIN_AUTOCORR = 0.4
"""Autocorrelation of the smoothed QRS-like spike train at the heartbeat lag above which a
channel is ECG-contaminated."""

ECG_BPM = (40.0, 150.0)
"""Heart rates searched for, in beats per minute."""

ECG_MIN_BEATS = 10
"""Fewest QRS-like spikes needed before a channel can be called ECG-contaminated."""

SAMPLE_BLOCKS = 64
"""Long channels: the robust levels (flat check) and the mains spectrum are estimated on this
many blocks spread evenly over the channel rather than on every sample."""

SAMPLE_BLOCK_S = 1.0
"""Length of each of those blocks, in s (at least 1 Hz spectral resolution)."""


@dataclass(frozen=True)
class QualityIssue:
    """One problem found on one channel (the output's ``quality`` entries).

    Parameters
    ----------
    channel : str
        Channel name.
    issue : {"flat", "clipped", "disconnected", "mains-hum", "ecg"}
        What is wrong.
    detail : str
        A sentence with the figures behind the finding.
    """

    channel: str
    issue: Issue
    detail: str

    def to_dict(self) -> dict[str, str]:
        """Return the issue as a JSON-ready dict."""
        return {"channel": self.channel, "issue": self.issue, "detail": self.detail}


def check_channel(
    x: npt.ArrayLike,
    rate_hz: float,
    *,
    modality: str,
    mains_hz: float = 50.0,
    channel: str = "ch1",
    flat_floor: float | None = None,
) -> list[QualityIssue]:
    """Check one raw channel for flat, clipped, disconnected, mains and ECG problems.

    Parameters
    ----------
    x : array_like, shape (n_samples,)
        The raw channel: EMG in uV, or one accelerometer axis in g. NaN samples are ignored.
    rate_hz : float
        Sampling rate in Hz.
    modality : {"emg", "acc"}
        Mains and ECG checks run on EMG only (an accelerometer does not pick them up).
    mains_hz : {50, 60}
        Mains frequency in Hz; the other one is checked too and named if it dominates.
    channel : str
        Channel name put in the issues.
    flat_floor : float, optional
        Robust standard deviation below which the channel is flat, in the channel's unit;
        default 0.5 (uV) for EMG and 1e-4 (g) for an accelerometer.

    Returns
    -------
    list of QualityIssue
        Empty for a clean channel.

    Raises
    ------
    SignalError
        ``modality`` or ``mains_hz`` is not allowed, the rate is not positive, or ``x`` is not
        1-D or holds no finite sample.

    Notes
    -----
    - flat: robust SD (1.4826 x MAD of the first difference / sqrt 2) below ``flat_floor``.
    - clipped: at least 0.05 % of samples sit on the minimum or maximum in runs of two or more,
      and they pile up: more samples on the extreme than in the 2 % of the range just inside it.
    - disconnected: runs of identical samples lasting >= 1 s (an electrode off or an amplifier
      on its rail); flat channels are not reported again.
    - mains-hum: Welch spectrum; the power within +-1 Hz of mains and its harmonics below 450 Hz
      is > 50 % of the 20-450 Hz power (Welch with median averaging, so that bursts do not hide
      hum under the resting baseline).
    - ecg: the 10-40 Hz band (where QRS energy lies) is rectified and smoothed; its peaks above
      median + 6 x MAD, at least 0.35 s apart, form a spike train whose autocorrelation at a lag
      of 0.4-1.5 s (40-150 bpm) exceeds 0.4 with at least 10 spikes. Rhythmic myoclonus at a
      heart-like rate would also pass this test.
    - On a channel longer than :data:`SAMPLE_BLOCKS` blocks of about :data:`SAMPLE_BLOCK_S`
      (64 s at 2 kHz), the robust SDs and the mains spectrum are estimated on that many
      blocks spread evenly over it: the estimates hardly change and the check costs a fixed
      amount per channel.
    """
    if modality not in ("emg", "acc"):
        raise SignalError(
            f"Invalid value for 'modality': allowed 'emg' or 'acc', got {modality!r}."
            f"{did_you_mean(str(modality), ['emg', 'acc'])}"
        )
    if mains_hz not in (50, 60):
        raise SignalError(f"Invalid value for 'mains_hz': allowed 50 or 60 Hz, got {mains_hz!r}.")
    rate = float(rate_hz)
    if not math.isfinite(rate) or rate <= 0:
        raise SignalError(
            f"Channel '{channel}': the rate must be a positive number of Hz, got {rate_hz!r}."
        )
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1:
        raise SignalError(
            f"Channel '{channel}': expected a 1-D array, got shape {arr.shape}; check one channel at a time."
        )
    finite = np.isfinite(arr)
    if not finite.any():
        raise SignalError(f"Channel '{channel}': no finite sample; drop the channel.")
    if not finite.all():
        arr = arr[finite]
    floor = FLAT_FLOOR[modality] if flat_floor is None else float(flat_floor)

    issues: list[QualityIssue] = []
    blocks = _blocks(arr, 2 ** math.ceil(math.log2(max(2.0, SAMPLE_BLOCK_S * rate))))
    d = np.diff(blocks, axis=1).ravel()
    noise_sd = 1.4826 * float(np.median(np.abs(d - np.median(d)))) / math.sqrt(2)
    level_sd = 1.4826 * float(np.median(np.abs(blocks - np.median(blocks))))
    flat = max(noise_sd, level_sd) < floor
    if flat:
        issues.append(
            QualityIssue(
                channel,
                "flat",
                f"robust SD {max(noise_sd, level_sd):.3g} is below {floor:g}: no signal; check the "
                "electrode or sensor",
            )
        )
    clip = _clipping(arr)
    if clip:
        issues.append(QualityIssue(channel, "clipped", clip))
    if not flat:
        gone = _disconnections(arr, rate)
        if gone:
            issues.append(QualityIssue(channel, "disconnected", gone))
    if modality == "emg" and not flat:
        hum = _mains(blocks.ravel(), rate, float(mains_hz), blocks.shape[1])
        if hum:
            issues.append(QualityIssue(channel, "mains-hum", hum))
        ecg = _ecg(arr, rate)
        if ecg:
            issues.append(QualityIssue(channel, "ecg", ecg))
    return issues


def _blocks(x: FloatArray, size: int) -> FloatArray:
    """Up to :data:`SAMPLE_BLOCKS` blocks of ``size`` samples spread evenly over ``x``.

    A channel shorter than that many blocks is returned whole, as one row.
    """
    if len(x) <= SAMPLE_BLOCKS * size:
        return x[np.newaxis, :]
    starts = np.linspace(0, len(x) - size, SAMPLE_BLOCKS).astype(np.intp)
    out: FloatArray = x[starts[:, np.newaxis] + np.arange(size)]
    return out


def _runs(mask: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Start and length of each run of True."""
    d = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1)
    return starts, ends - starts


def _clipping(x: FloatArray) -> str | None:
    lo, hi = float(np.min(x)), float(np.max(x))
    span = hi - lo
    if span <= 0:
        return None
    eps = 1e-9 * span
    found: list[str] = []
    for name, value, inside in (
        ("maximum", hi, (x < hi - eps) & (x >= hi - 0.02 * span)),
        ("minimum", lo, (x > lo + eps) & (x <= lo + 0.02 * span)),
    ):
        at = np.abs(x - value) <= eps
        _starts, lengths = _runs(at)
        in_runs = int(lengths[lengths >= 2].sum())
        if in_runs >= CLIP_MIN_FRACTION * len(x) and int(at.sum()) > int(inside.sum()):
            found.append(
                f"{in_runs} samples ({in_runs / len(x):.2%}) stuck at the {name} {value:g}"
            )
    if not found:
        return None
    return "; ".join(found) + ": the amplifier or sensor saturates; lower the gain or range"


def _disconnections(x: FloatArray, rate: float) -> str | None:
    same = np.concatenate(([False], np.diff(x) == 0))
    starts, lengths = _runs(same)
    min_len = int(DISCONNECT_MIN_S * rate)
    long = lengths >= min_len
    if not long.any():
        return None
    total = float(lengths[long].sum()) / rate
    first = float(starts[long][0]) / rate
    value = float(x[starts[long][0]])
    return (
        f"{int(long.sum())} stretch(es) of identical samples totalling {total:.1f} s, the first "
        f"at {first:.1f} s (value {value:g}): an electrode or lead came off"
    )


def _mains(x: FloatArray, rate: float, mains_hz: float, block: int) -> str | None:
    """Mains check on ``x``: the whole channel, or blocks of ``block`` samples end to end."""
    top = min(450.0, 0.45 * rate)
    if top <= 20.0 or rate < 2.2 * mains_hz:
        return None
    nper = int(min(len(x), 2 ** math.ceil(math.log2(rate))))  # about 1 Hz resolution
    # median averaging: segments holding bursts do not hide hum under the resting baseline;
    # sampled blocks are whole segments (no overlap), so no segment spans two of them
    overlap = 0 if len(x) > block else None
    f, p = sps.welch(x - np.mean(x), fs=rate, nperseg=nper, noverlap=overlap, average="median")
    band = (f >= 20.0) & (f <= top)
    total = float(p[band].sum())
    if total <= 0:
        return None
    worst = (-1.0, mains_hz)
    for base in (mains_hz, 110.0 - mains_hz):
        near = np.zeros_like(band)
        for h in np.arange(base, top, base):
            near |= np.abs(f - h) <= 1.0
        ratio = float(p[near & band].sum()) / total
        if ratio > worst[0]:
            worst = (ratio, base)
    ratio, base = worst
    if ratio <= MAINS_MAX_RATIO:
        return None
    return (
        f"{ratio:.0%} of the 20-{top:g} Hz power is at {base:g} Hz and its harmonics: apply the "
        f"{base:g} Hz notch (--mains {base:g}) and check the electrode contact"
    )


def _ecg(x: FloatArray, rate: float) -> str | None:
    if rate < 100.0 or len(x) < 10 * rate:
        return None
    # single precision (the envelope's shape is all that matters here): twice as fast
    sos = sps.butter(2, [10.0, min(40.0, 0.45 * rate)], btype="bandpass", fs=rate, output="sos")
    y = np.abs(sps.sosfiltfilt(sos.astype(np.float32), (x - np.mean(x)).astype(np.float32)))
    q = max(1, int(rate // 200.0))
    fs = rate / q
    m = len(y) // q  # rectified band averaged to about 200 Hz, then smoothed below 20 Hz
    blocks = y[: m * q].reshape(m, q).mean(axis=1, dtype=np.float64)
    env = sps.sosfiltfilt(sps.butter(2, 20.0, fs=fs, output="sos"), blocks)
    med = float(np.median(env))
    mad = float(np.median(np.abs(env - med)))
    peaks, _ = sps.find_peaks(env, height=med + 6.0 * mad, distance=max(1, int(0.35 * fs)))
    if len(peaks) < ECG_MIN_BEATS:
        return None
    # Spike train at 50 Hz, smoothed by 40 ms, so that beat-to-beat variability still correlates.
    step = max(1, int(fs // 50.0))
    fs_t = fs / step
    train = np.zeros(len(env) // step + 1)
    train[peaks // step] = 1.0
    width = max(1.0, 0.02 * fs_t)
    kernel = np.exp(-0.5 * (np.arange(-3 * width, 3 * width + 1) / width) ** 2)
    smooth = np.convolve(train, kernel, mode="same")
    smooth -= smooth.mean()
    lag_lo = int(60.0 / ECG_BPM[1] * fs_t)
    lag_hi = math.ceil(60.0 / ECG_BPM[0] * fs_t)
    if lag_hi >= len(smooth) // 2:
        return None
    n = len(smooth)
    spec = np.fft.rfft(smooth, n=2 * n)
    acf = np.fft.irfft(spec * np.conj(spec), n=2 * n)[: lag_hi + 1]
    if acf[0] <= 0:
        return None
    acf = acf / acf[0] * n / (n - np.arange(lag_hi + 1))
    lag = lag_lo + int(np.argmax(acf[lag_lo : lag_hi + 1]))
    value = float(acf[lag])
    if value < ECG_MIN_AUTOCORR:
        return None
    bpm = 60.0 * fs_t / lag
    return (
        f"{len(peaks)} QRS-like spikes repeating at about {bpm:.0f} beats/min (autocorrelation "
        f"{value:.2f}): ECG crosstalk; remove the ECG (template subtraction) before detection"
    )
