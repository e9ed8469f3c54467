"""Calibration of the insight estimates, and the time to build insights for five years.

1. Calibration: for each scenario of ``myoscope.analytics.simulation`` (response, tolerance,
   triggers), ``--runs`` simulated diaries (seeds 0 to runs - 1) are analysed as real ones are,
   and each 95 % interval is checked against the planted value. The table gives, per estimate,
   the runs with an estimate, the coverage (target 90-98 %) and how often the interval
   excluded 1 (power for a planted effect; the false-positive rate where the truth is 1).
2. Timing (``--timing``): ``build_insights`` on a simulated five-year diary (about 50,000
   episodes, check-ins, two doses a day, ten medication changes), best and median of
   ``--repeat`` runs after one warm-up, on one core, with the records frozen out of the
   garbage collector as a long-lived server process holds them; wall time and process CPU
   time (the latter is less affected by other work on a shared machine).

Run: ``uv run python benchmarks/insights_calibration.py [--runs 200] [--timing]``
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import gc  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

from myoscope.analytics import Exposure, build_insights  # noqa: E402
from myoscope.analytics.calibration import calibrate, table  # noqa: E402
from myoscope.analytics.simulation import PlannedChange, simulate_diary  # noqa: E402

SCENARIOS = ("response", "tolerance", "triggers")


def print_calibration(runs: int) -> None:
    print(f"Calibration: {runs} simulated diaries per scenario (seeds 0-{runs - 1})")
    print(f"Python {platform.python_version()} on {platform.machine()}")
    print()
    print(
        f"{'scenario':<10} {'estimate':<28} {'truth':>6} {'runs':>5} {'estimated':>9} "
        f"{'coverage':>9} {'excl. 1':>8} {'seconds':>8}"
    )
    for scenario in SCENARIOS:
        started = time.perf_counter()
        result = calibrate(scenario, runs)
        seconds = time.perf_counter() - started
        for row in table([result]):
            print(
                f"{row['scenario']:<10} {row['estimate']:<28} {row['truth']:>6.2f} "
                f"{row['runs']:>5} {row['estimated']:>9} {row['coverage']:>9.1%} "
                f"{row['clear_rate']:>8.1%} {seconds:>8.1f}"
            )
            seconds = 0.0
    print()
    print("coverage: share of 95 % intervals holding the planted value (target 90-98 %);")
    print("excl. 1: share of intervals excluding 1 (power; false positives where truth is 1.00)")


def five_years(seed: int = 1):
    changes = [
        PlannedChange(
            60 * k + 30, "levetiracetam" if k % 2 else "clonazepam", 250 * (k + 1), 2, 0.9
        )
        for k in range(10)
    ]
    return simulate_diary(seed, "demo", days=1826, base_jerks_per_day=750, changes=changes)


def print_timing(repeat: int) -> None:
    diary = five_years()
    options = {
        "episodes": diary.episodes,
        "checkins": diary.checkins,
        "regimens": diary.regimens,
        "doses": diary.doses,
        "side_effects": diary.side_effects,
        "timezone": diary.timezone,
        "exposures": {k: Exposure(d, o) for k, (d, o) in diary.exposures.items()},
    }
    build_insights(**options).to_dict()  # warm-up: imports statsmodels
    gc.collect()
    gc.freeze()
    times, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        build_insights(**options).to_dict()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    print(
        f"build_insights + to_dict, five years: {len(diary.episodes):,} episodes, "
        f"{len(diary.checkins):,} check-ins, {len(diary.doses):,} doses, "
        f"{len(diary.regimens)} regimens"
    )
    print(
        f"   wall: best {min(times):.0f} ms  median {statistics.median(times):.0f} ms  "
        f"max {max(times):.0f} ms over {repeat} runs  -> target < 300 ms"
    )
    print(
        f"   CPU:  best {min(cpu):.0f} ms  median {statistics.median(cpu):.0f} ms  "
        "(process time: less affected by other work on the machine)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="diaries per scenario (200)")
    parser.add_argument("--timing", action="store_true", help="also time five years of diary")
    parser.add_argument("--repeat", type=int, default=10, help="timed runs (10)")
    parser.add_argument("--no-calibration", action="store_true", help="only the timing")
    args = parser.parse_args()
    if not args.no_calibration:
        print_calibration(args.runs)
    if args.timing:
        print()
        print_timing(args.repeat)


if __name__ == "__main__":
    main()
