"""The core (domain, knowledge, rules, and later analytics and signals) stays pure.

Two independent checks: a subprocess import budget (MNE style) and import-linter contracts.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "myoscope"
CORE = ("domain", "knowledge", "rules", "analytics", "signals")
FORBIDDEN = {
    "fastapi",
    "starlette",
    "jinja2",
    "sqlalchemy",
    "psycopg",
    "alembic",
    "click",
    "matplotlib",
    "uvicorn",
    "httpx",
    "plotly",
}
FORBIDDEN_INTERNAL = (
    "myoscope.services",
    "myoscope.cli",
    "myoscope.api",
    "myoscope.web",
    "myoscope.storage",
    "myoscope.plots",
    "myoscope.bootstrap",
    "myoscope.settings",
)
ALLOWED_THIRD_PARTY = {
    "numpy",
    "scipy",
    "pydantic",
    "pydantic_core",
    "annotated_types",
    "typing_extensions",
    "typing_inspection",
    "yaml",
    "_yaml",
    "cython_runtime",
    "charset_normalizer",
}  # cython_runtime: loaded by the C extension of PyYAML; charset_normalizer: by scipy via numpy.f2py


def core_packages() -> list[str]:
    return [name for name in CORE if (SRC / name / "__init__.py").exists()]


def test_core_packages_exist():
    assert {"domain", "knowledge", "rules"} <= set(core_packages())


@pytest.mark.parametrize("package", core_packages())
def test_core_source_imports_no_adapter_or_web_db_cli_plot_library(package: str):
    offenders = []
    for path in (SRC / package).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in FORBIDDEN or name.startswith(FORBIDDEN_INTERNAL):
                    offenders.append(f"{path.relative_to(SRC)}: {name}")
    assert not offenders, (
        "The core must not import web, database, CLI or plotting libraries, nor adapters: "
        f"{offenders}. Move the code to an adapter or a service."
    )


def test_importing_the_core_loads_only_the_allowed_third_party_packages():
    modules = ", ".join(f"myoscope.{p}" for p in core_packages())
    code = (
        f"import sys, json; import {modules}; "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    loaded = set(json.loads(subprocess.check_output([sys.executable, "-c", code], text=True)))
    stdlib = set(sys.stdlib_module_names)
    third_party = {m for m in loaded - stdlib if not m.startswith("_") and m != "myoscope"}
    extra = third_party - ALLOWED_THIRD_PARTY
    assert not extra, (
        f"Importing the core loaded {sorted(extra)}: nest the import in the function that needs "
        "it, or move the code to an adapter."
    )


@pytest.mark.skipif(
    importlib.util.find_spec("importlinter") is None, reason="import-linter missing"
)
def test_import_linter_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache"], capture_output=True, text=True, cwd=SRC.parents[1], check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
