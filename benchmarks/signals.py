"""Benchmark EMG burst detection against NeuroKit2 and BioSPPy on the same simulated recordings.

Seeded simulated surface EMG (``myoscope.signals.simulate_emg``, 2 kHz) in four scenarios:
clean; ECG and mains hum; low SNR (small bursts with ECG and hum); dense jerks (two a second).
Every detector sees the same raw signal; each is scored against the simulation's ground truth
with ``myoscope.signals.compare_events`` (one-to-one matching, 20 ms onset tolerance):
F1, and the median absolute duration and onset errors of the matched bursts.

Detectors (one thread: the BLAS/OpenMP thread variables are set before NumPy is imported):

- Myoscope ``detect_bursts`` (defaults, 50 Hz notches), end to end from the raw signal.
- NeuroKit2 ``emg_process`` with its defaults.
- NeuroKit2 ``emg_clean`` + ``emg_amplitude`` + ``emg_activation(method="threshold",
  duration_min=8 ms)`` (research/signals.md 3.1: the default 50 ms minimum drops short bursts
  and short gaps between them).
- BioSPPy onset detectors ``lidierth``, ``hodges_bui`` and ``bonato`` with the parameters of
  research/signals.md 3.2, on BioSPPy's own EMG pre-filter (``biosppy.signals.emg.emg``: 4th
  order Butterworth high-pass at 100 Hz), given the first 0.8 s (which holds no burst) as
  the rest segment they require.

NeuroKit2 processes about 25,000 samples/s (a per-sample pandas loop), so by default it gets
the first channel of each scenario, cut at a gap between bursts near ``--nk-seconds``; all the
others get every channel of the whole recording. Throughput is always samples processed per
second of wall time on one core, so the figures are comparable per sample.

Run: ``uv run --group bench python benchmarks/signals.py [--minutes 2] [--channels 4]``
"""

from __future__ import annotations

import os

for _var in (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import importlib.metadata  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

import numpy as np  # noqa: E402

from myoscope.signals import (  # noqa: E402
    Event,
    Scores,
    SimulatedEMG,
    compare_events,
    detect_bursts,
    simulate_emg,
)

RATE = 2000.0
TOLERANCE_MS = 20.0
LOOSE_TOLERANCE_MS = 50.0  # context only: how much of a miss is onset bias
REST_S = (0.05, 0.8)  # simulate_emg places no event in the first second

# name: simulate_emg arguments besides duration, channels and seed; bursts per minute per channel
SCENARIOS: dict[str, tuple[dict[str, object], int]] = {
    "clean": ({}, 30),
    "ecg_mains": ({"ecg_uv": 300.0, "mains_uv": 50.0}, 30),
    "low_snr": (
        {"amplitude_uv": (40.0, 80.0), "tonic_uv": 10.0, "ecg_uv": 100.0, "mains_uv": 20.0},
        30,
    ),
    "dense": (
        {"burst_durations_ms": (20.0, 100.0), "ecg_uv": 300.0, "mains_uv": 50.0},
        120,
    ),
}


def scenarios(minutes: float, channels: int, seed: int = 1) -> dict[str, SimulatedEMG]:
    """The seeded simulated recordings every detector processes (positive bursts only)."""
    out = {}
    for i, (name, (kwargs, per_minute)) in enumerate(SCENARIOS.items()):
        out[name] = simulate_emg(
            duration_s=minutes * 60.0,
            rate_hz=RATE,
            channels=channels,
            bursts=max(1, round(per_minute * minutes)),
            seed=seed + i,
            **kwargs,  # type: ignore[arg-type]
        )
    return out


def _events(channel: str, on: np.ndarray, off: np.ndarray, rate: float) -> list[Event]:
    """Peer onset/offset sample indices as Myoscope events (each onset with the next offset)."""
    on = np.sort(np.asarray(on, dtype=np.int64))
    off = np.sort(np.asarray(off, dtype=np.int64))
    if len(on) and len(off):
        off = off[off > on[0]]  # an offset before the first onset closes nothing
    n = min(len(on), len(off))  # NeuroKit2 can return one more onset than offsets
    on, off = on[:n], off[:n]
    return [
        Event(
            channel=channel,
            kind="positive",
            onset_s=a / rate,
            offset_s=b / rate,
            peak_s=None,
            duration_ms=(b - a) / rate * 1e3,
        )
        for a, b in zip(on.tolist(), off.tolist(), strict=True)
        if b > a
    ]


def _cut(sim: SimulatedEMG, channel: str, seconds: float | None) -> int:
    """Samples to keep: the whole recording, or a cut near ``seconds`` between two bursts."""
    n = int(sim.signal.shape[1])
    if seconds is None or seconds * sim.rate_hz >= n:
        return n
    t = seconds
    for e in sorted(sim.events, key=lambda e: e.onset_s, reverse=True):
        if e.channel == channel and e.onset_s - 0.1 < t < e.offset_s + 0.1:
            t = e.onset_s - 0.1
    return int(t * sim.rate_hz)


# -- detectors: (raw 1-D signal in uV, rate, channel) -> events ----------------------------------


def run_myoscope(x: np.ndarray, rate: float, channel: str) -> list[Event]:
    return [e for e in detect_bursts(x, rate, channel=channel) if e.kind == "positive"]


def run_nk_default(x: np.ndarray, rate: float, channel: str) -> list[Event]:
    import neurokit2 as nk  # type: ignore[import-untyped, import-not-found, unused-ignore]

    _, info = nk.emg_process(x, sampling_rate=int(rate))
    return _events(channel, np.asarray(info["EMG_Onsets"]), np.asarray(info["EMG_Offsets"]), rate)


def run_nk_short(x: np.ndarray, rate: float, channel: str) -> list[Event]:
    import neurokit2 as nk  # type: ignore[import-untyped, import-not-found, unused-ignore]

    cleaned = nk.emg_clean(x, sampling_rate=int(rate))
    amplitude = nk.emg_amplitude(cleaned)
    _, info = nk.emg_activation(
        emg_amplitude=amplitude,
        emg_cleaned=cleaned,
        sampling_rate=int(rate),
        method="threshold",
        duration_min=int(0.008 * rate),
    )
    return _events(channel, np.asarray(info["EMG_Onsets"]), np.asarray(info["EMG_Offsets"]), rate)


def _biosppy(detector: str, **params_s: float) -> Callable[[np.ndarray, float, str], list[Event]]:
    def run(x: np.ndarray, rate: float, channel: str) -> list[Event]:
        from biosppy.signals import emg as bemg  # type: ignore[import-untyped, import-not-found, unused-ignore]
        from biosppy.signals import tools as st  # type: ignore[import-untyped, import-not-found, unused-ignore]

        filtered, _, _ = st.filter_signal(
            signal=x, ftype="butter", band="highpass", order=4, frequency=100, sampling_rate=rate
        )
        rest = [int(REST_S[0] * rate), int(REST_S[1] * rate)]
        params = {
            k: (max(1, round(v * rate)) if k != "threshold" and k != "samples_above_fail" else v)
            for k, v in params_s.items()
        }
        onsets, _ = getattr(bemg, f"{detector}_onset_detector")(
            signal=filtered, rest=rest, sampling_rate=rate, **params
        )
        pairs = np.asarray(onsets, dtype=np.int64)
        pairs = pairs[: len(pairs) // 2 * 2]  # interleaved onset, offset
        return _events(channel, pairs[0::2], pairs[1::2], rate)

    return run


@dataclass
class Detector:
    name: str
    run: Callable[[np.ndarray, float, str], list[Event]]
    first_channel_only: bool = False
    seconds: float | None = None
    samples: int = 0
    wall_s: float = 0.0
    cpu_s: float = 0.0
    scores: dict[str, Scores] = field(default_factory=dict)
    loose_tp_fp_fn: tuple[int, int, int] = (0, 0, 0)
    biases: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def detectors(nk_seconds: float | None, nk_all: bool) -> list[Detector]:
    return [
        Detector("myoscope detect_bursts", run_myoscope),
        Detector("neurokit2 emg_process (defaults)", run_nk_default, not nk_all, nk_seconds),
        Detector("neurokit2 threshold, duration_min 8 ms", run_nk_short, not nk_all, nk_seconds),
        Detector(
            "biosppy lidierth",
            _biosppy(
                "lidierth",
                size=0.005,
                threshold=3,
                active_state_duration=0.008,
                fail_size=0.003,
            ),
        ),
        Detector("biosppy hodges_bui", _biosppy("hodges_bui", size=0.010, threshold=3)),
        Detector(
            "biosppy bonato",
            _biosppy(
                "bonato",
                threshold=8,
                active_state_duration=0.005,
                samples_above_fail=1,
                fail_size=0.003,
            ),
        ),
    ]


def measure(det: Detector, sims: dict[str, SimulatedEMG], repeats: int) -> None:
    for name, sim in sims.items():
        detected: list[Event] = []
        truth: list[Event] = []
        channels = sim.channels[:1] if det.first_channel_only else sim.channels
        for ci, channel in enumerate(channels):
            n = _cut(sim, channel, det.seconds)
            x = np.ascontiguousarray(sim.signal[ci, :n])
            best_wall = best_cpu = float("inf")
            events: list[Event] = []
            for _ in range(repeats):
                w0, c0 = time.perf_counter(), time.process_time()
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        events = det.run(x, sim.rate_hz, channel)
                except Exception as exc:  # a peer crash is a result, not a benchmark failure
                    det.failures.append(f"{name}/{channel}: {type(exc).__name__}: {exc}")
                    events = []
                w1, c1 = time.perf_counter(), time.process_time()
                best_wall, best_cpu = min(best_wall, w1 - w0), min(best_cpu, c1 - c0)
            det.samples += n
            det.wall_s += best_wall
            det.cpu_s += best_cpu
            detected += events
            end_s = n / sim.rate_hz
            truth += [
                e
                for e in sim.events
                if e.kind == "positive" and e.channel == channel and e.offset_s <= end_s
            ]
        det.scores[name] = compare_events(detected, truth, tolerance_ms=TOLERANCE_MS)
        loose = compare_events(detected, truth, tolerance_ms=LOOSE_TOLERANCE_MS)
        tp, fp, fn = det.loose_tp_fp_fn
        det.loose_tp_fp_fn = (tp + loose.tp, fp + loose.fp, fn + loose.fn)
        det.biases[name] = (loose.onset_bias_ms, loose.duration_bias_ms)
    # events of different scenarios share channel names: each scenario is scored apart
    det.scores["all"] = _pooled(det)


def _pooled(det: Detector) -> Scores:
    tp = sum(s.tp for k, s in det.scores.items() if k != "all")
    fp = sum(s.fp for k, s in det.scores.items() if k != "all")
    fn = sum(s.fn for k, s in det.scores.items() if k != "all")
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    # the median over scenarios of the per-scenario medians (matched pairs are not kept)
    dur = [s.duration_error_ms_median for k, s in det.scores.items() if k != "all"]
    ons = [s.onset_error_ms_median for k, s in det.scores.items() if k != "all"]
    dur_f = [d for d in dur if d is not None]
    ons_f = [d for d in ons if d is not None]
    return Scores(
        precision,
        recall,
        f1,
        tp,
        fp,
        fn,
        float(np.median(ons_f)) if ons_f else None,
        float(np.median(dur_f)) if dur_f else None,
    )


def _fmt(v: float | None, width: int = 6, digits: int = 1) -> str:
    return f"{v:{width}.{digits}f}" if v is not None else f"{'-':>{width}}"


def loadavg() -> str:
    try:
        with open("/proc/loadavg") as f:
            return f.read().split()[0]
    except OSError:
        return "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=2.0, help="length of each recording")
    parser.add_argument("--channels", type=int, default=4, help="channels per recording")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--nk-seconds",
        type=float,
        default=60.0,
        help="NeuroKit2 input per scenario (s of the first channel); 0 for the whole recording",
    )
    parser.add_argument("--nk-all-channels", action="store_true", help="NeuroKit2 on every channel")
    parser.add_argument("--repeats", type=int, default=3, help="timing repeats (best kept)")
    args = parser.parse_args()

    versions = {
        p: importlib.metadata.version(p) for p in ("numpy", "scipy", "neurokit2", "biosppy")
    }
    print(
        f"Myoscope signals benchmark: {len(SCENARIOS)} scenarios x {args.channels} channels x "
        f"{args.minutes:g} min at {RATE:g} Hz (seed {args.seed}), one thread"
    )
    print(
        f"Python {platform.python_version()} on {platform.machine()}, "
        + ", ".join(f"{k} {v}" for k, v in versions.items())
        + f"; {os.cpu_count()} CPUs; load average (1 min) at start: {loadavg()}"
    )
    t0 = time.perf_counter()
    sims = scenarios(args.minutes, args.channels, args.seed)
    n_true = {k: len(s.of("positive")) for k, s in sims.items()}
    print(
        f"simulated in {time.perf_counter() - t0:.1f} s; true bursts: "
        + ", ".join(f"{k} {v}" for k, v in n_true.items())
    )
    nk_seconds = args.nk_seconds or None
    dets = detectors(nk_seconds, args.nk_all_channels)
    # warm-up: imports and first-call costs stay out of the timings
    warm = sims["clean"].signal[0, : int(5 * RATE)]
    for det in dets:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                det.run(np.ascontiguousarray(warm), RATE, "ch1")
        except Exception:
            pass
    for det in dets:
        repeats = args.repeats if det.name.startswith("myoscope") or "biosppy" in det.name else 1
        measure(det, sims, repeats)

    ours = dets[0]
    ours_rate = ours.samples / ours.wall_s
    print()
    print("1. Throughput (samples processed per second of wall time, one core)")
    for det in dets:
        rate = det.samples / det.wall_s
        scope = (
            "1st channel, " + (f"~{det.seconds:g} s" if det.seconds else "whole") + " per scenario"
            if det.first_channel_only
            else "all channels, whole recordings"
        )
        ratio = "" if det is ours else f"  myoscope/peer {ours_rate / rate:8.1f}x"
        print(
            f"   {det.name:40s} {rate / 1e6:8.3f} M samples/s  ({det.samples / 1e6:6.2f} M samples, "
            f"{det.wall_s:7.2f} s, cpu/wall {det.cpu_s / det.wall_s:4.2f}; {scope}){ratio}"
        )
    print()
    print(
        f"2. Quality against the ground truth (onset tolerance {TOLERANCE_MS:g} ms): "
        "F1 / median |duration error| ms / median |onset error| ms (tp fp fn)"
    )
    header = "   " + f"{'detector':40s}" + "".join(f"{k:>28s}" for k in [*sims, "all"])
    print(header)
    for det in dets:
        cells = []
        for k in [*sims, "all"]:
            s = det.scores[k]
            cells.append(
                f"{s.f1:5.2f} {_fmt(s.duration_error_ms_median, 5)} {_fmt(s.onset_error_ms_median, 5)}"
                f" ({s.tp},{s.fp},{s.fn})".rjust(28)
            )
        print(f"   {det.name:40s}" + "".join(cells))
    for det in dets:
        if det.failures:
            print(f"   {det.name} failed on {len(det.failures)} input(s); first: {det.failures[0]}")
    print("   ('all': pooled tp/fp/fn; errors are the median of the per-scenario medians)")
    print(
        f"   context, tolerance {LOOSE_TOLERANCE_MS:g} ms: pooled F1, and median signed onset / "
        "duration bias (ms) per scenario"
    )
    for det in dets:
        tp, fp, fn = det.loose_tp_fp_fn
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        bias = "  ".join(f"{k} {_fmt(o, 0, 0)}/{_fmt(d, 0, 0)}" for k, (o, d) in det.biases.items())
        print(f"   {det.name:40s} F1 {f1:4.2f}   {bias}")

    print()
    print("3. Aims (issue 4, section 3)")
    nk = [d for d in dets if d.name.startswith("neurokit2")]
    nk_best_rate = max(d.samples / d.wall_s for d in nk)
    nk_ratio = ours_rate / nk_best_rate
    o = ours.scores["all"]
    better = all(
        o.f1 > d.scores["all"].f1
        and (d.scores["all"].duration_error_ms_median or float("inf"))
        > (o.duration_error_ms_median or 0)
        for d in nk
    )
    print(
        f"   >= 100x NeuroKit2 throughput: {'met' if nk_ratio >= 100 else 'NOT met'} ({nk_ratio:,.0f}x the "
        f"faster NeuroKit2 configuration)"
    )
    print(
        f"   better F1 and duration error than NeuroKit2: {'met' if better else 'NOT met'} (F1 "
        f"{o.f1:.3f} vs "
        + ", ".join(f"{d.scores['all'].f1:.3f}" for d in nk)
        + f"; duration error {_fmt(o.duration_error_ms_median, 0)} ms vs "
        + ", ".join(_fmt(d.scores["all"].duration_error_ms_median, 0) + " ms" for d in nk)
        + ")"
    )
    print(
        f"   >= 20 M samples/s per core end to end: {'met' if ours_rate >= 20e6 else 'NOT met'} "
        f"({ours_rate / 1e6:.1f} M samples/s)"
    )
    print(f"load average (1 min) at end: {loadavg()}; total {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
