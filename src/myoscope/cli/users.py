"""``myoscope users``: create, list and unlock accounts from the command line.

Whoever can run these commands can open the database file itself, so they act with
administrator rights without signing in.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import TYPE_CHECKING

import click
from pydantic import ValidationError

from myoscope.cli.common import db_option, open_services
from myoscope.domain.diary import Account, AccountIn, Role
from myoscope.errors import InvalidInputError, NotFoundError, did_you_mean

if TYPE_CHECKING:
    from myoscope.bootstrap import Services

__all__ = ["users"]

_ROLES = [role.value for role in Role]


@click.group()
def users() -> None:
    """Create accounts, list them, and unlock locked ones.

    \b
    Example:
      myoscope users add alex@example.org --role patient < password.txt
      myoscope users list
    """


@users.command("add")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice(_ROLES),
    required=True,
    help="patient (owns a diary), carer or clinician (see diaries shared with them), or "
    "admin (manages accounts).",
)
@click.option("--name", default=None, help="Display name (optional).")
@click.option(
    "--timezone",
    default="UTC",
    show_default=True,
    help="IANA time zone used to show times, for example Europe/London.",
)
@db_option
def users_add(email: str, role: str, name: str | None, timezone: str, db: str | None) -> None:
    """Create an account; the password is read from standard input.

    The first line of standard input is the password (8 characters or more). At a terminal,
    you are asked for it twice, without it being shown. The new account's id is printed.

    \b
    Example:
      myoscope users add alex@example.org --role patient --timezone Europe/London
      printf '%s\\n' "$PASSWORD" | myoscope users add dr.lee@example.org --role clinician
    """
    data = _account_in(email, role, name, timezone)
    password = _read_password(data.email)
    services = open_services(db)
    try:
        account = services.accounts.create(data, password)
    finally:
        services.close()
    click.echo(f"Created the {account.role} account {account.email}.", err=True)
    click.echo(account.id)


@users.command("list")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="A table for people, JSON for other tools.",
)
@db_option
def users_list(fmt: str, db: str | None) -> None:
    """List every account: e-mail address, role, and whether it is locked.

    \b
    Example:
      myoscope users list --format json
    """
    services = open_services(db)
    try:
        accounts = services.accounts.list_all(_operator(services))
        now = services.clock()
    finally:
        services.close()
    if fmt == "json":
        rows = [
            a.model_dump(mode="json", include={"id", "email", "role", "display_name", "timezone"})
            | {"locked": _locked(a, now)}
            for a in accounts
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    if not accounts:
        click.echo("No accounts yet. Create one with 'myoscope users add EMAIL --role ROLE'.")
        return
    width = max(len(a.email) for a in accounts)
    for account in accounts:
        lock = (
            f"locked until {account.locked_until:%Y-%m-%d %H:%M} UTC"
            if _locked(account, now)
            else ""
        )
        click.echo(f"{account.email:<{width}}  {account.role:<9}  {account.id}  {lock}".rstrip())


@users.command("unlock")
@click.argument("email")
@db_option
def users_unlock(email: str, db: str | None) -> None:
    """Lift the lock on an account locked after too many failed sign-ins.

    \b
    Example:
      myoscope users unlock alex@example.org
    """
    services = open_services(db)
    try:
        operator = _operator(services)
        accounts = services.accounts.list_all(operator)
        wanted = email.strip().lower()
        account = next((a for a in accounts if a.email == wanted), None)
        if account is None:
            raise NotFoundError(
                f"No account uses the e-mail address {email.strip()}."
                f"{did_you_mean(wanted, [a.email for a in accounts])} "
                "See 'myoscope users list'."
            )
        was_locked = _locked(account, services.clock())
        services.accounts.unlock(operator, account.id)
    finally:
        services.close()
    if was_locked:
        click.echo(f"Unlocked {account.email}; it can sign in again.")
    else:
        click.echo(f"{account.email} was not locked; its failed sign-in count is reset.")


def _account_in(email: str, role: str, name: str | None, timezone: str) -> AccountIn:
    try:
        return AccountIn(email=email, role=Role(role), display_name=name, timezone=timezone)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "account"
        if field == "email":
            raise InvalidInputError(
                f"'{email}' is not an e-mail address (it needs one @ and no spaces), for "
                "example alex@example.org.",
                field="email",
                received=email,
            ) from None
        if field == "display_name":
            raise InvalidInputError(
                "The --name is too long; use at most 100 characters.", field="name"
            ) from None
        message = str(error["msg"]).removeprefix("Value error, ")
        raise InvalidInputError(
            f"Invalid --timezone: {message}.", field="timezone", received=timezone
        ) from None


def _read_password(email: str) -> str:
    if sys.stdin is not None and sys.stdin.isatty():
        password: str = click.prompt(
            f"Password for {email}", hide_input=True, confirmation_prompt=True, err=True
        )
        return password
    line = sys.stdin.readline() if sys.stdin is not None else ""
    if not line:
        raise InvalidInputError(
            "No password on standard input; give it as the first line, for example "
            f"printf '%s\\n' \"$PASSWORD\" | myoscope users add {email} --role ROLE.",
            field="password",
        )
    return line.rstrip("\r\n")


def _operator(services: Services) -> Account:
    """Return the person at the command line as an administrator (they can open the database)."""
    return Account(
        id="command-line",
        email="command-line",
        role=Role.ADMIN,
        display_name="command line",
        created_at=services.clock(),
    )


def _locked(account: Account, now: datetime) -> bool:
    return account.locked_until is not None and account.locked_until > now
