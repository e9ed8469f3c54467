"""``myoscope serve``: the demo server end to end, and one-line errors before it starts."""

from __future__ import annotations

import os
import queue
import re
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from myoscope.cli.main import cli

START_TIMEOUT_S = 180  # loading, migrating and seeding; generous for slow CI machines


@dataclass
class Server:
    process: subprocess.Popen[str]
    lines: list[str]
    address: str

    def stop(self) -> tuple[int, str]:
        self.process.terminate()
        _, stderr = self.process.communicate(timeout=60)
        return self.process.returncode, stderr


def clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MYOSCOPE_")}
    env["MYOSCOPE_DATA_DIR"] = str(tmp_path / "data")
    (tmp_path / "tmp").mkdir()
    env["TMPDIR"] = str(tmp_path / "tmp")
    return env


def start(tmp_path: Path, *args: str) -> Server:
    """Start ``myoscope serve ARGS --port 0`` and wait until it says it is ready."""
    process = subprocess.Popen(
        [sys.executable, "-m", "myoscope.cli", "serve", *args, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(tmp_path),
    )
    assert process.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()

    def read(stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=read, args=(process.stdout,), daemon=True).start()
    seen: list[str] = []
    try:
        while True:
            line = lines.get(timeout=START_TIMEOUT_S)
            if line is None:
                _, stderr = process.communicate(timeout=10)
                pytest.fail(f"serve stopped: {seen} {stderr}")
            seen.append(line)
            if "Press Ctrl+C" in line:
                break
    except BaseException:
        process.kill()
        process.communicate()
        raise
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", "\n".join(seen))
    assert match, seen
    assert match.group(1) != "0"  # the real port, not the one asked for
    return Server(process, seen, match.group(0))


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Server]:
    server = start(tmp_path, "--demo")
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.communicate()


def credentials(lines: list[str]) -> dict[str, tuple[str, str]]:
    found = {}
    for line in lines:
        match = re.match(r"\s+(\w+)\s+(\S+@example\.org)\s+password: (\S+)", line)
        if match:
            found[match.group(1)] = (match.group(2), match.group(3))
    return found


def token(client: httpx.Client, email: str, password: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "bearer"
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_the_demo_serves_pages_and_the_api_with_the_printed_accounts(
    demo: Server, tmp_path: Path
) -> None:
    text = "\n".join(demo.lines)
    assert "synthetic" in text
    accounts = credentials(demo.lines)
    assert set(accounts) == {"patient", "carer", "clinician", "admin"}
    with httpx.Client(base_url=demo.address, timeout=60) as client:
        assert client.get("/login").status_code == 200
        patient = token(client, *accounts["patient"])
        me = client.get("/api/v1/me", headers=patient)
        assert me.status_code == 200
        assert me.json()["email"] == accounts["patient"][0]
        episodes = client.get("/api/v1/episodes", params={"limit": 5}, headers=patient).json()
        assert episodes["total"] > 100
        assert len(episodes["items"]) == 5
        clinician = token(client, *accounts["clinician"])
        shared = client.get("/api/v1/diaries", headers=clinician).json()
        patient_id = me.json()["id"]
        assert patient_id in str(shared)
        listed = client.get("/api/v1/doses", params={"patient_id": patient_id}, headers=clinician)
        assert listed.status_code == 200
        assert listed.json()["total"] > 100
    code, stderr = demo.stop()
    assert code == 0, stderr
    assert "Traceback" not in stderr
    assert list((tmp_path / "tmp").iterdir()) == []  # the demo database is deleted
    assert not (tmp_path / "data").exists()  # the user's own data folder is not touched


def test_serve_on_an_empty_database_says_how_to_create_the_first_account(tmp_path: Path) -> None:
    server = start(tmp_path, "--db", str(tmp_path / "diary.db"))
    try:
        assert any("No account yet" in line for line in server.lines)
        with httpx.Client(base_url=server.address, timeout=60, follow_redirects=True) as client:
            assert client.get("/").status_code == 200
    finally:
        code, stderr = server.stop()
    assert code == 0, stderr
    assert (tmp_path / "diary.db").exists()
    assert (tmp_path / "data" / "secret_key").exists()  # sessions survive a restart


# -- errors before the server starts: one line, exit code 2 ------------------------------------


@pytest.fixture(autouse=True)
def private_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("DATABASE_URL", "HOST", "PORT", "SECRET_KEY"):
        monkeypatch.delenv(f"MYOSCOPE_{name}", raising=False)
    monkeypatch.setenv("MYOSCOPE_DATA_DIR", str(tmp_path / "data"))


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def user_error(result: Result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in result.output
    return lines[0]


def test_another_interface_without_a_secret_key_is_refused() -> None:
    line = user_error(invoke("serve", "--host", "0.0.0.0", "--port", "0"))
    assert "Refusing to serve on 0.0.0.0" in line
    assert "MYOSCOPE_SECRET_KEY" in line


def test_an_unsupported_database_url_is_one_line() -> None:
    line = user_error(invoke("serve", "--db", "mysql://localhost/diary", "--port", "0"))
    assert "not supported" in line


def test_a_database_that_cannot_be_opened_is_one_line(tmp_path: Path) -> None:
    line = user_error(invoke("serve", "--db", str(tmp_path), "--port", "0"))  # a folder
    assert "Cannot open the SQLite database" in line


def test_a_newer_database_schema_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    assert invoke("db", "upgrade", "--db", str(path)).exit_code == 0
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    connection.close()
    line = user_error(invoke("serve", "--db", str(path), "--port", "0"))
    assert "does not know" in line


def test_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        line = user_error(invoke("serve", "--db", str(tmp_path / "x.db"), "--port", str(port)))
    assert f"Port {port} on 127.0.0.1 is already in use" in line
    assert "--port" in line


def test_demo_with_a_database_is_refused() -> None:
    assert "leave out --db" in user_error(invoke("serve", "--demo", "--db", "x.db"))


def test_a_port_out_of_range_is_one_line() -> None:
    assert "--port" in user_error(invoke("serve", "--port", "70000"))
