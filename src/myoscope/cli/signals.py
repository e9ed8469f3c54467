"""``myoscope signals``: detect myoclonic jerks in recordings, and simulate recordings."""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from myoscope.errors import UserError

__all__ = ["signals"]

_EVENT_COLUMNS = (
    "channel",
    "kind",
    "onset_s",
    "offset_s",
    "peak_s",
    "duration_ms",
    "amplitude",
    "amplitude_unit",
)


@click.group()
def signals() -> None:
    """Detect myoclonic jerks in EMG or accelerometer recordings, or simulate one.

    \b
    Example:
      myoscope signals simulate demo.csv --ecg
      myoscope signals detect demo.csv
      myoscope signals plot demo.csv --out demo.png
      myoscope signals batch recordings/ --out results/
    """


def _mains(ctx: click.Context, param: click.Parameter, value: str) -> int:
    return int(value)


_mains_option = click.option(
    "--mains",
    type=click.Choice(["50", "60"]),
    default="50",
    show_default=True,
    callback=_mains,
    help="Mains frequency in Hz (notch filter and hum check).",
)


_F = TypeVar("_F", bound=Callable[..., Any])


def _analysis_options(f: _F) -> _F:
    """Add the options of ``detect`` that choose what is analysed, shared with ``plot``."""
    f = _mains_option(f)
    f = click.option(
        "--channels",
        default=None,
        metavar="A,B",
        help="Analyse only these channels (comma-separated).",
    )(f)
    f = click.option(
        "--rate",
        "rate_hz",
        type=float,
        default=None,
        metavar="HZ",
        help="Sampling rate in Hz, for files that do not state it.",
    )(f)
    return click.option(
        "--modality",
        type=click.Choice(["emg", "acc"]),
        default=None,
        help="Surface EMG or accelerometer [default: from the labels and units].",
    )(f)


def _wanted(channels: str | None) -> list[str] | None:
    if channels is None:
        return None
    wanted = [c.strip() for c in channels.split(",") if c.strip()]
    if not wanted:
        raise UserError("--channels names no channel; give names like EDC-R,BIC-R.")
    return wanted


@signals.command("detect")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_analysis_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "csv"]),
    default="text",
    show_default=True,
    help="A readable summary, the full JSON result, or the events as CSV.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file instead of standard output.",
)
def detect(
    file: Path,
    modality: str | None,
    rate_hz: float | None,
    channels: str | None,
    mains: int,
    fmt: str,
    out: Path | None,
) -> None:
    """Detect bursts, silent periods and jerks in a recording and summarise them.

    FILE is .csv/.tsv (header row, optional time_s column), .txt (BioSPPy), .npy/.npz (with
    --rate), .edf/.bdf, or a wearable's accelerometer file (.cwa, .gt3x, GENEActiv .bin).
    Long EMG recordings are analysed in 10-minute stretches, so memory does not grow with
    their length. With EEG channels beside the EMG, the EEG is back-averaged on the jerks.
    The physiology hint and the back-average are hints from the signal, not a diagnosis.

    \b
    Example:
      myoscope signals detect rec.edf --format json --out rec.json
      myoscope signals detect rec.npy --rate 2000 --modality emg
    """
    from myoscope.services.recordings import analyse_recording

    result = analyse_recording(
        file, modality=modality, rate_hz=rate_hz, channels=_wanted(channels), mains_hz=mains
    )
    if fmt == "json":
        text = json.dumps(result, indent=2) + "\n"
    elif fmt == "csv":
        text = _events_csv(result["events"])
    else:
        text = render_detection(result)
    _emit(text, out)


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"Cannot write '{out}': {exc.strerror}.") from None
    click.echo(f"Wrote {out}.", err=True)


def _events_csv(events: list[dict[str, Any]]) -> str:
    columns = list(_EVENT_COLUMNS)
    if any("peak_jerk_g_s" in e for e in events):
        columns.append("peak_jerk_g_s")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", restval="")
    writer.writeheader()
    for e in events:
        writer.writerow({k: e.get(k, "") for k in columns})
    return buffer.getvalue()


def render_detection(result: dict[str, Any]) -> str:
    """Render the result of ``analyse_recording`` as a short readable report."""
    rec = result["recording"]
    summary = result["summary"]
    hours = rec["duration_s"] / 3600.0
    lines = [
        f"{rec['file']}: {rec['modality'].upper()}, {rec['duration_s']:.1f} s "
        f"({hours:.2f} h), channels {', '.join(rec['channels'])}",
        "",
        f"Jerks: {summary['jerks']}; myoclonus index {summary['myoclonus_index_per_hour']:.1f} "
        "per hour (jerks per hour of recording)",
    ]
    for channel, s in summary["per_channel"].items():
        line = (
            f"  {channel}: {s['positive']} jerk/burst(s), {s['negative']} silent period(s), "
            f"{s['per_minute']:.2f} per minute"
        )
        if s["duration_ms_median"] is not None:
            q1, q3 = s["duration_ms_iqr"]
            line += f"; duration median {s['duration_ms_median']:.0f} ms (IQR {q1:.0f}-{q3:.0f})"
        lines.append(line)
    if len(summary["hourly_profile"]) > 1:
        lines.append("Per hour: " + ", ".join(str(h["jerks"]) for h in summary["hourly_profile"]))
    hint = summary["physiology_hint"]
    lines.append("")
    if hint is None:
        lines.append(f"Physiology: {summary['physiology_hint_note']}.")
    else:
        lines.append(
            f"Physiology ({hint['note']}; confidence {hint['confidence']}): "
            f"cortical {hint['cortical']:.2f}, subcortical {hint['subcortical']:.2f}, "
            f"segmental/propriospinal {hint['segmental_propriospinal']:.2f}, "
            f"functional {hint['functional']:.2f}"
        )
        lines.extend(f"  - {b}" for b in hint["basis"])
    back = summary.get("back_average")
    if back is not None:
        lines.append("")
        lines.extend(_render_back_average(back))
    if result["quality"]:
        lines.append("")
        lines.append("Quality:")
        lines.extend(f"  {q['channel']}: {q['issue']}: {q['detail']}" for q in result["quality"])
    for note in rec["notes"]:
        lines.append(f"Note: {note}")
    return "\n".join(lines) + "\n"


def _render_back_average(back: dict[str, Any]) -> list[str]:
    """Lines for the EEG jerk-locked back-average of ``render_detection``."""
    channels = ", ".join(back.get("channels", []))
    if not back.get("enough_data"):
        return [f"EEG back-averaging ({channels}): not done: {back.get('reason', 'no data')}"]
    rejected = back.get("rejected", {})
    why = ", ".join(f"{n} {k}" for k, n in rejected.items() if n)
    lines = [
        f"EEG back-averaging ({channels}): {back['n_jerks_used']} of {back['n_jerks']} jerks "
        f"used" + (f" (left out: {why})" if why else "")
    ]
    lines.append(f"  {back['finding']}")
    if back.get("note"):
        lines.append(f"  {back['note']}")
    lines.append(f"  ({back['disclaimer']})")
    return lines


@signals.command("plot")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The image to write: .png, .svg or .pdf.",
)
@click.option(
    "--start",
    "start_s",
    type=float,
    default=0.0,
    show_default=True,
    metavar="S",
    help="Start of the plotted traces, in s from the start of the recording.",
)
@click.option(
    "--duration",
    "duration_s",
    type=float,
    default=None,
    metavar="S",
    help="Length of the plotted traces in s [default: 30, or to the end].",
)
@_analysis_options
def plot(
    file: Path,
    out: Path,
    start_s: float,
    duration_s: float | None,
    modality: str | None,
    rate_hz: float | None,
    channels: str | None,
    mains: int,
) -> None:
    """Draw a recording with its detected events, burst durations and jerks per hour.

    The traces cover --start to --start + --duration (bursts shaded, silent periods
    hatched); the histogram and the hourly chart cover the whole recording. The 45-50 ms
    line on the histogram is a hint from the signal, not a diagnosis.

    \b
    Example:
      myoscope signals plot demo.csv --out demo.png
      myoscope signals plot rec.edf --out rec.svg --start 600 --duration 20 --channels EDC-R
    """
    # plots is a leaf output adapter like render.py: see the import-linter contracts.
    from myoscope.plots.signals import check_image_path, plot_recording, plot_window
    from myoscope.services.recordings import analyse_recording
    from myoscope.signals.io import open_recording

    check_image_path(out)
    if duration_s is not None or start_s != 0:
        plot_window(math.inf, start_s, duration_s)  # fail fast, before the analysis
    wanted = _wanted(channels)
    result = analyse_recording(
        file, modality=modality, rate_hz=rate_hz, channels=wanted, mains_hz=mains
    )
    recording = open_recording(
        file, rate_hz=rate_hz, channels=wanted, modality=result["recording"]["modality"]
    )
    plot_recording(recording, result, start_s=start_s, duration_s=duration_s, out=out)
    click.echo(f"Wrote {out}.")


@signals.command("simulate")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--modality",
    type=click.Choice(["emg", "acc"]),
    default="emg",
    show_default=True,
    help="Surface EMG (two muscles) or one wrist accelerometer.",
)
@click.option(
    "--duration",
    "duration_s",
    type=click.FloatRange(10, 86400),
    default=60.0,
    show_default=True,
    help="Length in s.",
)
@click.option(
    "--rate",
    "rate_hz",
    type=float,
    default=None,
    metavar="HZ",
    help="Sampling rate in Hz [default: 2000 for EMG, 100 for acc].",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--ecg", is_flag=True, help="Add ECG contamination to the EMG.")
@_mains_option
def simulate(
    out: Path,
    modality: str,
    duration_s: float,
    rate_hz: float | None,
    seed: int,
    ecg: bool,
    mains: int,
) -> None:
    """Write a synthetic recording and OUT.truth.json with its ground-truth events.

    OUT ends in .csv (with a time_s column and units in the headers) or .npz. EMG has two
    muscles with bursts of 20-300 ms, tonic activity, mains hum and optional ECG; the
    accelerometer has jerks through a limb response.

    \b
    Example:
      myoscope signals simulate demo.csv --duration 120 --ecg --seed 3
      myoscope signals simulate wrist.npz --modality acc
    """
    import numpy as np

    from myoscope.signals import simulate_accelerometer, simulate_emg

    ext = out.suffix.lower()
    if ext not in (".csv", ".npz"):
        raise UserError(
            f"{out.name}: unknown output type '{ext or '(none)'}'; name the file .csv or .npz."
        )
    if modality == "emg":
        rate = 2000.0 if rate_hz is None else rate_hz
        if rate < 1000:
            raise UserError(
                f"--rate {rate:g} Hz is too low for simulated EMG; use at least 1000 Hz."
            )
        sim = simulate_emg(
            duration_s,
            rate,
            channels=("EDC-R", "BIC-R"),
            bursts=max(1, int(duration_s / 3)),
            silent_periods=max(1, int(duration_s / 15)),
            ecg_uv=150.0 if ecg else 0.0,
            mains_uv=20.0,
            mains_hz=float(mains),
            seed=seed,
        )
        signal, names, unit = sim.signal, list(sim.channels), "uV"
        truth = [e.to_dict() for e in sim.events]
        sim_params: dict[str, Any] = dict(sim.params)
    else:
        rate = 100.0 if rate_hz is None else rate_hz
        if rate < 25:
            raise UserError(
                f"--rate {rate:g} Hz is too low for an accelerometer; use at least 25 Hz."
            )
        signal, jerks = simulate_accelerometer(
            duration_s, rate, jerks=max(1, int(duration_s / 4)), channel="wrist", seed=seed
        )
        names, unit = ["wrist_x", "wrist_y", "wrist_z"], "g"
        truth = [e.to_dict() for e in jerks]
        sim_params = {"jerks": len(jerks)}
    try:
        if ext == ".csv":
            t = np.arange(signal.shape[1]) / rate
            header = ",".join(["time_s", *(f"{n} ({unit})" for n in names)])
            np.savetxt(
                out,
                np.column_stack([t, signal.T]),
                delimiter=",",
                header=header,
                comments="",
                fmt=["%.6f"] + ["%.4f" if unit == "uV" else "%.6f"] * len(names),
            )
        else:
            np.savez(out, signal=signal, rate_hz=rate, channels=np.array(names))
        truth_path = out.with_name(out.stem + ".truth.json")
        truth_path.write_text(
            json.dumps(
                {
                    "file": out.name,
                    "modality": modality,
                    "rate_hz": rate,
                    "duration_s": duration_s,
                    "channels": names if modality == "emg" else ["wrist"],
                    "unit": unit,
                    "seed": seed,
                    "ecg": ecg,
                    "mains_hz": mains,
                    "simulation": sim_params,
                    "events": truth,
                },
                indent=2,
                default=str,
            )
            + "\n",
            encoding="utf-8",
        )
    except OSError as exc:
        raise UserError(f"Cannot write '{out}': {exc.strerror}.") from None
    click.echo(f"Wrote {out} and {truth_path.name} ({len(truth)} true events).")


@signals.command("evaluate")
@click.option(
    "--scenario",
    "names",
    multiple=True,
    metavar="NAME",
    help="Scenario to run (repeatable) [default: all: clean, ecg, mains, low_snr, dense, "
    "negative, walking].",
)
@click.option(
    "--seeds",
    type=click.IntRange(1, 100),
    default=3,
    show_default=True,
    help="Simulated recordings per scenario (seeds 1..N).",
)
@click.option(
    "--minutes",
    type=click.FloatRange(0.5, 60),
    default=2.0,
    show_default=True,
    help="Length of each simulated recording.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def evaluate(names: tuple[str, ...], seeds: int, minutes: float, fmt: str) -> None:
    """Score the detectors on seeded simulations of each scenario against their ground truth.

    The same seeds give the same figures on every machine: precision, recall and F1 with a
    20 ms onset tolerance, the median absolute onset and duration errors, and the aims of
    the project beside them.

    \b
    Example:
      myoscope signals evaluate
      myoscope signals evaluate --scenario negative --seeds 10 --format json
    """
    from myoscope.signals.report import evaluate_scenarios

    results = evaluate_scenarios(names or None, seeds=range(1, seeds + 1), minutes=minutes)
    if fmt == "json":
        click.echo(json.dumps([r.to_dict() for r in results], indent=2))
        return
    click.echo(
        f"Detection on simulated recordings: {seeds} x {minutes:g} min per scenario, "
        "onset tolerance 20 ms"
    )
    click.echo(
        f"{'scenario':10} {'true':>6} {'found':>6} {'precision':>9} {'recall':>7} {'F1':>5} "
        f"{'|onset| ms':>10} {'|duration| ms':>13}  aim"
    )
    for r in results:
        sc = r.scores
        aim = f"F1 >= {r.aim_f1:g}"
        if r.aim_duration_ms is not None:
            aim += f", |duration| <= {r.aim_duration_ms:g} ms"
        if "jerks_counted_while_walking" in r.extra:
            aim += f", none while walking ({r.extra['jerks_counted_while_walking']:g} counted)"
        onset = "-" if sc.onset_error_ms_median is None else f"{sc.onset_error_ms_median:.1f}"
        dur = "-" if sc.duration_error_ms_median is None else f"{sc.duration_error_ms_median:.1f}"
        click.echo(
            f"{r.name:10} {sc.tp + sc.fn:6d} {sc.tp + sc.fp:6d} {sc.precision:9.3f} "
            f"{sc.recall:7.3f} {sc.f1:5.2f} {onset:>10} {dur:>13}  {aim}: "
            f"{'met' if r.met else 'NOT met'}"
        )
    click.echo("Scenarios:")
    for r in results:
        click.echo(f"  {r.name}: {r.description}")


@signals.command("batch")
@click.argument("in_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for one NAME.json per recording and summary.csv.",
)
@click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="A running Dask scheduler (tcp://host:8786) [default: a local cluster].",
)
@click.option(
    "--workers",
    type=int,
    default=None,
    metavar="N",
    help="Worker processes of the local cluster [default: the number of CPUs].",
)
@_analysis_options
def batch(
    in_dir: Path,
    out: Path,
    scheduler: str | None,
    workers: int | None,
    modality: str | None,
    rate_hz: float | None,
    channels: str | None,
    mains: int,
) -> None:
    """Analyse every recording in DIR in parallel with Dask; resumable.

    Writes OUT/NAME.json (as detect --format json) per recording and OUT/summary.csv with a
    row per recording. A file that fails is reported in its row and does not stop the
    batch. Results are written whole, so after an interruption run the command again: the
    recordings already done are skipped.

    \b
    Example:
      myoscope signals batch recordings/ --out results/ --workers 4
      myoscope signals batch recordings/ --out results/ --scheduler tcp://10.0.0.5:8786
    """
    from myoscope.services.batch import FileResult, find_recordings, run_batch

    total = len(find_recordings(in_dir, out_dir=out))
    with click.progressbar(
        length=total, label="Analysing", file=sys.stderr, hidden=not sys.stderr.isatty()
    ) as bar:

        def advance(row: FileResult) -> None:
            bar.update(1)

        result = run_batch(
            in_dir,
            out,
            scheduler=scheduler,
            workers=workers,
            modality=modality,
            rate_hz=rate_hz,
            channels=_wanted(channels),
            mains_hz=mains,
            progress=advance,
        )
    for row in result.files:
        if row.status == "failed":
            reason = (
                row.error if row.error.startswith(f"{row.file}:") else f"{row.file}: {row.error}"
            )
            click.echo(f"Failed: {reason}", err=True)
    click.echo(
        f"{result.count('done')} done, {result.count('skipped')} skipped (already done), "
        f"{result.count('failed')} failed; summary in {result.summary_path}."
    )
