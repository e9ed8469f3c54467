"""Reduction of ECG crosstalk in surface EMG by QRS-aligned template subtraction.

Trunk and proximal muscles pick up the ECG (50-1000 uV, research section 4.1). The
detectors already down-weight what is left of the QRS complex after their 20 Hz high-pass
(the TKEO and difference energies weight frequency), but a strong ECG still lifts the
baseline and can break silent periods (research section 4.2). :func:`remove_ecg` removes it
before detection.

Method (chosen over gating, which would blank the EMG under every QRS complex and so cut
bursts and silent periods, and over a 30 Hz high-pass, which the detectors already
approximate and which also removes EMG content):

1. QRS detection on a band-limited copy (5-30 Hz zero-phase Butterworth, where the QRS
   complex has most of its energy and surface EMG little): peaks of its absolute value above
   a robust threshold (a fraction of the median of the 2 s window maxima, and at least
   ``median + k MAD``), at least :data:`QRS_REFRACTORY_MS` apart.
2. Each detected beat is aligned on its R peak (the extreme of the band-limited copy), and a
   segment from :data:`TEMPLATE_PRE_MS` before to :data:`TEMPLATE_POST_MS` after it is cut
   from the signal (its median removed).
3. Adaptive template: the sample-wise median of the segments in blocks of
   :data:`TEMPLATE_BEATS` consecutive beats (so it follows slow changes in the ECG, and a
   burst overlapping a few beats does not enter it), low-passed at
   :data:`TEMPLATE_LOWPASS_HZ` (what is left of the EMG in a median is broadband) and
   tapered at both ends.
4. The template is subtracted at every beat whose segment correlates with it (Pearson
   r >= :data:`MIN_TEMPLATE_CORR`): spikes that are not heartbeats (an EMG burst with
   energy below 30 Hz, a motion artefact) are left alone.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import signal as sps

from myoscope.errors import SignalError
from myoscope.signals._checks import FloatArray, check_positive, check_rate

__all__ = [
    "MIN_TEMPLATE_CORR",
    "QRS_BAND_HZ",
    "QRS_REFRACTORY_MS",
    "TEMPLATE_BEATS",
    "TEMPLATE_LOWPASS_HZ",
    "TEMPLATE_POST_MS",
    "TEMPLATE_PRE_MS",
    "detect_qrs",
    "remove_ecg",
]

QRS_BAND_HZ = (5.0, 30.0)
"""Pass band in Hz of the copy on which QRS complexes are detected."""

QRS_REFRACTORY_MS = 250.0
"""Shortest interval in ms between two detected beats (240 beats/min)."""

QRS_THRESHOLD_FRACTION = 0.4
"""A beat must reach this fraction of the median of the 2 s maxima of the band-limited copy."""

QRS_MIN_K = 8.0
"""... and at least ``median + QRS_MIN_K * MAD`` of its absolute value."""

TEMPLATE_PRE_MS = 100.0
"""Template start in ms before the R peak."""

TEMPLATE_POST_MS = 150.0
"""Template end in ms after the R peak (the T wave is slow and removed by the 20 Hz high-pass
of the detectors)."""

TEMPLATE_BEATS = 20
"""Number of consecutive beats whose median forms one template (adaptive template)."""

TEMPLATE_LOWPASS_HZ = 50.0
"""The template is low-passed at this frequency in Hz (zero phase): the ECG crosstalk left in
surface EMG lies mostly below it, and the EMG left in a median template mostly above it."""

MIN_TEMPLATE_CORR = 0.5
"""A beat is subtracted only where its segment correlates with the template at least this much."""

MIN_BEATS = 5
"""Fewest beats needed to build a template; with fewer the signal is returned unchanged."""


def detect_qrs(
    x: npt.ArrayLike,
    rate_hz: float,
    *,
    refractory_ms: float = QRS_REFRACTORY_MS,
    band_hz: tuple[float, float] = QRS_BAND_HZ,
) -> npt.NDArray[np.intp]:
    """Find QRS complexes (R peaks) of ECG crosstalk in one EMG channel.

    Parameters
    ----------
    x : array_like, shape (n_samples,)
        Raw EMG (any unit, usually uV).
    rate_hz : float
        Sampling rate in Hz (at least 100 Hz).
    refractory_ms : float
        Shortest interval between beats in ms.
    band_hz : (float, float)
        Band in Hz of the copy the peaks are found on.

    Returns
    -------
    ndarray of int
        Sample indices of the R peaks, increasing.

    Raises
    ------
    SignalError
        A bad rate, band or refractory period, or a signal that is not one finite channel.
    """
    rate = check_rate(rate_hz, minimum_hz=100.0, what="ECG removal")
    check_positive("refractory_ms", refractory_ms, unit="ms")
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1:
        raise SignalError(f"Expected one channel of shape (n_samples,), got shape {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        raise SignalError(
            "The channel holds NaN or infinite values; ECG removal needs finite data."
        )
    low, high = float(band_hz[0]), float(band_hz[1])
    if not 0 < low < high < rate / 2:
        raise SignalError(
            f"'band_hz' must satisfy 0 < low < high < {rate / 2:g} Hz (half the rate), got "
            f"{list(band_hz)}."
        )
    sos = sps.butter(2, [low, high], btype="bandpass", fs=rate, output="sos")
    if len(arr) <= 3 * (2 * len(sos) + 1) or len(arr) < rate:
        return np.zeros(0, dtype=np.intp)
    bp = np.abs(sps.sosfiltfilt(sos.astype(np.float32), arr.astype(np.float32)))
    win = max(1, round(2.0 * rate))
    n_win = len(bp) // win
    if n_win >= 1:
        maxima = bp[: n_win * win].reshape(n_win, win).max(axis=1)
        typical = float(np.median(maxima))
    else:
        typical = float(bp.max())
    level = bp[:: max(1, round(rate / 500.0))]  # robust levels on a 500 Hz subsample
    med = float(np.median(level))
    mad = float(np.median(np.abs(level - med)))
    height = max(QRS_THRESHOLD_FRACTION * typical, med + QRS_MIN_K * mad)
    distance = max(1, round(refractory_ms * 1e-3 * rate))
    peaks, _ = sps.find_peaks(bp, height=height, distance=distance)
    out: npt.NDArray[np.intp] = peaks.astype(np.intp)
    return out


def remove_ecg(
    x: npt.ArrayLike,
    rate_hz: float,
    *,
    refractory_ms: float = QRS_REFRACTORY_MS,
    pre_ms: float = TEMPLATE_PRE_MS,
    post_ms: float = TEMPLATE_POST_MS,
    template_beats: int = TEMPLATE_BEATS,
    min_corr: float = MIN_TEMPLATE_CORR,
    count_within: tuple[int, int] | None = None,
) -> tuple[FloatArray, int]:
    """Subtract ECG crosstalk from one raw EMG channel (adaptive median-template subtraction).

    Parameters
    ----------
    x : array_like, shape (n_samples,)
        Raw EMG, usually in uV; the result is in the same unit.
    rate_hz : float
        Sampling rate in Hz (at least 100 Hz).
    refractory_ms : float
        Shortest interval between beats in ms (default 250 ms).
    pre_ms, post_ms : float
        Template extent in ms before and after each R peak.
    template_beats : int
        Beats per block whose sample-wise median is the template of that block.
    min_corr : float
        Beats whose segment correlates less than this with the template (-1 to 1) are left
        alone (they are probably not heartbeats).

    Returns
    -------
    cleaned : ndarray, shape (n_samples,), float64
        The signal with the template subtracted at every accepted beat (a copy).
    n_beats : int
        Number of beats subtracted (0 when fewer than 5 beats were found: the signal is
        returned unchanged); with ``count_within=(start, stop)``, only those whose R peak
        lies in samples ``[start, stop)`` are counted (a stretch of a longer recording read
        with context on both sides).

    Raises
    ------
    SignalError
        Bad parameters, or a signal that is not one finite channel.

    Notes
    -----
    See the module docstring for the method and why template subtraction was chosen over
    gating. The template keeps the EMG under each QRS complex (only the averaged ECG is
    removed), so bursts and silent periods overlapping beats survive.
    """
    rate = check_rate(rate_hz, minimum_hz=100.0, what="ECG removal")
    pre_s = check_positive("pre_ms", pre_ms, unit="ms") * 1e-3
    post_s = check_positive("post_ms", post_ms, unit="ms") * 1e-3
    if int(template_beats) < 1:
        raise SignalError(f"'template_beats' must be a positive integer, got {template_beats!r}.")
    if not -1.0 <= float(min_corr) <= 1.0:
        raise SignalError(f"'min_corr' must lie between -1 and 1, got {min_corr!r}.")
    arr = np.array(x, dtype=np.float64)
    peaks = detect_qrs(arr, rate, refractory_ms=refractory_ms)
    pre = round(pre_s * rate)
    post = round(post_s * rate)
    length = pre + post + 1
    peaks = peaks[(peaks >= pre) & (peaks + post < len(arr))]
    if len(peaks) < MIN_BEATS:
        return arr, 0
    idx = peaks[:, np.newaxis] + np.arange(-pre, post + 1)[np.newaxis, :]
    segs = arr[idx]
    segs -= np.median(segs, axis=1, keepdims=True)
    # Adaptive template: the median of each block of consecutive beats (the last, short
    # block is merged into the previous one).
    block = max(1, int(template_beats))
    n_blocks = max(1, len(peaks) // block)
    which = np.minimum(np.arange(len(peaks)) // block, n_blocks - 1)
    templates = np.empty((n_blocks, length))
    for b in range(n_blocks):
        templates[b] = np.median(segs[which == b], axis=0)
    # The median of a block still holds some EMG (about a quarter of its RMS for 20 beats),
    # broadband: low-pass the template so that subtracting it adds no high-frequency noise
    # (which would fill silent periods), then taper it to zero at both ends.
    if rate / 2 > TEMPLATE_LOWPASS_HZ and length > 3 * 2 * 3:
        lp = sps.butter(2, TEMPLATE_LOWPASS_HZ, fs=rate, output="sos")
        templates = sps.sosfiltfilt(lp, templates, axis=1)
    taper = sps.windows.tukey(length, alpha=0.2)
    templates *= taper
    tmpl = templates[which]
    sc = segs - segs.mean(axis=1, keepdims=True)
    tc = tmpl - tmpl.mean(axis=1, keepdims=True)
    denom = np.sqrt((sc * sc).sum(axis=1) * (tc * tc).sum(axis=1))
    corr = np.where(denom > 0, (sc * tc).sum(axis=1) / np.maximum(denom, 1e-300), 0.0)
    ok = corr >= float(min_corr)
    # Beats are at least one refractory period apart but the template may be longer: add the
    # subtractions so that overlaps are handled.
    np.subtract.at(arr, idx[ok].ravel(), tmpl[ok].ravel())
    if count_within is not None:
        ok &= (peaks >= count_within[0]) & (peaks < count_within[1])
    return arr, int(ok.sum())
