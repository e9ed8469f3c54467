"""Analyse one recording file: read, check quality, detect events and summarise.

The result is the JSON document of ``myoscope signals detect --format json``
(``../shared/spec/recordings.md``): ``recording``, ``events``, ``jerks``, ``summary``,
``quality`` and ``params``.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from myoscope.errors import SignalError
from myoscope.signals.accelerometer import (
    DEFAULT_ACC_BAND_HZ,
    DEFAULT_ACC_K,
    DEFAULT_ACC_REFRACTORY_MS,
    detect_acc_jerks,
)
from myoscope.signals.backaverage import eeg_channels, jerk_locked_average
from myoscope.signals.detection import BASELINE_WINDOW_S, Event, detect_emg
from myoscope.signals.ecg import (
    MIN_TEMPLATE_CORR,
    QRS_BAND_HZ,
    QRS_REFRACTORY_MS,
    TEMPLATE_BEATS,
    TEMPLATE_LOWPASS_HZ,
    TEMPLATE_POST_MS,
    TEMPLATE_PRE_MS,
    remove_ecg,
)
from myoscope.signals.io import Recording, RecordingSource, open_recording
from myoscope.signals.quality import QualityIssue, check_channel
from myoscope.signals.summary import DEFAULT_JERK_WINDOW_MS, Jerk, group_jerks, summarise

__all__ = ["CHUNK_S", "FATAL_ISSUES", "OVERLAP_S", "analyse_recording", "chunk_plan", "group_axes"]

FATAL_ISSUES = ("flat", "disconnected")
"""Quality issues that leave a channel out of detection (it is still reported)."""

CHUNK_S = 600.0
"""EMG is analysed in stretches of this many seconds (plus the overlap on each side), so
memory does not grow with the length of a recording (research/signals.md section 5: 5-10 min
of 8-channel 2 kHz EMG per chunk). A multiple of the detector's baseline window."""

BACKAVERAGE_MAX_S = 3600.0
"""EEG back-averaging uses at most the first hour of a recording: published averages use
50-200 jerks (research/signals.md section 1.5), which an hour of myoclonus normally holds,
and an hour of a few EEG channels fits in memory."""

OVERLAP_S = BASELINE_WINDOW_S
"""Seconds read before and after each stretch: the detector's baseline window (10 s), far
more than the filters need to settle (< 1 s) and than the longest event (1 s). Events are
kept by the stretch their onset falls in, so none is counted twice or lost at a seam."""

_TO_UV = {"uV": 1.0, "mV": 1e3, "V": 1e6, "": 1.0}
_TO_G = {"g": 1.0, "mg": 1e-3, "m/s^2": 1.0 / 9.80665, "": 1.0}
_AXIS = re.compile(r"^(?P<sensor>.*?)[\s_.\-]*(?P<axis>[xyz])$", re.IGNORECASE)


def group_axes(names: Sequence[str], *, file: str = "recording") -> dict[str, tuple[str, str, str]]:
    """Group accelerometer channels into x/y/z triplets, one per sensor.

    Channels whose names end in x, y and z after a common prefix (``wrist_x``, ``wrist_y``,
    ``wrist_z``; ``acc_x``...; ``x``, ``y``, ``z``) form one sensor named by the prefix
    (``acc`` when it is empty). The channels left over are taken three at a time in file
    order, the sensor named by the first channel of each three.

    Parameters
    ----------
    names : sequence of str
        Accelerometer channel names of one sampling rate, in file order.
    file : str
        File name for the message.

    Returns
    -------
    dict of str to (str, str, str)
        Sensor name to its x, y and z channels.

    Raises
    ------
    SignalError
        The channels left over are not a multiple of three.
    """
    by_prefix: dict[str, dict[str, str]] = {}
    for name in names:
        m = _AXIS.match(name)
        if m:
            sensor = m.group("sensor").rstrip(" _.-") or "acc"
            by_prefix.setdefault(sensor, {})[m.group("axis").lower()] = name
    sensors: dict[str, tuple[str, str, str]] = {}
    used: set[str] = set()
    for sensor, axes in by_prefix.items():
        if set(axes) == {"x", "y", "z"}:
            sensors[sensor] = (axes["x"], axes["y"], axes["z"])
            used.update(axes.values())
    rest = [n for n in names if n not in used]
    if len(rest) % 3:
        raise SignalError(
            f"{file}: accelerometer channels {', '.join(rest)} do not make x/y/z triplets; name "
            "them like wrist_x, wrist_y, wrist_z, or pick three per sensor with --channels."
        )
    for i in range(0, len(rest), 3):
        x, y, z = rest[i : i + 3]
        sensors[x if x not in sensors else f"{x}+"] = (x, y, z)
    return sensors


def chunk_plan(
    n_samples: int, rate_hz: float, *, chunk_s: float = CHUNK_S, overlap_s: float = OVERLAP_S
) -> list[tuple[int, int, int, int]]:
    """Split a recording into stretches analysed one at a time.

    Parameters
    ----------
    n_samples : int
        Samples per channel.
    rate_hz : float
        Sampling rate in Hz.
    chunk_s, overlap_s : float
        Length of each stretch and of the context read on each side of it, in s.

    Returns
    -------
    list of (int, int, int, int)
        For each stretch, sample indices ``(read_start, start, stop, read_stop)``: events
        whose onset lies in ``[start, stop)`` belong to it, and ``[read_start, read_stop)``
        is what is read. The last stretch takes the remainder (up to ``2 * chunk_s``); a
        recording shorter than that is one stretch.
    """
    step = max(1, round(chunk_s * rate_hz))
    pad = round(overlap_s * rate_hz)
    k = max(1, n_samples // step)
    bounds = [i * step for i in range(k)] + [n_samples]
    return [(max(0, a - pad), a, b, min(n_samples, b + pad)) for a, b in itertools.pairwise(bounds)]


def _quality(rec: Recording, mains_hz: int) -> tuple[list[dict[str, str]], set[str]]:
    entries: list[dict[str, str]] = []
    skipped: set[str] = set()
    for c in rec.channels:
        issues = check_channel(
            rec.data[c], rec.rate_hz[c], modality=rec.modality, mains_hz=mains_hz, channel=c
        )
        fatal = any(i.issue in FATAL_ISSUES for i in issues)
        if fatal:
            skipped.add(c)
        for issue in issues:
            entry = issue.to_dict()
            if fatal and issue.issue in FATAL_ISSUES:
                entry["detail"] += "; channel left out of detection"
            entries.append(entry)
    return entries, skipped


@dataclasses.dataclass
class _Found:
    """What the quality checks found for one channel and issue, over the stretches."""

    first: QualityIssue
    first_s: float
    stretches: int = 1
    beats_removed: int = 0


@dataclasses.dataclass
class _EmgRun:
    """EMG results gathered over the stretches of a recording."""

    events: list[Event] = dataclasses.field(default_factory=list)
    params: dict[str, Any] = dataclasses.field(default_factory=dict)
    baselines: dict[str, dict[str, list[float]]] = dataclasses.field(default_factory=dict)
    analysed: list[str] = dataclasses.field(default_factory=list)
    found: dict[tuple[str, str], _Found] = dataclasses.field(default_factory=dict)
    stretches: int = 0


def _stretches(
    src: RecordingSource,
) -> Iterator[tuple[float, tuple[str, ...], list[tuple[int, int, int, int]]]]:
    by_rate: dict[float, list[str]] = {}
    for name in src.channels:
        by_rate.setdefault(src.rate_hz[name], []).append(name)
    for rate, names in by_rate.items():
        n = min(src.lengths[c] for c in names)
        yield rate, tuple(names), chunk_plan(n, rate, chunk_s=CHUNK_S, overlap_s=OVERLAP_S)


def _emg(
    src: RecordingSource, mains_hz: int, progress: Callable[[float], None] | None = None
) -> _EmgRun:
    """Check, clean and detect each stretch of each group of channels sharing a rate.

    ``progress`` is called after each stretch with the fraction of stretches done.
    """
    run = _EmgRun()
    plans = list(_stretches(src))
    total, done = sum(len(plan) for _, _, plan in plans), 0
    for rate, names, plan in plans:
        scale = np.array([_TO_UV.get(src.units[n], 1.0) for n in names])
        run.stretches = max(run.stretches, len(plan))
        for r0, a, b, r1 in plan:
            if progress is not None:
                progress(done / total)
            done += 1
            data = np.empty((len(names), r1 - r0))
            keep: list[int] = []
            for row, name in enumerate(names):
                data[row] = src.read(name, r0, r1)
                issues = check_channel(
                    data[row], rate, modality="emg", mains_hz=mains_hz, channel=name
                )
                data[row] *= scale[row]
                fatal = False
                for issue in issues:
                    key = (name, issue.issue)
                    if key in run.found:
                        run.found[key].stretches += 1
                    else:
                        run.found[key] = _Found(issue, a / rate)
                    fatal = fatal or issue.issue in FATAL_ISSUES
                    if issue.issue == "ecg" and not any(i.issue in FATAL_ISSUES for i in issues):
                        data[row], beats = remove_ecg(
                            data[row], rate, count_within=(a - r0, b - r0)
                        )
                        run.found[key].beats_removed += beats
                if not fatal:
                    keep.append(row)
            if not keep:
                continue
            kept = tuple(names[i] for i in keep)
            detection = detect_emg(data[keep], rate, kept, mains_hz=float(mains_hz))
            lo, hi, shift = (a - r0) / rate, (b - r0) / rate, r0 / rate
            run.events.extend(_moved(e, shift) for e in detection.events if lo <= e.onset_s < hi)
            params = dict(detection.params)
            for name, info in params.pop("channels").items():
                per = run.baselines.setdefault(name, {})
                for k, v in info.items():
                    per.setdefault(k, []).append(v)
            run.params.setdefault(f"{rate:g} Hz", params)
            run.analysed.extend(c for c in kept if c not in run.analysed)
    for label, group in run.params.items():
        group["channels"] = {
            name: {k: float(np.median(v)) for k, v in per.items()}
            for name, per in run.baselines.items()
            if f"{src.rate_hz[name]:g} Hz" == label
        }
    return run


def _quality_entries(run: _EmgRun, src: RecordingSource) -> list[dict[str, str]]:
    """Build the spec's quality entries, one per channel and issue (stretches counted)."""
    entries: list[dict[str, str]] = []
    for (name, issue), found in run.found.items():
        entry = found.first.to_dict()
        if run.stretches > 1:
            entry["detail"] += (
                f"; in {found.stretches} of {run.stretches} stretches of {CHUNK_S / 60:g} min, "
                f"first at {found.first_s:.0f} s"
            )
        if issue in FATAL_ISSUES:
            entry["detail"] += (
                "; channel left out of detection"
                if name not in run.analysed
                else "; channel left out of detection where this was found"
            )
        if issue == "ecg" and found.beats_removed:
            entry["detail"] += f"; ECG reduced: {found.beats_removed} beats"
        entries.append(entry)
    order = {c: i for i, c in enumerate(src.channels)}
    entries.sort(key=lambda e: order.get(e["channel"], len(order)))
    return entries


def _moved(e: Event, shift_s: float) -> Event:
    """Return the event moved by ``shift_s`` seconds, with the amplitude unit set to uV."""
    return dataclasses.replace(
        e,
        onset_s=e.onset_s + shift_s,
        offset_s=e.offset_s + shift_s,
        peak_s=None if e.peak_s is None else e.peak_s + shift_s,
        amplitude_unit="uV" if e.amplitude is not None else e.amplitude_unit,
    )


def _back_average(
    src: RecordingSource, eeg: Sequence[str], jerks: Sequence[Jerk], mains_hz: int
) -> dict[str, Any]:
    """Jerk-locked back-average of the EEG channels (those of the first EEG channel's rate).

    Only the first :data:`BACKAVERAGE_MAX_S` of a longer recording are averaged, so that the
    EEG is read once and memory stays bounded; the result says how much was used.
    """
    rate = src.rate_hz[eeg[0]]
    same = [c for c in eeg if src.rate_hz[c] == rate]
    n = min(min(src.lengths[c] for c in same), round(BACKAVERAGE_MAX_S * rate))
    x = np.stack([src.read(c, 0, n) * _TO_UV.get(src.units[c], 1.0) for c in same])
    onsets = [j.onset_s for j in jerks if j.onset_s < n / rate]
    try:
        result = jerk_locked_average(x, rate, onsets, channel_names=same, mains_hz=float(mains_hz))
        out = result.to_dict()
    except SignalError as exc:  # e.g. a flat EEG channel: reported, not fatal
        out = {"channels": same, "enough_data": False, "reason": str(exc)}
    out["analysed_s"] = round(n / rate, 3)
    if n < min(src.lengths[c] for c in same):
        out["note"] = (
            f"EEG averaged over the first {n / rate / 60:.0f} min of the recording "
            f"({len(onsets)} jerks)"
        )
    return out


def _ecg_params(reduced: dict[str, int]) -> dict[str, Any]:
    return {
        "method": (
            "QRS detection on a 5-30 Hz copy (robust threshold, refractory period), then "
            "subtraction of an adaptive median template aligned on each R peak, on channels "
            "whose quality check reports ecg"
        ),
        "qrs_band_hz": list(QRS_BAND_HZ),
        "refractory_ms": QRS_REFRACTORY_MS,
        "template_ms": [-TEMPLATE_PRE_MS, TEMPLATE_POST_MS],
        "template_beats": TEMPLATE_BEATS,
        "template_lowpass_hz": TEMPLATE_LOWPASS_HZ,
        "min_template_corr": MIN_TEMPLATE_CORR,
        "beats_removed": dict(reduced),
    }


def _acc(
    rec: Recording, skipped: set[str]
) -> tuple[list[Event], dict[str, Any], list[str], dict[str, list[str]]]:
    events: list[Event] = []
    analysed: list[str] = []
    sensors_out: dict[str, list[str]] = {}
    for rate, (names, arr) in rec.rate_groups().items():
        index = {n: i for i, n in enumerate(names)}
        for sensor, axes in group_axes(names, file=rec.file).items():
            sensors_out[sensor] = list(axes)
            if any(a in skipped for a in axes):
                continue
            xyz = np.stack([arr[index[a]] * _TO_G.get(rec.units[a], 1.0) for a in axes])
            events.extend(detect_acc_jerks(xyz, rate, channel=sensor))
            analysed.append(sensor)
    params: dict[str, Any] = {
        "band_hz": list(DEFAULT_ACC_BAND_HZ),
        "design": "Butterworth band-pass, zero-phase, second-order sections",
        "jerk": "norm of the time derivatives of the band-passed axes (g/s)",
        "k": DEFAULT_ACC_K,
        "refractory_ms": DEFAULT_ACC_REFRACTORY_MS,
        "reject_gait": True,
        "axes_grouping": (
            "channels ending in x, y, z after a common prefix form one sensor; others are "
            "taken three at a time in file order"
        ),
    }
    return events, params, analysed, sensors_out


def analyse_recording(
    path: str | Path,
    *,
    modality: str | None = None,
    rate_hz: float | None = None,
    channels: Sequence[str] | None = None,
    mains_hz: int = 50,
    progress: Callable[[float], None] | None = None,
) -> dict[str, Any]:
    """Read a recording, check each channel, detect events and summarise them.

    Parameters
    ----------
    path : str or pathlib.Path
        The recording (see :func:`myoscope.signals.read_recording` for the formats).
    modality : {"emg", "acc"}, optional
        What the channels record; inferred from labels and units when not given.
    rate_hz : float, optional
        Sampling rate in Hz, for files that do not state it.
    channels : sequence of str, optional
        Analyse only these channels.
    mains_hz : {50, 60}
        Mains frequency in Hz (notch filter and hum check).
    progress : callable, optional
        Called with the fraction done (0 to 1): before each EMG stretch, and once or twice
        for accelerometer recordings, which are analysed whole.

    Returns
    -------
    dict
        The JSON document of the recordings spec: ``recording`` (file, duration_s, channels,
        rate_hz, modality, units, notes), ``events``, ``jerks``, ``summary``, ``quality`` and
        ``params``. EMG is converted to uV and accelerometer data to g before detection.
        Channels with a flat or disconnected signal are reported under ``quality`` and left
        out; the others are analysed. EMG channels whose quality check reports ``ecg`` have
        the ECG subtracted first (:func:`myoscope.signals.ecg.remove_ecg`): their quality
        detail ends with "ECG reduced: N beats" and ``params.ecg_reduction`` records the
        method. Accelerometer axes are grouped into sensors by
        :func:`group_axes`; their events are named by the sensor.

    Raises
    ------
    SignalError
        Anything :func:`~myoscope.signals.read_recording` rejects, a bad ``mains_hz``, no
        usable channel left, or a channel the detectors reject (the message names the file).
    """
    if mains_hz not in (50, 60):
        raise SignalError(f"Invalid mains frequency {mains_hz!r}: allowed 50 or 60 Hz.")
    rec = open_recording(path, rate_hz=rate_hz, channels=channels, modality=modality)
    sensors: dict[str, list[str]] = {}
    reduced: dict[str, int] = {}
    chunking: dict[str, Any] | None = None
    try:
        if rec.modality == "emg":
            run = _emg(rec, mains_hz, progress)
            quality = _quality_entries(run, rec)
            events, detector, analysed = run.events, run.params, run.analysed
            reduced = {
                name: f.beats_removed
                for (name, issue), f in run.found.items()
                if issue == "ecg" and f.beats_removed
            }
            chunking = {
                "method": (
                    "EMG analysed in stretches read one at a time, each with context on both "
                    "sides; an event belongs to the stretch its onset falls in"
                ),
                "chunk_s": CHUNK_S,
                "overlap_s": OVERLAP_S,
                "stretches": run.stretches,
            }
        else:
            loaded = rec.load()
            if progress is not None:
                progress(0.3)
            quality, skipped_acc = _quality(loaded, mains_hz)
            if all(c in skipped_acc for c in loaded.channels):
                analysed = []
            else:
                events, detector, analysed, sensors = _acc(loaded, skipped_acc)
    except SignalError as exc:
        message = str(exc)
        raise SignalError(
            message if message.startswith(f"{rec.file}:") else f"{rec.file}: {message}"
        ) from None
    if not analysed:
        flagged = sorted({q["channel"] for q in quality if q["issue"] in FATAL_ISSUES})
        raise SignalError(
            f"{rec.file}: no usable channel: {', '.join(flagged)} are flat or "
            "disconnected. Check the electrodes or sensors."
        )
    skipped = {c for c in rec.channels if c not in analysed}
    if sensors:
        skipped = {c for c in rec.channels if not any(c in sensors[s] for s in analysed)}
    events.sort(key=lambda e: (e.onset_s, e.channel, e.kind))
    duration = rec.duration_s
    summary = summarise(
        events,
        duration_s=duration,
        channels=analysed,
        modality=rec.modality,
        jerk_window_ms=DEFAULT_JERK_WINDOW_MS,
    )
    units = {c: rec.units[c] or ("uV" if rec.modality == "emg" else "g") for c in rec.channels}
    recording: dict[str, Any] = {
        "file": rec.file,
        "duration_s": round(duration, 6),
        "channels": list(rec.channels),
        "rate_hz": {c: round(rec.rate_hz[c], 6) for c in rec.channels},
        "modality": rec.modality,
        "units": units,
        "analysed": analysed,
        "skipped": sorted(skipped),
        "notes": list(rec.notes),
    }
    if rec.modality == "emg":
        recording["notes"] += [
            f"channel {c}: no unit given; uV assumed" for c in rec.channels if not rec.units[c]
        ]
    if sensors:
        recording["sensors"] = sensors
    jerks = group_jerks(events, window_ms=DEFAULT_JERK_WINDOW_MS)
    summary_out = summary.to_dict()
    eeg = eeg_channels(rec.other_channels) if rec.modality == "emg" else []
    if eeg:
        summary_out["back_average"] = _back_average(rec, eeg, jerks, mains_hz)
    if progress is not None:
        progress(1.0)
    return {
        "recording": recording,
        "events": [e.to_dict() for e in events],
        "jerks": [j.to_dict() for j in jerks],
        "summary": summary_out,
        "quality": quality,
        "params": {
            "modality": rec.modality,
            "mains_hz": mains_hz,
            "jerk_window_ms": DEFAULT_JERK_WINDOW_MS,
            "fatal_quality_issues": list(FATAL_ISSUES),
            "units_for_detection": "uV" if rec.modality == "emg" else "g",
            "detector": detector,
            **({"chunking": chunking} if chunking else {}),
            **({"ecg_reduction": _ecg_params(reduced)} if reduced else {}),
        },
    }
