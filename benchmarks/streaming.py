"""Peak memory and throughput of long EMG recordings: streamed analysis against whole-file.

Issue 4 asks that long recordings stream in overlapping chunks so that peak memory does not
grow with the length of the recording, shown over 1, 4 and 16 hours of 8-channel 2 kHz EMG.

Input: one ``.npy`` file per length (float32, shape ``(8, n_samples)``, 2 kHz), written a
block at a time from a pool of seeded 10-minute simulations (``simulate_emg``: 20-300 ms
bursts, silent periods, ECG 300 uV and 50 Hz mains 50 uV), so that making the file needs no
more memory than one block. Each analysis runs in a fresh process with one thread:

- ``streamed``: ``myoscope.services.recordings.analyse_recording`` (what ``myoscope signals
  detect`` runs): the file is read on demand and EMG is analysed in 10-minute stretches with
  10 s of context on each side.
- ``whole`` (the peer: how Myoscope analysed recordings before streaming, the way most tools
  do): the same analysis with the whole recording as one stretch, so every channel is loaded
  as float64 and checked, cleaned and detected at once. It is run for the lengths whose
  float64 copy fits in a third of the memory.

Memory is the peak resident set (``VmHWM``) and the peak of anonymous memory (``RssAnon``
sampled every 10 ms: file pages mapped while reading are cache the kernel can drop, so
anonymous memory is what grows with the length of the recording when it grows).

Run: ``uv run python benchmarks/streaming.py [--hours 1 4 16] [--dir DIR] [--keep]``
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

RATE = 2000.0
CHANNELS = 8
BLOCK_S = 600.0
POOL = 3


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def make_file(path: Path, hours: float) -> tuple[int, int]:
    """Write the recording; return (samples per channel, true positive bursts)."""
    from myoscope.signals import simulate_emg

    n_block = int(BLOCK_S * RATE)
    blocks = round(hours * 3600 / BLOCK_S)
    pool = [
        simulate_emg(
            duration_s=BLOCK_S,
            rate_hz=RATE,
            channels=CHANNELS,
            bursts=300,
            silent_periods=30,
            seed=100 + i,
            ecg_uv=300.0,
            mains_uv=50.0,
        )
        for i in range(POOL)
    ]
    out = np.lib.format.open_memmap(
        path, mode="w+", dtype=np.float32, shape=(CHANNELS, blocks * n_block)
    )
    truth = 0
    for b in range(blocks):
        sim = pool[b % POOL]
        out[:, b * n_block : (b + 1) * n_block] = sim.signal.astype(np.float32)
        truth += sum(e.kind == "positive" for e in sim.events)
    out.flush()
    del out
    return blocks * n_block, truth


def child(mode: str, path: str) -> None:
    """Analyse one file in this process and print one JSON line with the measurements."""
    peak_anon = [_status_kb("RssAnon")]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak_anon[0] = max(peak_anon[0], _status_kb("RssAnon"))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    w0, c0 = time.perf_counter(), time.process_time()
    from myoscope.services import recordings

    if mode == "whole":
        recordings.CHUNK_S = 1e12  # one stretch: the whole recording at once
    result = recordings.analyse_recording(path, rate_hz=RATE, modality="emg")
    positives = sum(e["kind"] == "positive" for e in result["events"])
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    done.set()
    sampler.join()
    print(
        json.dumps(
            {
                "wall_s": wall,
                "cpu_s": cpu,
                "peak_rss_mb": _status_kb("VmHWM") / 1024,
                "peak_anon_mb": peak_anon[0] / 1024,
                "positives": positives,
            }
        )
    )


def run_child(mode: str, path: Path) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return {"error": proc.returncode, "stderr": proc.stderr.strip().splitlines()[-1:]}  # type: ignore[dict-item]
    out: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, nargs="+", default=[1.0, 4.0, 16.0])
    parser.add_argument("--dir", type=Path, default=None, help="where to write the recordings")
    parser.add_argument("--keep", action="store_true", help="keep the recordings afterwards")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    import numpy
    import scipy

    work = args.dir or Path(tempfile.mkdtemp(prefix="myoscope-stream-"))
    work.mkdir(parents=True, exist_ok=True)
    total_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20
    print(
        f"Myoscope streaming benchmark: {CHANNELS} channels at {RATE:g} Hz, float32 .npy, "
        "one thread per analysis"
    )
    print(
        f"Python {platform.python_version()} on {platform.machine()}, numpy {numpy.__version__}, "
        f"scipy {scipy.__version__}; {os.cpu_count()} CPUs, {total_mb / 1024:.0f} GiB; "
        f"load average (1 min) at start: {os.getloadavg()[0]:.2f}"
    )
    print(
        f"{'hours':>5} {'samples':>12} {'mode':>9} {'wall s':>8} {'M samples/s':>12} "
        f"{'peak RSS MB':>12} {'peak anon MB':>13} {'bursts found/true':>18}"
    )
    rows = []
    try:
        for hours in args.hours:
            path = work / f"emg_{hours:g}h.npy"
            t0 = time.perf_counter()
            n, truth = make_file(path, hours)
            made = time.perf_counter() - t0
            samples = n * CHANNELS
            modes = ["streamed"]
            if samples * 8 * 3 < total_mb * 2**20 / 3:  # float64 copy plus work arrays
                modes.append("whole")
            for mode in modes:
                m = run_child(mode, path)
                if "error" in m:
                    print(f"{hours:5g} {samples:12d} {mode:>9} failed: {m}")
                    continue
                rate = samples / m["wall_s"] / 1e6
                rows.append((hours, mode, m))
                print(
                    f"{hours:5g} {samples:12d} {mode:>9} {m['wall_s']:8.1f} {rate:12.2f} "
                    f"{m['peak_rss_mb']:12.0f} {m['peak_anon_mb']:13.0f} "
                    f"{int(m['positives']):>9d}/{truth:<8d}"
                )
            if "whole" not in modes:
                print(
                    f"{hours:5g} {samples:12d} {'whole':>9} not run: its float64 copy alone "
                    f"would take {samples * 8 / 2**30:.1f} GiB"
                )
            print(f"      (file written in {made:.0f} s, {path.stat().st_size / 2**30:.2f} GiB)")
            if not args.keep:
                path.unlink()
    finally:
        if not args.keep and args.dir is None:
            shutil.rmtree(work, ignore_errors=True)
    streamed = [m for _, mode, m in rows if mode == "streamed"]
    if len(streamed) >= 2:
        lo, hi = streamed[0]["peak_anon_mb"], streamed[-1]["peak_anon_mb"]
        print(
            f"streamed peak anonymous memory, longest / shortest: {hi / lo:.2f}x "
            f"for {args.hours[-1] / args.hours[0]:g}x the length"
        )
    for hours, mode, m in rows:
        if mode == "whole":
            s = next(x for h, md, x in rows if h == hours and md == "streamed")
            print(
                f"{hours:g} h: whole-file peer uses {m['peak_anon_mb'] / s['peak_anon_mb']:.1f}x "
                f"the memory of streamed; streamed throughput is "
                f"{m['wall_s'] / s['wall_s']:.2f}x the peer's"
            )


if __name__ == "__main__":
    main()
