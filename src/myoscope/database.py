"""Database administration for the command line: URLs, schema status and upgrades.

A thin layer over :mod:`myoscope.storage`, so that the command line never imports the storage
adapter itself (the import contracts allow it to reach storage only through this module and
:mod:`myoscope.bootstrap`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["DatabaseStatus", "database_status", "database_url", "upgrade_database"]


def database_url(value: str | None) -> str | None:
    """Return the database URL for a ``--db`` value.

    Parameters
    ----------
    value : str or None
        A SQLAlchemy URL (``sqlite:///PATH``, ``postgresql+psycopg://...``), or the path of a
        SQLite file; None keeps the default.

    Returns
    -------
    str or None
        The URL (a path becomes an absolute ``sqlite:///`` URL), or None.
    """
    if value is None or not value.strip():
        return None
    if "://" in value:
        return value
    from myoscope.storage import sqlite_url

    return sqlite_url(value)


def _display(url: str) -> str:
    """Return the URL without its password, for messages."""
    from sqlalchemy import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "the given URL"


def _missing_sqlite_file(url: str) -> Path | None:
    """Return the SQLite file a URL names when that file does not exist yet, else None."""
    from sqlalchemy import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(str(parsed.database)).expanduser()
    return None if path.exists() else path


@dataclass(frozen=True)
class DatabaseStatus:
    """The schema state of a database.

    Parameters
    ----------
    where : str
        The database URL without its password.
    revision : str or None
        The schema revision recorded in the database; None when it has no Myoscope tables yet.
    head : str
        The newest revision this version of Myoscope knows.
    exists : bool
        False for a SQLite file that does not exist yet.
    """

    where: str
    revision: str | None
    head: str
    exists: bool = True

    @property
    def up_to_date(self) -> bool:
        """Whether the database has the newest schema this version knows."""
        return self.revision == self.head


def database_status(url: str | None = None) -> DatabaseStatus:
    """Return the schema revision of a database, without changing it.

    Parameters
    ----------
    url : str, optional
        The database URL; by default ``MYOSCOPE_DATABASE_URL`` or the file in the data folder.

    Returns
    -------
    DatabaseStatus
        The revision found and the newest one known.

    Raises
    ------
    InvalidInputError
        An unreadable or unsupported URL.
    StorageError
        The database cannot be reached, or was written by a newer Myoscope.
    """
    from myoscope.settings import default_database_url
    from myoscope.storage import database_revision, head_revision
    from myoscope.storage.migrate import check_revision

    url = url or _env_url() or default_database_url()
    head = head_revision()
    if _missing_sqlite_file(url) is not None:
        return DatabaseStatus(_display(url), None, head, exists=False)
    revision = database_revision(url)
    check_revision(revision, _display(url))
    return DatabaseStatus(_display(url), revision, head)


def upgrade_database(url: str | None = None) -> DatabaseStatus:
    """Apply every missing migration (creating the database when it does not exist).

    Parameters
    ----------
    url : str, optional
        The database URL; by default ``MYOSCOPE_DATABASE_URL`` or the file in the data folder.

    Returns
    -------
    DatabaseStatus
        The state before the upgrade (``revision``; None for a new database) and after
        (``head``).

    Raises
    ------
    InvalidInputError
        An unreadable or unsupported URL.
    StorageError
        The database cannot be reached or upgraded, or was written by a newer Myoscope.
    """
    from myoscope import storage
    from myoscope.settings import default_database_url

    url = url or _env_url() or default_database_url()
    before = None if _missing_sqlite_file(url) is not None else storage.database_revision(url)
    after = storage.upgrade_database(url)
    return DatabaseStatus(_display(url), before, after)


def _env_url() -> str | None:
    import os

    return os.environ.get("MYOSCOPE_DATABASE_URL") or None
