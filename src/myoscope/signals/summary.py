"""Summaries of detected events: multi-channel jerks, counts, an index and a physiology hint.

Pure functions over :class:`~myoscope.signals.detection.Event` lists; no I/O, no clock.
The physiology hint is a hint from the signal, never a diagnosis.
"""

# Sources (../shared/research/signals.md, sections 0 and 1.4):
# [S] cortical vs non-cortical myoclonus: EMG burst duration cut-off near 45 ms (cortical
#     31.1 +- 6.7 ms, non-cortical 56.7 +- 11.5 ms; sensitivity 100 %, specificity 89.5 %),
#     computed over >= 10 bursts per muscle (van der Veen 2024, via summary).
# [F] subcortical, brainstem or spinal generators: bursts > 100 ms (brainstem reticular reflex).
# [F] spinal segmental and propriospinal myoclonus: repetitive at 1-7 Hz; propriospinal bursts
#     long and variable.
# [F] functional (psychogenic) myoclonus: bursts usually > 70 ms and variable.
# [F] the published home "myoclonus index" (Rissanen et al., Clin Neurophysiol 2021;132:2464,
#     Kuopio EPM1 group) is defined differently; the index here is jerks per hour.

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from myoscope.errors import SignalError
from myoscope.signals.detection import Event

__all__ = [
    "DEFAULT_JERK_WINDOW_MS",
    "HINT_DISCLAIMER",
    "MIN_HINT_BURSTS",
    "ChannelSummary",
    "HourlyCount",
    "Jerk",
    "PhysiologyHint",
    "Summary",
    "group_jerks",
    "hint_missing_reason",
    "physiology_hint",
    "summarise",
]

DEFAULT_JERK_WINDOW_MS = 50.0
"""Bursts on different channels whose onsets lie within this many ms of the first one form one
jerk (fast corticospinal spread over a limb takes tens of ms)."""

MIN_HINT_BURSTS = 10
"""Fewest bursts of one muscle before a physiology hint is given [S]."""

HINT_DISCLAIMER = "a hint from the signal, not a diagnosis"

CORTICAL_CUTOFF_MS = 47.5
"""Centre of the 45-50 ms cortical / non-cortical boundary of the median burst duration [S]."""

_CUTOFF_SLOPE_MS = 6.0
_SUBCORTICAL_MS = 100.0
_FUNCTIONAL_MS = 70.0
_RHYTHM_HZ = (1.0, 7.0)
_FLOOR = 0.02


@dataclass(frozen=True)
class Jerk:
    """Bursts on one or more channels that start together: one myoclonic jerk.

    Parameters
    ----------
    onset_s : float
        Onset of the earliest burst, in s from the start of the recording.
    channels : tuple of str
        The channels involved, in onset order (the spread pattern).
    lead_channel : str
        The channel that started first.
    """

    onset_s: float
    channels: tuple[str, ...]
    lead_channel: str

    def to_dict(self) -> dict[str, Any]:
        """Return the jerk as a JSON-ready dict."""
        return {
            "onset_s": round(self.onset_s, 6),
            "channels": list(self.channels),
            "lead_channel": self.lead_channel,
        }


def group_jerks(
    events: Iterable[Event], *, window_ms: float = DEFAULT_JERK_WINDOW_MS
) -> list[Jerk]:
    """Group positive events on different channels into jerks.

    Parameters
    ----------
    events : iterable of Event
        Detected events; only ``kind == "positive"`` ones are used.
    window_ms : float
        Largest onset difference, in ms, between the first burst of a jerk and any other burst
        of it.

    Returns
    -------
    list of Jerk
        In time order. A burst joins the current jerk when it starts within ``window_ms`` of
        the jerk's onset and its channel is not in the jerk yet; otherwise it starts a new jerk.

    Raises
    ------
    SignalError
        ``window_ms`` is negative or not a number.
    """
    if not math.isfinite(window_ms) or window_ms < 0:
        raise SignalError(f"Invalid value for 'window_ms': need >= 0 ms, got {window_ms!r}.")
    window_s = window_ms / 1000.0
    positives = sorted(
        (e for e in events if e.kind == "positive"), key=lambda e: (e.onset_s, e.channel)
    )
    jerks: list[Jerk] = []
    onset = 0.0
    members: list[str] = []
    for e in positives:
        if members and e.onset_s - onset <= window_s and e.channel not in members:
            members.append(e.channel)
            continue
        if members:
            jerks.append(Jerk(onset, tuple(members), members[0]))
        onset, members = e.onset_s, [e.channel]
    if members:
        jerks.append(Jerk(onset, tuple(members), members[0]))
    return jerks


@dataclass(frozen=True)
class PhysiologyHint:
    """Probabilities of the generator classes from one muscle's bursts: a hint, not a diagnosis.

    Parameters
    ----------
    cortical, subcortical, segmental_propriospinal, functional : float
        Probabilities (sum 1, two decimals).
    basis : tuple of str
        Plain sentences giving the evidence used and what is missing.
    confidence : {"low", "moderate"}
        ``moderate`` only with >= 30 bursts and a median away from the 45-50 ms boundary;
        never higher, because surface EMG alone lacks EEG back-averaging and clinical context.
    n_bursts : int
        Bursts used.
    duration_ms_median : float
        Median burst duration, in ms.
    channel : str or None
        The muscle the hint comes from.
    """

    cortical: float
    subcortical: float
    segmental_propriospinal: float
    functional: float
    basis: tuple[str, ...]
    confidence: Literal["low", "moderate"]
    n_bursts: int
    duration_ms_median: float
    channel: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the hint as a JSON-ready dict (the recordings spec's ``physiology_hint``)."""
        return {
            "channel": self.channel,
            "cortical": self.cortical,
            "subcortical": self.subcortical,
            "segmental_propriospinal": self.segmental_propriospinal,
            "functional": self.functional,
            "basis": list(self.basis),
            "confidence": self.confidence,
            "n_bursts": self.n_bursts,
            "duration_ms_median": self.duration_ms_median,
            "note": HINT_DISCLAIMER,
        }


def hint_missing_reason(n_bursts: int, *, channel: str | None = None) -> str:
    """Say why :func:`physiology_hint` gave no hint for ``n_bursts`` bursts.

    Parameters
    ----------
    n_bursts : int
        Bursts available on the muscle.
    channel : str, optional
        The muscle, for the sentence.

    Returns
    -------
    str
        One sentence.
    """
    where = f" on {channel}" if channel else ""
    return (
        f"no physiology hint: {n_bursts} burst(s){where}, at least {MIN_HINT_BURSTS} per muscle "
        "are needed for a reliable median duration"
    )


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, x))))


def physiology_hint(
    durations_ms: Sequence[float], onsets_s: Sequence[float], *, channel: str | None = None
) -> PhysiologyHint | None:
    """Estimate generator-class probabilities from one muscle's EMG bursts.

    This is a hint from the signal, never a diagnosis: it uses only burst duration and timing
    from surface EMG, not EEG back-averaging, spread, stimulus sensitivity or clinical findings.

    Parameters
    ----------
    durations_ms : sequence of float
        Burst durations in ms (positive EMG events of one muscle).
    onsets_s : sequence of float
        Burst onsets in s, same length as ``durations_ms``.
    channel : str, optional
        The muscle, named in the basis.

    Returns
    -------
    PhysiologyHint or None
        None when fewer than 10 bursts are given (see :func:`hint_missing_reason`): a median
        over fewer bursts is not reliable [S].

    Raises
    ------
    SignalError
        The two sequences differ in length.

    Notes
    -----
    - Median duration: the cortical weight is a logistic of the median centred on 47.5 ms
      (the 45-50 ms boundary) with a 6 ms scale: below 45-50 ms cortical [S], 50-100 ms
      ambiguous, above 100 ms subcortical, brainstem or spinal [F].
    - Rhythmicity: inter-onset intervals with a median rate of 1-7 Hz and a coefficient of
      variation below 0.5 point to a segmental or propriospinal generator [F].
    - Variability: long (> 70 ms) bursts whose durations vary (IQR / median > 0.3) weigh
      towards functional myoclonus [F].
    - Every class keeps at least a small probability; the result is normalised to sum 1.
    """
    if len(durations_ms) != len(onsets_s):
        raise SignalError(
            f"durations_ms has {len(durations_ms)} values but onsets_s has {len(onsets_s)}; "
            "give one onset per burst."
        )
    n = len(durations_ms)
    if n < MIN_HINT_BURSTS:
        return None
    dur = np.asarray(durations_ms, dtype=np.float64)
    median = float(np.median(dur))
    q1, q3 = (float(v) for v in np.percentile(dur, [25, 75]))
    spread = (q3 - q1) / median if median > 0 else 0.0
    where = f" on {channel}" if channel else ""
    basis = [f"median burst {median:.0f} ms over {n} bursts{where} (IQR {q1:.0f}-{q3:.0f} ms)"]
    if median < 45:
        basis.append("bursts shorter than 45-50 ms are typical of cortical myoclonus")
    elif median <= 50:
        basis.append("the median lies at the 45-50 ms boundary between cortical and non-cortical")
    elif median <= _SUBCORTICAL_MS:
        basis.append("a median of 50-100 ms is ambiguous (cortico-subcortical or non-cortical)")
    else:
        basis.append("bursts longer than 100 ms suggest a subcortical, brainstem or spinal origin")

    ons = np.sort(np.asarray(onsets_s, dtype=np.float64))
    ioi = np.diff(ons)
    ioi = ioi[ioi > 0]
    rhythm = 0.0
    if ioi.size >= MIN_HINT_BURSTS - 1:
        rate = 1.0 / float(np.median(ioi))
        cv = float(np.std(ioi) / np.mean(ioi))
        if _RHYTHM_HZ[0] <= rate <= _RHYTHM_HZ[1] and cv < 0.5:
            rhythm = min(1.0, (0.5 - cv) / 0.35)
            basis.append(
                f"bursts repeat regularly at {rate:.1f} Hz (interval variation {cv:.2f}): "
                "rhythmic 1-7 Hz jerks suggest a segmental or propriospinal generator"
            )
        else:
            basis.append(
                f"bursts are not rhythmic at 1-7 Hz (median rate {rate:.2f} Hz, interval "
                f"variation {cv:.2f})"
            )
    functional = _logistic((median - _FUNCTIONAL_MS) / 10.0) * min(
        1.0, max(0.0, (spread - 0.3) / 0.4)
    )
    if functional > 0.2:
        basis.append(
            f"long bursts of variable duration (IQR/median {spread:.2f}) are seen in "
            "functional myoclonus"
        )
    basis.append(
        "from surface EMG only: no EEG back-averaging, spread or clinical findings were used"
    )

    cortical = _logistic((CORTICAL_CUTOFF_MS - median) / _CUTOFF_SLOPE_MS)
    non_cortical = 1.0 - cortical
    weights = {
        "cortical": cortical * (1.0 - 0.5 * rhythm),
        "subcortical": non_cortical * (0.1 + 0.9 * (1.0 - max(rhythm, functional))),
        "segmental_propriospinal": non_cortical * (0.05 + 0.9 * rhythm),
        "functional": non_cortical * (0.05 + 0.9 * functional),
    }
    weights = {k: max(v, _FLOOR) for k, v in weights.items()}
    total = sum(weights.values())
    probs = {k: round(v / total, 2) for k, v in weights.items()}
    confidence: Literal["low", "moderate"] = (
        "moderate" if n >= 30 and not 40.0 <= median <= 55.0 else "low"
    )
    return PhysiologyHint(
        cortical=probs["cortical"],
        subcortical=probs["subcortical"],
        segmental_propriospinal=probs["segmental_propriospinal"],
        functional=probs["functional"],
        basis=tuple(basis),
        confidence=confidence,
        n_bursts=n,
        duration_ms_median=round(median, 1),
        channel=channel,
    )


@dataclass(frozen=True)
class ChannelSummary:
    """Counts and burst durations of one channel.

    Parameters
    ----------
    positive, negative : int
        Bursts (or accelerometer jerks) and silent periods.
    per_minute : float
        Positive events per minute of recording.
    duration_ms_median : float or None
        Median duration of the positive events, in ms (None without any).
    duration_ms_iqr : (float, float) or None
        25th and 75th percentiles of those durations, in ms.
    amplitude_median : float or None
        Median amplitude of the positive events (EMG: RMS in uV; accelerometer: peak g).
    amplitude_unit : str or None
        Unit of ``amplitude_median``.
    """

    positive: int
    negative: int
    per_minute: float
    duration_ms_median: float | None
    duration_ms_iqr: tuple[float, float] | None
    amplitude_median: float | None = None
    amplitude_unit: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the summary as a JSON-ready dict."""
        return {
            "positive": self.positive,
            "negative": self.negative,
            "per_minute": self.per_minute,
            "duration_ms_median": self.duration_ms_median,
            "duration_ms_iqr": None if self.duration_ms_iqr is None else list(self.duration_ms_iqr),
            "amplitude_median": self.amplitude_median,
            "amplitude_unit": self.amplitude_unit,
        }


@dataclass(frozen=True)
class HourlyCount:
    """Jerks in one hour of the recording (the last hour may be partial).

    Parameters
    ----------
    start_s, end_s : float
        The hour's bounds, in s from the start of the recording.
    jerks : int
        Jerks whose onset lies in ``[start_s, end_s)``.
    per_hour : float
        ``jerks`` scaled to a full hour.
    """

    start_s: float
    end_s: float
    jerks: int
    per_hour: float

    def to_dict(self) -> dict[str, Any]:
        """Return the hour as a JSON-ready dict."""
        return {
            "start_s": self.start_s,
            "end_s": self.end_s,
            "jerks": self.jerks,
            "per_hour": self.per_hour,
        }


@dataclass(frozen=True)
class Summary:
    """What :func:`summarise` returns (the output's ``summary``).

    Parameters
    ----------
    per_channel : mapping of str to ChannelSummary
        Counts and durations per channel.
    jerks : int
        Jerks after grouping channels (:func:`group_jerks`).
    myoclonus_index_per_hour : float
        Jerks per hour of recording (see :func:`summarise`).
    hourly_profile : tuple of HourlyCount
        Jerks per hour over the recording.
    physiology_hint : PhysiologyHint or None
        The hint for the channel with the most bursts, if it has at least 10.
    physiology_hint_note : str or None
        Why there is no hint, when there is none.
    """

    per_channel: Mapping[str, ChannelSummary]
    jerks: int
    myoclonus_index_per_hour: float
    hourly_profile: tuple[HourlyCount, ...]
    physiology_hint: PhysiologyHint | None
    physiology_hint_note: str | None = None
    index_definition: str = field(
        default=(
            "jerks (bursts on several channels within the jerk window counted once) per hour "
            "of recording; not the published Kuopio myoclonus index"
        )
    )

    def to_dict(self) -> dict[str, Any]:
        """Return the summary as JSON-ready data with the recordings spec's keys."""
        return {
            "per_channel": {c: s.to_dict() for c, s in self.per_channel.items()},
            "jerks": self.jerks,
            "myoclonus_index_per_hour": self.myoclonus_index_per_hour,
            "myoclonus_index_definition": self.index_definition,
            "hourly_profile": [h.to_dict() for h in self.hourly_profile],
            "physiology_hint": None
            if self.physiology_hint is None
            else self.physiology_hint.to_dict(),
            "physiology_hint_note": self.physiology_hint_note,
        }


def summarise(
    events: Iterable[Event],
    *,
    duration_s: float,
    channels: Sequence[str],
    modality: str = "emg",
    jerk_window_ms: float = DEFAULT_JERK_WINDOW_MS,
) -> Summary:
    """Summarise detected events: per-channel counts, durations, an index and the hourly profile.

    Parameters
    ----------
    events : iterable of Event
        Detected events of all channels.
    duration_s : float
        Length of the recording, in s.
    channels : sequence of str
        Every analysed channel (channels without events get zero counts).
    modality : {"emg", "acc"}
        With ``acc`` no physiology hint is given: accelerometry cannot estimate EMG burst
        duration (limb mechanics shape the pulse).
    jerk_window_ms : float
        Window of :func:`group_jerks`, in ms.

    Returns
    -------
    Summary
        ``myoclonus_index_per_hour`` is defined here as the number of jerks (positive events
        grouped across channels within ``jerk_window_ms``) per hour of recording. It is a
        plain rate: the published home-monitoring "myoclonus index" of the Kuopio EPM1 group
        (Rissanen et al. 2021) is computed differently and its values are not comparable.

    Raises
    ------
    SignalError
        ``duration_s`` is not positive, or an event's channel is not in ``channels``.
    """
    if not math.isfinite(duration_s) or duration_s <= 0:
        raise SignalError(f"Invalid value for 'duration_s': need > 0 s, got {duration_s!r}.")
    evs = list(events)
    known = set(channels)
    for e in evs:
        if e.channel not in known:
            raise SignalError(
                f"Event on channel '{e.channel}', which is not among the channels "
                f"{', '.join(channels)}; pass every analysed channel."
            )
    per_channel: dict[str, ChannelSummary] = {}
    for c in channels:
        pos = [e for e in evs if e.channel == c and e.kind == "positive"]
        neg = sum(1 for e in evs if e.channel == c and e.kind == "negative")
        durs = np.array([e.duration_ms for e in pos], dtype=np.float64)
        amps = [e.amplitude for e in pos if e.amplitude is not None]
        per_channel[c] = ChannelSummary(
            positive=len(pos),
            negative=neg,
            per_minute=round(len(pos) / (duration_s / 60.0), 3),
            duration_ms_median=round(float(np.median(durs)), 1) if durs.size else None,
            duration_ms_iqr=(
                (
                    round(float(np.percentile(durs, 25)), 1),
                    round(float(np.percentile(durs, 75)), 1),
                )
                if durs.size
                else None
            ),
            amplitude_median=round(float(np.median(amps)), 3) if amps else None,
            amplitude_unit=next((e.amplitude_unit for e in pos if e.amplitude_unit), None),
        )
    jerks = group_jerks(evs, window_ms=jerk_window_ms)
    n_hours = max(1, math.ceil(duration_s / 3600.0 - 1e-9))
    counts = [0] * n_hours
    for j in jerks:
        counts[min(n_hours - 1, int(j.onset_s // 3600.0))] += 1
    profile = []
    for h, count in enumerate(counts):
        start, end = h * 3600.0, min(duration_s, (h + 1) * 3600.0)
        profile.append(
            HourlyCount(
                start_s=start,
                end_s=round(end, 3),
                jerks=count,
                per_hour=round(count * 3600.0 / (end - start), 2) if end > start else 0.0,
            )
        )
    hint: PhysiologyHint | None = None
    note: str | None = None
    if modality == "acc":
        note = (
            "no physiology hint: accelerometry counts jerks but cannot measure EMG burst "
            "duration (limb mechanics shape the signal)"
        )
    elif channels:
        best = max(channels, key=lambda c: per_channel[c].positive)
        pos = [e for e in evs if e.channel == best and e.kind == "positive"]
        hint = physiology_hint([e.duration_ms for e in pos], [e.onset_s for e in pos], channel=best)
        if hint is None:
            note = hint_missing_reason(len(pos), channel=best)
    return Summary(
        per_channel=per_channel,
        jerks=len(jerks),
        myoclonus_index_per_hour=round(len(jerks) * 3600.0 / duration_s, 2),
        hourly_profile=tuple(profile),
        physiology_hint=hint,
        physiology_hint_note=note,
    )
