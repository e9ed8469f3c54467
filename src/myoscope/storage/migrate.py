"""Schema migrations with Alembic, run programmatically (there is no ``alembic.ini``).

The migration scripts live in ``storage/migrations`` inside the package, so an installed wheel
can upgrade its database. A database whose revision this code does not know (written by a newer
Myoscope) is refused rather than guessed at.
"""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from myoscope.errors import StorageError

__all__ = [
    "MIGRATIONS",
    "check_revision",
    "current_revision",
    "downgrade",
    "draft_revision",
    "head_revision",
    "upgrade",
]

MIGRATIONS = Path(__file__).resolve().with_name("migrations")
"""The folder of the Alembic environment and its ``versions``."""


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    # ConfigParser interpolation: a literal % in the path must be doubled.
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


@cache
def head_revision() -> str:
    """Return the newest schema revision this version of Myoscope knows."""
    head = _script().get_current_head()
    if head is None:  # pragma: no cover - the package always ships revision 0001
        raise StorageError(f"No migrations found in {MIGRATIONS}; reinstall Myoscope.")
    return head


@cache
def _known() -> frozenset[str]:
    return frozenset(script.revision for script in _script().walk_revisions())


def current_revision(connection: Connection) -> str | None:
    """Return the schema revision recorded in the database, or None for an empty database."""
    return MigrationContext.configure(connection).get_current_revision()


def check_revision(revision: str | None, where: str) -> None:
    """Refuse a database written by a newer Myoscope.

    Parameters
    ----------
    revision : str or None
        The revision recorded in the database.
    where : str
        The database URL without its password, for the message.

    Raises
    ------
    StorageError
        When the revision is not one of this version's migrations.
    """
    if revision is not None and revision not in _known():
        raise StorageError(
            f"The database at {where} has schema revision {revision}, which this version of "
            f"Myoscope does not know (it knows up to {head_revision()}). Upgrade Myoscope, or "
            "use another database with --db."
        )


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Apply the migrations up to ``revision`` on an open connection (inside its transaction)."""
    command.upgrade(_config(connection), revision)


def downgrade(connection: Connection, revision: str = "base") -> None:
    """Revert the migrations down to ``revision`` (``"base"``: drop every table and the data)."""
    command.downgrade(_config(connection), revision)


def draft_revision(message: str) -> Path:  # pragma: no cover - a developer tool
    """Write a new migration comparing ``tables.py`` with the newest one (autogenerate).

    Parameters
    ----------
    message : str
        What the migration changes, in a few words.

    Returns
    -------
    Path
        The new file in ``storage/migrations/versions``; review it before committing.
    """
    from sqlalchemy import create_engine

    number = len(_known()) + 1
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{folder}/draft.db")
        try:
            with engine.begin() as connection:
                upgrade(connection)
                result = command.revision(
                    _config(connection), message, autogenerate=True, rev_id=f"{number:04d}"
                )
        finally:
            engine.dispose()
    scripts = result if isinstance(result, list) else [result]
    return Path(str(scripts[0].path)) if scripts and scripts[0] is not None else MIGRATIONS
