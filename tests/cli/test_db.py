"""``myoscope db``: schema status and upgrades, and refusing a newer schema."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from myoscope.cli.main import cli


@pytest.fixture(autouse=True)
def private_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MYOSCOPE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("MYOSCOPE_DATABASE_URL", raising=False)


def invoke(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(cli, list(args), catch_exceptions=False)


def user_error(result: Result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    return lines[0]


def test_status_does_not_create_a_missing_database(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    result = invoke(runner, "db", "status", "--db", str(path))
    assert result.exit_code == 0
    assert "Not created yet" in result.stdout
    assert not path.exists()


def test_upgrade_creates_then_status_is_up_to_date(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    created = invoke(runner, "db", "upgrade", "--db", str(path))
    assert created.exit_code == 0
    assert "Created the Myoscope tables" in created.stdout
    assert path.exists()
    assert "up to date" in invoke(runner, "db", "upgrade", "--db", f"sqlite:///{path}").stdout
    assert "up to date" in invoke(runner, "db", "status", "--db", str(path)).stdout


def test_the_default_database_is_in_the_data_folder(runner: CliRunner, tmp_path: Path) -> None:
    assert invoke(runner, "db", "upgrade").exit_code == 0
    assert (tmp_path / "data" / "myoscope.db").exists()


def test_an_empty_database_needs_an_upgrade(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    assert "No Myoscope tables yet" in invoke(runner, "db", "status", "--db", str(path)).stdout


def test_a_newer_schema_is_refused_in_one_line(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    invoke(runner, "db", "upgrade", "--db", str(path))
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    connection.close()
    for command in (("db", "status"), ("db", "upgrade"), ("users", "list")):
        line = user_error(invoke(runner, *command, "--db", str(path)))
        assert "schema revision 9999, which this version of Myoscope does not know" in line


def test_a_password_in_the_url_is_not_shown(runner: CliRunner) -> None:
    url = "postgresql+psycopg://me:topsecret@127.0.0.1:9/none?connect_timeout=1"
    result = invoke(runner, "db", "status", "--db", url)
    assert "topsecret" not in result.output
    user_error(result)


def test_an_unsupported_url_is_one_line(runner: CliRunner) -> None:
    assert "not supported" in user_error(invoke(runner, "db", "upgrade", "--db", "mysql://x/y"))
