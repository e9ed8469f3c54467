"""Detection of myoclonic EMG bursts (positive) and silent periods (negative myoclonus).

Stage order (all vectorised; the only per-event work is array arithmetic on the events):

1. :func:`~myoscope.signals.filtering.clean_emg`: zero-phase 20-450 Hz Butterworth band-pass
   and mains notches.
2. Teager-Kaiser energy operator (TKEO) ``psi[n] = y[n]^2 - y[n-1] y[n+1]``, averaged in blocks
   to about 500 Hz and smoothed by two passes of a centred 10 ms moving average (a 20 ms
   triangular window: zero phase, and unlike a Butterworth low-pass it has no undershoot or
   ringing after large bursts): the envelope.
3. Robust baseline per window of :data:`BASELINE_WINDOW_S`: median and MAD of the envelope,
   re-estimated after clipping everything above ``median + CLIP_K * MAD`` (so dense jerks do not
   inflate it), interpolated between windows.
4. Double-threshold hysteresis (an event starts above ``median + k_on * MAD`` and extends while
   above ``median + k_off * MAD``), gaps shorter than ``merge_gap_ms`` merged.
5. A separate, sharper onset/offset estimate at the full sampling rate: the maximum-likelihood
   change point of the signal energy ``y^2`` (a step in variance) on each side of the envelope
   peak, corrected by the calibration constants in :data:`DURATION_CALIBRATION_MS`. Events
   shorter than ``min_duration_ms`` or longer than ``max_duration_ms`` are dropped.

Silent periods use a 10 ms RMS envelope of the TKEO (which weights high frequencies and so
down-weights the low-frequency QRS complex of the ECG) compared with a running median of the
tonic level; short supra-threshold excursions (a QRS complex) inside a silent period are
bridged (research section 4.2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from myoscope.errors import SignalError
from myoscope.signals._checks import (
    FloatArray,
    check_band,
    check_option,
    check_positive,
    check_rate,
    check_signal,
)
from myoscope.signals.filtering import DEFAULT_BAND_HZ, NOTCH_Q, clean_emg

__all__ = [
    "BASELINE_WINDOW_S",
    "BURST_K_OFF",
    "BURST_K_ON",
    "CLIP_K",
    "DURATION_CALIBRATION_MS",
    "EDGE_REACH_MS",
    "EDGE_SEARCH_MS",
    "ENVELOPE_RATE_HZ",
    "ENVELOPE_SMOOTH_MS",
    "MIN_DURATION_S",
    "MIN_FREQUENCY_HZ",
    "SHARP_WINDOW_MS",
    "SILENT_BRIDGE_MS",
    "SILENT_FLANK_LEVEL",
    "SILENT_FLANK_MS",
    "SILENT_LEVEL_WINDOW_S",
    "SILENT_RMS_WINDOW_MS",
    "Detection",
    "Event",
    "detect_bursts",
    "detect_emg",
    "detect_silent_periods",
]

IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

# --------------------------------------------------------------------------------------------
# Named defaults. Sources: research/signals.md sections 0 and 1.1 (TKEO: Li 2007, Solnik 2008;
# double threshold: Bonato 1998; silent periods: section 4.2). Validated only on the seeded
# simulations of myoscope.signals.simulation (tests/spec/test_signals_quality.py): no labelled
# real myoclonus recording is openly available.
# --------------------------------------------------------------------------------------------

ENVELOPE_RATE_HZ = 500.0
"""Target rate in Hz of the block-averaged TKEO envelope (2 ms resolution at 2 kHz)."""

ENVELOPE_SMOOTH_MS = 10.0
"""Length in ms of the moving average applied twice to the TKEO envelope (about a 40 Hz
low-pass without ringing)."""

BASELINE_WINDOW_S = 10.0
"""Window in s over which the robust baseline (median, MAD) is estimated, then interpolated."""

CLIP_K = 6.0
"""Baseline samples above median + CLIP_K * MAD are excluded when the baseline is re-estimated."""

BURST_K_ON = 25.0
"""Default onset threshold: envelope above median + k_on * MAD of the baseline."""

BURST_K_OFF = 8.0
"""Default extent threshold: an event lasts while the envelope is above median + k_off * MAD."""

MIN_DURATION_S = 1.0
"""Shortest recording accepted, in s (the baseline needs some background)."""

MIN_FREQUENCY_HZ = 50.0
"""Bursts whose mean frequency (from the TKEO / energy ratio) is below this (Hz) are dropped.

Surface EMG has most of its power at 50-150 Hz (mean frequency well above 60 Hz); what is left
of a QRS complex after the 20 Hz high-pass, and motion artefacts, lie at 20-35 Hz. On the
simulations, bursts measured 200-270 Hz and QRS complexes 25-30 Hz."""

SHARP_WINDOW_MS = 3.0
"""Moving-average length (ms) of the energy used to place burst edges."""

EDGE_SEARCH_MS = 8.0
"""Burst edges are searched from this many ms outside the change points (also the length of
the background reference next to each edge)."""

EDGE_REACH_MS = 40.0
"""... and up to this many ms inside them (not beyond the envelope peak)."""

EDGE_MARGIN_MS = 40.0
"""How far (ms) before/after the hysteresis extent the change-point search looks."""

DURATION_CALIBRATION_MS: Mapping[str, float] = {"onset": -0.5, "offset": -0.5}
"""Calibration of the burst edges, in ms, added to the raw onset and offset times.

Duration definition (as in :mod:`myoscope.signals.simulation`): the time between the
half-amplitude points of the burst envelope. The raw edges (see :func:`_sharp_edges`) are the
first and one-past-the-last samples at or above the half-amplitude level, so both sit about half
a sample late. The constants are the negated median onset and offset errors measured on 960
simulated bursts (simulate_emg, 4 x 120 s x 4 channels, seeds 100-103: 20-300 ms bursts with
4 ms raised-cosine ramps; clean, ECG 300 uV + mains 50 uV, 40-80 uV bursts on 10 uV tonic,
and 300-1000 uV bursts on 30 uV tonic; all at 2 kHz): +0.53 ms and +0.56 ms. The residual
median absolute duration error is about 1.5 ms and is checked (<= 5 ms) in
tests/spec/test_signals_quality.py. Recalibrate if the edge estimator or the defaults change.
"""

SILENT_RMS_WINDOW_MS = 10.0
"""Length in ms of the moving RMS window for silent periods (research section 4.2)."""

SILENT_LEVEL_WINDOW_S = 2.0
"""Running-median window in s for the local tonic level."""

SILENT_BRIDGE_MS = 40.0
"""Supra-threshold excursions shorter than this (ms) inside a silent period (e.g. a QRS
complex) do not end it."""

SILENT_FLANK_MS = 100.0
"""Length in ms of the activity required on each side of a silent period."""

SILENT_FLANK_LEVEL = 0.5
"""Mean RMS of each flank must reach this fraction of the local tonic level."""


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One detected (or simulated) event, with the JSON field names of the recordings spec.

    Parameters
    ----------
    channel : str
        Channel name.
    kind : {"positive", "negative"}
        ``positive``: an EMG burst (or accelerometer jerk); ``negative``: a silent period.
    onset_s, offset_s : float
        Start and end in s from the start of the recording.
    peak_s : float or None
        Time of the envelope maximum in s (None for silent periods).
    duration_ms : float
        ``(offset_s - onset_s) * 1000``.
    amplitude : float or None
        For EMG bursts, the RMS of the cleaned EMG between onset and offset.
    amplitude_unit : str or None
        Unit of ``amplitude`` (``"uV"`` for EMG given in microvolts).
    """

    channel: str
    kind: str
    onset_s: float
    offset_s: float
    peak_s: float | None
    duration_ms: float
    amplitude: float | None = None
    amplitude_unit: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the event as a JSON-ready dict, leaving out fields that are None."""
        fields = {
            "channel": self.channel,
            "kind": self.kind,
            "onset_s": round(self.onset_s, 6),
            "offset_s": round(self.offset_s, 6),
            "peak_s": None if self.peak_s is None else round(self.peak_s, 6),
            "duration_ms": round(self.duration_ms, 3),
            "amplitude": None if self.amplitude is None else round(self.amplitude, 3),
            "amplitude_unit": self.amplitude_unit,
        }
        return {k: v for k, v in fields.items() if v is not None}


@dataclass(frozen=True)
class Detection:
    """The result of :func:`detect_emg`.

    Parameters
    ----------
    events : tuple of Event
        All events, sorted by onset.
    channels : tuple of str
        The channels analysed, in input order.
    rate_hz : float
        Sampling rate in Hz.
    duration_s : float
        Recording length in s.
    params : mapping
        Every threshold and filter actually used, including per-channel baselines.
    """

    events: tuple[Event, ...]
    channels: tuple[str, ...]
    rate_hz: float
    duration_s: float
    params: Mapping[str, Any] = field(default_factory=dict)

    def of(self, kind: str, channel: str | None = None) -> tuple[Event, ...]:
        """Return the events of one kind (``positive`` or ``negative``), optionally one channel."""
        check_option("kind", kind, ("positive", "negative"))
        return tuple(
            e for e in self.events if e.kind == kind and (channel is None or e.channel == channel)
        )

    def counts(self) -> dict[str, dict[str, int]]:
        """Return ``{channel: {"positive": n, "negative": m}}``."""
        out = {c: {"positive": 0, "negative": 0} for c in self.channels}
        for e in self.events:
            out[e.channel][e.kind] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        """Return events, channels, rate, duration and params as JSON-ready data."""
        return {
            "channels": list(self.channels),
            "rate_hz": self.rate_hz,
            "duration_s": self.duration_s,
            "events": [e.to_dict() for e in self.events],
            "params": dict(self.params),
        }


# --------------------------------------------------------------------------------------------
# Vectorised helpers
# --------------------------------------------------------------------------------------------


def _runs(mask: BoolArray) -> tuple[IntArray, IntArray]:
    """Start and end (exclusive) indices of the True runs of a boolean array."""
    d = np.diff(mask.view(np.int8), prepend=np.int8(0), append=np.int8(0))
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1)


def _merge_gaps(starts: IntArray, ends: IntArray, min_gap: int) -> tuple[IntArray, IntArray]:
    """Merge runs separated by fewer than ``min_gap`` samples."""
    if len(starts) < 2:
        return starts, ends
    new = np.concatenate(([True], (starts[1:] - ends[:-1]) >= min_gap))
    last = np.concatenate((new[1:], [True]))
    return starts[new], ends[last]


def _ragged(starts: IntArray, lengths: IntArray) -> tuple[IntArray, IntArray]:
    """Concatenated indices of the ranges ``[s, s + n)`` and the offset of each range."""
    bounds = np.concatenate(([0], np.cumsum(lengths)))
    total = int(bounds[-1])
    local = np.arange(total) - np.repeat(bounds[:-1], lengths)
    return np.repeat(starts, lengths) + local, bounds


def _segment_argmin(values: FloatArray, bounds: IntArray) -> IntArray:
    """Position (within its segment) of the first minimum of each non-empty segment."""
    lengths = np.diff(bounds)
    mins = np.minimum.reduceat(values, bounds[:-1])
    pos = np.flatnonzero(values == np.repeat(mins, lengths))
    seg = np.searchsorted(bounds, pos, side="right") - 1
    first = np.unique(seg, return_index=True)[1]
    out: IntArray = pos[first] - bounds[seg[first]]
    return out


def _edge_energy(y: FloatArray, idx: npt.NDArray[np.intp]) -> FloatArray:
    """Energy of the central difference ``(y[i+1] - y[i-1])**2`` at the indices ``idx``.

    The difference weights each frequency by ``2 sin(w)``: relative to EMG at 100-150 Hz it
    attenuates what is left of the QRS complex (20-35 Hz) about 30-fold in energy and the ringing
    of the 50 Hz notch about 9-fold, so neither pulls the burst edges outwards.
    """
    n = len(y)
    diff = y[np.minimum(idx + 1, n - 1)] - y[np.maximum(idx - 1, 0)]
    out: FloatArray = diff * diff
    return out


def _range_sums(values: FloatArray, lo: IntArray, hi: IntArray) -> FloatArray:
    """``values[lo[i]:hi[i]].sum()`` for every i (0 for empty ranges), by a ragged gather."""
    lengths = np.maximum(hi - lo, 0).astype(np.intp)
    idx, bounds = _ragged(lo, lengths)
    c = np.concatenate(([0.0], np.cumsum(values[idx], dtype=np.float64)))
    out: FloatArray = c[bounds[1:]] - c[bounds[:-1]]
    return out


def _change_points(e: FloatArray, bounds: IntArray) -> IntArray:
    """Maximum-likelihood single change point of the variance in each ragged segment.

    ``e`` holds the segments back to back (segment i is ``e[bounds[i]:bounds[i+1]]``, at least
    2 samples). For a segment of length n, the cost of a split after k samples is
    ``k log(mean(e[:k])) + (n - k) log(mean(e[k:]))`` (a step in the variance of Gaussian
    noise); the result is k for each segment (the first sample of the second part).
    """
    lengths = np.diff(bounds)
    tiny = 1e-12 * float(e.mean()) + 1e-300
    csum = np.cumsum(e, dtype=np.float64)
    base = np.repeat(np.concatenate(([0.0], csum[bounds[1:-1] - 1])), lengths)
    left = csum - base  # sum of the first k samples, k = local index + 1
    total = np.repeat(csum[bounds[1:] - 1], lengths) - base
    k = (np.arange(len(e)) - np.repeat(bounds[:-1], lengths) + 1).astype(np.float64)
    n = np.repeat(lengths, lengths).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        cost = k * np.log(left / k + tiny) + (n - k) * np.log((total - left) / (n - k) + tiny)
    cost[bounds[1:] - 1] = np.inf  # k == n: no second part
    cost[~np.isfinite(cost)] = np.inf
    return _segment_argmin(cost, bounds) + 1


def _step_edges(blocks: FloatArray, lo: IntArray, hi: IntArray) -> IntArray:
    """Change point of the block-averaged TKEO in each block window ``[lo, hi)``."""
    lengths = (hi - lo).astype(np.intp)
    idx, bounds = _ragged(lo, lengths)
    return lo + _change_points(blocks[idx], bounds)


def _sharp_edges(
    y: FloatArray,
    rate_hz: float,
    k1: IntArray,
    k2: IntArray,
    peak: IntArray,
) -> tuple[IntArray, IntArray]:
    """Half-amplitude edges of each burst, refining its change points ``k1`` and ``k2``.

    The edge energy (:func:`_edge_energy`) is averaged over :data:`SHARP_WINDOW_MS`. The
    reference levels are its mean between ``k1`` and ``k2`` (the burst) and over
    :data:`EDGE_SEARCH_MS` outside each change point (the background). The onset is the first
    sample, scanning forwards from ``k1 - EDGE_SEARCH_MS`` towards the peak, where the averaged
    energy is a quarter of the way from the background to the burst level (a quarter of the
    energy is half of the amplitude); the offset is the sample after the last such sample,
    scanning backwards from ``k2 + EDGE_SEARCH_MS``. With the background subtracted the
    crossing does not depend on the signal-to-noise ratio, and low-level ringing around large
    bursts, which pulls the change points outwards, stays below it.
    """
    n = len(y)
    w = max(1, round(SHARP_WINDOW_MS * 1e-3 * rate_hz))
    search = max(1, round(EDGE_SEARCH_MS * 1e-3 * rate_hz))
    reach = max(search + 1, round(EDGE_REACH_MS * 1e-3 * rate_hz))
    burst = _range_sums_energy(y, k1, k2) / np.maximum(k2 - k1, 1)
    bg_on = _range_sums_energy(y, np.maximum(k1 - search, 0), k1) / search
    bg_off = _range_sums_energy(y, k2, np.minimum(k2 + search, n)) / search
    span = np.arange(search + reach + w)

    def smoothed(first: IntArray) -> FloatArray:
        """Return the moving mean of the edge energy from 'first' on, one row per event."""
        idx = np.clip((first - w // 2)[:, np.newaxis] + span, 0, n - 1)
        c = np.cumsum(_edge_energy(y, idx), axis=1, dtype=np.float64)
        c = np.concatenate((np.zeros((len(first), 1)), c), axis=1)
        out: FloatArray = (c[:, w:] - c[:, :-w]) / w
        return out

    first_on = k1 - search
    hit = smoothed(first_on) >= (bg_on + 0.25 * (burst - bg_on))[:, np.newaxis]
    hit &= (first_on[:, np.newaxis] + np.arange(hit.shape[1])) <= peak[:, np.newaxis]
    onset = np.where(hit.any(axis=1), first_on + hit.argmax(axis=1), k1)
    first_off = k2 + search - hit.shape[1]
    hit = smoothed(first_off) >= (bg_off + 0.25 * (burst - bg_off))[:, np.newaxis]
    hit &= (first_off[:, np.newaxis] + np.arange(hit.shape[1])) >= peak[:, np.newaxis]
    last = hit.shape[1] - 1 - hit[:, ::-1].argmax(axis=1)
    offset = np.where(hit.any(axis=1), first_off + last + 1, k2)
    return onset.astype(np.intp), np.maximum(offset, onset + 1).astype(np.intp)


def _range_sums_energy(y: FloatArray, lo: IntArray, hi: IntArray) -> FloatArray:
    """Return the sums of the edge energy over ``[lo[i], hi[i])`` for every i."""
    lengths = np.maximum(hi - lo, 0).astype(np.intp)
    idx, bounds = _ragged(lo, lengths)
    c = np.concatenate(([0.0], np.cumsum(_edge_energy(y, idx), dtype=np.float64)))
    out: FloatArray = c[bounds[1:]] - c[bounds[:-1]]
    return out


def _smooth(x: FloatArray, rate_hz: float) -> FloatArray:
    width = max(1, round(ENVELOPE_SMOOTH_MS * 1e-3 * rate_hz))
    once = ndimage.uniform_filter1d(x, width, mode="nearest")
    out: FloatArray = ndimage.uniform_filter1d(once, width, mode="nearest")
    return out


def _baseline(env: FloatArray, env_rate: float, window_s: float) -> tuple[FloatArray, FloatArray]:
    """Robust local median and MAD of the envelope, interpolated to every envelope sample.

    The envelope is subsampled to about 100 Hz, split into windows of ``window_s``, and in
    each window the median and the MAD are re-estimated 4 times on the samples below
    ``median + CLIP_K * MAD`` (sigma clipping), so that bursts, even dense ones, do not inflate
    them. The MAD is taken as ``median - 25th percentile`` of the kept samples: it equals the
    MAD for a symmetric distribution and, coming from the lower half only, ignores the upper
    tail where bursts and ECG residue lie.
    """
    step = max(1, round(env_rate / 100.0))
    stat = env[::step].astype(np.float64)  # the statistics in double precision
    per_window = max(8, round(window_s * env_rate / step))
    n_win = max(1, len(stat) // per_window)
    if n_win == 1:
        rows = np.sort(stat)[np.newaxis, :]
    else:
        rows = np.sort(stat[: n_win * per_window].reshape(n_win, per_window), axis=1)
    width = rows.shape[1]
    keep = np.full(n_win, width, dtype=np.intp)
    ar = np.arange(n_win)
    for _ in range(4):
        med = rows[ar, keep // 2]
        mad = med - rows[ar, keep // 4]
        clip = med + CLIP_K * np.maximum(mad, 1e-12 * np.abs(med) + 1e-300)
        keep = np.maximum((rows <= clip[:, np.newaxis]).sum(axis=1), 8).astype(np.intp)
        keep = np.minimum(keep, width)
    med = rows[ar, keep // 2]
    mad = np.maximum(med - rows[ar, keep // 4], 1e-9 * np.abs(med) + 1e-300)
    if n_win == 1:
        return np.full(len(env), med[0]), np.full(len(env), mad[0])
    centres = (np.arange(n_win) + 0.5) * per_window * step
    t = np.arange(len(env), dtype=np.float64)
    return np.interp(t, centres, med), np.interp(t, centres, mad)


@dataclass(frozen=True)
class _Prepared:
    """Per-channel intermediate arrays shared by the burst and silent-period detectors."""

    y: FloatArray  # cleaned signal
    y2: FloatArray  # y ** 2
    blocks: FloatArray  # TKEO averaged in blocks of q samples
    q: int
    env_rate: float


def _block_mean(v: FloatArray, q: int) -> FloatArray:
    """Means of consecutive blocks of ``q`` samples (a trailing partial block is dropped)."""
    m = len(v) // q
    out: FloatArray = v[0 : m * q : q].copy()
    for r in range(1, q):
        out += v[r : m * q : q]
    if q > 1:
        out /= q
    return out


def _prepare(y: FloatArray, rate_hz: float) -> _Prepared:
    y2 = y * y
    tk = np.empty_like(y)
    np.multiply(y[:-2], y[2:], out=tk[1:-1])
    np.subtract(y2[1:-1], tk[1:-1], out=tk[1:-1])
    tk[0] = tk[1]
    tk[-1] = tk[-2]
    q = max(1, round(rate_hz / ENVELOPE_RATE_HZ))
    blocks = _block_mean(tk, q)
    return _Prepared(y=y, y2=y2, blocks=blocks, q=q, env_rate=rate_hz / q)


# --------------------------------------------------------------------------------------------
# Positive bursts
# --------------------------------------------------------------------------------------------


def _bursts(
    prep: _Prepared,
    rate_hz: float,
    channel: str,
    *,
    k_on: float,
    k_off: float,
    min_duration_ms: float,
    merge_gap_ms: float,
    max_duration_ms: float,
    baseline_window_s: float,
    min_frequency_hz: float,
) -> tuple[list[Event], dict[str, float]]:
    env = _smooth(prep.blocks, prep.env_rate)
    med, mad = _baseline(env, prep.env_rate, baseline_window_s)
    above_on = env > med + k_on * mad
    above_off = env > med + k_off * mad
    starts, ends = _runs(above_off)
    if len(starts):
        c = np.concatenate(([0], np.cumsum(above_on)))
        has_on = c[ends] > c[starts]
        starts, ends = starts[has_on], ends[has_on]
    starts, ends = _merge_gaps(starts, ends, max(1, round(merge_gap_ms * 1e-3 * prep.env_rate)))
    baseline_info = {
        "baseline_median": float(np.median(med[:: max(1, len(med) // 1000)])),
        "baseline_mad": float(np.median(mad[:: max(1, len(mad) // 1000)])),
    }
    if len(starts) == 0:
        return [], baseline_info
    # Envelope peak of each run.
    idx, bounds = _ragged(starts, ends - starts)
    peak_env = starts + _segment_argmin(-env[idx], bounds)
    q = prep.q
    n = len(prep.y)
    peak = np.minimum(peak_env * q + q // 2, n - 1)
    # Change points on the block-averaged TKEO (whose frequency weighting, like that of the
    # edge energy, suppresses ECG and notch ringing), in windows reaching EDGE_MARGIN_MS
    # outside the hysteresis extent but only half-way to the neighbouring events.
    nb = len(prep.blocks)
    margin = max(1, round(EDGE_MARGIN_MS * 1e-3 * prep.env_rate))
    mid_prev = np.concatenate(([0], (ends[:-1] + starts[1:]) // 2))
    mid_next = np.concatenate(((ends[:-1] + starts[1:]) // 2, [nb]))
    on_lo = np.maximum(starts - margin, mid_prev)
    off_hi = np.minimum(ends + margin, mid_next)
    on_hi = np.maximum(peak_env + 1, on_lo + 2)
    off_lo = np.minimum(peak_env, off_hi - 2)
    k1 = _step_edges(prep.blocks, on_lo, on_hi) * q
    k2 = np.maximum(_step_edges(prep.blocks, off_lo, off_hi) * q, k1 + 1)
    onset, offset = _sharp_edges(prep.y, rate_hz, k1, k2, peak)
    onset_s = onset / rate_hz + DURATION_CALIBRATION_MS["onset"] * 1e-3
    offset_s = offset / rate_hz + DURATION_CALIBRATION_MS["offset"] * 1e-3
    duration_ms = (offset_s - onset_s) * 1e3
    ok = (duration_ms >= min_duration_ms) & (duration_ms <= max_duration_ms)
    # Mean frequency from the TKEO / energy ratio (a sinusoid of digital frequency w has
    # mean(TKEO) / mean(y**2) = 2 sin(w)**2), on whole envelope blocks of the event.
    lb = np.clip(onset // q, 0, nb - 1)
    hb = np.clip(np.maximum(offset // q, lb + 1), 1, nb)
    tk_sum = _range_sums(prep.blocks, lb, hb) * q
    y2_sum = _range_sums(prep.y2, lb * q, hb * q)
    ratio = np.clip(tk_sum / np.maximum(y2_sum, 1e-300) / 2.0, 0.0, 1.0)
    mean_freq = np.arcsin(np.sqrt(ratio)) * rate_hz / (2 * np.pi)
    ok &= mean_freq >= min_frequency_hz
    # Amplitude: RMS of the cleaned EMG between the edges.
    rms = np.sqrt(_range_sums(prep.y2, onset, offset) / (offset - onset))
    peak_s = (peak_env + 0.5) * q / rate_hz - 0.5 / rate_hz
    events = [
        Event(
            channel=channel,
            kind="positive",
            onset_s=float(onset_s[i]),
            offset_s=float(offset_s[i]),
            peak_s=float(peak_s[i]),
            duration_ms=float(duration_ms[i]),
            amplitude=float(rms[i]),
            amplitude_unit="uV",
        )
        for i in np.flatnonzero(ok)
    ]
    return events, baseline_info


# --------------------------------------------------------------------------------------------
# Negative myoclonus: silent periods
# --------------------------------------------------------------------------------------------


def _silent(
    prep: _Prepared,
    rate_hz: float,
    channel: str,
    *,
    min_ms: float,
    max_ms: float,
    level: float,
    bridge_ms: float,
) -> tuple[list[Event], dict[str, float]]:
    fs = prep.env_rate
    width = max(1, round(SILENT_RMS_WINDOW_MS * 1e-3 * fs))
    # Energy of the second difference: weights each frequency by about w**4, so what is left
    # of the QRS complex (20-35 Hz) counts about 100 times less, relative to EMG at 100 Hz,
    # than in y**2 (research section 4.2: QRS complexes are the main failure mode).
    y = prep.y
    d2 = np.empty_like(y)
    np.add(y[2:], y[:-2], out=d2[1:-1])
    d2[1:-1] -= 2.0 * y[1:-1]
    d2[0] = d2[1]
    d2[-1] = d2[-2]
    np.multiply(d2, d2, out=d2)
    energy = ndimage.uniform_filter1d(_block_mean(d2, prep.q), width, mode="nearest")
    rms = np.sqrt(np.maximum(energy, 0.0))
    # Local tonic level: running median over SILENT_LEVEL_WINDOW_S of 50 ms block means.
    blk = max(1, round(0.05 * fs))
    n_blk = len(rms) // blk
    if n_blk < 3:
        return [], {"tonic_level_median": float(np.median(rms))}
    coarse = rms[: n_blk * blk].reshape(n_blk, blk).mean(axis=1)
    size = max(3, round(SILENT_LEVEL_WINDOW_S / 0.05) | 1)
    smooth = ndimage.median_filter(coarse, size=size, mode="nearest")
    tonic = np.repeat(smooth, blk)
    tonic = np.concatenate((tonic, np.full(len(rms) - len(tonic), smooth[-1])))
    info = {"tonic_level_median": float(np.median(smooth))}
    silent = rms < level * tonic
    starts, ends = _runs(silent)
    if len(starts) == 0:
        return [], info
    # Bridge short supra-threshold excursions (QRS complexes) between silent runs.
    starts, ends = _merge_gaps(starts, ends, max(1, round(bridge_ms * 1e-3 * fs)) + 1)
    # Boxcar edge bias: the RMS of a tonic-to-silence step crosses level * tonic when the
    # window still holds a fraction level**2 of tonic energy, i.e. (0.5 - level**2) * width
    # after the true half-gain point (and as much before it at the offset).
    shift_s = (0.5 - level**2) * width / fs
    onset_s = (starts * prep.q - 0.5) / rate_hz - shift_s
    offset_s = (ends * prep.q - 0.5) / rate_hz + shift_s
    duration_ms = (offset_s - onset_s) * 1e3
    ok = (duration_ms >= min_ms) & (duration_ms <= max_ms)
    # Flanked by activity on both sides (and not touching the recording edges).
    flank = max(1, round(SILENT_FLANK_MS * 1e-3 * fs))
    guard = width
    csum = np.concatenate(([0.0], np.cumsum(rms, dtype=np.float64)))
    n = len(rms)
    b0 = starts - guard - flank
    a1 = ends + guard + flank
    inside = (b0 >= 0) & (a1 <= n)
    b0c, b1c = np.clip(b0, 0, n), np.clip(starts - guard, 0, n)
    a0c, a1c = np.clip(ends + guard, 0, n), np.clip(a1, 0, n)
    before = (csum[b1c] - csum[b0c]) / np.maximum(b1c - b0c, 1)
    after = (csum[a1c] - csum[a0c]) / np.maximum(a1c - a0c, 1)
    t_before = tonic[np.clip(starts - 1, 0, n - 1)]
    t_after = tonic[np.clip(ends, 0, n - 1)]
    active = (before >= SILENT_FLANK_LEVEL * t_before) & (after >= SILENT_FLANK_LEVEL * t_after)
    ok &= inside & active
    events = [
        Event(
            channel=channel,
            kind="negative",
            onset_s=float(onset_s[i]),
            offset_s=float(offset_s[i]),
            peak_s=None,
            duration_ms=float(duration_ms[i]),
        )
        for i in np.flatnonzero(ok)
    ]
    return events, info


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def _check_burst_params(
    k_on: float, k_off: float, min_duration_ms: float, merge_gap_ms: float, max_duration_ms: float
) -> None:
    check_positive("k_on", k_on)
    check_positive("k_off", k_off)
    if k_off > k_on:
        raise SignalError(
            f"'k_off' ({k_off:g}) must not exceed 'k_on' ({k_on:g}): the extent threshold is the "
            "lower of the two."
        )
    check_positive("min_duration_ms", min_duration_ms, unit="ms")
    check_positive("merge_gap_ms", merge_gap_ms, unit="ms", allow_zero=True)
    check_positive("max_duration_ms", max_duration_ms, unit="ms")
    if max_duration_ms <= min_duration_ms:
        raise SignalError(
            f"'max_duration_ms' ({max_duration_ms:g}) must exceed 'min_duration_ms' "
            f"({min_duration_ms:g})."
        )


def _check_silent_params(min_ms: float, max_ms: float, level: float, bridge_ms: float) -> None:
    check_positive("min_ms", min_ms, unit="ms")
    check_positive("max_ms", max_ms, unit="ms")
    check_positive("bridge_ms", bridge_ms, unit="ms", allow_zero=True)
    if max_ms <= min_ms:
        raise SignalError(f"'max_ms' ({max_ms:g}) must exceed 'min_ms' ({min_ms:g}).")
    if not 0 < float(level) < 1:
        raise SignalError(
            f"'level' must be a fraction of the tonic level between 0 and 1, got {level!r} "
            "(research default 0.25)."
        )


def _one_channel(
    x: npt.ArrayLike,
    rate_hz: float,
    channel: str,
    band: tuple[float, float],
    mains_hz: float | None,
) -> _Prepared:
    rate = check_rate(rate_hz, minimum_hz=2 * DEFAULT_BAND_HZ[0])
    check_band(band, rate)
    if np.ndim(x) != 1:
        raise SignalError(
            f"Expected one channel of shape (n_samples,), got shape {np.shape(x)}; use "
            "detect_emg for several channels."
        )
    arr, _ = check_signal(x, rate, channels=[channel], min_duration_s=MIN_DURATION_S)
    return _prepare(clean_emg(arr[0], rate, band=band, mains_hz=mains_hz, single=True), rate)


def detect_bursts(
    x: npt.ArrayLike,
    rate_hz: float,
    *,
    channel: str = "ch1",
    k_on: float = BURST_K_ON,
    k_off: float = BURST_K_OFF,
    min_duration_ms: float = 8.0,
    merge_gap_ms: float = 12.0,
    max_duration_ms: float = 1000.0,
    band: tuple[float, float] = DEFAULT_BAND_HZ,
    mains_hz: float | None = 50.0,
    baseline_window_s: float = BASELINE_WINDOW_S,
    min_frequency_hz: float = MIN_FREQUENCY_HZ,
) -> list[Event]:
    """Detect myoclonic EMG bursts (positive myoclonus) on one channel.

    Parameters
    ----------
    x : array_like, shape (n_samples,)
        Raw surface EMG, in uV (amplitudes are reported in the unit of ``x``, labelled uV).
    rate_hz : float
        Sampling rate in Hz (at least twice the upper band edge, e.g. >= 1 kHz for 450 Hz).
    channel : str
        Channel name written into the events and the error messages.
    k_on, k_off : float
        Hysteresis thresholds in robust MADs above the baseline median of the TKEO envelope:
        an event needs a sample above ``k_on`` and extends while above ``k_off``.
    min_duration_ms, max_duration_ms : float
        Events shorter or longer than these (ms) are dropped (longer ones are voluntary
        contractions rather than myoclonus).
    merge_gap_ms : float
        Envelope runs separated by less than this (ms) are one event.
    band : (float, float)
        Band-pass edges in Hz.
    mains_hz : {50, 60, None}
        Mains frequency in Hz for the notches (fundamental and 3rd harmonic).
    baseline_window_s : float
        Window in s of the local robust baseline.
    min_frequency_hz : float
        Events with a lower mean frequency (Hz) are dropped as ECG or motion artefacts (see
        :data:`MIN_FREQUENCY_HZ`); 0 keeps them all.

    Returns
    -------
    list of Event
        ``kind="positive"`` events sorted by onset. ``duration_ms`` uses the separate
        change-point estimate (see :data:`DURATION_CALIBRATION_MS`); ``amplitude`` is the RMS
        of the cleaned EMG between onset and offset in uV; ``peak_s`` is the envelope maximum.

    Raises
    ------
    SignalError
        Too short (< 1 s), rate too low for the band, or a NaN/infinite/constant channel.
    """
    _check_burst_params(k_on, k_off, min_duration_ms, merge_gap_ms, max_duration_ms)
    check_positive("baseline_window_s", baseline_window_s, unit="s")
    check_positive("min_frequency_hz", min_frequency_hz, unit="Hz", allow_zero=True)
    prep = _one_channel(x, rate_hz, channel, band, mains_hz)
    events, _ = _bursts(
        prep,
        float(rate_hz),
        channel,
        k_on=k_on,
        k_off=k_off,
        min_duration_ms=min_duration_ms,
        merge_gap_ms=merge_gap_ms,
        max_duration_ms=max_duration_ms,
        baseline_window_s=baseline_window_s,
        min_frequency_hz=min_frequency_hz,
    )
    return events


def detect_silent_periods(
    x: npt.ArrayLike,
    rate_hz: float,
    *,
    channel: str = "ch1",
    min_ms: float = 50.0,
    max_ms: float = 500.0,
    level: float = 0.25,
    bridge_ms: float = SILENT_BRIDGE_MS,
    band: tuple[float, float] = DEFAULT_BAND_HZ,
    mains_hz: float | None = 50.0,
) -> list[Event]:
    """Detect silent periods (negative myoclonus) interrupting tonic EMG on one channel.

    Parameters
    ----------
    x : array_like, shape (n_samples,)
        Raw surface EMG in uV.
    rate_hz : float
        Sampling rate in Hz.
    channel : str
        Channel name.
    min_ms, max_ms : float
        Accepted silent-period durations in ms (ILAE: under 500 ms).
    level : float
        A silent period is where the 10 ms RMS envelope falls below ``level`` times the local
        tonic level (running median over 2 s).
    bridge_ms : float
        Excursions above the level shorter than this (ms), such as a QRS complex, do not end
        a silent period.
    band : (float, float)
        Band-pass edges in Hz.
    mains_hz : {50, 60, None}
        Mains frequency in Hz for the notches.

    Returns
    -------
    list of Event
        ``kind="negative"`` events sorted by onset, each flanked by at least
        :data:`SILENT_FLANK_MS` of activity on both sides. Durations are corrected for the
        bias of the RMS window.

    Raises
    ------
    SignalError
        Bad parameters, too short, rate too low for the band, NaN or constant channel.

    Notes
    -----
    The envelope is the moving mean of the TKEO rather than of ``y**2``: the TKEO weights
    each frequency by its square, which down-weights the QRS complex (mostly below 40 Hz)
    relative to the EMG (about 50-150 Hz) and makes the detector robust to ECG beats falling
    inside silent periods (research section 4.2).
    """
    _check_silent_params(min_ms, max_ms, level, bridge_ms)
    prep = _one_channel(x, rate_hz, channel, band, mains_hz)
    events, _ = _silent(
        prep,
        float(rate_hz),
        channel,
        min_ms=min_ms,
        max_ms=max_ms,
        level=level,
        bridge_ms=bridge_ms,
    )
    return events


def detect_emg(
    x: npt.ArrayLike,
    rate_hz: float,
    channels: Sequence[str] | str | None = None,
    *,
    positive: bool = True,
    negative: bool = True,
    k_on: float = BURST_K_ON,
    k_off: float = BURST_K_OFF,
    min_duration_ms: float = 8.0,
    merge_gap_ms: float = 12.0,
    max_duration_ms: float = 1000.0,
    silent_min_ms: float = 50.0,
    silent_max_ms: float = 500.0,
    silent_level: float = 0.25,
    silent_bridge_ms: float = SILENT_BRIDGE_MS,
    band: tuple[float, float] = DEFAULT_BAND_HZ,
    mains_hz: float | None = 50.0,
    harmonics: Sequence[int] = (1, 3),
    baseline_window_s: float = BASELINE_WINDOW_S,
    min_frequency_hz: float = MIN_FREQUENCY_HZ,
) -> Detection:
    """Detect bursts and silent periods on every channel of a recording.

    Parameters
    ----------
    x : array_like, shape (n_channels, n_samples) or (n_samples,)
        Raw surface EMG in uV.
    rate_hz : float
        Sampling rate in Hz.
    channels : sequence of str, optional
        Channel names (default ``ch1``, ``ch2`` ...).
    positive, negative : bool
        Run the burst detector and/or the silent-period detector.
    k_on, k_off, min_duration_ms, merge_gap_ms, max_duration_ms, baseline_window_s
        As in :func:`detect_bursts`.
    min_frequency_hz : float
        As in :func:`detect_bursts`.
    silent_min_ms, silent_max_ms, silent_level, silent_bridge_ms
        ``min_ms``, ``max_ms``, ``level`` and ``bridge_ms`` of :func:`detect_silent_periods`.
    band : (float, float)
        Band-pass edges in Hz.
    mains_hz : {50, 60, None}
        Mains frequency in Hz.
    harmonics : sequence of int
        Mains multiples to notch.

    Returns
    -------
    Detection
        Events of all channels sorted by onset, and ``params`` with every threshold and
        filter used (and the baseline per channel).

    Raises
    ------
    SignalError
        Bad parameters, a recording too short or sampled too slowly, or a channel that is
        NaN, infinite or constant (the message names the channel).
    """
    _check_burst_params(k_on, k_off, min_duration_ms, merge_gap_ms, max_duration_ms)
    _check_silent_params(silent_min_ms, silent_max_ms, silent_level, silent_bridge_ms)
    check_positive("baseline_window_s", baseline_window_s, unit="s")
    check_positive("min_frequency_hz", min_frequency_hz, unit="Hz", allow_zero=True)
    rate = check_rate(rate_hz, minimum_hz=2 * DEFAULT_BAND_HZ[0])
    low, high = check_band(band, rate)
    arr, names = check_signal(x, rate, channels=channels, min_duration_s=MIN_DURATION_S)
    events: list[Event] = []
    per_channel: dict[str, dict[str, float]] = {}
    for i, name in enumerate(names):
        y = clean_emg(
            arr[i], rate, band=(low, high), mains_hz=mains_hz, harmonics=harmonics, single=True
        )
        prep = _prepare(y, rate)
        info: dict[str, float] = {}
        if positive:
            found, binfo = _bursts(
                prep,
                rate,
                name,
                k_on=k_on,
                k_off=k_off,
                min_duration_ms=min_duration_ms,
                merge_gap_ms=merge_gap_ms,
                max_duration_ms=max_duration_ms,
                baseline_window_s=baseline_window_s,
                min_frequency_hz=min_frequency_hz,
            )
            events += found
            info.update(binfo)
        if negative:
            found, sinfo = _silent(
                prep,
                rate,
                name,
                min_ms=silent_min_ms,
                max_ms=silent_max_ms,
                level=silent_level,
                bridge_ms=silent_bridge_ms,
            )
            events += found
            info.update(sinfo)
        per_channel[name] = info
    events.sort(key=lambda e: (e.onset_s, e.channel, e.kind))
    params: dict[str, Any] = {
        "filter": {
            "band_hz": [low, high],
            "design": "Butterworth band-pass, order 4 (prototype), second-order sections",
            "zero_phase": True,
            "precision": "float32 filter and envelopes; sums and statistics in float64",
            "mains_hz": mains_hz,
            "notch_harmonics": list(harmonics) if mains_hz is not None else [],
            "notch_q": NOTCH_Q,
        },
        "positive": None
        if not positive
        else {
            "envelope": "TKEO, block mean, moving average applied twice (zero-phase)",
            "envelope_rate_hz": rate / max(1, round(rate / ENVELOPE_RATE_HZ)),
            "envelope_smooth_ms": ENVELOPE_SMOOTH_MS,
            "baseline": "median and lower-half MAD per window, sigma-clipped",
            "baseline_window_s": baseline_window_s,
            "clip_k": CLIP_K,
            "k_on": k_on,
            "k_off": k_off,
            "min_duration_ms": min_duration_ms,
            "merge_gap_ms": merge_gap_ms,
            "max_duration_ms": max_duration_ms,
            "min_frequency_hz": min_frequency_hz,
            "duration_estimate": (
                "maximum-likelihood change point of the central-difference energy, then its "
                "quarter-energy (half-amplitude) crossing near it, calibrated"
            ),
            "sharp_window_ms": SHARP_WINDOW_MS,
            "edge_search_ms": EDGE_SEARCH_MS,
            "edge_reach_ms": EDGE_REACH_MS,
            "edge_margin_ms": EDGE_MARGIN_MS,
            "duration_calibration_ms": dict(DURATION_CALIBRATION_MS),
            "amplitude": "RMS of the cleaned EMG between onset and offset (uV)",
        },
        "negative": None
        if not negative
        else {
            "envelope": "moving mean of the TKEO, square root (RMS-like)",
            "rms_window_ms": SILENT_RMS_WINDOW_MS,
            "tonic_level": "running median of 50 ms block means",
            "tonic_window_s": SILENT_LEVEL_WINDOW_S,
            "level": silent_level,
            "min_ms": silent_min_ms,
            "max_ms": silent_max_ms,
            "bridge_ms": silent_bridge_ms,
            "flank_ms": SILENT_FLANK_MS,
            "flank_level": SILENT_FLANK_LEVEL,
        },
        "channels": per_channel,
    }
    return Detection(
        events=tuple(events),
        channels=names,
        rate_hz=rate,
        duration_s=arr.shape[1] / rate,
        params=params,
    )
