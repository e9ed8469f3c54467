"""``myoscope diary add-recording``: a recording analysed in the foreground into sensor episodes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from myoscope.bootstrap import build_services
from myoscope.cli.main import cli
from myoscope.domain.diary import AccountIn, EpisodeSource, Review, Role
from myoscope.domain.recordings import RecordingStatus, StartSource
from myoscope.services.diary import EPISODES
from myoscope.settings import Settings
from recording_files import write_emg_csv


@pytest.fixture(autouse=True)
def private_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MYOSCOPE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("MYOSCOPE_DATABASE_URL", raising=False)
    monkeypatch.delenv("MYOSCOPE_RECORDINGS_DIR", raising=False)


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A database with the patient alex@example.org."""
    url = f"sqlite:///{tmp_path / 'diary.db'}"
    services = build_services(Settings(database_url=url))
    try:
        services.accounts.create(
            AccountIn(email="alex@example.org", role=Role.PATIENT), "correct horse battery"
        )
        services.accounts.create(
            AccountIn(email="dr@example.org", role=Role.CLINICIAN), "correct horse battery"
        )
    finally:
        services.close()
    return url


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, ["diary", *args], catch_exceptions=False)


def user_error(result: Result) -> str:
    """Assert exit code 2 and exactly one line on stderr; return that line."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    return lines[0]


def test_a_recording_becomes_pending_sensor_episodes(db: str, tmp_path: Path) -> None:
    recording = write_emg_csv(tmp_path / "night.csv")
    result = invoke(
        "add-recording",
        str(recording),
        "--user",
        "alex@example.org",
        "--started-at",
        "2026-03-01T22:30:00+01:00",
        "--db",
        db,
    )
    assert result.exit_code == 0, result.output
    assert "Jerks: 5" in result.stdout
    assert "Sensor episodes created: 2" in result.stdout
    assert "as given" in result.stdout

    services = build_services(Settings(database_url=db))
    try:
        account = services.repository.accounts.get_by_email("alex@example.org")
        assert account is not None
        diary = services.diaries.open(account)
        (stored,) = services.recordings.page(diary).items
        assert stored.status is RecordingStatus.DONE
        assert stored.started_at == datetime(2026, 3, 1, 21, 30, tzinfo=UTC)
        assert stored.started_at_source is StartSource.USER
        assert services.recordings.file_path(stored).read_bytes() == recording.read_bytes()
        assert services.recordings.file_path(stored).is_relative_to(tmp_path / "recordings")
        episodes = services.diaries.all(diary, EPISODES)
        assert [(e.source, e.review, e.count) for e in episodes] == [
            (EpisodeSource.SENSOR, Review.PENDING, 3),
            (EpisodeSource.SENSOR, Review.PENDING, 2),
        ]
    finally:
        services.close()


def test_bad_input_is_one_line_and_exit_2_and_adds_nothing(db: str, tmp_path: Path) -> None:
    missing = user_error(
        invoke(
            "add-recording", str(tmp_path / "nope.csv"), "--user", "alex@example.org", "--db", db
        )
    )
    assert "no such file" in missing
    unknown = tmp_path / "notes.txt"
    unknown.write_text("hello")
    assert "not a recording type" in user_error(
        invoke("add-recording", str(unknown), "--user", "alex@example.org", "--db", db)
    )
    broken = tmp_path / "broken.csv"
    broken.write_text("a,b\n1,2\n")
    line = user_error(
        invoke("add-recording", str(broken), "--user", "alex@example.org", "--db", db)
    )
    assert "broken.csv" in line
    assert "Nothing was added" in line
    recording = write_emg_csv(tmp_path / "night.csv")
    assert "No account" in user_error(
        invoke("add-recording", str(recording), "--user", "who@example.org", "--db", db)
    )
    assert "no diary of its own" in user_error(
        invoke("add-recording", str(recording), "--user", "dr@example.org", "--db", db)
    )
    assert "offset" in user_error(
        invoke(
            "add-recording",
            str(recording),
            "--user",
            "alex@example.org",
            "--started-at",
            "2026-03-01 22:30",
            "--db",
            db,
        )
    )
    services = build_services(Settings(database_url=db))
    try:
        account = services.repository.accounts.get_by_email("alex@example.org")
        assert account is not None
        assert services.recordings.page(services.diaries.open(account)).total == 0
        folder = tmp_path / "recordings" / account.id
        assert not folder.exists() or list(folder.iterdir()) == []
    finally:
        services.close()
