"""``myoscope fhir``: export a diary as a FHIR R4 Bundle, and import one.

Whoever can run these commands can open the database file itself, so they act for the account
named with ``--user`` without signing in (as ``myoscope users`` and ``myoscope diary`` do).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from myoscope.cli.common import db_option, open_services
from myoscope.errors import InvalidInputError, NotFoundError, UserError
from myoscope.fhir.export import encode_bundle

if TYPE_CHECKING:
    from myoscope.bootstrap import Services
    from myoscope.domain.diary import Account

__all__ = ["fhir"]


@click.group()
def fhir() -> None:
    """Export a diary as a FHIR R4 Bundle, or import one (see docs/fhir.md).

    \b
    Example:
      myoscope fhir export --user alex@example.org --out alex.fhir.json
      myoscope fhir import alex.fhir.json --user alex@example.org
    """


def _account(services: Services, email: str) -> Account:
    account = services.repository.accounts.get_by_email(email.strip().lower())
    if account is None:
        raise NotFoundError(
            f"No account uses the e-mail address {email}; see 'myoscope users list'."
        )
    return account


@fhir.command("export")
@click.option("--user", "email", required=True, metavar="EMAIL", help="The diary's owner.")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the Bundle (JSON); '-' writes to standard output.",
)
@click.option(
    "--validate",
    is_flag=True,
    help="Also validate every resource with the FHIR R4B models (slower).",
)
@db_option
def fhir_export(email: str, out: Path, validate: bool, db: str | None) -> None:
    """Write a person's whole diary as a FHIR R4 Bundle (type collection).

    \b
    Example:
      myoscope fhir export --user alex@example.org --out alex.fhir.json --validate
    """
    from myoscope.services.fhir_exchange import export_fhir

    services = open_services(db)
    try:
        bundle = export_fhir(services.diaries, _account(services, email), validate=validate)
    finally:
        services.close()
    text = encode_bundle(bundle, pretty=True).decode("utf-8")
    if str(out) == "-":
        click.echo(text)
    else:
        try:
            out.write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            raise UserError(f"Cannot write '{out}': {exc.strerror}.") from None
    checked = " (every resource validated)" if validate else ""
    click.echo(f"Wrote {len(bundle['entry'])} resources to {out}{checked}.", err=True)


@fhir.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--user", "email", required=True, metavar="EMAIL", help="The diary's owner.")
@db_option
def fhir_import(file: Path, email: str, db: str | None) -> None:
    """Import a FHIR R4 Bundle into a person's diary, in one transaction.

    Records with the same id are replaced, the others added; a Bundle with any invalid entry
    changes nothing. What has no place in the diary is listed on standard error.

    \b
    Example:
      myoscope fhir import alex.fhir.json --user alex@example.org
    """
    from myoscope.services.fhir_exchange import import_fhir

    try:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInputError(f"{file}: no such file; check the path.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"{file}: cannot be read as UTF-8 text ({exc}).") from None
    try:
        bundle = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise InvalidInputError(f"{file}: not JSON; give a FHIR R4 Bundle (.json).") from None
    services = open_services(db)
    try:
        report = import_fhir(services.transfer, _account(services, email), None, bundle)
    finally:
        services.close()
    for warning in report.warnings:
        click.echo(f"Not imported: {warning}", err=True)
    counts = ", ".join(f"{n} {kind}" for kind, n in report.imported.items())
    profile = "; the profile was replaced" if report.profile else ""
    click.echo(f"Imported {counts}{profile}.")
