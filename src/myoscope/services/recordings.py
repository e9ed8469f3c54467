"""Analyse one recording file: read, check quality, detect events and summarise.

The result is the JSON document of ``myoscope signals detect --format json``
(``../shared/spec/recordings.md``): ``recording``, ``events``, ``jerks``, ``summary``,
``quality`` and ``params``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
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
from myoscope.signals.detection import Event, detect_emg
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
from myoscope.signals.io import Recording, read_recording
from myoscope.signals.quality import check_channel
from myoscope.signals.summary import DEFAULT_JERK_WINDOW_MS, group_jerks, summarise

__all__ = ["FATAL_ISSUES", "analyse_recording", "group_axes"]

FATAL_ISSUES = ("flat", "disconnected")
"""Quality issues that leave a channel out of detection (it is still reported)."""

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


def _emg(
    rec: Recording, skipped: set[str], mains_hz: int, ecg_channels: set[str]
) -> tuple[list[Event], dict[str, Any], list[str], dict[str, int]]:
    events: list[Event] = []
    params: dict[str, Any] = {}
    analysed: list[str] = []
    reduced: dict[str, int] = {}
    for rate, (names, arr) in rec.rate_groups().items():
        keep = [i for i, n in enumerate(names) if n not in skipped]
        if not keep:
            continue
        kept = tuple(names[i] for i in keep)
        scale = np.array([_TO_UV.get(rec.units[n], 1.0) for n in kept])[:, None]
        data = arr[keep] * scale
        for row, name in enumerate(kept):
            if name in ecg_channels:
                data[row], reduced[name] = remove_ecg(data[row], rate)
        detection = detect_emg(data, rate, kept, mains_hz=float(mains_hz))
        events.extend(e if e.amplitude is None else _with_unit(e, "uV") for e in detection.events)
        params[f"{rate:g} Hz"] = dict(detection.params)
        analysed.extend(kept)
    return events, params, analysed, reduced


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


def _with_unit(e: Event, unit: str) -> Event:
    if e.amplitude_unit == unit:
        return e
    return Event(
        e.channel, e.kind, e.onset_s, e.offset_s, e.peak_s, e.duration_ms, e.amplitude, unit
    )


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
    rec = read_recording(path, rate_hz=rate_hz, channels=channels, modality=modality)
    quality, skipped = _quality(rec, mains_hz)
    if all(c in skipped for c in rec.channels):
        raise SignalError(
            f"{rec.file}: no usable channel: {', '.join(sorted(skipped))} are flat or "
            "disconnected. Check the electrodes or sensors."
        )
    sensors: dict[str, list[str]] = {}
    reduced: dict[str, int] = {}
    try:
        if rec.modality == "emg":
            ecg_channels = {q["channel"] for q in quality if q["issue"] == "ecg"}
            events, detector, analysed, reduced = _emg(rec, skipped, mains_hz, ecg_channels)
            for q in quality:
                if q["issue"] == "ecg" and q["channel"] in reduced:
                    q["detail"] += f"; ECG reduced: {reduced[q['channel']]} beats"
        else:
            events, detector, analysed, sensors = _acc(rec, skipped)
    except SignalError as exc:
        message = str(exc)
        raise SignalError(
            message if message.startswith(f"{rec.file}:") else f"{rec.file}: {message}"
        ) from None
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
    return {
        "recording": recording,
        "events": [e.to_dict() for e in events],
        "jerks": [j.to_dict() for j in group_jerks(events, window_ms=DEFAULT_JERK_WINDOW_MS)],
        "summary": summary.to_dict(),
        "quality": quality,
        "params": {
            "modality": rec.modality,
            "mains_hz": mains_hz,
            "jerk_window_ms": DEFAULT_JERK_WINDOW_MS,
            "fatal_quality_issues": list(FATAL_ISSUES),
            "units_for_detection": "uV" if rec.modality == "emg" else "g",
            "detector": detector,
            **({"ecg_reduction": _ecg_params(reduced)} if reduced else {}),
        },
    }
