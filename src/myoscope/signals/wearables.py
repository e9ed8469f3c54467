"""Raw accelerometer files of wearables: Axivity ``.cwa``, ActiGraph ``.gt3x``, GENEActiv ``.bin``.

The files are decoded by `actfast <https://pypi.org/project/actfast/>`_ (MIT, a Rust extension
that needs only NumPy), imported inside :func:`read_wearable` so that ``import myoscope.signals``
stays light. This module turns what actfast returns into three channels ``acc_x``, ``acc_y`` and
``acc_z`` in g on a regular time grid, and says in ``notes`` everything it had to assume or
repair. :func:`myoscope.signals.io.read_recording` calls it for the three extensions.

What is kept, and why
---------------------
Only the accelerometer. Gyroscope (Axivity AX6), light, temperature, battery, button and
capacitive-sensor streams are left out (a note lists the ones the file had): the jerk detectors
use acceleration alone, and these streams run at other rates (one value per block or per second)
with no unit the analysis could use.

Time
----
actfast gives every sample a device timestamp in nanoseconds. The samples are placed on a
regular grid at the device's configured rate:

- **Axivity**: each 512-byte block carries one timestamp, and actfast spaces the samples of a
  block at the *nominal* interval, so the times jump at every block boundary (a device set to
  100 Hz really samples at about 99-101 Hz). The sample times are rebuilt by spreading each
  block's samples evenly up to the next block's timestamp (the per-block interpolation of
  other Axivity readers, such as scikit-digital-health), then the signal is resampled to the configured rate by linear interpolation. Event
  times therefore follow the device clock, not the sample count.
- **ActiGraph** and **GENEActiv** time stamp whole seconds or pages and space samples evenly;
  such data is kept sample for sample when it is regular to within 1 % and does not drift by
  more than half a sample, and resampled like Axivity data otherwise.

Gaps (missing or damaged blocks, an ActiGraph in idle-sleep mode) are bridged by linear
interpolation between the samples either side, and each is reported (count, total and longest
duration, where the longest starts): no event can be found inside a gap. Samples whose time
goes backwards (overlapping blocks) are dropped and counted.

Damaged files
-------------
actfast reads in its lenient mode. A damaged Axivity block or GENEActiv page is skipped and the
samples before and after it are kept; a damaged ActiGraph record ends the reading there. A note
gives the number of parts skipped and the first reason, and the gap is reported as above. What
actfast passes over in silence is reported too: an Axivity file that ends inside a block, a
GENEActiv file with fewer pages than its header announces or a short last page. A file of
another format that actfast reads (an Axivity file named ``.bin``) is read, with a note. A file
from which no accelerometer sample can be read (unknown content, cut short inside its header or
ZIP directory, no data block, epoch counts only) raises :class:`~myoscope.errors.SignalError`
with one line naming the file and what to do; actfast's exceptions (``ValueError``, and the
``PanicException`` its Rust code raises on some malformed input) are translated, nothing else
is caught.

Memory
------
Accelerometer files are loaded whole (EMG is what streams): actfast returns float32 ``(n, 3)`` samples
and int64 times (20 bytes a sample, twice that while it hands them over), and the channels are
float64 (24 bytes a sample). Measured peaks: about 45 bytes a sample when the samples are kept
as they are (ActiGraph, GENEActiv) and about 70 when they are resampled (Axivity). Seven days at
100 Hz (60.5 million samples) thus take 1.45 GB as channels, with a peak of about 3 GB
(ActiGraph, GENEActiv) or 4 GB (Axivity) while reading.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
import numpy.typing as npt

from myoscope.errors import SignalError

if TYPE_CHECKING:
    from actfast import ActfastResult

__all__ = [
    "CHANNELS",
    "FORMAT_NAMES",
    "GAP_FACTOR",
    "WEARABLE_EXTENSIONS",
    "WearableFormat",
    "WearableRecording",
    "read_wearable",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

WearableFormat = Literal["cwa", "gt3x", "bin"]

WEARABLE_EXTENSIONS: dict[str, WearableFormat] = {".cwa": "cwa", ".gt3x": "gt3x", ".bin": "bin"}
"""File extension (lower case, with the dot) to wearable format."""

FORMAT_NAMES: dict[WearableFormat, str] = {
    "cwa": "an Axivity .cwa file",
    "gt3x": "an ActiGraph .gt3x file",
    "bin": "a GENEActiv .bin file",
}
"""How messages name each format."""

_ACTFAST_FORMAT: dict[WearableFormat, str] = {
    "cwa": "Axivity CWA",
    "gt3x": "Actigraph GT3X",
    "bin": "GeneActiv BIN",
}
_EXTENSION_OF_ACTFAST = {"Axivity CWA": ".cwa", "Actigraph GT3X": ".gt3x", "GeneActiv BIN": ".bin"}

CHANNELS = ("acc_x", "acc_y", "acc_z")
"""Channel names of the three axes, in g."""

REGULAR_TOLERANCE = 0.01
"""Largest relative deviation of a sample interval from the nominal one, for data to be kept
sample for sample (the same 1 % that ``time_s`` columns get)."""

GAP_FACTOR = 2.0
"""An interval longer than this many sample periods is a gap."""

_CWA_BLOCK_TOLERANCE = 0.1
"""Largest relative deviation of an Axivity block's duration from the nominal one for the block
to be taken as followed directly by the next (a larger one is a gap or an overlap)."""

_CWA_HEADER_BYTES = 1024
_CWA_BLOCK_BYTES = 512
_NS = 1e-9


@dataclass(frozen=True)
class WearableRecording:
    """Accelerometer data read from a wearable's file.

    Parameters
    ----------
    data : dict of str to numpy.ndarray
        ``acc_x``, ``acc_y`` and ``acc_z``: float64 samples in g, on a regular grid.
    rate_hz : float
        Sampling rate of the grid, in Hz (the rate the device was configured for).
    notes : tuple of str
        What the reader assumed or repaired: resampling, gaps, skipped damaged parts, streams
        left out, the device and its start time.
    device : str
        The format as actfast names it, with the hardware type where the file gives it (for
        example ``"Axivity CWA (AX3)"``).
    """

    data: dict[str, FloatArray]
    rate_hz: float
    notes: tuple[str, ...]
    device: str


def read_wearable(
    path: Path, fmt: WearableFormat, *, rate_hz: float | None = None
) -> WearableRecording:
    """Read the accelerometer of an Axivity, ActiGraph or GENEActiv raw file.

    Parameters
    ----------
    path : pathlib.Path
        The file (``.cwa``, ``.gt3x`` or ``.bin``).
    fmt : {"cwa", "gt3x", "bin"}
        The format its extension announces. A file that holds another format actfast reads is
        read anyway, with a note.
    rate_hz : float, optional
        A rate given by the user, in Hz. The file states its own rate, so this is only compared
        with it; a different value is ignored with a note.

    Returns
    -------
    WearableRecording
        Channels ``acc_x``, ``acc_y``, ``acc_z`` in g at the device's configured rate.

    Raises
    ------
    SignalError
        The file cannot be opened, is not a file actfast can decode, is damaged so badly that no
        accelerometer sample can be read, or holds no raw accelerometer data.
    """
    import actfast  # lazy: only users of wearable files pay for the extension

    name = path.name
    what = FORMAT_NAMES[fmt]
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SignalError(
            f"{name}: cannot open the file ({exc.strerror or exc}); check the path."
        ) from None
    if size == 0:
        raise SignalError(f"{name}: the file is empty; copy the recording from the device again.")
    try:
        raw = actfast.read(path, lenient=True)
    except (ValueError, OSError) as exc:  # actfast turns every read or parse failure into these
        raise SignalError(
            f"{name}: cannot read it as {what} ({_one_line(exc)}); the file is damaged, cut "
            "short or of another kind: copy it from the device again, or export CSV with the "
            "manufacturer's software."
        ) from None
    except BaseException as exc:  # a panic inside the Rust decoder on malformed input
        if type(exc).__name__ != "PanicException":
            raise
        raise SignalError(
            f"{name}: cannot read it as {what} (the decoder stopped on malformed data); the file "
            "is damaged or of another kind: copy it from the device again, or export CSV with "
            "the manufacturer's software."
        ) from None
    return _convert(name, fmt, raw, size, rate_hz)


def _one_line(exc: BaseException | str) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 200 else text[:197] + "..."


# --------------------------------------------------------------------------------------------
# conversion
# --------------------------------------------------------------------------------------------


def _convert(
    name: str, fmt: WearableFormat, raw: ActfastResult, size: int, rate_hz: float | None
) -> WearableRecording:
    found = str(raw["format"])
    notes: list[str] = []
    hardware = raw["metadata"].get("device", {}).get("hardware_type", "")
    device = f"{found} ({hardware})" if hardware else found
    if found != _ACTFAST_FORMAT[fmt]:
        notes.append(
            f"the file holds {found} data although its extension says {FORMAT_NAMES[fmt]}; "
            f"read as {found} (rename it to {_EXTENSION_OF_ACTFAST.get(found, 'its own extension')})"
        )
    warnings = [str(w) for w in raw["warnings"]]

    timeseries = cast("dict[str, dict[str, npt.NDArray[Any]]]", raw["timeseries"])
    table = next((t for t in timeseries.values() if "acceleration" in t), None)
    if table is None or len(table["acceleration"]) == 0:
        reason = f": {_one_line(warnings[0])}" if warnings else ""
        raise SignalError(
            f"{name}: no accelerometer samples could be read{reason}. The file may be damaged or "
            "hold only epoch counts: copy it from the device again, or export raw data (CSV) "
            "with the manufacturer's software."
        )
    # taken out of actfast's result so that each array is freed as soon as it is used
    acc = np.asarray(table.pop("acceleration"))
    if acc.ndim != 2 or acc.shape[1] != 3:
        raise SignalError(
            f"{name}: the accelerometer has shape {acc.shape}, not three axes; export the "
            "recording as CSV with the manufacturer's software."
        )
    times: IntArray = np.asarray(table.pop("datetime"), dtype=np.int64)

    if warnings and found == "Actigraph GT3X":
        notes.append(
            f"the file is damaged ({_one_line(warnings[0])}): reading stopped there, so the "
            "recording ends early; copy it from the device again to get the rest"
        )
    elif warnings:
        notes.append(
            f"{len(warnings)} damaged part(s) of the file skipped (first: "
            f"{_one_line(warnings[0])}); the data before and after them is used"
        )
    if found == "GeneActiv BIN":
        pages = timeseries.get("low_frequency", {}).get("datetime", np.empty(0, np.int64))
        notes.extend(_geneactiv_pages(raw["metadata"], pages, times))
    if found == "Axivity CWA" and (size - _CWA_HEADER_BYTES) % _CWA_BLOCK_BYTES:
        notes.append(
            f"the file ends inside a data block ({(size - _CWA_HEADER_BYTES) % _CWA_BLOCK_BYTES} "
            "bytes left out): the copy from the device may have been cut short"
        )
    left_out = sorted(
        {
            k
            for t in timeseries.values()
            for k in t
            if k not in ("datetime", "acceleration") and len(t[k]) > 0
        }
    )
    if left_out:
        notes.append(
            f"{', '.join(s.replace('_', ' ') for s in left_out)} left out: only the "
            "accelerometer is analysed"
        )

    rate, rate_note = _nominal_rate(name, found, raw["metadata"], times)
    if rate_note:
        notes.append(rate_note)
    if rate_hz is not None and abs(float(rate_hz) - rate) > REGULAR_TOLERANCE * rate:
        notes.append(f"--rate {rate_hz:g} Hz ignored: the device file gives {rate:g} Hz")

    seconds: FloatArray | None = None
    if found == "Axivity CWA":
        seconds = _cwa_sample_times(
            times, timeseries.get("low_frequency", {}).get("datetime"), rate
        )
        if seconds is None:
            notes.append(
                "the blocks of this file could not be matched to their samples, so sample "
                "times are the per-sample times as decoded (they jump at block boundaries)"
            )
    start = np.datetime64(int(times[0]), "ns").astype("datetime64[s]")
    notes.append(
        f"{device}: times are seconds from the first sample, {str(start).replace('T', ' ')} "
        "on the device clock"
    )
    if seconds is None and _regular(times, 1e9 / rate):
        # the common case for ActiGraph and GENEActiv: no time array in seconds is needed
        return WearableRecording(
            data=_columns(acc), rate_hz=rate, notes=tuple(notes), device=device
        )
    if seconds is None:
        seconds = (times - times[0]).astype(np.float64) * _NS
    del times
    data, more = _regularise(name, seconds, acc, rate)
    notes.extend(more)
    return WearableRecording(data=data, rate_hz=rate, notes=tuple(notes), device=device)


def _regular(t: npt.NDArray[np.float64] | IntArray, period: float) -> bool:
    """Whether times ``t`` follow a grid of ``period`` (intervals within 1 %, drift < 1/2).

    Uses the extremes of the intervals rather than an elementwise test, so that no temporary
    array the size of the recording is made besides the intervals themselves.
    """
    if len(t) < 2:
        return False
    dt = np.diff(t)
    drift = abs(float(t[-1] - t[0]) - (len(t) - 1) * period)
    return (
        float(dt.min()) >= (1.0 - REGULAR_TOLERANCE) * period
        and float(dt.max()) <= (1.0 + REGULAR_TOLERANCE) * period
        and drift <= 0.5 * period
    )


def _columns(acc: npt.NDArray[np.floating]) -> dict[str, FloatArray]:
    """Split an ``(n, 3)`` array into three contiguous float64 channels."""
    return {c: np.ascontiguousarray(acc[:, i], dtype=np.float64) for i, c in enumerate(CHANNELS)}


def _geneactiv_pages(
    metadata: Mapping[str, Mapping[str, str]], page_ns: npt.ArrayLike, samples: IntArray
) -> list[str]:
    """Report GENEActiv pages missing from the end or cut short (actfast reads them silently)."""
    notes: list[str] = []
    pages = np.asarray(page_ns, dtype=np.int64)
    said = metadata.get("Memory Status", {}).get("Number of Pages", "").strip()
    if said.isdigit() and len(pages) < int(said):
        notes.append(
            f"the header announces {int(said)} pages but {len(pages)} were read: the file may "
            "have been cut short"
        )
    if len(pages) >= 2 and len(samples):
        full = int(np.searchsorted(samples, pages[1]))
        last = len(samples) - int(np.searchsorted(samples, pages[-1]))
        if 0 < last < full:
            notes.append(f"the last page holds {last} of {full} samples: the file was cut short")
    return notes


def _nominal_rate(
    name: str, found: str, metadata: Mapping[str, Mapping[str, str]], times: IntArray
) -> tuple[float, str]:
    """Return the configured rate in Hz (from the header, else from the timestamps) and a note."""
    text = ""
    if found == "Axivity CWA":
        text = metadata.get("configuration", {}).get("sample_rate_hz", "")
    elif found == "Actigraph GT3X":
        text = metadata.get("info", {}).get("Sample Rate", "")
    elif found == "GeneActiv BIN":
        text = metadata.get("Configuration Info", {}).get("Measurement Frequency", "")
    words = text.split()
    try:
        rate = float(words[0]) if words else math.nan
    except ValueError:
        rate = math.nan
    if math.isfinite(rate) and rate > 0:
        return rate, ""
    if len(times) < 2:
        raise SignalError(
            f"{name}: the file states no sampling rate and holds a single sample; export it as "
            "CSV with the manufacturer's software."
        )
    step = float(np.median(np.diff(times))) * _NS
    if not step > 0:
        raise SignalError(
            f"{name}: the file states no sampling rate and its timestamps do not increase; "
            "export it as CSV with the manufacturer's software."
        )
    return (
        1.0 / step,
        f"the header gives no sampling rate; {1.0 / step:.6g} Hz taken from the timestamps",
    )


def _cwa_sample_times(
    sample_ns: IntArray, block_ns: npt.ArrayLike | None, rate: float
) -> FloatArray | None:
    """Axivity sample times in s, each block's samples spread evenly up to the next block.

    Returns None when the blocks cannot be matched to the samples (blocks of unequal size).
    """
    if block_ns is None:
        return None
    blocks = np.asarray(block_ns, dtype=np.int64)
    n, k = len(sample_ns), len(blocks)
    if k == 0 or n % k:
        return None
    per_block = n // k
    if not np.array_equal(sample_ns[::per_block], blocks):
        return None
    starts = (blocks - blocks[0]).astype(np.float64) * _NS
    nominal = per_block / rate
    spans = np.diff(starts)
    joined = np.abs(spans - nominal) <= _CWA_BLOCK_TOLERANCE * nominal
    typical = float(np.median(spans[joined])) if joined.any() else nominal
    spans = np.append(np.where(joined, spans, typical), typical)
    fraction = np.arange(per_block, dtype=np.float64) / per_block
    out: FloatArray = (starts[:, None] + spans[:, None] * fraction[None, :]).ravel()
    return out


def _regularise(
    name: str, t: FloatArray, acc: npt.NDArray[np.floating], rate: float
) -> tuple[dict[str, FloatArray], list[str]]:
    """Put the three axes on a regular grid at ``rate`` Hz; report gaps and dropped samples."""
    notes: list[str] = []
    period = 1.0 / rate
    if len(t) < 2:
        raise SignalError(
            f"{name}: the file holds fewer than two accelerometer samples; record longer."
        )
    dt = np.diff(t)
    if float(dt.min()) <= 0.0:
        ahead = np.empty(len(t), dtype=bool)
        ahead[0] = True
        np.greater(t[1:], np.maximum.accumulate(t)[:-1], out=ahead[1:])
        dropped = len(t) - int(np.count_nonzero(ahead))
        notes.append(
            f"{dropped} sample(s) whose device time went backwards (overlapping blocks) dropped"
        )
        t = t[ahead]
        acc = acc[ahead]
        del ahead
        if len(t) < 2:
            raise SignalError(
                f"{name}: the device times of the file run backwards; copy it from the device "
                "again."
            )
        dt = np.diff(t)
    n = len(t)
    if _regular(t, period):
        return _columns(acc), notes

    gap = dt > GAP_FACTOR * period
    if gap.any():
        where = np.flatnonzero(gap)
        lengths = dt[where] - period
        longest = int(np.argmax(lengths))
        notes.append(
            f"{len(where)} gap(s) in the device data, {float(lengths.sum()):.1f} s in all "
            f"(longest {float(lengths[longest]):.1f} s from {float(t[where[longest]]):.1f} s): "
            "bridged by linear interpolation between the samples either side, so no event can "
            "be detected inside them"
        )
    covered = float(t[-1]) - float(dt[gap].sum())
    intervals = n - 1 - int(np.count_nonzero(gap))
    actual = intervals / covered if covered > 0 and intervals > 0 else rate
    notes.append(
        f"samples placed on a regular {rate:g} Hz grid by linear interpolation of the device "
        f"times (the device delivered {actual:.3f} Hz)"
    )
    del dt, gap
    grid = np.arange(round(float(t[-1]) * rate) + 1, dtype=np.float64) * period
    data = {
        c: np.interp(grid, t, acc[:, i]).astype(np.float64, copy=False)
        for i, c in enumerate(CHANNELS)
    }
    return data, notes
