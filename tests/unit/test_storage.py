"""The storage adapter's own rules: schema shape, URLs, SQLite settings and error messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from pydantic import BaseModel
from sqlalchemy import make_url, text

from myoscope.domain.diary import Account, AuditEvent, CheckIn, Dose, Episode, Regimen, SideEffect
from myoscope.errors import InvalidInputError, StorageError
from myoscope.storage import SqlDiaryRepository, open_repository, sqlite_url
from myoscope.storage.engine import open_database, safe_url
from myoscope.storage.sql import _first_day_from
from myoscope.storage.tables import RECORD_TABLES, TIME_COLUMNS, accounts, audit_events

MODELS: dict[str, type[BaseModel]] = {
    "episodes": Episode,
    "checkins": CheckIn,
    "regimens": Regimen,
    "doses": Dose,
    "side_effects": SideEffect,
}


@pytest.mark.parametrize("name", list(RECORD_TABLES))
def test_record_columns_are_the_model_fields(name: str) -> None:
    table = RECORD_TABLES[name]
    assert set(table.c.keys()) == set(MODELS[name].model_fields)
    assert TIME_COLUMNS[name] in table.c
    indexed = {tuple(c.name for c in index.columns) for index in table.indexes}
    unique = {tuple(c.name for c in u.columns) for u in table.constraints if hasattr(u, "columns")}
    assert ("patient_id", TIME_COLUMNS[name]) in indexed | unique


def test_account_and_audit_columns_cover_their_models() -> None:
    assert set(Account.model_fields) == set(accounts.c.keys()) - {"password_hash"}
    assert set(AuditEvent.model_fields) == set(audit_events.c.keys()) - {"id"}


def test_sqlite_url_is_absolute_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "my diary" / "d#1.db"
    url = sqlite_url(path)
    assert url.startswith("sqlite:////")
    assert make_url(url).database == str(path)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u:p@db.example.org/diary",
        "postgres://u:p@db.example.org/diary",
        "postgresql+psycopg://u:p@db.example.org/diary",
    ],
)
def test_postgres_urls_use_psycopg(url: str) -> None:
    database = open_database(url)
    try:
        assert database.url.drivername == "postgresql+psycopg"
        assert database.where == "postgresql+psycopg://u@db.example.org/diary"
    finally:
        database.engine.dispose()


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("mysql://u:p@host/db", "'mysql' is not supported"),
        ("postgresql+asyncpg://u:p@host/db", "driver 'asyncpg' is not supported"),
        ("not a url", "could not be read"),
    ],
)
def test_unsupported_urls_are_refused(url: str, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match) as caught:
        open_repository(url)
    assert "sqlite:///PATH" in str(caught.value) or "postgresql+psycopg://" in str(caught.value)


def test_an_unreachable_postgres_server_is_named_without_the_password() -> None:
    url = "postgresql+psycopg://someone:s3cret-pw@127.0.0.1:1/diary"
    with pytest.raises(StorageError) as caught:
        open_repository(url)
    message = str(caught.value)
    assert "Cannot connect to the PostgreSQL server at 127.0.0.1:1" in message
    assert "database 'diary', user 'someone'" in message
    assert "Check that the server is running" in message
    assert "s3cret-pw" not in message


def test_sqlite_settings(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "new" / "folder" / "d.db")
    with open_repository(url) as repository, repository._database.engine.connect() as connection:
        pragma = {
            name: connection.execute(text(f"PRAGMA {name}")).scalar_one()
            for name in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")
        }
    assert pragma == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "synchronous": 2,
        "busy_timeout": 30000,
    }
    assert (tmp_path / "new" / "folder" / "d.db").is_file()


def test_sqlite_normal_synchronous_can_be_chosen(tmp_path: Path) -> None:
    repository = SqlDiaryRepository(sqlite_url(tmp_path / "d.db"), sqlite_synchronous="NORMAL")
    with repository, repository._database.engine.connect() as connection:
        assert connection.execute(text("PRAGMA synchronous")).scalar_one() == 1


def test_a_sqlite_file_that_cannot_be_opened(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match=r"Cannot open the SQLite database at .*Check that"):
        open_repository(sqlite_url(tmp_path))  # a folder, not a file


def test_the_repository_shows_no_password() -> None:
    database = open_database("postgresql+psycopg://u:hidden@h/db")
    try:
        assert "hidden" not in repr(database)
        assert safe_url(database.url) == "postgresql+psycopg://u@h/db"
    finally:
        database.engine.dispose()


def test_naive_datetimes_are_never_stored() -> None:
    with open_repository("sqlite://") as repository:
        repository.accounts.add(
            Account(email="a@b.c", role="patient", created_at=datetime.now(UTC)), "h"
        )
        account = repository.accounts.all()[0]
        with pytest.raises(InvalidInputError, match="locked_until"):
            repository.accounts.set_login_state(
                account.id, failed_logins=1, locked_until=datetime(2024, 1, 1)
            )


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (datetime(2024, 3, 1, tzinfo=UTC), "2024-03-01"),
        (datetime(2024, 3, 1, 0, 0, 0, 1, tzinfo=UTC), "2024-03-02"),
        (datetime(2024, 3, 1, 23, 59, tzinfo=UTC), "2024-03-02"),
        (datetime(2024, 3, 1, tzinfo=timezone(timedelta(hours=-5))), "2024-03-01"),
    ],
)
def test_first_day_of_a_range(moment: datetime, day: str) -> None:
    assert _first_day_from(moment).isoformat() == day


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_in_memory_databases_are_migrated_on_their_one_connection(url: str) -> None:
    with open_repository(url) as repository:
        assert repository._database.memory
        assert repository.schema_revision() is not None
        assert repository.accounts.count() == 0
