"""``myoscope insights``: the demo diary as text and JSON, and every error path."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from myoscope.cli.main import cli
from myoscope.domain.diary import Role
from myoscope.services.demo import seed_demo
from services_helpers import add_account, make_services

TODAY = date(2026, 6, 15)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('insights') / 'demo.db'}"
    services = make_services(url)
    try:
        seed_demo(services.accounts, services.diaries, services.profiles, today=TODAY)
    finally:
        services.close()
    return url


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["insights", *args])
    return result.exit_code, result.output


def test_text_shows_the_planted_findings(demo_db: str) -> None:
    code, out = _run("--db", demo_db, "--to", TODAY.isoformat())
    assert code == 0, out
    assert "fewer jerks" in out  # a medication change that worked
    assert "possible tolerance" in out  # clonazepam on a stable dose
    assert "more jerks" in out  # a trigger
    assert "not medical advice" in out


def test_json_is_the_document(demo_db: str) -> None:
    code, out = _run(
        "--db",
        demo_db,
        "--user",
        "demo@example.org",
        "--from",
        "2026-03-01",
        "--to",
        "2026-06-14",
        "--format",
        "json",
    )
    assert code == 0, out
    doc = json.loads(out)
    assert doc["period"]["from"] == "2026-03-01"
    assert doc["period"]["to"] == "2026-06-14"
    assert {"responses", "tolerance", "triggers", "adherence", "side_effects"} <= doc.keys()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "nobody@example.org"], "No account uses the e-mail address"),
        (["--from", "2026-02-30"], "is not a date"),
        (["--from", "2026-06-01", "--to", "2026-05-01"], "after it ends"),
    ],
)
def test_errors_are_one_line(demo_db: str, args: list[str], message: str) -> None:
    code, out = _run("--db", demo_db, *args)
    assert code == 2
    assert message in out
    assert "Traceback" not in out


def test_several_patients_need_user(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'two.db'}"
    services = make_services(url)
    try:
        add_account(services, "a@example.org", Role.PATIENT)
        add_account(services, "b@example.org", Role.PATIENT)
    finally:
        services.close()
    code, out = _run("--db", url)
    assert code == 2
    assert "name one with --user" in out
