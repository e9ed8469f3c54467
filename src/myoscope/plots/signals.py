"""The figure of an analysed recording: traces with events, burst durations and jerks per hour.

matplotlib is imported inside :func:`plot_recording` and draws on its Agg canvas (no display,
no pyplot global state), so this module is cheap to import and safe in a server.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from myoscope.errors import UserError
from myoscope.signals.io import RecordingSource

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "DEFAULT_WINDOW_S",
    "IMAGE_TYPES",
    "MAX_POINTS",
    "MAX_TRACES",
    "check_image_path",
    "envelope",
    "plot_recording",
    "plot_window",
]

FloatArray = npt.NDArray[np.float64]

IMAGE_TYPES = (".png", ".svg", ".pdf")
"""Output types, chosen by the file's extension."""

DEFAULT_WINDOW_S = 30.0
"""Length of the plotted window when none is given, in s."""

MAX_POINTS = 20_000
"""Samples per trace above which the trace is drawn as its min/max envelope."""

MAX_TRACES = 12
"""Most channels (EMG) or sensors (accelerometer) drawn; the rest are named in the title."""

CORTICAL_BOUNDARY_MS = (45.0, 50.0)
"""Burst durations (ms) around which cortical and subcortical myoclonus are told apart."""

# Okabe-Ito palette (colour-blind safe).
_POSITIVE = "#E69F00"  # orange: bursts / jerks
_NEGATIVE = "#0072B2"  # blue: silent periods (negative myoclonus)
_LINES = ("#000000", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
_BARS = ("#009E73", "#CC79A7", "#56B4E9", "#E69F00", "#0072B2", "#F0E442")
_BOUNDARY = "#D55E00"


def check_image_path(out: Path) -> None:
    """Check that ``out`` names an image type the figure can be saved as.

    Parameters
    ----------
    out : pathlib.Path
        The output file.

    Raises
    ------
    UserError
        The extension is not .png, .svg or .pdf.
    """
    ext = out.suffix.lower()
    if ext not in IMAGE_TYPES:
        raise UserError(
            f"{out.name}: unknown image type '{ext or '(none)'}'; name the output .png, .svg "
            "or .pdf."
        )


def plot_window(
    total_s: float, start_s: float = 0.0, duration_s: float | None = None, *, file: str = ""
) -> tuple[float, float]:
    """Return the plotted window ``(start, end)`` in s, checked against the recording.

    Parameters
    ----------
    total_s : float
        Length of the recording, in s.
    start_s : float
        Start of the window, in s from the start of the recording.
    duration_s : float, optional
        Length of the window, in s [default: 30 s]; cut at the end of the recording.
    file : str
        File name for the messages.

    Returns
    -------
    (float, float)
        Start and end of the window, in s.

    Raises
    ------
    UserError
        A negative or non-finite start, a start at or beyond the end, or a duration that is
        not positive.
    """
    name = f"{file}: " if file else ""
    if not math.isfinite(start_s) or start_s < 0:
        raise UserError(f"{name}start {start_s:g} s is invalid; give a start of 0 s or more.")
    if start_s >= total_s:
        raise UserError(
            f"{name}start {start_s:g} s is beyond the recording ({total_s:.1f} s long); give a "
            f"start below {total_s:.1f} s."
        )
    if duration_s is not None and (not math.isfinite(duration_s) or duration_s <= 0):
        raise UserError(f"{name}duration {duration_s:g} s is invalid; give a positive duration.")
    length = DEFAULT_WINDOW_S if duration_s is None else duration_s
    return start_s, min(total_s, start_s + length)


def envelope(
    t: FloatArray, x: FloatArray, max_points: int = MAX_POINTS
) -> tuple[FloatArray, FloatArray]:
    """Reduce a trace to its min/max envelope for display, keeping every peak visible.

    Parameters
    ----------
    t : numpy.ndarray
        Sample times, in s.
    x : numpy.ndarray
        Samples, any unit.
    max_points : int
        Most points returned.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``t`` and ``x`` unchanged when they have at most ``max_points`` samples; otherwise
        for each of ``max_points // 2`` bins its start time twice and its minimum and maximum.
    """
    n = len(x)
    if n <= max_points:
        return t, x
    bins = max(1, max_points // 2)
    size = math.ceil(n / bins)
    usable = (n // size) * size
    blocks = x[:usable].reshape(-1, size)
    lo, hi = blocks.min(axis=1), blocks.max(axis=1)
    if usable < n:
        lo = np.append(lo, x[usable:].min())
        hi = np.append(hi, x[usable:].max())
    starts = t[::size][: len(lo)]
    return np.repeat(starts, 2), np.column_stack([lo, hi]).ravel()


def _traces(recording: RecordingSource, result: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    """Return ``(name, channels)`` per trace panel: a channel (EMG) or a sensor's axes (acc)."""
    rec = result["recording"]
    analysed: list[str] = list(rec.get("analysed", rec["channels"]))
    sensors: dict[str, list[str]] = rec.get("sensors", {})
    panels = []
    for name in analysed:
        channels = sensors.get(name, [name])
        panels.append((name, [c for c in channels if c in recording.lengths]))
    return [(n, cs) for n, cs in panels if cs]


def _draw_trace(
    ax: Axes,
    recording: RecordingSource,
    name: str,
    channels: Sequence[str],
    unit: str,
    events: Sequence[Mapping[str, Any]],
    window: tuple[float, float],
) -> None:
    start, end = window
    for i, c in enumerate(channels):
        rate = recording.rate_hz[c]
        i0 = math.floor(start * rate)
        i1 = min(recording.lengths[c], math.ceil(end * rate) + 1)
        x = recording.read(c, i0, i1)  # only the window is read from the file
        t = np.arange(i0, i0 + len(x)) / rate
        t, x = envelope(t, x)
        label = c if len(channels) > 1 else None
        ax.plot(t, x, color=_LINES[i % len(_LINES)], linewidth=0.6, label=label)
    for e in events:
        if e["channel"] != name or e["offset_s"] < start or e["onset_s"] > end:
            continue
        if e["kind"] == "negative":
            ax.axvspan(e["onset_s"], e["offset_s"], color=_NEGATIVE, alpha=0.25, hatch="//", lw=0)
        else:
            ax.axvspan(e["onset_s"], e["offset_s"], color=_POSITIVE, alpha=0.45, lw=0)
    ax.set_xlim(start, end)
    ax.set_ylabel(f"{name}\n({unit})")
    if len(channels) > 1:
        ax.legend(loc="upper right", fontsize=9, ncol=len(channels), frameon=False)


def _draw_histogram(ax: Axes, result: Mapping[str, Any], names: Sequence[str]) -> None:
    emg = result["recording"]["modality"] == "emg"
    durations = {
        n: [
            e["duration_ms"]
            for e in result["events"]
            if e["channel"] == n and e["kind"] == "positive"
        ]
        for n in names
    }
    pooled = [d for ds in durations.values() for d in ds]
    ax.set_title("Burst durations" if emg else "Jerk durations")
    ax.set_xlabel("Duration (ms)")
    ax.set_ylabel("Events")
    if not pooled:
        ax.text(0.5, 0.5, "no bursts detected", ha="center", va="center", transform=ax.transAxes)
        return
    top = max(max(pooled), CORTICAL_BOUNDARY_MS[1] * 2 if emg else 0.0) * 1.05
    bins = [float(b) for b in np.linspace(0.0, top, 31)]
    filled = {n: ds for n, ds in durations.items() if ds}
    from matplotlib.ticker import MaxNLocator

    ax.hist(
        list(filled.values()),
        bins=bins,
        stacked=True,
        label=list(filled),
        color=[_BARS[i % len(_BARS)] for i in range(len(filled))],
        edgecolor="#FFFFFF",
        linewidth=0.5,
    )
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if emg:
        lo, hi = CORTICAL_BOUNDARY_MS
        ax.axvspan(
            lo,
            hi,
            facecolor="none",
            edgecolor=_BOUNDARY,
            hatch="xx",
            lw=1.2,
            ls="--",
            label=f"{lo:g}-{hi:g} ms cortical boundary\n(a hint, not a diagnosis)",
        )
    ax.legend(loc="upper right", fontsize=9, frameon=False)


def _draw_hourly(ax: Axes, result: Mapping[str, Any]) -> None:
    from matplotlib.ticker import MaxNLocator

    hours = result["summary"]["hourly_profile"]
    ax.set_title("Jerks per hour of recording")
    ax.set_xlabel("Hour of recording")
    ax.set_ylabel("Jerks")
    if not hours:
        ax.text(0.5, 0.5, "no hourly counts", ha="center", va="center", transform=ax.transAxes)
        return
    x = np.arange(1, len(hours) + 1)
    counts = [h["jerks"] for h in hours]
    bars = ax.bar(x, counts, width=0.6, color=_POSITIVE, edgecolor="#000000", linewidth=0.6)
    partial = [h["end_s"] - h["start_s"] < 3600.0 - 1e-6 for h in hours]
    for bar, cut, h in zip(bars, partial, hours, strict=True):
        if cut:
            bar.set_hatch("..")
            minutes = (h["end_s"] - h["start_s"]) / 60.0
            ax.annotate(
                f"{minutes:.1f} min recorded",
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                ha="center",
                va="bottom",
                fontsize=9,
            )
    ax.set_xticks(x)
    ax.set_xlim(0.4, len(hours) + 0.6)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def plot_recording(
    recording: RecordingSource,
    result: Mapping[str, Any],
    *,
    start_s: float = 0.0,
    duration_s: float | None = None,
    out: Path,
) -> Path:
    """Draw an analysed recording and save the figure.

    The figure has (a) the traces of the analysed channels (EMG) or sensors (accelerometer,
    three axes each) over the window, in the file's units, with bursts shaded orange and
    silent periods hatched blue; (b) a histogram of burst durations in ms, stacked by channel,
    with the 45-50 ms cortical boundary marked as a hint, not a diagnosis; and (c) the jerks
    in each hour of the recording (a partial last hour hatched). Traces longer than
    :data:`MAX_POINTS` samples in the window are drawn as their min/max envelope.

    Parameters
    ----------
    recording : RecordingSource
        The recording, as :func:`myoscope.signals.open_recording` returns it (only the
        plotted window is read from the file).
    result : mapping
        What :func:`myoscope.services.recordings.analyse_recording` returned for it.
    start_s : float
        Start of the plotted window, in s from the start of the recording.
    duration_s : float, optional
        Length of the window, in s [default: 30 s, or to the end of the recording].
    out : pathlib.Path
        The image file: .png, .svg or .pdf.

    Returns
    -------
    pathlib.Path
        ``out``.

    Raises
    ------
    UserError
        An unknown image type, a window outside the recording, or a file that cannot be
        written.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    check_image_path(out)
    rec = result["recording"]
    window = plot_window(float(rec["duration_s"]), start_s, duration_s, file=rec["file"])
    panels = _traces(recording, result)
    shown, hidden = panels[:MAX_TRACES], panels[MAX_TRACES:]
    rows = max(1, len(shown))
    with _style():
        fig = Figure(figsize=(12.0, 1.9 * rows + 4.2), layout="constrained")
        FigureCanvasAgg(fig)
        grid = fig.add_gridspec(rows + 1, 2, height_ratios=[1.0] * rows + [1.6])
        first: Axes | None = None
        units: dict[str, str] = rec["units"]
        for i, (name, channels) in enumerate(shown):
            ax = fig.add_subplot(grid[i, :], sharex=first)
            first = first or ax
            unit = units.get(channels[0], "")
            _draw_trace(ax, recording, name, channels, unit, result["events"], window)
            if i < rows - 1:
                ax.tick_params(labelbottom=False)
            else:
                ax.set_xlabel("Time (s)")
        _draw_histogram(fig.add_subplot(grid[rows, 0]), result, [n for n, _ in panels])
        _draw_hourly(fig.add_subplot(grid[rows, 1]), result)
        title = (
            f"{rec['file']}: {rec['modality'].upper()}, {window[0]:g}-{window[1]:g} s of "
            f"{float(rec['duration_s']):.1f} s; orange = bursts/jerks, hatched blue = silent "
            "periods"
        )
        if hidden:
            title += f"\n{len(hidden)} more not drawn: {', '.join(n for n, _ in hidden)}"
        fig.suptitle(title, fontsize=12)
        try:
            fig.savefig(out, dpi=110)
        except OSError as exc:
            raise UserError(f"Cannot write '{out}': {exc.strerror}.") from None
    return out


def _style() -> Any:
    import matplotlib as mpl

    return mpl.rc_context(
        {
            "font.size": 11,
            "axes.titlesize": 12,
            "axes.labelsize": 11,
            "xtick.labelsize": 10,
            "ytick.labelsize": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )
