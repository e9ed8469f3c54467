"""The database backends the storage contract tests run on (the ehrQL engine-fixture pattern).

``sqlite-memory`` and ``sqlite-file`` always run; ``postgres`` runs when
``MYOSCOPE_TEST_POSTGRES_URL`` names a server where the user may create schemas (``.ci/run``
starts one). PostgreSQL tests run in schemas of their own, selected through ``search_path`` and
dropped afterwards: :func:`postgres_schema` makes an empty one, and :class:`ReusableSchema`
migrates one once and empties its tables between tests (creating the tables for every test
would take a quarter of a second each).

This is a plain module rather than ``conftest.py``: a second ``conftest`` module would shadow
``tests/conftest.py`` for the tests that do ``from conftest import ...``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url

from myoscope.storage import upgrade_database
from myoscope.storage.tables import metadata

POSTGRES_URL = os.environ.get("MYOSCOPE_TEST_POSTGRES_URL")
POSTGRES_SKIP = pytest.mark.skipif(
    not POSTGRES_URL,
    reason="MYOSCOPE_TEST_POSTGRES_URL is not set (.ci/run sets it after starting PostgreSQL)",
)

BACKENDS = [
    pytest.param("sqlite-memory", id="sqlite-memory"),
    pytest.param("sqlite-file", id="sqlite-file"),
    pytest.param("postgres", id="postgres", marks=POSTGRES_SKIP),
]
PERSISTENT_BACKENDS = BACKENDS[1:]


@cache
def _postgres_admin() -> Engine:
    assert POSTGRES_URL
    return create_engine(POSTGRES_URL, pool_size=1, max_overflow=0)


def _create_schema() -> tuple[str, str]:
    assert POSTGRES_URL
    schema = f"test_{uuid.uuid4().hex[:16]}"
    with _postgres_admin().begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    return schema, url.render_as_string(hide_password=False)


def _drop_schema(schema: str) -> None:
    with _postgres_admin().begin() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


@contextmanager
def postgres_schema() -> Iterator[str]:
    """Yield the URL of a new, empty PostgreSQL schema; drop it afterwards."""
    schema, url = _create_schema()
    try:
        yield url
    finally:
        _drop_schema(schema)


class ReusableSchema:
    """A migrated PostgreSQL schema whose tables are emptied for each test."""

    def __init__(self) -> None:
        self.schema, self.url = _create_schema()
        upgrade_database(self.url)

    def empty(self) -> str:
        """Delete every row (the audit triggers are off meanwhile); return the URL."""
        with _postgres_admin().begin() as connection:
            connection.exec_driver_sql(f'SET LOCAL search_path = "{self.schema}"')
            connection.exec_driver_sql("ALTER TABLE audit_events DISABLE TRIGGER USER")
            for table in reversed(metadata.sorted_tables):
                connection.exec_driver_sql(f"DELETE FROM {table.name}")
            connection.exec_driver_sql("ALTER TABLE audit_events ENABLE TRIGGER USER")
        return self.url

    def drop(self) -> None:
        """Drop the schema."""
        _drop_schema(self.schema)


@contextmanager
def backend_url(name: str, tmp_path: Path, reusable: ReusableSchema | None = None) -> Iterator[str]:
    """Yield the URL of an empty database of the named backend.

    With ``reusable``, PostgreSQL tests get that schema, emptied, rather than a new one.
    """
    if name == "sqlite-memory":
        yield "sqlite://"
    elif name == "sqlite-file":
        yield f"sqlite:///{tmp_path / 'diary.db'}"
    elif name == "postgres" and reusable is not None:
        yield reusable.empty()
    elif name == "postgres":
        with postgres_schema() as url:
            yield url
    else:  # pragma: no cover
        raise ValueError(name)
