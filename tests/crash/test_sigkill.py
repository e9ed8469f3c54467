"""The server killed with SIGKILL during a write load loses no acknowledged write.

The real server (``myoscope serve``, in a subprocess) records episodes from ten client threads;
once about 300 writes were acknowledged it is killed with SIGKILL, the harshest stop a process
can get (no shutdown hooks, no flush). It is then started again on the same database, and:

- it starts cleanly: it serves ``/api/v1/openapi.json``, signs in and records again, and SQLite's
  ``PRAGMA integrity_check`` says ``ok``;
- every acknowledged write (a 201 the client received) is stored, exactly once;
- the audit log has a ``create`` entry for each of them.

A write that was in flight when the server died may or may not be stored; either is correct, as
long as no one was told it was.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, make_url

from myoscope.bootstrap import build_services
from myoscope.domain.diary import AccountIn, AuditAction, Role
from myoscope.services.accounts import Argon2Hasher
from myoscope.settings import Settings
from myoscope.storage import open_repository

CLIENTS = 10
KILL_AFTER = 300  # acknowledged writes before the kill
EMAIL = "crash-test@example.org"
PASSWORD = "correct horse battery"
START_TIMEOUT_S = 60.0  # bounds, never assertions on time
LOAD_TIMEOUT_S = 60.0
POSTGRES_URL = os.environ.get("MYOSCOPE_TEST_POSTGRES_URL")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``myoscope serve`` in a subprocess (the process itself, so that SIGKILL reaches it)."""

    def __init__(self, url: str, folder: Path, name: str) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = folder / f"{name}.log"
        env = dict(os.environ)
        env.pop("MYOSCOPE_DATABASE_URL", None)
        # Let the server cache compiled modules like any Python run (__pycache__ is ignored by
        # git): where the environment forbids it, each start compiles ~700 modules again.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["MYOSCOPE_DATA_DIR"] = str(folder / "data")
        env["MYOSCOPE_SECRET_KEY"] = "crash-test-secret-" + "k" * 40
        command = [
            sys.executable,
            "-c",
            "import sys; from myoscope.cli.main import cli; sys.exit(cli())",
            "serve",
            "--db",
            url,
            "--port",
            str(self.port),
        ]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        with httpx.Client(base_url=self.base, timeout=5) as client:
            while True:
                assert self.process.poll() is None, f"the server exited:\n{self.log()}"
                try:
                    if client.get("/api/v1/openapi.json").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"the server did not answer within {START_TIMEOUT_S} s:\n{self.log()}"
                    )
                time.sleep(0.1)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextmanager
def serving(url: str, folder: Path, name: str) -> Iterator[Server]:
    server = Server(url, folder, name)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def token(client: httpx.Client) -> str:
    response = client.post("/api/v1/auth/token", data={"username": EMAIL, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def episode(client_no: int, n: int) -> dict[str, Any]:
    started = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n, seconds=client_no)
    return {
        "started_at": started.isoformat(),
        "count": 1 + n % 60,
        "intensity": n % 11,
        "body_areas": ["right-arm"],
        "note": f"crash test: client {client_no}, episode {n}",  # unique: detects duplicates
    }


def write_until_killed(server: Server, bearer: str) -> list[str]:
    """Load the server from CLIENTS threads; SIGKILL it after KILL_AFTER acknowledged writes."""
    acknowledged: list[str] = []
    failures: Counter[int] = Counter()
    lock = threading.Lock()
    stop = threading.Event()

    def client(client_no: int) -> None:
        headers = {"Authorization": f"Bearer {bearer}"}
        with httpx.Client(base_url=server.base, headers=headers, timeout=30) as http:
            n = 0
            while not stop.is_set():
                try:
                    response = http.post("/api/v1/episodes", json=episode(client_no, n))
                except httpx.TransportError:
                    return  # the server is gone
                with lock:
                    if response.status_code == 201:
                        acknowledged.append(response.json()["id"])
                    else:
                        failures[response.status_code] += 1
                n += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + LOAD_TIMEOUT_S
        while len(acknowledged) < KILL_AFTER and time.monotonic() < deadline:
            if server.process.poll() is not None:
                break
            time.sleep(0.005)
        server.kill()
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not failures, f"writes refused before the kill: {dict(failures)}\n{server.log()}"
    assert len(acknowledged) >= KILL_AFTER, f"too few writes before the kill\n{server.log()}"
    return acknowledged


def created_in_audit(url: str, patient_id: str) -> set[str]:
    repository = open_repository(url, upgrade=False)
    try:
        created: set[str] = set()
        offset = 0
        while True:
            page = repository.list_audit(patient_id, limit=1000, offset=offset)
            created.update(
                event.record_id
                for event in page.items
                if event.action is AuditAction.CREATE
                and event.resource == "episodes"
                and event.record_id is not None
            )
            offset += len(page.items)
            if not page.items or offset >= page.total:
                return created
    finally:
        repository.close()


def stored_episodes(url: str, patient_id: str) -> list[tuple[str, str | None]]:
    repository = open_repository(url, upgrade=False)
    try:
        return [(record.id, record.note) for record in repository.episodes.all(patient_id)]
    finally:
        repository.close()


def crash_and_check(url: str, folder: Path) -> None:
    settings = Settings(database_url=url, secret_key="s" * 48, secret_key_configured=True)
    # Creates the schema; cheap argon2 parameters (the server verifies with those in the hash).
    services = build_services(
        settings, password_hasher=Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    try:
        patient_id = services.accounts.create(
            AccountIn(email=EMAIL, role=Role.PATIENT), PASSWORD
        ).id
    finally:
        services.close()

    server = Server(url, folder, "before-kill")
    try:
        server.wait_ready()
        with httpx.Client(base_url=server.base, timeout=30) as http:
            bearer = token(http)
        acknowledged = write_until_killed(server, bearer)
    finally:
        server.stop()
    assert server.process.returncode == -signal.SIGKILL

    with (
        serving(url, folder, "after-kill") as restarted,
        httpx.Client(base_url=restarted.base, timeout=30) as http,
    ):
        headers = {"Authorization": f"Bearer {token(http)}"}
        listed = http.get("/api/v1/episodes", params={"limit": 1}, headers=headers)
        assert listed.status_code == 200, listed.text
        assert listed.json()["total"] >= len(acknowledged)
        again = http.post("/api/v1/episodes", json=episode(CLIENTS, 0), headers=headers)
        assert again.status_code == 201, again.text
        acknowledged.append(again.json()["id"])

    stored = stored_episodes(url, patient_id)
    ids = [ident for ident, _ in stored]
    missing = set(acknowledged) - set(ids)
    assert not missing, f"{len(missing)} of {len(acknowledged)} acknowledged writes were lost"
    assert len(ids) == len(set(ids)), "an id is stored twice"
    notes = Counter(note for _, note in stored)
    assert [note for note, times in notes.items() if times > 1] == [], "an episode stored twice"
    assert len(set(acknowledged)) == len(acknowledged), "an id was acknowledged twice"
    not_audited = set(acknowledged) - created_in_audit(url, patient_id)
    assert not not_audited, f"{len(not_audited)} acknowledged writes have no audit entry"


def test_sigkill_during_writes_loses_no_acknowledged_write_on_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "diary.db"
    crash_and_check(f"sqlite:///{path}", tmp_path)
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        connection.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip(
            "MYOSCOPE_TEST_POSTGRES_URL is not set (.ci/run sets it after starting PostgreSQL)"
        )
    schema = f"crash_{uuid.uuid4().hex[:16]}"
    admin = create_engine(POSTGRES_URL, pool_size=1, max_overflow=0)
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


def test_sigkill_during_writes_loses_no_acknowledged_write_on_postgres(
    postgres_url: str, tmp_path: Path
) -> None:
    crash_and_check(postgres_url, tmp_path)
