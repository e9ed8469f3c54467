"""``myoscope db``: the database schema (``serve`` also upgrades it automatically)."""

from __future__ import annotations

import click

from myoscope.cli.common import db_option

__all__ = ["db"]


@click.group("db")
def db() -> None:
    """Show or upgrade the database schema.

    \b
    Example:
      myoscope db status
      myoscope db upgrade --db postgresql+psycopg://myoscope:secret@localhost/myoscope
    """


@db.command("upgrade")
@db_option
def db_upgrade(db: str | None) -> None:
    """Apply the schema migrations the database lacks (creating it when needed).

    \b
    Example:
      myoscope db upgrade
    """
    from myoscope.database import database_url, upgrade_database

    status = upgrade_database(database_url(db))
    if status.revision == status.head:
        click.echo(f"The database at {status.where} is up to date (revision {status.head}).")
    elif status.revision is None:
        click.echo(f"Created the Myoscope tables at {status.where} (revision {status.head}).")
    else:
        click.echo(
            f"Upgraded the database at {status.where} from revision {status.revision} to "
            f"{status.head}."
        )


@db.command("status")
@db_option
def db_status(db: str | None) -> None:
    """Show the database's schema revision and whether it needs an upgrade.

    \b
    Example:
      myoscope db status --db ~/myoscope.db
    """
    from myoscope.database import database_status, database_url

    status = database_status(database_url(db))
    click.echo(f"Database: {status.where}")
    if not status.exists:
        click.echo(
            "Not created yet; 'myoscope db upgrade' or 'myoscope serve' creates it "
            f"(revision {status.head})."
        )
    elif status.revision is None:
        click.echo(f"No Myoscope tables yet; run 'myoscope db upgrade' (revision {status.head}).")
    elif status.up_to_date:
        click.echo(f"Revision {status.revision}: up to date.")
    else:
        click.echo(
            f"Revision {status.revision}; this version of Myoscope uses {status.head}: run "
            "'myoscope db upgrade' (or 'myoscope serve', which upgrades automatically)."
        )
