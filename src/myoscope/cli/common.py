"""Options and helpers shared by the commands that open the diary database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

import click
from click.decorators import FC

from myoscope.domain.diary import Account, Role
from myoscope.errors import InvalidInputError, NotFoundError

if TYPE_CHECKING:
    from myoscope.bootstrap import Services
    from myoscope.services.demo import DemoAccounts

__all__ = [
    "db_option",
    "open_services",
    "parse_day",
    "period_options",
    "pick_patient",
    "seed_demo_today",
]


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


def period_options(command: FC) -> FC:
    """Add ``--user EMAIL``, ``--from DATE`` and ``--to DATE`` (a diary and a period)."""
    for option in reversed(
        (
            click.option(
                "--user",
                "email",
                default=None,
                metavar="EMAIL",
                help="The diary's owner [default: the only patient account].",
            ),
            click.option(
                "--from",
                "from_",
                default=None,
                metavar="DATE",
                help="First day, YYYY-MM-DD [default: the first entry].",
            ),
            click.option(
                "--to", default=None, metavar="DATE", help="Last day, YYYY-MM-DD [default: today]."
            ),
        )
    ):
        command = option(command)
    return command


def parse_day(value: str | None, option: str) -> date | None:
    """Read a ``YYYY-MM-DD`` option value (None when not given).

    Raises
    ------
    InvalidInputError
        The value is not a date.
    """
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInputError(
            f"{option} '{value}' is not a date; write it as YYYY-MM-DD, e.g. 2026-05-01."
        ) from None


def pick_patient(accounts: list[Account], email: str | None) -> Account:
    """Return the account ``email`` names, or the only patient when no e-mail is given.

    Raises
    ------
    NotFoundError
        No account has that e-mail address.
    InvalidInputError
        No e-mail was given and there is not exactly one patient account.
    """
    if email is not None:
        found = next((a for a in accounts if a.email.casefold() == email.casefold()), None)
        if found is None:
            raise NotFoundError(
                f"No account uses the e-mail address {email}; see 'myoscope users list'."
            )
        return found
    patients = [a for a in accounts if a.role is Role.PATIENT]
    if len(patients) != 1:
        listed = ", ".join(a.email for a in patients[:5]) or "none"
        raise InvalidInputError(
            f"There are {len(patients)} patient accounts ({listed}); name one with --user EMAIL."
        )
    return patients[0]


def seed_demo_today(services: Services) -> DemoAccounts:
    """Fill an empty database with the synthetic demo diary ending today (its time zone)."""
    from zoneinfo import ZoneInfo

    from myoscope.services.demo import DEMO_TIMEZONE, seed_demo

    today = services.clock().astimezone(ZoneInfo(DEMO_TIMEZONE)).date()
    return seed_demo(
        services.accounts,
        services.diaries,
        services.profiles,
        today=today,
        recordings=services.recordings,
    )
