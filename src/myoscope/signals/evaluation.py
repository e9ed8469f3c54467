"""Scoring detected events against ground truth: precision, recall, F1, timing errors.

Matching is one-to-one, by onset, within a tolerance, and only between events of the same
channel and kind (YASA ``compare_detection`` idea). Candidate pairs are matched greedily from
the smallest onset difference upwards, which is optimal for the usual case where the events
of each side are farther apart than twice the tolerance.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from myoscope.signals._checks import check_positive
from myoscope.signals.detection import Event

__all__ = ["Scores", "compare_events"]


@dataclass(frozen=True)
class Scores:
    """Agreement between detected and true events.

    Parameters
    ----------
    precision, recall, f1 : float
        ``tp / (tp + fp)``, ``tp / (tp + fn)`` and their harmonic mean (1.0 when both sides
        are empty; 0.0 when one side is empty).
    tp, fp, fn : int
        Matched pairs, unmatched detections, unmatched true events.
    onset_error_ms_median : float or None
        Median absolute onset difference of the matched pairs, in ms.
    duration_error_ms_median : float or None
        Median absolute duration difference of the matched pairs, in ms.
    onset_bias_ms : float or None
        Median signed onset difference (detected - true), in ms.
    duration_bias_ms : float or None
        Median signed duration difference (detected - true), in ms.
    """

    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int
    onset_error_ms_median: float | None
    duration_error_ms_median: float | None
    onset_bias_ms: float | None = None
    duration_bias_ms: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the scores as a JSON-ready dict."""
        return asdict(self)


def _match(det: list[Event], ref: list[Event], tol_s: float) -> list[tuple[int, int]]:
    d_on = np.array([e.onset_s for e in det])
    r_on = np.array([e.onset_s for e in ref])
    order = np.argsort(r_on)
    r_sorted = r_on[order]
    lo = np.searchsorted(r_sorted, d_on - tol_s, side="left")
    hi = np.searchsorted(r_sorted, d_on + tol_s, side="right")
    counts = hi - lo
    di = np.repeat(np.arange(len(det)), counts)
    rj = np.concatenate([np.arange(a, b) for a, b in zip(lo, hi, strict=True)] or [np.zeros(0)])
    rj = rj.astype(np.intp)
    dist = np.abs(d_on[di] - r_sorted[rj])
    pairs: list[tuple[int, int]] = []
    used_d: set[int] = set()
    used_r: set[int] = set()
    for k in np.argsort(dist, kind="stable"):
        i, j = int(di[k]), int(rj[k])
        if i not in used_d and j not in used_r:
            used_d.add(i)
            used_r.add(j)
            pairs.append((i, int(order[j])))
    return pairs


def compare_events(
    detected: Iterable[Event], truth: Iterable[Event], *, tolerance_ms: float = 20.0
) -> Scores:
    """Score detected events against true events.

    Parameters
    ----------
    detected : iterable of Event
        What a detector found.
    truth : iterable of Event
        The reference (e.g. :attr:`SimulatedEMG.events`).
    tolerance_ms : float
        Largest onset difference (ms) for a detection to count as finding a true event.

    Returns
    -------
    Scores
        Precision, recall, F1, counts and the median onset and duration errors (ms) of the
        matched pairs. Events match only within the same channel and kind.
    """
    tol_s = check_positive("tolerance_ms", tolerance_ms, unit="ms") * 1e-3
    groups: dict[tuple[str, str], tuple[list[Event], list[Event]]] = {}
    for e in detected:
        groups.setdefault((e.channel, e.kind), ([], []))[0].append(e)
    for e in truth:
        groups.setdefault((e.channel, e.kind), ([], []))[1].append(e)
    tp = fp = fn = 0
    onset_err: list[float] = []
    dur_err: list[float] = []
    for det, ref in groups.values():
        pairs = _match(det, ref, tol_s) if det and ref else []
        tp += len(pairs)
        fp += len(det) - len(pairs)
        fn += len(ref) - len(pairs)
        for i, j in pairs:
            onset_err.append((det[i].onset_s - ref[j].onset_s) * 1e3)
            dur_err.append(det[i].duration_ms - ref[j].duration_ms)
    if tp + fp + fn == 0:
        precision = recall = f1 = 1.0
    else:
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    def median(values: list[float], absolute: bool) -> float | None:
        if not values:
            return None
        arr = np.abs(values) if absolute else np.asarray(values)
        return float(np.median(arr))

    return Scores(
        precision=precision,
        recall=recall,
        f1=f1,
        tp=tp,
        fp=fp,
        fn=fn,
        onset_error_ms_median=median(onset_err, True),
        duration_error_ms_median=median(dur_err, True),
        onset_bias_ms=median(onset_err, False),
        duration_bias_ms=median(dur_err, False),
    )
