"""The migrations build exactly tables.py, on every backend, and unknown schemas are refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, make_url, text
from storage_backends import BACKENDS, PERSISTENT_BACKENDS, backend_url

from myoscope.errors import StorageError
from myoscope.storage import (
    database_revision,
    head_revision,
    open_repository,
    upgrade_database,
)
from myoscope.storage import migrate as migrations
from myoscope.storage.tables import metadata


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with backend_url(str(request.param), tmp_path) as database_url:
        yield database_url


@pytest.fixture(params=PERSISTENT_BACKENDS)
def persistent_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with backend_url(str(request.param), tmp_path) as database_url:
        yield database_url


def test_the_migrations_build_exactly_the_tables_of_tables_py(url: str) -> None:
    with open_repository(url) as repository, repository._database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
        tables = set(inspect(connection).get_table_names())
    assert differences == []
    assert tables == {*metadata.tables, "alembic_version"}


def test_the_migrations_can_be_reverted_and_applied_again(url: str) -> None:
    with open_repository(url) as repository:
        with repository._database.begin(write=True) as connection:
            migrations.downgrade(connection, "base")
            assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
        assert repository.schema_revision() is None
        assert repository.ensure_schema() == head_revision()
        assert repository.accounts.count() == 0


def test_revisions_of_a_new_and_of_an_upgraded_database(persistent_url: str) -> None:
    assert database_revision(persistent_url) is None
    assert upgrade_database(persistent_url) == head_revision()
    assert database_revision(persistent_url) == head_revision()
    assert upgrade_database(persistent_url) == head_revision()  # nothing left to do


def test_a_database_is_not_upgraded_unless_allowed(persistent_url: str) -> None:
    with pytest.raises(StorageError, match=r"no Myoscope schema yet.*myoscope db upgrade"):
        open_repository(persistent_url, upgrade=False)
    assert database_revision(persistent_url) is None
    upgrade_database(persistent_url)
    with open_repository(persistent_url, upgrade=False) as repository:
        assert repository.accounts.count() == 0


def test_a_database_from_a_newer_myoscope_is_refused(persistent_url: str) -> None:
    with open_repository(persistent_url) as repository, repository._database.engine.begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    parsed = make_url(persistent_url)
    shown = parsed._replace(password=None).render_as_string(hide_password=False)
    expected = (
        f"The database at {shown} has schema revision 9999, which this version of Myoscope "
        f"does not know (it knows up to {head_revision()}). Upgrade Myoscope, or use another "
        "database with --db."
    )
    for upgrade in (True, False):
        with pytest.raises(StorageError) as caught:
            open_repository(persistent_url, upgrade=upgrade)
        assert str(caught.value) == expected
        assert not parsed.password or f":{parsed.password}@" not in str(caught.value)
    assert database_revision(persistent_url) == "9999"


def test_the_migration_scripts_ship_inside_the_package() -> None:
    versions = migrations.MIGRATIONS / "versions"
    assert (migrations.MIGRATIONS / "env.py").is_file()
    assert (migrations.MIGRATIONS / "script.py.mako").is_file()
    assert list(versions.glob(f"{head_revision()}_*.py")), "the head revision ships as a file"
    assert migrations.MIGRATIONS.is_relative_to(Path(migrations.__file__).parent)


def test_a_database_of_the_first_revision_is_upgraded_with_its_accounts(tmp_path: Path) -> None:
    """An existing 0001 database gets ``session_epoch`` 0 for its accounts on upgrade."""
    import sqlalchemy as sa

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        migrations.upgrade(connection, "0001")
        connection.execute(
            sa.text(
                "INSERT INTO accounts (id, email, role, timezone, password_hash, created_at, "
                "failed_logins) VALUES ('a', 'a@example.org', 'patient', 'UTC', 'x', "
                "'2026-01-01 00:00:00', 0)"
            )
        )
    engine.dispose()
    from myoscope.storage import open_repository

    repository = open_repository(url)
    try:
        account = repository.accounts.get("a")
        assert account is not None
        assert account.session_epoch == 0
        assert repository.accounts.end_sessions("a") == 1
    finally:
        repository.close()
