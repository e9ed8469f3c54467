"""Options and helpers shared by the commands that open the diary database."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import click
from click.decorators import FC

if TYPE_CHECKING:
    from myoscope.bootstrap import Services

__all__ = ["db_option", "open_services"]


def db_option(command: FC) -> FC:
    """Add ``--db URL`` (a SQLAlchemy URL, or the path of a SQLite file)."""
    option: Callable[[FC], FC] = click.option(
        "--db",
        "db",
        metavar="URL",
        default=None,
        help="Database: sqlite:///PATH, a SQLite file path, or "
        "postgresql+psycopg://USER:PASSWORD@HOST/DB [default: MYOSCOPE_DATABASE_URL, else "
        "myoscope.db in your data folder].",
    )
    return option(command)


def open_services(db: str | None) -> Services:
    """Build the services on the database named by ``--db`` (its schema upgraded).

    Raises
    ------
    InvalidInputError
        An unreadable or unsupported database URL.
    StorageError
        The database cannot be opened, or was written by a newer Myoscope.
    """
    from myoscope.bootstrap import build_services
    from myoscope.database import database_url
    from myoscope.settings import Settings

    return build_services(Settings.from_env(database_url=database_url(db)))
