"""``myoscope report``: writes the clinician report as a PDF; bad input is one line, exit 2."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner, Result

from myoscope.bootstrap import build_services
from myoscope.cli.main import cli
from myoscope.domain.diary import AccountIn, Role
from myoscope.services.demo import seed_demo
from myoscope.settings import Settings

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def private_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MYOSCOPE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("MYOSCOPE_DATABASE_URL", raising=False)
    monkeypatch.delenv("MYOSCOPE_RECORDINGS_DIR", raising=False)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database file holding the demo accounts and the demo diary (one patient)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    services = build_services(Settings(database_url=url))
    try:
        seed_demo(services.accounts, services.diaries, services.profiles, today=date(2025, 3, 31))
    finally:
        services.close()
    return url


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, ["report", *args], catch_exceptions=False)


def user_error(result: Result) -> str:
    """Assert exit code 2 and exactly one line on stderr; return that line."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    return lines[0]


def text_of(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(p.extract_text() for p in reader.pages).split())


def test_the_only_patient_is_reported_by_default(demo_db: str, tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    result = invoke("--out", str(out), "--db", demo_db, "--to", "2025-03-31")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Wrote {out}")
    text = text_of(out.read_bytes())
    assert "Alex Demo" in text
    assert "levetiracetam" in text
    assert "2025-03-31" in text
    assert len(pypdf.PdfReader(out).pages) <= 2


def test_a_user_and_a_period_can_be_named(demo_db: str, tmp_path: Path) -> None:
    out = tmp_path / "part.pdf"
    result = invoke(
        "--out", str(out), "--db", demo_db, "--user", "DEMO@example.org",
        "--from", "2025-01-15", "--to", "2025-03-15",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = text_of(out.read_bytes())
    assert "Period: 2025-01-15 to 2025-03-15" in text


def test_dash_writes_the_pdf_to_standard_output(demo_db: str) -> None:
    result = invoke("--out", "-", "--db", demo_db, "--to", "2025-03-31")
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes.startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--from", "31/03/2025"], "--from '31/03/2025' is not a date"),
        (["--to", "yesterday"], "--to 'yesterday' is not a date"),
        (["--from", "2025-03-01", "--to", "2025-02-01"], "after it ends"),
        (["--user", "nobody@example.org"], "No account uses the e-mail address"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    demo_db: str, tmp_path: Path, args: list[str], expected: str
) -> None:
    out = tmp_path / "never.pdf"
    line = user_error(invoke("--out", str(out), "--db", demo_db, *args))
    assert expected in line
    assert not out.exists()


def test_without_user_and_several_patients_it_says_what_to_pass(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'two.db'}"
    services = build_services(Settings(database_url=url))
    try:
        for email in ("a@example.org", "b@example.org"):
            services.accounts.create(AccountIn(email=email, role=Role.PATIENT), PASSWORD)
    finally:
        services.close()
    line = user_error(invoke("--out", str(tmp_path / "r.pdf"), "--db", url))
    assert "--user EMAIL" in line
    assert "a@example.org" in line


def test_a_folder_that_does_not_exist_is_a_user_error(demo_db: str, tmp_path: Path) -> None:
    line = user_error(invoke("--out", str(tmp_path / "missing" / "r.pdf"), "--db", demo_db))
    assert "Cannot write the report" in line


def test_an_empty_diary_gives_a_report_saying_there_is_not_enough_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    services = build_services(Settings(database_url=url))
    try:
        services.accounts.create(AccountIn(email="new@example.org", role=Role.PATIENT), PASSWORD)
    finally:
        services.close()
    out = tmp_path / "empty.pdf"
    assert invoke("--out", str(out), "--db", url).exit_code == 0
    assert "Not enough data" in text_of(out.read_bytes())


def test_out_is_required() -> None:
    line = user_error(invoke())
    assert "--out" in line


def test_demo_reports_the_synthetic_demo_patient_with_its_sensor_summary(tmp_path: Path) -> None:
    out = tmp_path / "demo.pdf"
    result = invoke("--demo", "--out", str(out))
    assert result.exit_code == 0, result.output
    text = text_of(out.read_bytes())
    assert "Alex Demo" in text
    assert "confirmed jerks per hour" in text
    assert len(pypdf.PdfReader(out).pages) <= 2


def test_demo_with_a_database_or_a_user_is_refused(demo_db: str, tmp_path: Path) -> None:
    for extra in (["--db", demo_db], ["--user", "demo@example.org"]):
        line = user_error(invoke("--demo", "--out", str(tmp_path / "d.pdf"), *extra))
        assert "leave out --db and --user" in line
