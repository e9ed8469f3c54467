"""The ``myoscope`` command.

Every command parses its options, calls one service, renders the result and turns a
:class:`~myoscope.errors.UserError` into one line on standard error with exit code 2.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, NoReturn

import click
from click.decorators import FC

from myoscope import __version__
from myoscope.errors import InvalidInputError, StorageError, UserError

__all__ = ["cli"]

EXIT_USER_ERROR = 2


def _fail(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(EXIT_USER_ERROR)


class _Group(click.Group):
    """A group that reports user, usage and storage errors as one line, exit code 2."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            return super().main(*args, **kwargs)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
            sys.exit(0)
        except click.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx else "myoscope"
            message = " ".join(exc.format_message().split())  # click lists choices on lines
            _fail(f"{message} (see '{command} --help')")
        except click.ClickException as exc:
            _fail(exc.format_message())
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(1)
        except UserError as exc:
            _fail(str(exc))
        except StorageError as exc:
            _fail(str(exc))


def _finite(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a number.", ctx=ctx, param=param)
    return value


_audience_option = click.option(
    "--audience",
    type=click.Choice(["patient", "clinician"]),
    default="patient",
    show_default=True,
    help="Plain words, or dense clinical wording.",
)


def _format_option(help_text: str) -> Callable[[FC], FC]:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help=help_text,
    )


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="myoscope")
def cli() -> None:
    """Myoscope: evidence-graded options and safety checks for people with myoclonus.

    Information to discuss with a clinician, not medical advice.

    \b
    Example:
      myoscope advise                      # the bundled example profile
      myoscope advise me.yaml --audience clinician
    """


@cli.command()
@click.argument("profile", required=False)
@_format_option("Text for people, JSON for other tools.")
@_audience_option
def advise(profile: str | None, fmt: str, audience: Literal["patient", "clinician"]) -> None:
    """Assess a profile: urgent care, causes to review, ranked options and safety alerts.

    PROFILE is a .yaml or .json file, or - for standard input. Without PROFILE the bundled
    synthetic example profile is assessed.

    \b
    Example:
      myoscope advise profile.yaml --format json --audience clinician
    """
    from myoscope.services.assessment import assess, load_example_profile
    from myoscope.services.profiles import read_profile

    if profile is None:
        click.echo(
            "(No PROFILE given: assessing the bundled synthetic example profile. "
            "Run 'myoscope advise PROFILE' for your own.)",
            err=True,
        )
        person = load_example_profile()
    else:
        person = read_profile(profile)
    try:
        result = assess(person, audience=audience)
    except InvalidInputError as exc:
        source = "standard input" if profile == "-" else Path(profile or "example").name
        raise InvalidInputError(f"{source}: {exc}") from None
    if fmt == "json":
        click.echo(result.model_dump_json(indent=2))
    else:
        from myoscope.cli.render import render_assessment

        click.echo(render_assessment(result))


@cli.command()
@click.argument("treatment", required=False)
@_format_option("Text, or the knowledge-base entry as JSON.")
def treatments(treatment: str | None, fmt: str) -> None:
    """List treatments, or show one treatment's monograph (id, name, brand or synonym).

    \b
    Example:
      myoscope treatments
      myoscope treatments Keppra
    """
    from myoscope.knowledge import bare_id, load_knowledge_base
    from myoscope.services.knowledge import get_monograph, list_treatments

    kb = load_knowledge_base()
    if treatment is None:
        items = list_treatments(kb)
        if fmt == "json":
            click.echo(json.dumps([{"id": bare_id(t.id), "name": t.name} for t in items], indent=2))
            return
        for item in items:
            kind = "drug" if item.id.startswith("drug:") else "intervention"
            click.echo(f"{bare_id(item.id):<36} {item.name} ({kind})")
        return
    monograph = get_monograph(treatment, kb)
    if fmt == "json":
        click.echo(monograph.entry.model_dump_json(indent=2))
        return
    from myoscope.cli.render import render_monograph

    click.echo(render_monograph(monograph, kb))


@cli.command()
@click.argument("drug")
@click.option(
    "--egfr",
    type=click.FloatRange(0, 200),
    default=None,
    callback=_finite,
    help="eGFR or creatinine clearance in mL/min.",
)
@click.option(
    "--hepatic",
    type=click.Choice(["none", "mild", "moderate", "severe"]),
    default=None,
    help="Hepatic impairment as a Child-Pugh class (A = mild, B = moderate, C = severe).",
)
@click.option(
    "--weight-kg",
    type=click.FloatRange(1, 400),
    default=None,
    callback=_finite,
    help="Body weight in kg, for drugs dosed per kg.",
)
@click.option("--dialysis", is_flag=True, help="The person is on dialysis.")
@click.option(
    "--age",
    "age_years",
    type=click.IntRange(0, 120),
    default=None,
    help="Age in years: older adults get the label's slower schedule where it has one.",
)
@_audience_option
def titrate(
    drug: str,
    egfr: float | None,
    hepatic: str | None,
    weight_kg: float | None,
    dialysis: bool,
    age_years: int | None,
    audience: str,
) -> None:
    """Show a week-by-week titration plan, capped by kidney and liver function.

    \b
    Example:
      myoscope titrate levetiracetam --egfr 40
      myoscope titrate piracetam --egfr 25
    """
    from myoscope.cli.render import render_titration
    from myoscope.knowledge import load_knowledge_base
    from myoscope.services.knowledge import plan_titration

    kb = load_knowledge_base()
    advice = plan_titration(
        drug,
        egfr_ml_min=egfr,
        hepatic=hepatic,
        weight_kg=weight_kg,
        on_dialysis=dialysis,
        age_years=age_years,
        audience=audience,
        kb=kb,
    )
    click.echo(render_titration(advice, getattr(kb.manifest.disclaimer, audience)))


@cli.command()
@click.argument("key")
def sources(key: str) -> None:
    """Print the full reference for a source key shown in other output.

    \b
    Example:
      myoscope sources ref:caviness-2014
    """
    from myoscope.cli.render import render_reference
    from myoscope.services.knowledge import get_reference

    click.echo(render_reference(get_reference(key)))


@cli.group()
def kb() -> None:
    """Check the knowledge base or export its JSON Schemas.

    \b
    Example:
      myoscope kb check
    """


@kb.command("check")
@click.option(
    "--path",
    "path",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Check another knowledge-base folder instead of the bundled one.",
)
def kb_check(path: Path | None) -> None:
    """Report every problem in the knowledge base; exit 1 if there are errors.

    \b
    Example:
      myoscope kb check
    """
    from myoscope.services.knowledge import check_bundled_knowledge_base

    if path is not None and not (path / "manifest.yaml").is_file():
        raise UserError(f"'{path}' is not a knowledge-base folder (it has no manifest.yaml).")
    problems = check_bundled_knowledge_base(path)
    errors = [p for p in problems if p.level == "error"]
    for problem in problems:
        click.echo(f"{problem.level}: {problem}")
    if errors:
        click.echo(f"{len(errors)} error(s), {len(problems) - len(errors)} warning(s).", err=True)
        sys.exit(1)
    from myoscope.knowledge import load_knowledge_base

    kb_ = load_knowledge_base() if path is None else None
    stamp = f" (version {kb_.version}, sha256 {kb_.sha256[:12]})" if kb_ else ""
    click.echo(f"Knowledge base OK{stamp}: {len(problems)} warning(s).")


@kb.command("schema")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write one <kind>.schema.json file per kind into this folder.",
)
def kb_schema(out: Path | None) -> None:
    """Print the JSON Schema of the profile and of every knowledge-base file kind.

    \b
    Example:
      myoscope kb schema --out schemas/
    """
    from myoscope.services.knowledge import json_schemas

    schemas = json_schemas()
    if out is None:
        click.echo(json.dumps(schemas, indent=2, sort_keys=True))
        return
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, schema in schemas.items():
            (out / f"{name}.schema.json").write_text(
                json.dumps(schema, indent=2, sort_keys=True) + "\n", encoding="utf-8"
            )
    except OSError as exc:
        raise UserError(f"Cannot write schemas to '{out}': {exc.strerror}.") from None
    click.echo(f"Wrote {len(schemas)} schemas to {out}.")


def _register() -> None:
    from myoscope.cli.db import db
    from myoscope.cli.diary import diary
    from myoscope.cli.fhir import fhir
    from myoscope.cli.insights import insights
    from myoscope.cli.report import report
    from myoscope.cli.serve import serve
    from myoscope.cli.signals import signals
    from myoscope.cli.users import users

    for command in (serve, users, db, signals, diary, fhir, insights, report):
        cli.add_command(command)


_register()
