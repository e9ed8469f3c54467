"""The clinician report for five years of a diary: Myoscope (reportlab) against matplotlib's PDF.

Input: the simulated five-year diary of ``benchmarks/insights.py`` (``simulate_diary``, about
54,000 episodes, 1,500 check-ins, 6,000 doses, 10 medication changes) plus the demo profile,
written to a SQLite file through Myoscope's storage, so that both contenders read the same
database.

Contenders, each timed over ``--repeat`` runs after a warm-up (imports, font registration), on
one thread; medians are printed:

- ``myoscope end to end``: ``services.report.gather(diary)`` then
  ``myoscope.report.render_pdf`` (reportlab platypus, DejaVu Sans embedded, the chart as a
  reportlab vector drawing): what ``myoscope report``, ``GET /api/v1/report`` and the web
  button run.
- ``myoscope gather`` and ``myoscope render``: the two halves.
- ``peer: matplotlib PdfPages``: the same gathered content drawn the way a scientific-Python
  project without a PDF library would: ``matplotlib.backends.backend_pdf.PdfPages``, A4
  figures with ``fig.text`` lines (wrapped with ``textwrap``) and the same chart drawn as
  vector axes on page 1. It lays out less (no table grid, no paragraph reflow), so the ratio
  flatters it. ``peer end to end`` is the same gather plus this rendering.
- ``cold CLI``: ``myoscope report --out FILE`` in a new process (imports, knowledge base and
  database opening included), what a person waits for at the terminal; bytecode is cached as
  in an installed package (see :func:`cold_cli`).

Ratios are peer time / Myoscope time (above 1: Myoscope is faster).

Run: ``uv run python benchmarks/report.py [--repeat 7] [--db PATH] [--cold 3]``
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import gc  # noqa: E402
import io  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import textwrap  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from insights import EMAIL, five_years, services_for, write_diary  # noqa: E402
from myoscope.report import render_pdf  # noqa: E402
from myoscope.services.demo import demo_profile  # noqa: E402
from myoscope.services.report import REPORT_TITLE, ReportData  # noqa: E402

A4_IN = (8.27, 11.69)


def peer_render(data: ReportData) -> bytes:
    """Draw the same content with matplotlib's PDF backend (PdfPages), as plain text lines."""
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    lines: list[tuple[str, bool]] = [(REPORT_TITLE, True)]
    lines.append(
        (f"Patient: {data.patient} · Period {data.period_from} to {data.period_to} "
         f"({data.days} days, {data.days_with_entries} with entries)", False)
    )  # fmt: skip
    lines.append(("Myoclonus: " + "; ".join(f"{k}: {v}" for k, v in data.myoclonus), False))
    for f in data.frequency:
        lines.append((f"{f.label}: {f.per_day} per logged day; last 28 d {f.per_day_last}; "
                      f"last {f.last_episode}", False))  # fmt: skip
    lines.append(("Current regimen", True))
    lines += [(f"{r.drug} {r.dose} since {r.since}", False) for r in data.regimen]
    lines += [(f"{c.day} {c.drug} {c.kind} {c.from_mg_per_day} -> {c.to_mg_per_day} "
               f"{c.reason or ''}", False) for c in data.changes]  # fmt: skip
    chart_at = len(lines)
    lines.append(("Response to each change", True))
    for r in data.responses:
        lines.append((f"{r['change']['date']} {r['change']['drug']}: {r['rate_ratio']} "
                      f"{r['ci95']} {r['verdict']}", False))  # fmt: skip
    lines.append(("Tolerance and triggers", True))
    lines += [(f"{t['drug']} {t['since']}: {t.get('trend_per_week')} {t['verdict']}", False)
              for t in data.tolerance]  # fmt: skip
    lines += [(f"{t['trigger']} lag {t['lag_days']}: {t['rate_ratio']} {t['ci95']} "
               f"{t['verdict']}", False) for t in data.triggers]  # fmt: skip
    lines.append(("Side effects and adherence", True))
    lines += [(f"{a['drug']}: {a['taken_fraction']}", False) for a in data.adherence]
    lines += [(f"{s['drug']}: {s['reports']} {s['most_common']}", False) for s in data.side_effects]
    lines.append(("Safety alerts", True))
    lines += [(f"{a.severity.upper()} ({a.kind}): {a.text} {list(a.sources)}", False)
              for a in data.alerts]  # fmt: skip
    lines.append(("Methods and sources", True))
    lines += [(m, False) for m in data.methods]
    lines += [(f"{k}: {v}", False) for k, v in data.sources]
    lines.append((data.disclaimer, False))

    buffer = io.BytesIO()
    with PdfPages(buffer) as pdf:
        fig = Figure(figsize=A4_IN)
        y = 0.96
        for k, (text, bold) in enumerate(lines):
            if k == chart_at:
                ax = fig.add_axes((0.08, y - 0.19, 0.86, 0.17))
                x = [d.toordinal() for d, _ in data.burden]
                ax.plot(x, [float("nan") if v is None else v for _, v in data.burden], lw=0.6)
                for c in data.changes:
                    ax.axvline(c.day.toordinal(), ls="--", lw=0.8, color="#b3541e")
                ax.tick_params(labelsize=6)
                y -= 0.21
            for part in textwrap.wrap(text, 150) or [""]:
                if y < 0.04:
                    pdf.savefig(fig)
                    fig, y = Figure(figsize=A4_IN), 0.96
                fig.text(0.05, y, part, fontsize=8 if bold else 6.5,
                         weight="bold" if bold else "normal", va="top")  # fmt: skip
                y -= 0.015 if bold else 0.0125
        pdf.savefig(fig)
    return buffer.getvalue()


def timed(run: Callable[[], object], repeat: int) -> list[float]:
    """Wall times in ms of ``repeat`` runs after one warm-up run."""
    run()
    gc.collect()
    wall = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        wall.append((time.perf_counter() - started) * 1000)
    return wall


def cold_cli(path: Path, runs: int, start: Any, end: Any) -> list[float]:
    """Wall times in ms of ``myoscope report`` in a new process (imports included).

    Python may cache bytecode, as an installed package does, but in a scratch folder
    (``PYTHONPYCACHEPREFIX``) so that nothing is written into the tree; one untimed run fills
    it. (With ``PYTHONDONTWRITEBYTECODE=1`` every run would compile every module again.)
    """
    out = path.with_suffix(".pdf")
    command = [
        sys.executable, "-m", "myoscope.cli", "report", "--out", str(out), "--db", str(path),
        "--from", start.isoformat(), "--to", end.isoformat(),
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="myoscope-pycache-")
    subprocess.run(command, check=True, capture_output=True, env=env)
    wall = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        wall.append((time.perf_counter() - started) * 1000)
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--db", type=Path, default=None, help="where to keep the SQLite file")
    parser.add_argument("--cold", type=int, default=3, help="cold CLI runs (0 to skip)")
    args = parser.parse_args()
    import matplotlib
    import reportlab

    folder = Path(tempfile.mkdtemp(prefix="myoscope-report-"))
    path = args.db or folder / "five-years.db"
    diary = five_years()
    if not path.exists():
        started = time.perf_counter()
        write_diary(path, diary)
        print(f"(diary written to {path} in {time.perf_counter() - started:.0f} s)")
    services = services_for(path)
    account = services.repository.accounts.get_by_email(EMAIL)
    opened = services.diaries.open(account)
    if services.profiles.view(opened).stored is None:
        services.profiles.save(opened, demo_profile())
    print(
        f"Report benchmark: {len(diary.episodes):,} episodes, {len(diary.checkins):,} "
        f"check-ins, {len(diary.doses):,} doses, {len(diary.regimens)} regimens over "
        f"{(diary.end - diary.start).days + 1} days"
    )
    print(
        f"Python {platform.python_version()}, reportlab {reportlab.Version}, matplotlib "
        f"{matplotlib.__version__}; {os.cpu_count()} CPUs; load average (1 min) at start "
        f"{os.getloadavg()[0]:.2f}; {args.repeat} runs each, medians"
    )
    end = diary.end
    data = services.report.gather(opened, period_from=diary.start, period_to=end)

    def mine() -> bytes:
        buffer = io.BytesIO()
        render_pdf(
            services.report.gather(opened, period_from=diary.start, period_to=end), out=buffer
        )
        return buffer.getvalue()

    def mine_render() -> bytes:
        buffer = io.BytesIO()
        render_pdf(data, out=buffer)
        return buffer.getvalue()

    results = {
        "myoscope end to end": timed(mine, args.repeat),
        "myoscope gather": timed(
            lambda: services.report.gather(opened, period_from=diary.start, period_to=end),
            args.repeat,
        ),
        "myoscope render": timed(mine_render, args.repeat),
        "peer: matplotlib PdfPages render": timed(lambda: peer_render(data), args.repeat),
        "peer end to end": timed(
            lambda: peer_render(
                services.report.gather(opened, period_from=diary.start, period_to=end)
            ),
            args.repeat,
        ),
    }
    import pypdf

    pages = len(pypdf.PdfReader(io.BytesIO(mine())).pages)
    peer_pages = len(pypdf.PdfReader(io.BytesIO(peer_render(data))).pages)
    services.close()
    if args.cold:
        results["cold CLI (new process)"] = cold_cli(path, args.cold, diary.start, end)
    median = {name: statistics.median(times) for name, times in results.items()}
    width = max(len(n) for n in median)
    for name, value in median.items():
        spread = f"{min(results[name]):.0f}-{max(results[name]):.0f}"
        print(f"  {name:<{width}}  {value:8.0f} ms  (range {spread} ms)")
    print(f"  pages: myoscope {pages}, peer {peer_pages}")
    print(
        "Ratios (peer / myoscope): render "
        f"{median['peer: matplotlib PdfPages render'] / median['myoscope render']:.2f}, "
        f"end to end {median['peer end to end'] / median['myoscope end to end']:.2f}"
    )
    aim = 3000.0
    print(
        f"Aim: the report in under 3 s: end to end {median['myoscope end to end']:.0f} ms "
        + ("meets it" if median["myoscope end to end"] < aim else "MISSES it")
        + (
            f"; cold CLI {median['cold CLI (new process)']:.0f} ms"
            if "cold CLI (new process)" in median
            else ""
        )
    )


if __name__ == "__main__":
    main()
