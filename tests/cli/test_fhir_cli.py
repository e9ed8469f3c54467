"""``myoscope fhir export`` and ``myoscope fhir import``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from myoscope.bootstrap import build_services
from myoscope.cli.main import cli
from myoscope.domain.diary import AccountIn, Role
from myoscope.services.accounts import Argon2Hasher
from myoscope.services.diary import EPISODES, REGIMENS
from myoscope.settings import Settings

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def private_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MYOSCOPE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("MYOSCOPE_DATABASE_URL", raising=False)


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A database with Alex's small diary and Sam's empty one."""
    path = tmp_path / "diary.db"
    services = build_services(
        Settings(database_url=f"sqlite:///{path}", secret_key="k" * 48),
        password_hasher=Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),
    )
    try:
        alex = services.accounts.create(
            AccountIn(email="alex@example.org", role=Role.PATIENT, display_name="Alex"), PASSWORD
        )
        services.accounts.create(AccountIn(email="sam@example.org", role=Role.PATIENT), PASSWORD)
        diary = services.diaries.open(alex)
        services.diaries.add(
            diary,
            REGIMENS,
            {"drug": "Keppra", "dose_amount": 500, "times_per_day": 2, "started_on": "2026-01-02"},
        )
        services.diaries.add(
            diary,
            EPISODES,
            {"started_at": datetime(2026, 2, 1, 9, tzinfo=UTC), "count": 4, "intensity": 3},
        )
        services.profiles.save(diary, {"age_years": 61, "sex": "female"})
    finally:
        services.close()
    return str(path)


def invoke(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(cli, list(args), catch_exceptions=False)


def one_line_error(result: Result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    return lines[0]


def test_export_writes_a_validated_bundle(runner: CliRunner, db: str, tmp_path: Path) -> None:
    out = tmp_path / "alex.fhir.json"
    result = invoke(
        runner, "fhir", "export", "--user", "alex@example.org", "--out", str(out), "--db", db,
        "--validate",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "validated" in result.stderr
    bundle = json.loads(out.read_text(encoding="utf-8"))
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds.count("MedicationStatement") == 1
    assert kinds.count("Observation") == 1


def test_import_into_another_diary_and_export_again(
    runner: CliRunner, db: str, tmp_path: Path
) -> None:
    out = tmp_path / "alex.fhir.json"
    invoke(runner, "fhir", "export", "--user", "alex@example.org", "--out", str(out), "--db", db)
    result = invoke(runner, "fhir", "import", str(out), "--user", "sam@example.org", "--db", db)
    assert result.exit_code == 0, result.output
    assert "1 medications, 1 episodes" in result.stdout
    assert "profile was replaced" in result.stdout
    again = tmp_path / "sam.fhir.json"
    invoke(runner, "fhir", "export", "--user", "sam@example.org", "--out", str(again), "--db", db)
    first = json.loads(out.read_text(encoding="utf-8"))
    second = json.loads(again.read_text(encoding="utf-8"))
    assert len(first["entry"]) == len(second["entry"])


def test_warnings_go_to_stderr(runner: CliRunner, db: str, tmp_path: Path) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": {"resourceType": "Practitioner", "id": "dr"}}],
    }
    path = tmp_path / "other.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    result = invoke(runner, "fhir", "import", str(path), "--user", "sam@example.org", "--db", db)
    assert result.exit_code == 0, result.output
    assert "Not imported: entry[0]" in result.stderr
    assert "Practitioner" in result.stderr


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("not json", "not JSON"),
        ('{"resourceType": "Patient"}', "not a FHIR Bundle"),
        (
            '{"resourceType": "Bundle", "type": "collection", "entry": [{"resource": '
            '{"resourceType": "Observation", "status": 7}}]}',
            "entry[0] (Observation)",
        ),
    ],
)
def test_a_bad_file_is_one_line(
    runner: CliRunner, db: str, tmp_path: Path, content: str, words: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    result = invoke(runner, "fhir", "import", str(path), "--user", "sam@example.org", "--db", db)
    assert words in one_line_error(result)


def test_an_unknown_user_or_file_is_one_line(runner: CliRunner, db: str, tmp_path: Path) -> None:
    result = invoke(
        runner, "fhir", "export", "--user", "nobody@example.org", "--out", "x.json", "--db", db
    )
    assert "nobody@example.org" in one_line_error(result)
    result = invoke(
        runner, "fhir", "import", str(tmp_path / "missing.json"), "--user", "sam@example.org",
        "--db", db,
    )  # fmt: skip
    assert "no such file" in one_line_error(result)
