"""Cheap guards: commands documented, schemas current, facts described, __all__ sorted."""

from __future__ import annotations

import importlib
import json
import pkgutil
from pathlib import Path

import click
import pytest

import myoscope
from myoscope.cli.main import cli
from myoscope.domain.facts import FACTS
from myoscope.services.knowledge import json_schemas

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix}{name}"
        found.append((path, command))
        if isinstance(command, click.Group):
            found += commands(command, f"{path} ")
    return found


@pytest.mark.parametrize(("path", "command"), commands(cli), ids=lambda x: str(x))
def test_every_command_has_help_with_an_example_and_is_in_the_readme(path, command):
    assert command.help, f"'myoscope {path}' has no help"
    assert "Example:" in command.help, f"'myoscope {path}' help needs an Example: block"
    assert "\\b" not in command.help, f"'myoscope {path}' help shows a literal \\b (raw docstring?)"
    assert f"myoscope {path}" in README, f"'myoscope {path}' is not shown in README.md"


def test_readme_quick_start_has_the_two_commands():
    quick = README.split("## Quick start", 1)[1].split("##", 1)[0]
    commands_shown = [
        line.strip().split("#")[0].strip() for line in quick.splitlines() if line.startswith("    ")
    ]
    assert commands_shown == ["uv run myoscope serve --demo", "uv run pytest"]


def test_committed_json_schemas_are_current():
    folder = REPO / "schemas"
    for name, schema in json_schemas().items():
        path = folder / f"{name}.schema.json"
        assert path.is_file(), f"{path} is missing: run 'uv run myoscope kb schema --out schemas/'"
        assert json.loads(path.read_text()) == schema, (
            f"{path.name} is stale: run 'uv run myoscope kb schema --out schemas/'"
        )


def test_every_fact_has_a_description():
    assert all(spec.description.strip() for spec in FACTS.values())


def test_all_lists_are_complete():
    # Sorting is checked by ruff (RUF022).
    for module_info in pkgutil.walk_packages(myoscope.__path__, "myoscope."):
        module = importlib.import_module(module_info.name)
        names = getattr(module, "__all__", None)
        if names is None:
            continue
        missing = [n for n in names if not hasattr(module, n)]
        assert not missing, f"{module_info.name}.__all__ names missing objects: {missing}"
