"""Insights for five years of a diary: Myoscope against a pandas + statsmodels-formula peer.

Input: one simulated patient with five years of diary (``simulate_diary``, about 54,000
episodes, 1,500 check-ins, 6,000 doses, 10 medication changes), written to a SQLite file
through Myoscope's storage, so that every contender starts from the same database.

Contenders, each timed over ``--repeat`` runs after a warm-up (imports), on one thread:

- ``myoscope service``: ``services.insights.insights(diary)``, what ``GET /api/v1/insights``
  and the web page run: read the diary from SQLite, compute the whole document.
- ``myoscope analytics``: ``build_insights`` on the records already in memory (the core alone).
- ``peer: pandas + statsmodels formulas``: the usual data-science route to the same numbers:
  ``pandas.read_sql`` of the episodes, check-ins, doses and regimens, a daily series with
  ``groupby``, then one negative binomial GLM per medication change and per factor and lag
  with the formula API (``smf.glm("jerks ~ C(weekday) + trend + after", ...)``). It computes
  the responses and trigger ratios only (a subset of the document), so the ratio flatters it.

Run: ``uv run python benchmarks/insights.py [--repeat 7] [--db PATH]``
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import gc  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import date, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from insights_calibration import five_years  # noqa: E402  (the same simulated diary)
from myoscope.analytics import build_insights  # noqa: E402
from myoscope.analytics.triggers import Exposure  # noqa: E402
from myoscope.bootstrap import build_services  # noqa: E402
from myoscope.domain.diary import AccountIn, Role  # noqa: E402
from myoscope.services.diary import CHECKINS, DOSES, EPISODES, REGIMENS, SIDE_EFFECTS  # noqa: E402
from myoscope.settings import Settings  # noqa: E402

EMAIL = "five.years@example.org"


def services_for(path: Path) -> Any:
    settings = Settings(
        database_url=f"sqlite:///{path}", secret_key="b" * 48, secret_key_configured=True
    )
    return build_services(settings)


def write_diary(path: Path, diary: Any) -> None:
    """Store the simulated diary in a new SQLite file (one transaction)."""
    services = services_for(path)
    try:
        account = services.accounts.create(
            AccountIn(email=EMAIL, role=Role.PATIENT, timezone=diary.timezone),
            "benchmark-password-1",
        )
        repo = services.repository
        with repo.transaction():
            for kind, records in (
                (REGIMENS, diary.regimens),
                (EPISODES, diary.episodes),
                (CHECKINS, diary.checkins),
                (DOSES, diary.doses),
                (SIDE_EFFECTS, diary.side_effects),
            ):
                store = kind.store(repo)
                for record in records:
                    store.add(record.model_copy(update={"patient_id": account.id}))
    finally:
        services.close()


def peer(path: Path, timezone: str, end: date) -> dict[str, Any]:
    """Responses and trigger ratios the pandas + statsmodels-formula way."""
    import numpy as np
    import pandas as pd
    import sqlalchemy as sa
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            episodes = pd.read_sql(
                "select started_at, count, count_band from episodes where source = 'self'",
                connection,
            )
            checkins = pd.read_sql("select day, sleep_hours from checkins", connection)
            doses = pd.read_sql("select taken_at, status from doses", connection)
            regimens = pd.read_sql("select drug, started_on, stopped_on from regimens", connection)
    finally:
        engine.dispose()
    midpoints = {"1": 1, "2-10": 6, "11-50": 30, ">50": 75, "continuous": 100}
    jerks = episodes["count"].fillna(episodes["count_band"].map(midpoints)).fillna(0)
    local = pd.to_datetime(episodes["started_at"], utc=True).dt.tz_convert(timezone).dt.date
    daily = jerks.groupby(local).sum()
    days = pd.date_range(min(daily.index), end, freq="D").date
    frame = pd.DataFrame({"day": days})
    frame["jerks"] = frame["day"].map(daily)
    logged = set(daily.index) | set(pd.to_datetime(checkins["day"]).dt.date)
    frame.loc[~frame["day"].isin(logged), "jerks"] = np.nan
    frame.loc[frame["day"].isin(logged) & frame["jerks"].isna(), "jerks"] = 0
    frame["weekday"] = [d.weekday() for d in frame["day"]]
    frame["trend"] = np.arange(len(frame)) / 7.0
    family = sm.families.NegativeBinomial(alpha=0.2)
    out: dict[str, Any] = {"responses": [], "triggers": []}
    for start in pd.to_datetime(regimens["started_on"]).dt.date:
        window = frame[
            (frame["day"] >= start - timedelta(days=28))
            & (frame["day"] < start + timedelta(days=35))
        ].dropna()
        window = window[(window["day"] < start) | (window["day"] >= start + timedelta(days=7))]
        if window["day"].lt(start).sum() < 14 or window["day"].ge(start).sum() < 14:
            continue
        window = window.assign(after=(window["day"] >= start).astype(float))
        fit = smf.glm("jerks ~ C(weekday) + trend + after", window, family=family).fit()
        low, high = np.exp(fit.conf_int().loc["after"])
        out["responses"].append((start, float(np.exp(fit.params["after"])), low, high))
    short = set(pd.to_datetime(checkins.loc[checkins["sleep_hours"] < 6, "day"]).dt.date)
    skipped = doses.loc[doses["status"] == "skipped", "taken_at"]
    missed = set(pd.to_datetime(skipped, utc=True).dt.tz_convert(timezone).dt.date)
    logged_frame = frame.dropna()
    for name, exposed in (("sleep-loss", short), ("missed-dose", missed)):
        for lag in (0, 1):
            data = logged_frame.assign(
                factor=[float((d - timedelta(days=lag)) in exposed) for d in logged_frame["day"]]
            )
            fit = smf.glm("jerks ~ C(weekday) + trend + factor", data, family=family).fit()
            low, high = np.exp(fit.conf_int().loc["factor"])
            out["triggers"].append((name, lag, float(np.exp(fit.params["factor"])), low, high))
    return out


def timed(run: Callable[[], object], repeat: int) -> tuple[list[float], list[float]]:
    run()  # warm-up: imports, caches
    gc.collect()
    wall, cpu = [], []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        run()
        wall.append((time.perf_counter() - w0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--db", type=Path, default=None, help="where to keep the SQLite file")
    args = parser.parse_args()
    import numpy
    import pandas
    import statsmodels

    folder = Path(tempfile.mkdtemp(prefix="myoscope-insights-"))
    path = args.db or folder / "five-years.db"
    diary = five_years()
    if not path.exists():
        started = time.perf_counter()
        write_diary(path, diary)
        print(f"(diary written to {path} in {time.perf_counter() - started:.0f} s)")
    print(
        f"Insights benchmark: {len(diary.episodes):,} episodes, {len(diary.checkins):,} "
        f"check-ins, {len(diary.doses):,} doses, {len(diary.regimens)} regimens over "
        f"{(diary.end - diary.start).days + 1} days"
    )
    print(
        f"Python {platform.python_version()}, numpy {numpy.__version__}, pandas "
        f"{pandas.__version__}, statsmodels {statsmodels.__version__}; {os.cpu_count()} CPUs; "
        f"load average (1 min) at start {os.getloadavg()[0]:.2f}; {args.repeat} runs each"
    )
    services = services_for(path)
    account = services.repository.accounts.get_by_email(EMAIL)
    opened = services.diaries.open(account)
    options = {
        "episodes": diary.episodes,
        "checkins": diary.checkins,
        "regimens": diary.regimens,
        "doses": diary.doses,
        "side_effects": diary.side_effects,
        "timezone": diary.timezone,
        "exposures": {k: Exposure(d, o) for k, (d, o) in diary.exposures.items()},
    }
    contenders: list[tuple[str, Callable[[], object]]] = [
        (
            "myoscope service (SQLite -> document)",
            lambda: services.insights.insights(opened, period_to=diary.end),
        ),
        ("myoscope analytics (records in memory)", lambda: build_insights(**options).to_dict()),
        ("peer: pandas + statsmodels formulas", lambda: peer(path, diary.timezone, diary.end)),
    ]
    results = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, run in contenders:
            wall, cpu = timed(run, args.repeat)
            results[name] = statistics.median(wall)
            print(
                f"   {name:42s} median {statistics.median(wall):7.0f} ms  best {min(wall):7.0f} ms"
                f"  (CPU median {statistics.median(cpu):7.0f} ms)"
            )
    services.close()
    ours = results[contenders[0][0]]
    theirs = results[contenders[2][0]]
    print(f"   peer / myoscope service: {theirs / ours:.1f}x (the peer computes a subset)")
    core = results[contenders[1][0]]
    print(
        f"   aim < 300 ms: analytics {'met' if core < 300 else 'NOT met'} ({core:.0f} ms); "
        f"end to end from SQLite {'met' if ours < 300 else 'NOT met'} ({ours:.0f} ms)"
    )
    print(f"load average (1 min) at end {os.getloadavg()[0]:.2f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
