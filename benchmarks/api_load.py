"""Load benchmark of the diary server: recording episodes and listing a year of history.

For each backend (SQLite, and PostgreSQL when a server is configured) the script creates a fresh
database with one patient and a year of history (``--per-day`` episodes a day), starts the real
server in a subprocess (``myoscope serve``: uvicorn, one process), signs in through
``POST /api/v1/auth/token``, and then runs, with ``--clients`` concurrent keep-alive clients:

(a) write phase: every client POSTs episodes to ``/api/v1/episodes`` back to back for
    ``--seconds`` (after a warm-up); any answer but 201 counts as an error;
(b) read phase: every client lists the year of history, one "list" being
    ``GET /api/v1/episodes?since=<a year before>&until=<start>&limit=1000`` paged to the end;
(c) verification, with the server stopped: every acknowledged write (the id a 201 returned) is
    in the database.

The named peer, on the same input in the same run, is Datasette 1.0 (alpha) serving a SQLite
table with the same columns (``benchmarks/_datasette_peer.py``): the same clients POST the same
episode rows one per request to its JSON write API, and list the same year of rows with
``_size=1000`` and its pagination. The peer runs on SQLite only: Datasette serves SQLite files.

The clients run in a separate process (threads with stdlib ``http.client`` keep-alive
connections, cheaper per request than httpx), so that the load generator and the server each get
a core of a 2-core machine; the CPU time of both is printed to show which one was saturated.

Run: ``uv run --group bench python benchmarks/api_load.py [--backend sqlite|postgres|all]
[--clients 20] [--seconds 10]``. PostgreSQL comes from ``MYOSCOPE_BENCH_POSTGRES_URL`` or
``MYOSCOPE_TEST_POSTGRES_URL`` (``postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB``); the
benchmark works in a schema of its own there (``myoscope_bench``), created afresh and dropped
at the end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _datasette_peer as peer  # noqa: E402 - the peer module lives beside this script

EMAIL = "bench-patient@example.org"
PASSWORD = "a benchmark password"
PAGE_SIZE = 1000
PG_SCHEMA = "myoscope_bench"
AIM_WRITES_S = 300.0
AIM_P99_MS = 100.0
AREAS = ["eyes", "face", "neck", "trunk", "left-arm", "right-arm", "left-leg", "right-leg"]
TRIGGERS = ["action", "noise", "light", "touch-startle", "stress", "sleep-loss", "caffeine"]
NOTES = [None, None, None, "after a long walk", "woke up with jerks", "during dinner"]
COUNTS = [1, 2, 3, 5, 8, 12, 20, 40, 75]


# -- input -----------------------------------------------------------------------------------


def iso(moment: datetime) -> str:
    """A UTC time as ISO 8601 with microseconds, so that text comparison orders it (the peer)."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def count_band(count: int) -> str:
    """The band of a counted number of jerks (as ``myoscope.domain.diary.CountBand``)."""
    return "1" if count <= 1 else "2-10" if count <= 10 else "11-50" if count <= 50 else ">50"


def episode(rnd: random.Random, started: datetime) -> dict[str, Any]:
    """One plausible episode as the API takes it (JSON field names and values)."""
    count = rnd.choice(COUNTS)
    ended = started + timedelta(minutes=rnd.randint(1, 30)) if rnd.random() < 0.5 else None
    row = {
        "started_at": iso(started),
        "ended_at": iso(ended) if ended else None,
        "count": count,
        "count_band": count_band(count),
        "intensity": rnd.randint(0, 10),
        "body_areas": rnd.sample(AREAS, rnd.randint(1, 3)),
        "kind": "negative" if rnd.random() < 0.1 else "positive",
        "triggers": rnd.sample(TRIGGERS, rnd.randint(0, 2)),
        "fell": rnd.random() < 0.05,
        "note": rnd.choice(NOTES),
    }
    # Fields left empty are left out, as a client filling a form would send them.
    return {key: value for key, value in row.items() if value is not None}


def history(end: datetime, days: int, per_day: int, seed: int) -> list[dict[str, Any]]:
    """``per_day`` episodes on each of the ``days`` days before ``end``, oldest first."""
    rnd = random.Random(seed)
    rows = []
    for day in range(days, 0, -1):
        start_of_day = end - timedelta(days=day)
        for started_s in sorted(rnd.randrange(86_400) for _ in range(per_day)):
            rows.append(episode(rnd, start_of_day + timedelta(seconds=started_s)))
    return rows


def new_episode(seed: int, client: int, n: int, start: datetime) -> dict[str, Any]:
    """The ``n``-th episode client ``client`` records: the same for Myoscope and the peer.

    They start after ``start``, so the listed year (which ends at ``start``) stays the same.
    """
    rnd = random.Random(seed * 1_000_003 + client * 100_003 + n)
    return episode(rnd, start + timedelta(seconds=1 + n, milliseconds=client))


# -- the load generator (runs in its own process) ---------------------------------------------


@dataclass(frozen=True)
class Target:
    """How to talk to one server: Myoscope's API or the Datasette peer."""

    name: str
    flavour: str  # "myoscope" or "datasette"
    port: int
    token: str
    patient_id: str
    database: str = ""  # Datasette's database name


@dataclass(frozen=True)
class Phase:
    """One measured phase: ``write`` or ``read``."""

    kind: str
    clients: int
    seconds: float
    warmup_s: float
    seed: int
    start: datetime  # the listed year ends here; new episodes start after it
    since: datetime
    expected: int  # rows one list must return


@dataclass
class PhaseResult:
    """What the clients saw (latencies in ms of the operations started in the measured window)."""

    latencies_ms: list[float] = field(default_factory=list)
    elapsed_s: float = 0.0
    errors: Counter[str] = field(default_factory=Counter)
    acknowledged: list[str] = field(default_factory=list)
    client_cpu_s: float = 0.0  # over the measured window, like server_cpu_s
    server_cpu_s: float = 0.0

    @property
    def rate(self) -> float:
        """Successful operations per second in the measured window."""
        ok = len(self.latencies_ms) - sum(self.errors.values())
        return ok / self.elapsed_s if self.elapsed_s else 0.0

    def percentile(self, q: float) -> float:
        """The ``q`` quantile (nearest rank) of the latencies, in ms."""
        values = sorted(self.latencies_ms)
        if not values:
            return float("nan")
        return values[min(len(values) - 1, int(q * len(values)))]


class Client:
    """One keep-alive HTTP/1.1 connection speaking to a target."""

    def __init__(self, target: Target, phase: Phase) -> None:
        self.target = target
        self.phase = phase
        self.connection = http.client.HTTPConnection("127.0.0.1", target.port, timeout=60)
        self.auth = {"Authorization": f"Bearer {target.token}"}

    def reconnect(self) -> None:
        self.connection.close()
        self.connection = http.client.HTTPConnection("127.0.0.1", self.target.port, timeout=60)

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, Any]:
        headers = dict(self.auth)
        if body is not None:
            headers["Content-Type"] = "application/json"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        try:
            return response.status, json.loads(data) if data else None
        except ValueError:
            return response.status, None

    def write(self, client: int, n: int) -> tuple[str | None, str | None]:
        """Record one episode: (acknowledged id, error)."""
        row = new_episode(self.phase.seed, client, n, self.phase.start)
        if self.target.flavour == "myoscope":
            status, data = self.request("POST", "/api/v1/episodes", json.dumps(row).encode())
            if status == 201 and isinstance(data, dict) and "id" in data:
                return str(data["id"]), None
        else:
            row["patient_id"] = self.target.patient_id
            path = f"/{self.target.database}/{peer.TABLE}/-/insert"
            status, data = self.request("POST", path, json.dumps({"row": row}).encode())
            if status == 201 and isinstance(data, dict) and data.get("rows"):
                return str(data["rows"][0]["id"]), None
        return None, f"HTTP {status}"

    def list_year(self) -> str | None:
        """List the year of history to the end; return an error, or None."""
        since, until = iso(self.phase.since), iso(self.phase.start)
        seen = 0
        if self.target.flavour == "myoscope":
            offset = 0
            while True:
                query = urlencode(
                    {"since": since, "until": until, "limit": PAGE_SIZE, "offset": offset}
                )
                status, data = self.request("GET", f"/api/v1/episodes?{query}")
                if status != 200 or not isinstance(data, dict):
                    return f"HTTP {status}"
                seen += len(data["items"])
                offset += len(data["items"])
                if not data["items"] or offset >= data["total"]:
                    break
        else:
            params = {
                "patient_id__exact": self.target.patient_id,
                "started_at__gte": since,
                "started_at__lt": until,
                "_sort_desc": "started_at",
                "_size": str(PAGE_SIZE),
            }
            while True:
                path = f"/{self.target.database}/{peer.TABLE}.json?{urlencode(params)}"
                status, data = self.request("GET", path)
                if status != 200 or not isinstance(data, dict):
                    return f"HTTP {status}"
                seen += len(data["rows"])
                if not data.get("next"):
                    break
                params["_next"] = data["next"]
        if seen != self.phase.expected:
            return f"listed {seen} rows, expected {self.phase.expected}"
        return None


def run_clients(target: Target, phase: Phase, server_pid: int) -> PhaseResult:
    """Run the phase with ``phase.clients`` threads; return what they measured.

    The CPU time of this process and of the server is taken over the measured window.
    """
    result = PhaseResult()
    lock = threading.Lock()
    barrier = threading.Barrier(phase.clients + 1)
    window: list[float] = []

    def work(index: int) -> None:
        client = Client(target, phase)
        latencies: list[float] = []
        errors: Counter[str] = Counter()
        acknowledged: list[str] = []
        last_end = 0.0
        n = 0
        barrier.wait()
        measure_from, stop_at = window
        try:
            while (started := time.perf_counter()) < stop_at:
                error: str | None
                try:
                    if phase.kind == "write":
                        ident, error = client.write(index, n)
                        if ident is not None:
                            acknowledged.append(ident)
                    else:
                        error = client.list_year()
                except (OSError, http.client.HTTPException) as exc:
                    error = type(exc).__name__
                    client.reconnect()
                n += 1
                ended = time.perf_counter()
                if started >= measure_from:
                    latencies.append((ended - started) * 1000)
                    last_end = max(last_end, ended)
                    if error:
                        errors[error] += 1
        finally:
            client.connection.close()
            with lock:
                result.latencies_ms.extend(latencies)
                result.errors.update(errors)
                result.acknowledged.extend(acknowledged)
                result.elapsed_s = max(result.elapsed_s, last_end - measure_from)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(phase.clients)]
    for thread in threads:
        thread.start()
    now = time.perf_counter()
    window.extend([now + phase.warmup_s, now + phase.warmup_s + phase.seconds])
    barrier.wait()
    time.sleep(max(0.0, window[0] - time.perf_counter()))
    cpu_client, cpu_server = time.process_time(), process_cpu_s(server_pid)
    for thread in threads:
        thread.join()
    result.client_cpu_s = time.process_time() - cpu_client
    result.server_cpu_s = process_cpu_s(server_pid) - cpu_server
    return result


def _client_process(target: Target, phase: Phase, server_pid: int, queue: Any) -> None:
    queue.put(run_clients(target, phase, server_pid))


def run_phase(target: Target, phase: Phase, server_pid: int) -> PhaseResult:
    """Run a phase in a separate client process; return its result."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_client_process, args=(target, phase, server_pid, queue))
    process.start()
    result: PhaseResult = queue.get(timeout=phase.warmup_s + phase.seconds + 300)
    process.join()
    return result


def process_cpu_s(pid: int) -> float:
    """User plus system CPU seconds a process has used (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- servers ------------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port free on the loopback interface now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_get(port: int, path: str) -> int:
    """The status of one GET (0 when nothing answers)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError:
        return 0
    finally:
        connection.close()


@contextmanager
def running(
    command: list[str], *, port: int, ready_path: str, log: Path, env: dict[str, str]
) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server, wait until ``ready_path`` answers 200, and stop it (SIGINT) at the end."""
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 120
        while http_get(port, ready_path) != 200:
            if process.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"the server did not start ({log.name}):\n{tail}")
            time.sleep(0.2)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# Runs the server the way ``myoscope serve`` does (uvicorn, one process, no access log) without
# the command line, for --profile: every thread (the event loop and the worker threads that run the endpoints) gets its own
# cProfile profiler; the merged statistics are written when the server stops.
DIRECT_SERVER = """
import cProfile, pstats, sys, threading
import uvicorn
from myoscope.bootstrap import build_services
from myoscope.server import create_app
from myoscope.settings import Settings

url, port, profile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
profilers = []

def start_profiler(*_args):
    sys.setprofile(None)
    profiler = cProfile.Profile()
    profilers.append(profiler)
    profiler.enable()

if profile:
    threading.setprofile(start_profiler)
    start_profiler()
services = build_services(Settings.from_env(database_url=url, port=port).checked())
uvicorn.run(
    create_app(services),
    host="127.0.0.1",
    port=port,
    log_level="warning",
    access_log=False,
    server_header=False,
)
if profile:
    for profiler in profilers:
        profiler.disable()
    stats = pstats.Stats(*profilers)
    stats.dump_stats(profile)
"""


def myoscope_command(url: str, port: int, profile: Path | None = None) -> list[str]:
    """``myoscope serve`` on this database and port, as a child of this Python."""
    if profile is not None:
        return [sys.executable, "-c", DIRECT_SERVER, url, str(port), str(profile or "")]
    return [
        sys.executable,
        "-c",
        "import sys; from myoscope.cli.main import cli; sys.exit(cli())",
        "serve",
        "--db",
        url,
        "--port",
        str(port),
    ]


def server_env(data_dir: Path) -> dict[str, str]:
    """The environment of a server: its own data directory and secret key."""
    env = dict(os.environ)
    env["MYOSCOPE_DATA_DIR"] = str(data_dir)
    env["MYOSCOPE_SECRET_KEY"] = secrets.token_urlsafe(48)
    env.pop("MYOSCOPE_DATABASE_URL", None)
    return env


def sign_in(port: int) -> str:
    """A bearer token from ``POST /api/v1/auth/token``."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        body = urlencode({"username": EMAIL, "password": PASSWORD})
        connection.request(
            "POST",
            "/api/v1/auth/token",
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        response = connection.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"sign-in failed: HTTP {response.status} {data[:300]!r}")
        return str(json.loads(data)["access_token"])
    finally:
        connection.close()


# -- databases ------------------------------------------------------------------------------


def prepare_myoscope(url: str, rows: list[dict[str, Any]], now: datetime) -> str:
    """Create the patient and store the history through the repository; return the id."""
    from myoscope.bootstrap import build_services
    from myoscope.domain.diary import AccountIn, Episode, Role, new_id
    from myoscope.services.accounts import Argon2Hasher
    from myoscope.settings import Settings

    settings = Settings(database_url=url, secret_key="b" * 48, secret_key_configured=True)
    # Cheap argon2 parameters make the account quick to create; the server verifies the
    # password with the parameters stored in the hash.
    hasher = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)
    services = build_services(settings, password_hasher=hasher)
    try:
        account = services.accounts.create(AccountIn(email=EMAIL, role=Role.PATIENT), PASSWORD)
        repository = services.repository
        with repository.transaction():
            for row in rows:
                repository.episodes.add(
                    Episode.model_validate(
                        {
                            **row,
                            "id": new_id(),
                            "patient_id": account.id,
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
                )
        return account.id
    finally:
        services.close()


def myoscope_ids(url: str, patient_id: str) -> list[str]:
    """Ids of every episode of the diary, read back with the server stopped."""
    from myoscope.storage import open_repository

    repository = open_repository(url, upgrade=False)
    try:
        return [record.id for record in repository.episodes.all(patient_id)]
    finally:
        repository.close()


def peer_ids(path: Path) -> list[str]:
    """Ids of every row of the peer's table."""
    import sqlite3

    connection = sqlite3.connect(path)
    try:
        return [str(row[0]) for row in connection.execute(f"SELECT id FROM {peer.TABLE}")]
    finally:
        connection.close()


def postgres_schema(base: str, *, create: bool) -> str:
    """Drop the benchmark's schema (and create it afresh); return a URL whose search_path is it."""
    from sqlalchemy import create_engine, make_url, text

    engine = create_engine(base)
    try:
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
            if create:
                connection.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
    finally:
        engine.dispose()
    url = make_url(base).update_query_dict({"options": f"-csearch_path={PG_SCHEMA}"})
    return url.render_as_string(hide_password=False)


# -- the benchmark --------------------------------------------------------------------------


@dataclass
class Outcome:
    """One server's figures."""

    label: str
    write: PhaseResult
    read: PhaseResult
    acknowledged: int = 0
    present: int = 0
    missing: int = 0
    unacknowledged_extra: int = 0


def verify(outcome: Outcome, stored: list[str], history_ids: int) -> None:
    """Compare acknowledged ids with the stored ones."""
    acknowledged = outcome.write.acknowledged
    stored_set = set(stored)
    outcome.acknowledged = len(acknowledged)
    outcome.present = sum(ident in stored_set for ident in acknowledged)
    outcome.missing = outcome.acknowledged - outcome.present
    # Rows stored but never acknowledged (a request cut at the end); 0 after a clean stop.
    outcome.unacknowledged_extra = len(stored_set) - history_ids - len(set(acknowledged))


def measure(
    label: str, target: Target, phases: tuple[Phase, Phase], server_pid: int, which: str
) -> Outcome:
    write, read = PhaseResult(), PhaseResult()
    if which in ("both", "write"):
        print(f"   {label}: write phase ...", flush=True)
        write = run_phase(target, phases[0], server_pid)
    if which in ("both", "read"):
        print(f"   {label}: read phase ...", flush=True)
        read = run_phase(target, phases[1], server_pid)
    return Outcome(label, write, read)


def bench_myoscope(
    backend: str,
    url: str,
    rows: list[dict[str, Any]],
    phases: tuple[Phase, Phase],
    work: Path,
    which: str,
    profile: Path | None = None,
) -> Outcome:
    now = phases[0].start
    patient_id = prepare_myoscope(url, rows, now)
    port = free_port()
    with running(
        myoscope_command(url, port, profile),
        port=port,
        ready_path="/api/v1/openapi.json",
        log=work / f"myoscope-{backend}.log",
        env=server_env(work / f"data-{backend}"),
    ) as process:
        target = Target(f"myoscope {backend}", "myoscope", port, sign_in(port), patient_id)
        outcome = measure(f"myoscope {backend}", target, phases, process.pid, which)
    verify(outcome, myoscope_ids(url, patient_id), len(rows))
    if profile is not None:
        print_profile(profile)
    return outcome


def print_profile(path: Path, top: int = 30) -> None:
    """Print where the server spent its time (both phases, all threads, own time first)."""
    import io
    import pstats

    out = io.StringIO()
    stats = pstats.Stats(str(path), stream=out)
    stats.strip_dirs().sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    print(f"\nProfile of the server ({path}):\n{out.getvalue()}")


def bench_datasette(
    rows: list[dict[str, Any]], phases: tuple[Phase, Phase], work: Path, which: str
) -> Outcome:
    path = work / "peer.db"
    patient_id = "peer-patient"
    now = iso(phases[0].start)
    peer.create_database(
        path,
        ({**row, "patient_id": patient_id, "created_at": now, "updated_at": now} for row in rows),
    )
    port = free_port()
    log = work / "datasette.log"
    command = [
        sys.executable,
        str(HERE / "_datasette_peer.py"),
        str(path),
        "--port",
        str(port),
        "--secret",
        secrets.token_urlsafe(32),
    ]
    database = peer.database_name(path)
    with running(
        command, port=port, ready_path=f"/{database}.json", log=log, env=dict(os.environ)
    ) as process:
        token = next(
            line.split()[1] for line in log.read_text().splitlines() if line.startswith("TOKEN ")
        )
        target = Target("datasette sqlite", "datasette", port, token, patient_id, database)
        outcome = measure("datasette sqlite (peer)", target, phases, process.pid, which)
    verify(outcome, peer_ids(path), len(rows))
    return outcome


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def report(outcomes: list[Outcome], args: argparse.Namespace, rows: int) -> None:
    def line(label: str, result: PhaseResult, unit: str) -> str:
        errors = sum(result.errors.values())
        detail = (
            " (" + ", ".join(f"{k}: {v}" for k, v in result.errors.most_common(3)) + ")"
            if errors
            else ""
        )
        if not result.latencies_ms:
            return f"   {label:<26} (no operation completed in the measured window)"
        wall = result.elapsed_s
        return (
            f"   {label:<26} {result.rate:9.1f} {unit}  p50 {result.percentile(0.5):7.1f}  "
            f"p99 {result.percentile(0.99):7.1f}  max {max(result.latencies_ms, default=0):7.1f} ms"
            f"  errors {errors}{detail}  CPU server {result.server_cpu_s / wall:4.0%} "
            f"clients {result.client_cpu_s / wall:4.0%}"
        )

    print(
        f"\n(a) Recording episodes: {args.clients} clients POSTing back to back for "
        f"{args.seconds:g} s (after {args.warmup:g} s warm-up); latency per request"
    )
    for o in outcomes:
        print(line(o.label, o.write, "writes/s"))
    print(
        f"\n(b) Listing a year of history ({rows} episodes, pages of {PAGE_SIZE}): "
        f"{args.clients} clients for {args.seconds:g} s; latency per whole list"
    )
    for o in outcomes:
        print(line(o.label, o.read, "lists/s "))
    print("\n(c) Acknowledged writes present afterwards (read back with the server stopped)")
    for o in outcomes:
        print(
            f"   {o.label:<26} acknowledged {o.acknowledged}, present {o.present}, "
            f"missing {o.missing} (stored but not acknowledged: {o.unacknowledged_extra})"
        )
    ours = next((o for o in outcomes if o.label == "myoscope sqlite"), None)
    theirs = next((o for o in outcomes if o.label.startswith("datasette")), None)
    if ours and theirs:
        print(
            "\nRatios on SQLite, Myoscope / Datasette: "
            f"writes/s {ratio(ours.write.rate, theirs.write.rate)}, "
            f"write p99 {ratio(ours.write.percentile(0.99), theirs.write.percentile(0.99))}, "
            f"lists/s {ratio(ours.read.rate, theirs.read.rate)}, "
            f"list p99 {ratio(ours.read.percentile(0.99), theirs.read.percentile(0.99))}"
        )
    if ours:
        met = ours.write.rate >= AIM_WRITES_S and ours.write.percentile(0.99) < AIM_P99_MS
        print(
            f"Aim on SQLite with {args.clients} clients: >= {AIM_WRITES_S:.0f} writes/s with p99 "
            f"< {AIM_P99_MS:.0f} ms: {'met' if met else 'NOT met'} "
            f"({ours.write.rate:.0f} writes/s, p99 {ours.write.percentile(0.99):.1f} ms)"
        )


def profiled(args: argparse.Namespace, backend: str) -> Path | None:
    """Where to write the server's profile for this backend, if profiling."""
    if args.profile is None:
        return None
    path: Path = args.profile.resolve()
    return path.with_name(f"{path.stem}-{backend}{path.suffix or '.prof'}")


def cpu_model() -> str:
    with suppress(OSError):
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                return text.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "all"], default="all")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds first")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--per-day", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-peer", action="store_true", help="skip the Datasette peer")
    parser.add_argument(
        "--phases", choices=["both", "write", "read"], default="both", help="which phases to run"
    )
    parser.add_argument(
        "--keep", type=Path, help="a new folder to keep the databases and server logs in"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="run Myoscope's server under cProfile (every thread) and write the stats here, "
        "with the backend's name appended; timings are then slower than without",
    )
    args = parser.parse_args()

    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    start = datetime.now(UTC).replace(microsecond=0)
    since = start - timedelta(days=args.days)
    rows = history(start, args.days, args.per_day, args.seed)
    phases = (
        Phase("write", args.clients, args.seconds, args.warmup, args.seed, start, since, len(rows)),
        Phase("read", args.clients, args.seconds, args.warmup, args.seed, start, since, len(rows)),
    )
    print(
        f"Myoscope diary server load benchmark: {args.clients} clients, {args.seconds:g} s per "
        f"phase, history of {len(rows)} episodes ({args.days} days x {args.per_day})"
    )
    print(
        f"{os.cpu_count()} cores ({cpu_model()}), Python {platform.python_version()} on "
        f"{platform.machine()}; load average (1, 5, 15 min) at start: {' '.join(load) or '?'}"
    )
    print(
        f"myoscope {version('myoscope')}, uvicorn {version('uvicorn')}, fastapi "
        f"{version('fastapi')}, sqlalchemy {version('sqlalchemy')}; peer datasette "
        f"{version('datasette')} (SQLite only); one server process each"
    )

    backends = ["sqlite", "postgres"] if args.backend == "all" else [args.backend]
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="myoscope-bench-") as tmp:
        work = Path(tmp)
        if args.keep is not None:
            work = args.keep.resolve()
            work.mkdir(parents=True, exist_ok=False)
        for backend in backends:
            if backend == "sqlite":
                print("\nSQLite (a file in a temporary folder, WAL, synchronous=FULL)", flush=True)
                url = f"sqlite:///{work / 'myoscope.db'}"
                outcomes.append(
                    bench_myoscope(
                        "sqlite", url, rows, phases, work, args.phases, profiled(args, "sqlite")
                    )
                )
                if not args.no_peer:
                    outcomes.append(bench_datasette(rows, phases, work, args.phases))
            else:
                base = os.environ.get("MYOSCOPE_BENCH_POSTGRES_URL") or os.environ.get(
                    "MYOSCOPE_TEST_POSTGRES_URL"
                )
                if not base:
                    print(
                        "\nPostgreSQL: skipped (set MYOSCOPE_BENCH_POSTGRES_URL or "
                        "MYOSCOPE_TEST_POSTGRES_URL to postgresql+psycopg://USER:PASSWORD@HOST"
                        ":PORT/DB; the benchmark drops and recreates its schema "
                        f"'{PG_SCHEMA}' there)"
                    )
                    continue
                print(f"\nPostgreSQL (fresh schema '{PG_SCHEMA}'); no peer", flush=True)
                url = postgres_schema(base, create=True)
                try:
                    outcomes.append(
                        bench_myoscope(
                            "postgres",
                            url,
                            rows,
                            phases,
                            work,
                            args.phases,
                            profiled(args, "postgres"),
                        )
                    )
                finally:
                    postgres_schema(base, create=False)
    if outcomes:
        report(outcomes, args, len(rows))
    load_end = Path("/proc/loadavg").read_text().split()[:3] if load else []
    print(f"load average at the end: {' '.join(load_end) or '?'}")
    return 1 if any(o.missing for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
