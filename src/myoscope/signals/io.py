"""Readers for biosignal recordings: CSV/TSV, BioSPPy text, NumPy, EDF/EDF+/BDF and wearables.

This module and :mod:`myoscope.signals.wearables` (Axivity ``.cwa``, ActiGraph ``.gt3x``,
GENEActiv ``.bin``) are the only modules of :mod:`myoscope.signals` that touch files. The EDF
library (``edfio``) and the wearable reader (``actfast``) are imported inside the functions that
need them. Every unusable input raises
:class:`~myoscope.errors.SignalError` with a one-line message that names the file, the channel
and what to do (``../shared/spec/recordings.md``, "What bad input gets").
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from myoscope.errors import SignalError, did_you_mean
from myoscope.signals.backaverage import eeg_channels
from myoscope.signals.wearables import WEARABLE_EXTENSIONS, read_wearable

__all__ = [
    "MIN_DURATION_S",
    "MIN_RATE_HZ",
    "MODALITIES",
    "SUPPORTED_EXTENSIONS",
    "Modality",
    "Recording",
    "RecordingSource",
    "infer_modality",
    "open_recording",
    "read_recording",
]

FloatArray = npt.NDArray[np.float64]
Modality = Literal["emg", "acc"]

MODALITIES: tuple[Modality, ...] = ("emg", "acc")

MIN_RATE_HZ: dict[str, float] = {"emg": 500.0, "acc": 25.0}
"""Lowest sampling rate per modality, in Hz (recordings spec: EMG >= 500 Hz, accelerometer >= 25 Hz)."""

MIN_DURATION_S = 5.0
"""Shortest recording accepted, in s: filters need a few seconds to settle and baselines need
rest data."""

SUPPORTED_EXTENSIONS = (
    ".csv",
    ".tsv",
    ".txt",
    ".npy",
    ".npz",
    ".edf",
    ".bdf",
    *WEARABLE_EXTENSIONS,
)

SCAN_BLOCK = 1 << 22
"""Samples per block when a channel read on demand is scanned for NaN or constant values."""

TIME_COLUMN = "time_s"
RATE_TOLERANCE = 0.01
"""Largest relative deviation of a sample interval from the median interval in a ``time_s``
column, and between ``time_s`` and a given ``rate_hz``."""

_UNIT_ALIASES: dict[str, str] = {
    "uv": "uV",
    "µv": "uV",
    "μv": "uV",
    "microvolt": "uV",
    "microvolts": "uV",
    "mv": "mV",
    "millivolt": "mV",
    "v": "V",
    "volt": "V",
    "g": "g",
    "mg": "mg",
    "m/s^2": "m/s^2",
    "m/s2": "m/s^2",
    "m/s²": "m/s^2",
    "ms^-2": "m/s^2",
    "m s-2": "m/s^2",
}
_VOLTAGE_UNITS = {"uV", "mV", "V"}
_ACC_UNITS = {"g", "mg", "m/s^2"}
_OTHER_LABEL = re.compile(r"\b(ecg|ekg|eeg|eog|resp|spo2|pleth|temp|status|trigger|marker)", re.I)
_EMG_LABEL = re.compile(
    r"(emg|\b(edc|ed|bic|bb|tri|tb|fdi|fds|fcr|fcu|ecr|ta|gas|gastroc|sol|del|delt|scm|trap|"
    r"pect|rect|quad|vl|vm|ham|apb|adm|masseter|orbicularis|chin|leg|arm)\b)",
    re.I,
)
_ACC_LABEL = re.compile(r"(acc|accel|\ba[xyz]\b|[_\- ][xyz]$|^[xyz]$|gyro-free)", re.I)
_G = 9.80665


@dataclass(frozen=True)
class Recording:
    """A recording read from a file: one 1-D array per channel, with its rate and unit.

    Parameters
    ----------
    file : str
        The file name (without directories), as the output's ``recording.file``.
    data : dict of str to numpy.ndarray
        Samples per channel, float64, in the unit of ``units``.
    rate_hz : dict of str to float
        Sampling rate per channel, in Hz.
    units : dict of str to str
        Unit per channel: ``uV``, ``mV``, ``V``, ``g``, ``mg``, ``m/s^2`` or ``""`` (unknown).
    modality : {"emg", "acc"}
        What the channels record.
    other_channels : tuple of str
        Channels read but not of the modality (ECG, EEG, markers); kept in ``data`` for
        back-averaging or ECG removal, and not checked against the modality's rate.
    notes : tuple of str
        What the reader assumed or corrected (for example a wrong unit in a header).
    """

    file: str
    data: dict[str, FloatArray]
    rate_hz: dict[str, float]
    units: dict[str, str]
    modality: Modality
    other_channels: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def channels(self) -> tuple[str, ...]:
        """The channels of the modality, in file order (``other_channels`` excluded)."""
        return tuple(c for c in self.data if c not in self.other_channels)

    @property
    def duration_s(self) -> float:
        """Length of the recording, in s (the longest channel)."""
        return max(len(x) / self.rate_hz[c] for c, x in self.data.items())

    def rate_groups(self) -> dict[float, tuple[tuple[str, ...], FloatArray]]:
        """Group the modality's channels by sampling rate.

        Returns
        -------
        dict of float to (tuple of str, numpy.ndarray)
            For each rate in Hz, the channel names and a ``(n_channels, n_samples)`` array
            (channels of one rate are cut to the shortest of them).
        """
        names_by_rate: dict[float, list[str]] = {}
        for name in self.channels:
            names_by_rate.setdefault(self.rate_hz[name], []).append(name)
        groups: dict[float, tuple[tuple[str, ...], FloatArray]] = {}
        for rate, names in names_by_rate.items():
            n = min(len(self.data[c]) for c in names)
            groups[rate] = (tuple(names), np.stack([self.data[c][:n] for c in names]))
        return groups


@dataclass(frozen=True)
class _Lazy:
    """A channel read on demand: its length in samples and a reader of ``[start, stop)``."""

    length: int
    load: Callable[[int, int], FloatArray]

    def __len__(self) -> int:
        return self.length


_Channel = FloatArray | _Lazy


@dataclass(frozen=True)
class RecordingSource:
    """An opened recording whose samples are read on demand, a stretch at a time.

    EDF/BDF and ``.npy`` files are read lazily: :meth:`read` takes only the samples asked for
    from the file, so a long recording can be analysed in chunks without loading it. Other
    formats are read whole when opened. The metadata are those of :class:`Recording`.

    Parameters
    ----------
    file, rate_hz, units, modality, other_channels, notes
        As in :class:`Recording`.
    lengths : dict of str to int
        Number of samples per channel.
    """

    file: str
    lengths: dict[str, int]
    rate_hz: dict[str, float]
    units: dict[str, str]
    modality: Modality
    other_channels: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    _data: Mapping[str, _Channel] = field(default_factory=dict, repr=False)

    @property
    def channels(self) -> tuple[str, ...]:
        """The channels of the modality, in file order (``other_channels`` excluded)."""
        return tuple(c for c in self.lengths if c not in self.other_channels)

    @property
    def duration_s(self) -> float:
        """Length of the recording, in s (the longest channel of the modality)."""
        return max(self.lengths[c] / self.rate_hz[c] for c in self.channels)

    def read(self, channel: str, start: int = 0, stop: int | None = None) -> FloatArray:
        """Read samples ``[start, stop)`` of one channel, float64, in the channel's unit.

        Parameters
        ----------
        channel : str
            Channel name (of the modality or an other channel).
        start, stop : int
            Sample indices; ``stop`` defaults to the end and is clipped to it.

        Returns
        -------
        numpy.ndarray, shape (n,)
            A new array (changing it does not change the recording).
        """
        n = self.lengths[channel]
        stop = n if stop is None else min(int(stop), n)
        start = max(0, min(int(start), stop))
        src = self._data[channel]
        if isinstance(src, _Lazy):
            return src.load(start, stop)
        return np.array(src[start:stop], dtype=np.float64)

    def load(self) -> Recording:
        """Read every channel whole into a :class:`Recording`."""
        return Recording(
            file=self.file,
            data={c: self.read(c) for c in self.lengths},
            rate_hz=dict(self.rate_hz),
            units=dict(self.units),
            modality=self.modality,
            other_channels=self.other_channels,
            notes=self.notes,
        )


# --------------------------------------------------------------------------------------------
# public entry point
# --------------------------------------------------------------------------------------------


def read_recording(
    path: str | Path,
    *,
    rate_hz: float | None = None,
    channels: Sequence[str] | None = None,
    modality: str | None = None,
) -> Recording:
    """Read a whole recording and check that it can be analysed.

    The same as ``open_recording(...).load()``: see :func:`open_recording` for the
    parameters, the formats and the errors.
    """
    return open_recording(path, rate_hz=rate_hz, channels=channels, modality=modality).load()


def open_recording(
    path: str | Path,
    *,
    rate_hz: float | None = None,
    channels: Sequence[str] | None = None,
    modality: str | None = None,
) -> RecordingSource:
    """Open a recording, check that it can be analysed, and read its samples on demand.

    EDF/BDF and ``.npy`` EMG recordings stay on disk: the checks scan them in blocks of
    :data:`SCAN_BLOCK` samples and :meth:`RecordingSource.read` takes what is asked for, so
    memory does not grow with the length of the recording. Accelerometer recordings and the
    other formats are read whole.

    Parameters
    ----------
    path : str or pathlib.Path
        ``.csv``/``.tsv`` (header row, optional ``time_s`` column, ``#`` comments), ``.txt``
        (whitespace columns with a BioSPPy-style ``#`` header giving ``Sampling Rate (Hz)``,
        ``Labels`` and ``Units``), ``.npy`` (``(n_channels, n_samples)`` or ``(n_samples,)``),
        ``.npz`` (one array per key; a scalar ``rate_hz`` key may give the rate),
        ``.edf``/``.bdf`` (EDF+/BDF+ too), or a wearable's raw accelerometer file: Axivity
        ``.cwa``, ActiGraph ``.gt3x`` or GENEActiv ``.bin`` (channels ``acc_x``, ``acc_y``,
        ``acc_z`` in g at the device's rate; see :mod:`myoscope.signals.wearables`).
    rate_hz : float, optional
        Sampling rate in Hz. Required for NumPy files and for text files without a ``time_s``
        column or rate header; checked against ``time_s`` (1 %) when both are present.
    channels : sequence of str, optional
        Keep only these channels, in this order.
    modality : {"emg", "acc"}, optional
        What the channels record. Without it, the units and labels decide; an ambiguous file
        is an error that asks for ``--modality``.

    Returns
    -------
    RecordingSource
        The channels, rates in Hz, units, modality and a reader of their samples.

    Raises
    ------
    SignalError
        Unknown extension, unreadable file, missing or irregular rate, rate too low for the
        modality (EMG < 500 Hz, accelerometer < 25 Hz), an empty, all-NaN or constant channel,
        a recording shorter than 5 s, an unknown channel name or an ambiguous modality.
    """
    p = Path(path)
    name = p.name
    ext = p.suffix.lower()
    if ext not in SUPPORTED_EXTENSIONS:
        raise SignalError(
            f"{name}: unknown file type '{ext or '(none)'}'; Myoscope reads "
            f"{', '.join(SUPPORTED_EXTENSIONS)}. Convert the file to CSV or EDF."
        )
    if modality is not None and modality not in MODALITIES:
        raise SignalError(
            f"{name}: invalid modality {modality!r}; allowed 'emg' or 'acc'."
            f"{did_you_mean(str(modality), list(MODALITIES))}"
        )
    if rate_hz is not None and (not math.isfinite(float(rate_hz)) or float(rate_hz) <= 0):
        raise SignalError(f"{name}: --rate must be a positive number of Hz, got {rate_hz!r}.")
    if not p.is_file():
        raise SignalError(f"{name}: no such file ({p}); check the path.")

    if ext in (".csv", ".tsv"):
        data, rates, units, notes = _read_delimited(p, rate_hz, "\t" if ext == ".tsv" else ",")
    elif ext == ".txt":
        data, rates, units, notes = _read_text(p, rate_hz)
    elif ext == ".npy":
        data, rates, units, notes = _read_npy(p, rate_hz)
    elif ext == ".npz":
        data, rates, units, notes = _read_numpy(p, rate_hz)
    elif ext in WEARABLE_EXTENSIONS:
        worn = read_wearable(p, WEARABLE_EXTENSIONS[ext], rate_hz=rate_hz)
        data, rates, notes = dict(worn.data), dict.fromkeys(worn.data, worn.rate_hz), worn.notes
        units = dict.fromkeys(worn.data, "g")
    else:
        data, rates, units, notes = _read_edf(p, rate_hz, bdf=ext == ".bdf")

    if not data:
        raise SignalError(f"{name}: the file holds no channels; check that it is not empty.")
    if channels is not None:
        data = _select(name, data, channels)
        rates = {c: rates[c] for c in data}
        units = {c: units[c] for c in data}

    kinds = {c: _channel_kind(c, units[c]) for c in data}
    chosen: Modality = (
        "emg"
        if modality == "emg"
        else "acc"
        if modality == "acc"
        else infer_modality(kinds, file=name)
    )
    # ECG/EEG/marker channels are kept aside (for ECG or back-averaging) unless the user
    # named them with --channels and gave --modality
    others = tuple(
        c for c, k in kinds.items() if k == "other" and (modality is None or channels is None)
    )
    own = [c for c in data if c not in others]
    if not own:
        raise SignalError(
            f"{name}: no {chosen} channel left (only {', '.join(others)}); pick channels with "
            "--channels or pass --modality."
        )
    if chosen == "acc":  # accelerometer data are small: read them whole
        data = {c: _materialise(x) for c, x in data.items()}
    for c in data:
        _check_channel_values(name, c, data[c])
    for c in own:
        if rates[c] < MIN_RATE_HZ[chosen]:
            raise SignalError(
                f"{name}: channel '{c}' is sampled at {rates[c]:g} Hz, below the "
                f"{MIN_RATE_HZ[chosen]:g} Hz that {_MODALITY_NAME[chosen]} needs; record at a "
                "higher rate, or fix --rate if it is wrong."
            )
    duration = max(len(data[c]) / rates[c] for c in own)
    if duration < MIN_DURATION_S:
        raise SignalError(
            f"{name}: the recording lasts {duration:.2f} s; at least {MIN_DURATION_S:g} s is "
            "needed. Record longer, or check --rate."
        )
    if chosen == "acc":
        arrays = {c: _materialise(x) for c, x in data.items()}
        units, more = _check_acc_units(own, arrays, rates, units)
        notes = notes + more
    return RecordingSource(
        file=name,
        lengths={c: len(x) for c, x in data.items()},
        rate_hz=rates,
        units=units,
        modality=chosen,
        other_channels=others,
        notes=tuple(notes),
        _data=data,
    )


def _materialise(x: _Channel) -> FloatArray:
    return x.load(0, x.length) if isinstance(x, _Lazy) else x


_MODALITY_NAME = {"emg": "surface EMG", "acc": "an accelerometer"}


# --------------------------------------------------------------------------------------------
# modality
# --------------------------------------------------------------------------------------------


def _normalise_unit(unit: str) -> str:
    u = unit.strip()
    return _UNIT_ALIASES.get(u.lower(), _UNIT_ALIASES.get(u, u))


def _channel_kind(label: str, unit: str) -> str:
    """'emg', 'acc', 'other' or '' (no clue) for one channel."""
    if _OTHER_LABEL.search(label) or eeg_channels([label]):
        return "other"
    if unit in _ACC_UNITS or _ACC_LABEL.search(label):
        return "acc"
    if _EMG_LABEL.search(label):
        return "emg"
    if unit in _VOLTAGE_UNITS:
        return "emg"
    return ""


def infer_modality(kinds: Mapping[str, str], *, file: str = "recording") -> Modality:
    """Decide the modality from per-channel clues (units and labels).

    Parameters
    ----------
    kinds : mapping of str to str
        For each channel, ``"emg"``, ``"acc"``, ``"other"`` (ECG, EEG, markers) or ``""`` (no
        clue).
    file : str
        File name for the message.

    Returns
    -------
    {"emg", "acc"}
        The modality every informative channel agrees on.

    Raises
    ------
    SignalError
        No channel gives a clue, or channels disagree: pass ``--modality``.
    """
    votes = {k for k in kinds.values() if k in MODALITIES}
    unknown = [c for c, k in kinds.items() if k == ""]
    if len(votes) == 1 and not unknown:
        return "emg" if "emg" in votes else "acc"
    if len(votes) > 1:
        detail = "channels look like both EMG and accelerometer"
    elif unknown:
        detail = f"the labels and units of {', '.join(repr(c) for c in unknown[:5])} do not say what they record"
    else:
        detail = "no channel is EMG or accelerometer"
    raise SignalError(
        f"{file}: cannot tell the modality: {detail}. Pass --modality emg or --modality acc "
        "(and --channels to choose channels)."
    )


def _check_acc_units(
    own: Sequence[str],
    data: Mapping[str, FloatArray],
    rates: Mapping[str, float],
    units: dict[str, str],
) -> tuple[dict[str, str], tuple[str, ...]]:
    """Assume g for unlabelled axes; catch headers that say m/s^2 over data in g (or back)."""
    units = dict(units)
    notes: list[str] = []
    by_rate: dict[float, list[str]] = {}
    for c in own:
        by_rate.setdefault(rates[c], []).append(c)
    for names in by_rate.values():
        if len(names) % 3 != 0:
            continue
        for i in range(0, len(names), 3):
            triple = names[i : i + 3]
            n = min(len(data[c]) for c in triple)
            norm = float(np.nanmedian(np.sqrt(sum(data[c][:n] ** 2 for c in triple))))
            declared = {units[c] for c in triple}
            looks = "g" if 0.5 <= norm <= 1.5 else "m/s^2" if 5.0 <= norm <= 15.0 else ""
            if looks and declared != {looks} and declared <= {"", "g", "m/s^2"}:
                said = "/".join(sorted(d or "no unit" for d in declared))
                notes.append(
                    f"channels {', '.join(triple)}: the header says {said} but gravity reads "
                    f"{norm:.2f}, so the values are taken as {looks}"
                )
                for c in triple:
                    units[c] = looks
    for c in own:
        if not units[c]:
            units[c] = "g"
            notes.append(f"channel {c}: no unit given; g assumed")
    return units, tuple(notes)


# --------------------------------------------------------------------------------------------
# checks
# --------------------------------------------------------------------------------------------


def _check_channel_values(file: str, channel: str, x: _Channel) -> None:
    """Refuse an empty, all-NaN or constant channel (a lazy one is scanned in blocks)."""
    if len(x) == 0:
        raise SignalError(
            f"{file}: channel '{channel}' is empty; drop it with --channels or fix the export."
        )
    lo, hi = math.inf, -math.inf
    for start in range(0, len(x), SCAN_BLOCK):
        block = (
            x.load(start, min(start + SCAN_BLOCK, len(x)))
            if isinstance(x, _Lazy)
            else x[start : start + SCAN_BLOCK]
        )
        finite = block[np.isfinite(block)]
        if finite.size:
            lo, hi = min(lo, float(finite.min())), max(hi, float(finite.max()))
            if lo != hi:
                return
    if lo == math.inf:
        raise SignalError(
            f"{file}: channel '{channel}' holds only NaN or missing values; drop it with "
            "--channels or fix the export."
        )
    raise SignalError(
        f"{file}: channel '{channel}' is constant ({lo:g} throughout): the "
        "electrode or sensor recorded nothing. Drop it with --channels."
    )


def _select(file: str, data: dict[str, _Channel], wanted: Sequence[str]) -> dict[str, _Channel]:
    if isinstance(wanted, str):
        wanted = [w.strip() for w in wanted.split(",") if w.strip()]
    out: dict[str, _Channel] = {}
    for w in wanted:
        if w not in data:
            raise SignalError(
                f"{file}: no channel '{w}'; the file has {', '.join(data)}.{did_you_mean(w, list(data))}"
            )
        out[w] = data[w]
    if not out:
        raise SignalError(f"{file}: --channels selected no channel; name at least one.")
    return out


def _rate_from_time(file: str, t: FloatArray) -> float:
    if len(t) < 2 or not np.all(np.isfinite(t)):
        raise SignalError(
            f"{file}: the '{TIME_COLUMN}' column needs at least two finite times; fix it or "
            "remove it and pass --rate."
        )
    dt = np.diff(t)
    med = float(np.median(dt))
    if med <= 0:
        raise SignalError(
            f"{file}: the '{TIME_COLUMN}' column does not increase; sort the rows or pass --rate."
        )
    worst = float(np.max(np.abs(dt - med))) / med
    if worst > RATE_TOLERANCE:
        i = int(np.argmax(np.abs(dt - med)))
        raise SignalError(
            f"{file}: the '{TIME_COLUMN}' column is irregular: the interval after "
            f"{t[i]:g} s is {dt[i]:g} s against a typical {med:g} s (more than "
            f"{RATE_TOLERANCE:.0%} off). Resample to a regular grid first."
        )
    return 1.0 / med


def _reconcile_rate(file: str, derived: float | None, given: float | None) -> float:
    if derived is None and given is None:
        raise SignalError(
            f"{file}: the sampling rate is unknown; pass --rate HZ (or add a '{TIME_COLUMN}' column)."
        )
    if derived is not None and given is not None:
        if abs(derived - given) / given > RATE_TOLERANCE:
            raise SignalError(
                f"{file}: --rate {given:g} Hz disagrees with the file ({derived:g} Hz); drop "
                "--rate or correct it."
            )
        return float(given)
    return float(derived if derived is not None else given)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# formats
# --------------------------------------------------------------------------------------------

_Read = tuple[dict[str, _Channel], dict[str, float], dict[str, str], tuple[str, ...]]


def _to_float(file: str, column: str, values: Sequence[str], first_line: int) -> FloatArray:
    out = np.empty(len(values))
    for i, v in enumerate(values):
        s = v.strip()
        if s == "" or s.lower() in ("nan", "na", "null"):
            out[i] = np.nan
            continue
        try:
            out[i] = float(s)
        except ValueError:
            raise SignalError(
                f"{file}: column '{column}' has a non-numeric value {s!r} on line "
                f"{first_line + i}; fix it or leave the cell empty."
            ) from None
    return out


def _read_delimited(path: Path, rate_hz: float | None, delimiter: str) -> _Read:
    name = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SignalError(
            f"{name}: cannot read the file ({exc}); check it is a text CSV/TSV."
        ) from None
    lines = [
        (i + 1, ln)
        for i, ln in enumerate(text.splitlines())
        if ln.strip() and not ln.lstrip().startswith("#")
    ]
    if not lines:
        raise SignalError(f"{name}: the file is empty; export the recording again.")
    rows = list(csv.reader([ln for _, ln in lines], delimiter=delimiter))
    header = [h.strip() for h in rows[0]]
    if len(set(header)) != len(header) or any(h == "" for h in header):
        raise SignalError(
            f"{name}: the header row must name every column once, got {header}; fix the header."
        )
    if all(_is_number(h) for h in header):
        raise SignalError(
            f"{name}: the first row is numbers, not a header; add a header row naming the channels."
        )
    body = rows[1:]
    for (lineno, _), row in zip(lines[1:], body, strict=True):
        if len(row) != len(header):
            raise SignalError(
                f"{name}: line {lineno} has {len(row)} fields, the header has {len(header)}; "
                "fix the row."
            )
    first = lines[1][0] if len(lines) > 1 else 2
    columns = {h: _to_float(name, h, [r[j] for r in body], first) for j, h in enumerate(header)}
    time_key = next((h for h in header if h.lower() == TIME_COLUMN), None)
    derived = _rate_from_time(name, columns.pop(time_key)) if time_key else None
    rate = _reconcile_rate(name, derived, rate_hz)
    units: dict[str, str] = {}
    data: dict[str, _Channel] = {}
    for h, x in columns.items():
        label, unit = _split_unit(h)
        key = label if label and label not in data and label not in columns else h
        data[key] = x
        units[key] = unit
    return data, dict.fromkeys(data, rate), units, ()


_UNIT_IN_NAME = re.compile(r"^(.*?)[\s_]*[\[(]([^\])]+)[\])]$")


def _split_unit(header: str) -> tuple[str, str]:
    """'EDC-R (uV)' or 'acc_x[g]' -> (label, normalised unit)."""
    m = _UNIT_IN_NAME.match(header)
    if m:
        return m.group(1), _normalise_unit(m.group(2))
    return header, ""


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def _read_text(path: Path, rate_hz: float | None) -> _Read:
    """Whitespace columns with an optional BioSPPy 'Simple Text Format' header."""
    name = path.name
    meta: dict[str, str] = {}
    try:
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if not line.startswith("#"):
                    break
                if ":=" in line:
                    key, _, value = line[1:].partition(":=")
                    meta[key.strip().lower()] = value.strip()
        arr = np.loadtxt(path, comments="#", ndmin=2, dtype=np.float64)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise SignalError(
            f"{name}: cannot read it as whitespace-separated numbers ({exc}); use CSV with a header."
        ) from None
    derived: float | None = None
    if "sampling rate (hz)" in meta:
        try:
            derived = float(meta["sampling rate (hz)"])
        except ValueError:
            raise SignalError(
                f"{name}: the header rate {meta['sampling rate (hz)']!r} is not a number; pass --rate."
            ) from None
    rate = _reconcile_rate(name, derived, rate_hz)
    n_cols = arr.shape[1] if arr.size else 0
    labels = meta.get("labels", "").split() if meta.get("labels") else []
    if len(labels) != n_cols:
        labels = [f"ch{i + 1}" for i in range(n_cols)]
    unit = _normalise_unit(meta.get("units", ""))
    data: dict[str, _Channel] = {
        lab: np.ascontiguousarray(arr[:, i]) for i, lab in enumerate(labels)
    }
    return data, dict.fromkeys(data, rate), dict.fromkeys(data, unit), ()


def _read_npy(path: Path, rate_hz: float | None) -> _Read:
    """Open a ``.npy`` file to be read on demand: each read takes its samples from the file."""
    name = path.name
    try:
        with path.open("rb") as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
            else:  # version 3 (utf-8 field names) or newer: read it whole
                return _read_numpy(path, rate_hz)
            offset = f.tell()
    except (OSError, ValueError) as exc:
        raise SignalError(f"{name}: cannot read it as a NumPy file ({exc}).") from None
    if dtype.hasobject or not np.issubdtype(dtype, np.number):
        raise SignalError(f"{name}: array 'ch' is not numeric ({dtype}); store numbers only.")
    if len(shape) not in (1, 2):
        raise SignalError(
            f"{name}: array 'ch' has shape {shape}; store (n_channels, n_samples) or (n_samples,)."
        )
    size = path.stat().st_size
    needed = offset + int(np.prod(shape)) * dtype.itemsize
    if size < needed:
        raise SignalError(
            f"{name}: the file is truncated ({size} bytes, {needed} expected); copy it again."
        )
    notes: list[str] = []
    rows, cols = (1, shape[0]) if len(shape) == 1 else shape
    # the file's layout: each channel contiguous ("channel-major"), or samples interleaved
    by_row = len(shape) == 1 or not fortran
    n_ch, n = (rows, cols) if rows <= cols else (cols, rows)
    if len(shape) == 2 and rows > cols:
        notes.append(f"array of shape {tuple(shape)} read as {n_ch} channels of {n} samples")
    channel_major = (rows <= cols) == by_row
    stride = cols if by_row else rows  # elements between consecutive rows (C) or columns (F)
    item = dtype.itemsize

    def loader(ch: int) -> Callable[[int, int], FloatArray]:
        def load(start: int, stop: int) -> FloatArray:
            with path.open("rb") as f:
                if channel_major:
                    f.seek(offset + (ch * stride + start) * item)
                    raw = np.fromfile(f, dtype=dtype, count=stop - start)
                else:  # interleaved: read whole sample frames and take one channel
                    f.seek(offset + start * stride * item)
                    raw = np.fromfile(f, dtype=dtype, count=(stop - start) * stride)
                    raw = raw.reshape(stop - start, stride)[:, ch]
            return raw.astype(np.float64)

        return load

    labels = ["ch1"] if len(shape) == 1 else [f"ch{i + 1}" for i in range(n_ch)]
    data: dict[str, _Channel] = {lab: _Lazy(n, loader(i)) for i, lab in enumerate(labels)}
    rate = _reconcile_rate(name, None, rate_hz)
    return data, dict.fromkeys(data, rate), dict.fromkeys(data, ""), tuple(notes)


def _read_numpy(path: Path, rate_hz: float | None) -> _Read:
    name = path.name
    try:
        loaded = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise SignalError(f"{name}: cannot read it as a NumPy file ({exc}).") from None
    data: dict[str, _Channel] = {}
    notes: list[str] = []
    file_rate: float | None = None
    names: npt.NDArray[np.generic] | None = None
    if isinstance(loaded, np.ndarray):
        arrays: dict[str, npt.NDArray[np.generic]] = {"ch": loaded}
    else:
        with loaded:
            arrays = {k: loaded[k] for k in loaded.files}
        for key in ("rate_hz", "fs", "sampling_rate"):
            if key in arrays and np.ndim(arrays[key]) == 0:
                file_rate = float(arrays.pop(key))
                break
        names = arrays.pop("channels", None)
    for key, a in arrays.items():
        if not np.issubdtype(a.dtype, np.number):
            raise SignalError(
                f"{name}: array '{key}' is not numeric ({a.dtype}); store numbers only."
            )
        x = np.asarray(a, dtype=np.float64)
        if x.ndim == 1:
            data["ch1" if key == "ch" else key] = x
        elif x.ndim == 2:
            if x.shape[0] > x.shape[1]:
                notes.append(
                    f"array '{key}' of shape {x.shape} read as {x.shape[1]} channels of "
                    f"{x.shape[0]} samples"
                )
                x = x.T
            for i, row in enumerate(x):
                data[f"{key}{i + 1}"] = np.ascontiguousarray(row)
        else:
            raise SignalError(
                f"{name}: array '{key}' has shape {x.shape}; store (n_channels, n_samples) or "
                "(n_samples,)."
            )
    if names is not None:
        labels = [str(s) for s in np.asarray(names).ravel()]
        if len(labels) != len(data):
            raise SignalError(
                f"{name}: 'channels' names {len(labels)} channels but the file holds "
                f"{len(data)}; make them match."
            )
        data = dict(zip(labels, data.values(), strict=True))
    rate = _reconcile_rate(name, file_rate, rate_hz)
    return data, dict.fromkeys(data, rate), dict.fromkeys(data, ""), tuple(notes)


def _read_edf(path: Path, rate_hz: float | None, *, bdf: bool) -> _Read:
    import edfio  # lazy: only EDF users pay for it

    name = path.name
    try:  # EDF is read lazily (edfio maps the data records); edfio reads BDF whole
        rec = edfio.read_bdf(path) if bdf else edfio.read_edf(path, lazy_load_data=True)
    except Exception as exc:  # edfio raises ValueError, OSError and others on bad files
        raise SignalError(
            f"{name}: cannot read it as {'BDF' if bdf else 'EDF'} ({exc}); check the file."
        ) from None
    data: dict[str, _Channel] = {}
    rates: dict[str, float] = {}
    units: dict[str, str] = {}
    notes: list[str] = []
    signals: Sequence[Any] = rec.signals
    for i, sig in enumerate(signals):
        label = sig.label.strip() or f"ch{i + 1}"
        if label in data:
            label = f"{label}#{i + 1}"
        rates[label] = float(sig.sampling_frequency)
        if bdf:
            data[label] = np.asarray(sig.data, dtype=np.float64)
        else:
            n = int(sig.samples_per_data_record) * int(rec.num_data_records)
            data[label] = _Lazy(n, _edf_loader(name, sig, rates[label]))
        units[label] = _normalise_unit(sig.physical_dimension)
    if rate_hz is not None:
        notes.append(f"--rate {rate_hz:g} Hz ignored: the EDF header gives each channel's rate")
    return data, rates, units, tuple(notes)


def _edf_loader(file: str, sig: Any, rate: float) -> Callable[[int, int], FloatArray]:
    """Read samples ``[start, stop)`` of one EDF signal (edfio slices by seconds)."""

    def load(start: int, stop: int) -> FloatArray:
        try:
            out = sig.get_data_slice(start / rate, stop / rate)
        except (OSError, ValueError) as exc:
            raise SignalError(f"{file}: cannot read samples {start}-{stop} ({exc}).") from None
        return np.array(out, dtype=np.float64)

    return load
