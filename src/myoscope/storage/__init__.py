"""Storage adapter: the diary repository on SQLite (default) or PostgreSQL, with migrations.

Example
-------
>>> from myoscope.storage import open_repository
>>> repository = open_repository("sqlite://")  # in memory; sqlite:///PATH for a file
>>> repository.accounts.count()
0
>>> repository.close()
"""

from __future__ import annotations

from myoscope.storage.engine import sqlite_url
from myoscope.storage.migrate import head_revision
from myoscope.storage.sql import SqlDiaryRepository

__all__ = [
    "SqlDiaryRepository",
    "database_revision",
    "head_revision",
    "open_repository",
    "sqlite_url",
    "upgrade_database",
]


def open_repository(url: str, *, upgrade: bool = True) -> SqlDiaryRepository:
    """Open the diary database at ``url``, checking (and by default upgrading) its schema.

    Parameters
    ----------
    url : str
        ``sqlite:///PATH`` (the folder is created), ``sqlite://`` (in memory, for tests) or
        ``postgresql+psycopg://USER:PASSWORD@HOST:PORT/DATABASE``.
    upgrade : bool
        Apply missing migrations. When False, a database that is not up to date is refused.

    Returns
    -------
    SqlDiaryRepository
        The repository; call ``close()`` when done.

    Raises
    ------
    InvalidInputError
        When the URL is not a SQLite or PostgreSQL URL.
    StorageError
        When the database cannot be reached, has a schema revision this version does not know,
        or cannot be upgraded.
    """
    repository = SqlDiaryRepository(url)
    try:
        repository.ensure_schema(upgrade=upgrade)
    except BaseException:
        repository.close()
        raise
    return repository


def upgrade_database(url: str) -> str:
    """Apply every missing migration to the database at ``url``.

    Parameters
    ----------
    url : str
        The database URL (see :func:`open_repository`).

    Returns
    -------
    str
        The schema revision afterwards (the newest this version knows).
    """
    with SqlDiaryRepository(url) as repository:
        return repository.ensure_schema(upgrade=True)


def database_revision(url: str) -> str | None:
    """Return the schema revision of the database at ``url`` (None when it has none yet).

    Parameters
    ----------
    url : str
        The database URL (see :func:`open_repository`).

    Returns
    -------
    str or None
        The revision recorded by Alembic.
    """
    with SqlDiaryRepository(url) as repository:
        return repository.schema_revision()
