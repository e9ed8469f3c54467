"""``myoscope users``: accounts from the command line, password on standard input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from myoscope.bootstrap import build_services
from myoscope.cli.main import cli
from myoscope.errors import AuthenticationError
from myoscope.settings import Settings

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def private_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MYOSCOPE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("MYOSCOPE_DATABASE_URL", raising=False)


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "diary.db")


def invoke(runner: CliRunner, *args: str, input: str | None = None) -> Result:
    return runner.invoke(cli, list(args), input=input, catch_exceptions=False)


def user_error(result: Result) -> str:
    """Assert exit code 2 and exactly one line on stderr; return that line."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    return lines[0]


def add(runner: CliRunner, db: str, email: str, *options: str, password: str = PASSWORD) -> Result:
    return invoke(runner, "users", "add", email, "--db", db, *options, input=f"{password}\n")


def test_add_reads_the_password_from_stdin_and_prints_the_id(runner: CliRunner, db: str) -> None:
    result = add(
        runner,
        db,
        "Alex@Example.org",
        "--role",
        "patient",
        "--name",
        "Alex",
        "--timezone",
        "Europe/London",
    )
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"[0-9a-f]{32}\n", result.stdout)
    assert "Created the patient account alex@example.org" in result.stderr
    services = build_services(Settings(database_url=f"sqlite:///{db}"))
    try:
        account = services.accounts.authenticate("alex@example.org", PASSWORD)
        assert account.id == result.stdout.strip()
        assert (account.display_name, account.timezone) == ("Alex", "Europe/London")
    finally:
        services.close()


def test_only_the_first_line_is_the_password(runner: CliRunner, db: str) -> None:
    result = invoke(
        runner,
        "users",
        "add",
        "a@example.org",
        "--role",
        "carer",
        "--db",
        db,
        input=f"{PASSWORD}\nsomething else\n",
    )
    assert result.exit_code == 0, result.output
    services = build_services(Settings(database_url=f"sqlite:///{db}"))
    try:
        assert services.accounts.authenticate("a@example.org", PASSWORD).role == "carer"
        with pytest.raises(AuthenticationError):
            services.accounts.authenticate("a@example.org", f"{PASSWORD}\nsomething else")
    finally:
        services.close()


def test_a_duplicate_address_is_one_line(runner: CliRunner, db: str) -> None:
    assert add(runner, db, "a@example.org", "--role", "patient").exit_code == 0
    line = user_error(add(runner, db, "A@example.org", "--role", "clinician"))
    assert "a@example.org already exists" in line


def test_a_weak_password_is_one_line(runner: CliRunner, db: str) -> None:
    line = user_error(add(runner, db, "a@example.org", "--role", "patient", password="short"))
    assert "too short (5 characters); use at least 8" in line


def test_no_password_on_stdin_says_how_to_give_one(runner: CliRunner, db: str) -> None:
    result = invoke(
        runner, "users", "add", "a@example.org", "--role", "admin", "--db", db, input=""
    )
    assert "No password on standard input" in user_error(result)


def test_a_bad_role_lists_the_allowed_values(runner: CliRunner, db: str) -> None:
    line = user_error(add(runner, db, "a@example.org", "--role", "doctor"))
    assert "'doctor' is not one of 'patient', 'carer', 'clinician', 'admin'" in line


def test_a_missing_role_is_one_line(runner: CliRunner, db: str) -> None:
    assert "--role" in user_error(invoke(runner, "users", "add", "a@example.org", "--db", db))


def test_a_bad_address_is_one_line(runner: CliRunner, db: str) -> None:
    line = user_error(add(runner, db, "not an address", "--role", "patient"))
    assert "'not an address' is not an e-mail address" in line


def test_a_bad_time_zone_names_the_form(runner: CliRunner, db: str) -> None:
    line = user_error(
        add(runner, db, "a@example.org", "--role", "patient", "--timezone", "Mars/Base")
    )
    assert "unknown time zone 'Mars/Base'" in line
    assert "Europe/London" in line


def test_a_bad_database_url_is_one_line(runner: CliRunner) -> None:
    line = user_error(add(runner, "mysql://localhost/x", "a@example.org", "--role", "patient"))
    assert "not supported" in line


def test_list_shows_addresses_roles_and_locks(runner: CliRunner, db: str) -> None:
    empty = invoke(runner, "users", "list", "--db", db)
    assert "No accounts yet" in empty.output
    add(runner, db, "b@example.org", "--role", "clinician")
    add(runner, db, "a@example.org", "--role", "patient")
    result = invoke(runner, "users", "list", "--db", db)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[:2] for line in lines] == [
        ["a@example.org", "patient"],
        ["b@example.org", "clinician"],
    ]
    assert "locked" not in result.stdout
    rows = json.loads(invoke(runner, "users", "list", "--db", db, "--format", "json").stdout)
    assert [(r["email"], r["role"], r["locked"]) for r in rows] == [
        ("a@example.org", "patient", False),
        ("b@example.org", "clinician", False),
    ]


def test_unlock_lifts_a_lock(runner: CliRunner, db: str) -> None:
    add(runner, db, "a@example.org", "--role", "patient")
    services = build_services(Settings(database_url=f"sqlite:///{db}"))
    try:
        for _ in range(services.accounts.lockout.max_failures):
            with pytest.raises(AuthenticationError):
                services.accounts.authenticate("a@example.org", "wrong password")
    finally:
        services.close()
    assert "locked until" in invoke(runner, "users", "list", "--db", db).stdout
    result = invoke(runner, "users", "unlock", "a@example.org", "--db", db)
    assert result.exit_code == 0
    assert "Unlocked a@example.org" in result.stdout
    assert "locked" not in invoke(runner, "users", "list", "--db", db).stdout
    again = invoke(runner, "users", "unlock", "a@example.org", "--db", db)
    assert "was not locked" in again.stdout


def test_unlock_of_an_unknown_address_suggests_a_close_one(runner: CliRunner, db: str) -> None:
    add(runner, db, "alex@example.org", "--role", "patient")
    line = user_error(invoke(runner, "users", "unlock", "alx@example.org", "--db", db))
    assert "No account uses the e-mail address alx@example.org" in line
    assert "Did you mean 'alex@example.org'?" in line
