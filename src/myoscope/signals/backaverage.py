"""Jerk-locked back-averaging (JLBA) of the EEG: a cortical potential preceding the jerks.

EEG epochs around the EMG onsets of the jerks are averaged; background EEG that is not
time-locked to the jerks cancels, and a pre-myoclonic spike, typically positive-negative with
its positive peak about 20 ms before the EMG onset of hand muscles, survives
(research/signals.md section 1.5, Shibasaki & Kuroiwa 1992).

Steps (one zero-phase filter pass per channel, then index arithmetic only):

1. Band-pass 0.5-70 Hz (Butterworth, second-order sections, ``sosfiltfilt``; optional mains
   notch) one channel at a time, keeping every ``q``-th sample so that the working rate is
   near 1 kHz (the 70 Hz low-pass is the anti-alias filter).
2. Jerks are dropped when their epoch (-200 to +100 ms) leaves the recording (``edge``), when
   another jerk started less than ``isolation_ms`` before them (``isolation``: its EMG and
   EEG would leak into the pre-window), or when the epoch's peak-to-peak amplitude on any
   channel is an outlier (``artefact``).
3. Each epoch is baseline-corrected (mean of -200 to -100 ms) and averaged.
4. Significance by randomisation: the statistic is the largest ``|mean / standard error|``
   across jerks in the search window (-60 to -5 ms) over all channels; the same statistic is
   computed for ``n_random`` sets of random trigger times: the used onsets all shifted by one
   random lag, wrapping around the recording, so that their count and spacing are kept, with
   the same rejection of artefacts. The p value is the share of random sets whose statistic
   reaches the observed one (counting the observed set itself), so it is corrected for the many
   time points and channels searched and makes no assumption about the EEG's spectrum.

The result is a hint from the signal, never a diagnosis: a potential time-locked before the
jerks supports a cortical origin, and its absence does not exclude one (JLBA confirms
clinically cortical myoclonus in about 70 % of cases).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import ndimage
from scipy import signal as sps

from myoscope.errors import SignalError
from myoscope.signals._checks import (
    FloatArray,
    check_band,
    check_option,
    check_positive,
    check_rate,
    check_signal,
)

__all__ = [
    "ALPHA",
    "ARTEFACT_K",
    "BASELINE_MS",
    "EEG_BAND_HZ",
    "EEG_NOTCH_Q",
    "ISOLATION_MS",
    "JLBA_DISCLAIMER",
    "MIN_JERKS",
    "N_RANDOM",
    "SEARCH_MS",
    "WINDOW_MS",
    "WORK_RATE_HZ",
    "BackAverage",
    "ChannelAverage",
    "Peak",
    "eeg_channels",
    "jerk_locked_average",
]

# --------------------------------------------------------------------------------------------
# Named defaults. Source: ../shared/research/signals.md section 1.5 ([F] Shibasaki & Kuroiwa
# 1992 review; [K] practical parameters). Checked only on the seeded simulations of
# myoscope.signals.simulation_eeg (tests/unit/test_backaverage.py): no open recording with
# jerk-locked EEG exists.
# --------------------------------------------------------------------------------------------

WINDOW_MS = (-200.0, 100.0)
"""Epoch around the EMG onset of each jerk, in ms [K]."""

EEG_BAND_HZ = (0.5, 70.0)
"""EEG pass band in Hz for pre-myoclonic spikes [K]. The Bereitschaftspotential needs a lower
high-pass and longer epochs (-2.5 to +0.5 s) and is not computed here."""

BASELINE_MS = (-200.0, -100.0)
"""Part of the epoch whose mean is subtracted from each epoch, in ms."""

SEARCH_MS = (-60.0, -5.0)
"""Where the pre-myoclonic peak is looked for, in ms relative to EMG onset. The spike-to-EMG
latency is 10-25 ms for hand muscles [F] and longer for proximal and leg muscles; the last
5 ms before the onset are left out because the onset detector's jitter (3-7 ms for TKEO onsets
[M]) and the filter's symmetric smearing would let the burst itself leak in."""

ISOLATION_MS = 200.0
"""A jerk that starts less than this many ms after another one is not averaged [K]: the
earlier jerk's EMG and EEG would fall into its pre-window."""

MIN_JERKS = 30
"""Fewest usable jerks for an average. Published averages use 50-200 jerks [F]; with 30 the
standard error of the average is still 18 % (1 / sqrt(30)) of the background EEG, so a
5-10 uV spike under 20-50 uV of background is at the limit of what can be seen, and the
pointwise t statistic is close to normal. Fewer jerks give no answer rather than a weak one."""

ARTEFACT_K = 5.0
"""An epoch is an amplitude artefact when its peak-to-peak amplitude on any channel exceeds
that channel's median over the epochs by more than this many robust SDs (1.4826 * MAD)."""

N_RANDOM = 499
"""Random trigger sets of the randomisation test (smallest p value 1 / 500 = 0.002)."""

ALPHA = 0.01
"""Significance level: the p value of the randomisation test must not exceed it. 1 % rather
than 5 % because a false "cortical" hint is the costlier mistake."""

WORK_RATE_HZ = 1000.0
"""Target working rate in Hz after the 70 Hz low-pass: the EEG keeps every
``q = round(rate / WORK_RATE_HZ)``-th sample (at least every one), so a 2048 Hz recording is
averaged at 1024 Hz and a 256 Hz one at 256 Hz: about 1 ms resolution and 300 points per
averaged channel."""

EEG_NOTCH_Q = 10.0
"""Quality factor of the optional mains notch (-3 dB width 5 Hz at 50 Hz). Mains hum is not
time-locked to the jerks, so averaging already cancels it; the notch only lowers the noise."""

JLBA_DISCLAIMER = "a hint from the signal, not a diagnosis"

_MAD_TO_SD = 1.4826
_MIN_DURATION_S = 1.0
_GATHER = 1_000_000  # samples gathered at once by the randomisation test (8 MB)

_EEG_LABEL = re.compile(r"eeg", re.IGNORECASE)
# 10-20 and 10-10 electrode names at the start of a label: "C3", "Cz", "FCz", "Fp1-A2", "O2 (uV)".
_TEN_TWENTY = re.compile(
    r"^(?:fp|af|fc|ft|cp|tp|po|f|c|t|p|o)(?:z|10|[1-9])(?![a-z0-9])", re.IGNORECASE
)


def eeg_channels(names: Sequence[str]) -> list[str]:
    """Return the channel names that look like EEG, in the given order.

    Parameters
    ----------
    names : sequence of str
        Channel labels as read from a file.

    Returns
    -------
    list of str
        Labels containing ``eeg`` (any case, e.g. ``"EEG C3-A2"``) or starting with a 10-20 or
        10-10 electrode name (``"C3"``, ``"Cz"``, ``"FCz"``, ``"Fp1-A2"``, ``"O2 (uV)"``).
        EMG labels such as ``"FCR"`` or ``"TA"`` do not match: an electrode name needs a digit
        or ``z`` right after its letters.
    """
    return [n for n in names if _EEG_LABEL.search(n) or _TEN_TWENTY.match(n.strip())]


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Peak:
    """The largest deflection of one channel's average in the search window.

    Parameters
    ----------
    channel : str
        EEG channel.
    latency_ms : float
        How long before the EMG onset the peak lies, in ms (positive = before).
    amplitude_uv : float
        Baseline-corrected amplitude of the average at the peak, in uV (signed).
    z : float
        Mean divided by its standard error across jerks at the peak (a t statistic; close to
        a z score for 30 or more jerks), signed like the amplitude.
    p_value : float
        Randomisation-test p value, corrected for the time points and channels searched.
    significant : bool
        ``p_value <= alpha``.
    """

    channel: str
    latency_ms: float
    amplitude_uv: float
    z: float
    p_value: float
    significant: bool

    @property
    def polarity(self) -> str:
        """``"positive"`` or ``"negative"`` (the sign of the amplitude)."""
        return "positive" if self.amplitude_uv >= 0 else "negative"

    def to_dict(self) -> dict[str, Any]:
        """Return the peak as a JSON-ready dict."""
        return {
            "channel": self.channel,
            "latency_ms": round(self.latency_ms, 2),
            "amplitude_uv": round(self.amplitude_uv, 2),
            "polarity": self.polarity,
            "z": round(self.z, 2),
            "p_value": round(self.p_value, 4),
            "significant": self.significant,
        }


@dataclass(frozen=True)
class ChannelAverage:
    """The jerk-locked average of one EEG channel.

    Parameters
    ----------
    channel : str
        EEG channel.
    waveform_uv : ndarray, shape (n_times,)
        Baseline-corrected average in uV at the times of :attr:`BackAverage.times_ms`.
    noise_uv : float
        Median standard error of the average over the epoch, in uV (what is left of the
        background after averaging).
    largest : Peak
        The largest deflection in the search window, significant or not.
    """

    channel: str
    waveform_uv: FloatArray
    noise_uv: float
    largest: Peak

    def to_dict(self) -> dict[str, Any]:
        """Return the average as a JSON-ready dict (waveform rounded to 0.01 uV)."""
        return {
            "channel": self.channel,
            "waveform_uv": [round(float(v), 2) for v in self.waveform_uv],
            "noise_uv": round(self.noise_uv, 3),
            "largest_deflection": self.largest.to_dict(),
        }


@dataclass(frozen=True)
class BackAverage:
    """The result of :func:`jerk_locked_average`.

    Parameters
    ----------
    channels : tuple of str
        EEG channels averaged.
    enough_data : bool
        False when fewer than ``min_jerks`` jerks were usable; then ``averages`` is empty,
        ``peak`` is None and ``reason`` says why.
    reason : str or None
        Why there is no average.
    n_jerks : int
        Jerk onsets given.
    n_jerks_used : int
        Jerks averaged (the same ones on every channel).
    rejected : dict of str to int
        Jerks left out, by reason: ``isolation``, ``edge`` and ``artefact``.
    times_ms : ndarray, shape (n_times,)
        Time of each averaged sample relative to the EMG onset, in ms.
    averages : tuple of ChannelAverage
        One per channel, in input order.
    peak : Peak or None
        The most significant channel's peak when it is significant, else None.
    finding : str
        The result in plain words.
    method : str
        How it was computed, in words.
    params : dict
        Every setting used.
    """

    channels: tuple[str, ...]
    enough_data: bool
    reason: str | None
    n_jerks: int
    n_jerks_used: int
    rejected: dict[str, int]
    times_ms: FloatArray
    averages: tuple[ChannelAverage, ...]
    peak: Peak | None
    finding: str
    method: str
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the result as JSON-ready data (a few hundred numbers per channel)."""
        t = self.times_ms
        step = float(t[1] - t[0]) if len(t) > 1 else 0.0
        return {
            "channels": list(self.channels),
            "enough_data": self.enough_data,
            "reason": self.reason,
            "n_jerks": self.n_jerks,
            "n_jerks_used": self.n_jerks_used,
            "rejected": dict(self.rejected),
            "time_ms": {
                "start": round(float(t[0]), 3) if len(t) else None,
                "step": round(step, 4),
                "n": len(t),
            },
            "averages": [a.to_dict() for a in self.averages],
            "peak": None if self.peak is None else self.peak.to_dict(),
            "finding": self.finding,
            "method": self.method,
            "disclaimer": JLBA_DISCLAIMER,
            "params": dict(self.params),
        }


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _design(rate_hz: float, band: tuple[float, float], mains_hz: float | None) -> FloatArray:
    sections = [sps.butter(4, band, btype="bandpass", fs=rate_hz, output="sos")]
    if mains_hz is not None and mains_hz < band[1] and mains_hz < rate_hz / 2:
        b, a = sps.iirnotch(mains_hz, EEG_NOTCH_Q, fs=rate_hz)
        sections.append(sps.tf2sos(b, a))
    sos: FloatArray = np.ascontiguousarray(np.vstack(sections), dtype=np.float64)
    sos.setflags(write=False)
    return sos


def _filter(arr: FloatArray, rate_hz: float, sos: FloatArray, low_hz: float, q: int) -> FloatArray:
    """Filter each row with zero phase and keep every q-th sample (one row in memory at a time)."""
    n = arr.shape[1]
    # Odd-extension padding of three periods of the high-pass edge keeps edge transients short.
    padlen = min(n - 1, 3 * round(rate_hz / low_hz))
    out = np.empty((arr.shape[0], len(range(0, n, q))))
    for i in range(arr.shape[0]):
        out[i] = sps.sosfiltfilt(sos, arr[i], padlen=padlen)[::q]
    return out


def _ms_range(name: str, value: tuple[float, float]) -> tuple[float, float]:
    try:
        lo, hi = float(value[0]), float(value[1])
        if len(value) != 2:
            raise ValueError
    except (TypeError, ValueError, IndexError):
        raise SignalError(
            f"'{name}' must be two numbers (start, stop) in ms, got {value!r}."
        ) from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise SignalError(f"'{name}' must satisfy start < stop (ms), got ({lo:g}, {hi:g}).")
    return lo, hi


def _check_onsets(onsets_s: Sequence[float] | npt.ArrayLike, duration_s: float) -> FloatArray:
    try:
        onsets = np.asarray(onsets_s, dtype=np.float64)
    except (TypeError, ValueError):
        raise SignalError(
            f"'onsets_s' must be numbers (jerk onsets in s), got {type(onsets_s).__name__}."
        ) from None
    if onsets.ndim != 1:
        raise SignalError(
            f"'onsets_s' must be a flat list of onsets in s, got shape {onsets.shape}."
        )
    bad = ~np.isfinite(onsets)
    if bad.any():
        raise SignalError(
            f"'onsets_s' contains {int(bad.sum())} NaN or infinite value(s); give finite onsets "
            "in s from the start of the recording."
        )
    outside = (onsets < 0) | (onsets >= duration_s)
    if outside.any():
        first = float(onsets[outside][0])
        raise SignalError(
            f"{int(outside.sum())} jerk onset(s) lie outside the EEG recording (0 to "
            f"{duration_s:g} s), e.g. {first:g} s. Check that the onsets and the EEG come from "
            "the same recording and use the same time origin."
        )
    return np.sort(onsets)


def _robust_limit(ptp: FloatArray, max_ptp_uv: float | None) -> float:
    """Peak-to-peak limit in uV of one channel from its epochs' peak-to-peak amplitudes."""
    med = float(np.median(ptp))
    mad = float(np.median(np.abs(ptp - med)))
    limit = med + ARTEFACT_K * _MAD_TO_SD * mad if mad > 0 else math.inf
    return limit if max_ptp_uv is None else min(limit, max_ptp_uv)


class _Epochs:
    """Index arithmetic on the filtered EEG: epochs are gathered, never stored per jerk."""

    def __init__(self, y: FloatArray, offsets: npt.NDArray[np.intp], base: slice) -> None:
        self.y = y
        self.offsets = offsets  # sample offsets of the epoch relative to the onset
        self.base = base  # part of the epoch whose mean is subtracted
        self.clean = np.ones(y.shape[1], dtype=bool)  # by onset position: no artefact

    def screen(self, pos: npt.NDArray[np.intp], max_ptp_uv: float | None) -> None:
        """Set :attr:`clean` for every onset position from limits learnt on the epochs at pos.

        The peak-to-peak amplitude of the epoch at every position comes from a rolling
        maximum and minimum (one channel in memory at a time), so random trigger times are
        screened by a lookup.
        """
        n_t = len(self.offsets)
        # Element i of a centred rolling window of n_t covers [i - n_t // 2, i - n_t // 2 + n_t).
        shift = int(self.offsets[0]) + n_t // 2
        lo, hi = max(0, shift), min(len(self.clean), len(self.clean) + shift)
        for c in range(self.y.shape[0]):
            ptp = ndimage.maximum_filter1d(self.y[c], n_t)
            ptp -= ndimage.minimum_filter1d(self.y[c], n_t)
            limit = _robust_limit(ptp[pos + shift], max_ptp_uv)
            self.clean[lo - shift : hi - shift] &= ptp[lo:hi] <= limit

    def samples(self, c: int, pos: npt.NDArray[np.intp], part: slice) -> FloatArray:
        """Baseline-corrected samples of channel ``c``: shape (*pos.shape, n_part)."""
        row = self.y[c]
        level = row[pos[..., None] + self.offsets[self.base]].mean(axis=-1)
        out: FloatArray = row[pos[..., None] + self.offsets[part]] - level[..., None]
        return out


def _t_stat(
    x: FloatArray, keep: npt.NDArray[np.bool_]
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Mean, standard error and mean / SE over the epoch axis (-2) of the kept epochs."""
    w = keep.astype(np.float64)[..., None]
    k = np.maximum(w.sum(axis=-2), 2.0)
    mean = (w * x).sum(axis=-2) / k
    var = (w * (x - mean[..., None, :]) ** 2).sum(axis=-2) / (k - 1.0)
    se = np.sqrt(var / k)
    t = np.divide(mean, se, out=np.zeros_like(mean), where=se > 0)
    return mean, se, t


def _null_maxima(
    ep: _Epochs, pos: npt.NDArray[np.intp], searched: slice, n_random: int, seed: int
) -> FloatArray:
    """Largest |t| over the searched samples and all channels, for random trigger sets.

    Each set is ``pos`` shifted by one random lag, circularly within the positions where an
    epoch fits, so the count and spacing of the triggers are kept; lags within one epoch length
    of 0 are not drawn. Epochs that the artefact screen rejects are left out, as for the jerks.
    """
    n_work = ep.y.shape[1]
    lo_pos = -int(ep.offsets[0])
    span = n_work - int(ep.offsets[-1]) - lo_pos
    margin = min(len(ep.offsets), span // 4)
    rng = np.random.default_rng(seed)
    null = np.empty(n_random)
    batch = max(1, _GATHER // (len(pos) * len(ep.offsets)))
    for start in range(0, n_random, batch):
        count = min(batch, n_random - start)
        lags = rng.integers(margin, max(span - margin, margin + 1), size=count, dtype=np.intp)
        rand = lo_pos + (pos[None, :] - lo_pos + lags[:, None]) % span
        ok = ep.clean[rand]
        top = np.zeros(count)
        for c in range(ep.y.shape[0]):
            _, _, t_null = _t_stat(ep.samples(c, rand, searched), ok)
            top = np.maximum(top, np.abs(t_null).max(axis=-1))
        null[start : start + count] = top
    return null


def _check_params(
    window_ms: tuple[float, float],
    baseline_ms: tuple[float, float],
    search_ms: tuple[float, float],
    min_jerks: int,
    isolation_ms: float,
    max_ptp_uv: float | None,
    n_random: int,
    alpha: float,
) -> tuple[tuple[float, float], tuple[float, float], tuple[float, float]]:
    """Check the settings of :func:`jerk_locked_average`; return the three ms ranges."""
    win = _ms_range("window_ms", window_ms)
    base = _ms_range("baseline_ms", baseline_ms)
    search = _ms_range("search_ms", search_ms)
    for name, (lo, hi) in (("baseline_ms", base), ("search_ms", search)):
        if lo < win[0] or hi > win[1]:
            raise SignalError(
                f"'{name}' ({lo:g}, {hi:g}) ms must lie inside 'window_ms' "
                f"({win[0]:g}, {win[1]:g}) ms."
            )
    if search[0] >= 0:
        raise SignalError(
            f"'search_ms' must start before the EMG onset (a negative start), got {search[0]:g}."
        )
    if isinstance(min_jerks, bool) or not isinstance(min_jerks, int) or min_jerks < 2:
        raise SignalError(f"'min_jerks' must be an integer >= 2, got {min_jerks!r}.")
    check_positive("isolation_ms", isolation_ms, unit="ms", allow_zero=True)
    if max_ptp_uv is not None:
        check_positive("max_ptp_uv", max_ptp_uv, unit="uV")
    if not 0 < alpha < 1:
        raise SignalError(f"'alpha' must lie between 0 and 1, got {alpha!r}.")
    least = math.ceil(1.0 / alpha - 1.0 - 1e-9)
    if isinstance(n_random, bool) or not isinstance(n_random, int) or n_random < least:
        raise SignalError(
            f"'n_random' must be an integer >= {least} so that p can reach alpha = {alpha:g}, "
            f"got {n_random!r}."
        )
    return win, base, search


def _not_enough(
    names: tuple[str, ...],
    n_jerks: int,
    n_used: int,
    rejected: dict[str, int],
    times_ms: FloatArray,
    min_jerks: int,
    method: str,
    params: dict[str, Any],
) -> BackAverage:
    left_out = ", ".join(f"{v} {k}" for k, v in rejected.items() if v)
    why = f"{n_used} usable jerk(s) of {n_jerks}" + (f" ({left_out} left out)" if left_out else "")
    reason = (
        f"too few jerks for back-averaging: {why}; at least {min_jerks} are needed "
        "(published averages use 50-200)"
    )
    return BackAverage(
        channels=names,
        enough_data=False,
        reason=reason,
        n_jerks=n_jerks,
        n_jerks_used=n_used,
        rejected=rejected,
        times_ms=times_ms,
        averages=(),
        peak=None,
        finding=f"no back-average: {reason}",
        method=method,
        params=params,
    )


def _finding(best: Peak, n_used: int) -> str:
    if best.significant:
        return (
            f"a potential preceding the jerks by {best.latency_ms:.0f} ms on {best.channel} "
            f"({best.polarity}, {abs(best.amplitude_uv):.1f} uV, z = {best.z:.1f}, "
            f"p = {best.p_value:.3g}, {n_used} jerks): supports a cortical origin"
        )
    return (
        f"no consistent potential before the jerks ({n_used} jerks; largest deflection "
        f"z = {best.z:.1f} on {best.channel}, p = {best.p_value:.2g}): does not exclude a "
        "cortical origin"
    )


# --------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------


def jerk_locked_average(
    eeg: npt.ArrayLike,
    rate_hz: float,
    onsets_s: Sequence[float] | npt.ArrayLike,
    *,
    channel_names: Sequence[str] | str | None = None,
    window_ms: tuple[float, float] = WINDOW_MS,
    baseline_ms: tuple[float, float] = BASELINE_MS,
    search_ms: tuple[float, float] = SEARCH_MS,
    band_hz: tuple[float, float] = EEG_BAND_HZ,
    mains_hz: float | None = None,
    min_jerks: int = MIN_JERKS,
    isolation_ms: float = ISOLATION_MS,
    max_ptp_uv: float | None = None,
    n_random: int = N_RANDOM,
    alpha: float = ALPHA,
    seed: int = 0,
) -> BackAverage:
    """Average the EEG around the EMG onsets of the jerks and test for a preceding potential.

    Parameters
    ----------
    eeg : array_like, shape (n_samples,) or (n_channels, n_samples)
        EEG in uV (convert mV or V first), all channels at ``rate_hz``.
    rate_hz : float
        Sampling rate of the EEG in Hz (above twice the upper band edge, 140 Hz by default).
    onsets_s : sequence of float
        EMG onsets of the jerks in s from the start of the EEG, e.g. the ``onset_s`` of
        :func:`myoscope.signals.summary.group_jerks` (the earliest burst of each jerk).
        Their precision matters: the spike precedes the EMG by only 10-25 ms, so onsets
        should be within about 5 ms.
    channel_names : sequence of str, optional
        One name per EEG row (default ``ch1``, ``ch2`` ...).
    window_ms : (float, float)
        Epoch around each onset in ms (default -200 to +100).
    baseline_ms : (float, float)
        Part of the epoch whose mean is subtracted, in ms (default -200 to -100).
    search_ms : (float, float)
        Where the pre-myoclonic peak is looked for, in ms (default -60 to -5, see
        :data:`SEARCH_MS`).
    band_hz : (float, float)
        Band-pass edges in Hz (default 0.5-70).
    mains_hz : {50, 60, None}
        Mains frequency for a notch, or None for none.
    min_jerks : int
        Fewest usable jerks for an answer (default 30, see :data:`MIN_JERKS`).
    isolation_ms : float
        Leave out a jerk that starts less than this many ms after the previous one.
    max_ptp_uv : float, optional
        Also leave out epochs whose peak-to-peak amplitude exceeds this many uV on any channel
        (besides the outliers found by :data:`ARTEFACT_K`).
    n_random : int
        Random trigger sets of the randomisation test (at least ``1 / alpha - 1``).
    alpha : float
        Significance level of the test (default 0.01).
    seed : int
        Seed of the random trigger times: the same seed gives the same p values.

    Returns
    -------
    BackAverage
        The average per channel, the most significant pre-myoclonic peak when there is one,
        the counts of jerks used and left out, and a plain-words finding. With fewer than
        ``min_jerks`` usable jerks, ``enough_data`` is False, ``reason`` says why and no
        average or peak is given.

    Raises
    ------
    SignalError
        A bad shape, NaN or infinite samples, a constant channel, a recording shorter than
        1 s, a sampling rate too low for the band, onsets that are not finite or lie outside
        the recording, or inconsistent windows.

    Notes
    -----
    The filter runs once per channel over the whole recording; epochs, baselines and
    peak-to-peak amplitudes are then read by index arithmetic (gathered samples and rolling
    extrema, one channel at a time), so long recordings are not copied per jerk. The EEG is
    kept at a working rate near :data:`WORK_RATE_HZ` after the low-pass.

    Scalp-muscle EMG or movement that starts before the limb EMG (for example in brainstem
    myoclonus, which recruits cranial muscles first) can also produce a jerk-locked
    deflection before the onset; the finding says what the signal shows, not where it comes
    from.
    """
    rate = check_rate(rate_hz, what="back-averaging")
    low, high = check_band(band_hz, rate)
    if mains_hz is not None:
        check_option("mains_hz", mains_hz, (50, 60, None))
    win, base, search = _check_params(
        window_ms, baseline_ms, search_ms, min_jerks, isolation_ms, max_ptp_uv, n_random, alpha
    )
    arr, names = check_signal(
        eeg, rate, channels=channel_names, min_duration_s=_MIN_DURATION_S, name="eeg"
    )
    n_samples = arr.shape[1]
    onsets = _check_onsets(onsets_s, n_samples / rate)

    q = max(1, round(rate / WORK_RATE_HZ))
    work = rate / q
    first = math.ceil(win[0] * 1e-3 * work - 1e-9)
    last = math.floor(win[1] * 1e-3 * work + 1e-9)
    offsets = np.arange(first, last + 1, dtype=np.intp)
    times_ms = offsets / work * 1e3
    b0, b1 = np.searchsorted(times_ms, base[0] - 1e-9), np.searchsorted(times_ms, base[1] + 1e-9)
    s0 = int(np.searchsorted(times_ms, search[0] - 1e-9))
    s1 = int(np.searchsorted(times_ms, search[1] + 1e-9))
    if b1 - b0 < 1 or s1 - s0 < 1:
        raise SignalError(
            f"'baseline_ms' and 'search_ms' must each span at least one sample at the working "
            f"rate of {work:g} Hz ({1e3 / work:.3g} ms per sample)."
        )
    params: dict[str, Any] = {
        "band_hz": [low, high],
        "filter": "Butterworth band-pass, order 4 (prototype), second-order sections, zero phase",
        "mains_hz": mains_hz,
        "notch_q": EEG_NOTCH_Q if mains_hz is not None else None,
        "window_ms": list(win),
        "baseline_ms": list(base),
        "search_ms": list(search),
        "working_rate_hz": work,
        "min_jerks": min_jerks,
        "isolation_ms": isolation_ms,
        "artefact_k": ARTEFACT_K,
        "max_ptp_uv": max_ptp_uv,
        "n_random": n_random,
        "alpha": alpha,
        "seed": seed,
    }
    method = (
        f"average of baseline-corrected EEG epochs ({win[0]:g} to {win[1]:g} ms) around the "
        f"EMG onsets of the jerks, {low:g}-{high:g} Hz zero-phase band-pass; significance by "
        f"a randomisation test: the largest |mean / standard error| from {search[0]:g} to "
        f"{search[1]:g} ms over all channels, compared with the same statistic for "
        f"{n_random} sets of random trigger times (the onsets shifted together by a random "
        "lag, wrapping around the recording), so corrected for the time points and channels "
        "searched"
    )

    # Rejection by timing: isolation, then the edges (at the working rate).
    n_jerks = len(onsets)
    isolated = np.ones(n_jerks, dtype=bool)
    if n_jerks > 1:
        isolated[1:] = np.diff(onsets) * 1e3 >= isolation_ms
    n_work = len(range(0, n_samples, q))
    pos_all = np.round(onsets * work).astype(np.intp)
    inside = (pos_all + offsets[0] >= 0) & (pos_all + offsets[-1] <= n_work - 1)
    rejected = {
        "isolation": int(np.count_nonzero(~isolated)),
        "edge": int(np.count_nonzero(isolated & ~inside)),
        "artefact": 0,
    }
    pos = pos_all[isolated & inside]
    if len(pos) < min_jerks:
        return _not_enough(names, n_jerks, len(pos), rejected, times_ms, min_jerks, method, params)

    y = _filter(arr, rate, _design(rate, (low, high), mains_hz).copy(), low, q)
    ep = _Epochs(y, offsets, slice(int(b0), int(b1)))
    ep.screen(pos, max_ptp_uv)
    clean = ep.clean[pos]
    rejected["artefact"] = int(np.count_nonzero(~clean))
    pos = pos[clean]
    if len(pos) < min_jerks:
        return _not_enough(names, n_jerks, len(pos), rejected, times_ms, min_jerks, method, params)

    # Observed averages and statistics.
    keep = np.ones(len(pos), dtype=bool)
    everything = slice(None)
    observed: list[tuple[FloatArray, float, int, float]] = []
    for c in range(len(names)):
        mean, se, t = _t_stat(ep.samples(c, pos, everything), keep)
        j = s0 + int(np.argmax(np.abs(t[s0:s1])))
        observed.append((mean, float(np.median(se)), j, float(t[j])))
    stat = np.array([abs(o[3]) for o in observed])

    null = _null_maxima(ep, pos, slice(s0, s1), n_random, seed)
    p_values = (1.0 + (null[None, :] >= stat[:, None]).sum(axis=1)) / (1.0 + n_random)

    averages: list[ChannelAverage] = []
    for c, (mean, noise, j, t_peak) in enumerate(observed):
        largest = Peak(
            channel=names[c],
            latency_ms=-float(times_ms[j]),
            amplitude_uv=float(mean[j]),
            z=t_peak,
            p_value=float(p_values[c]),
            significant=bool(p_values[c] <= alpha),
        )
        averages.append(ChannelAverage(names[c], mean, noise, largest))
    best = max(averages, key=lambda a: abs(a.largest.z)).largest
    return BackAverage(
        channels=names,
        enough_data=True,
        reason=None,
        n_jerks=n_jerks,
        n_jerks_used=len(pos),
        rejected=rejected,
        times_ms=times_ms,
        averages=tuple(averages),
        peak=best if best.significant else None,
        finding=_finding(best, len(pos)),
        method=method,
        params=params,
    )
