"""Read the knowledge base from YAML files and validate it.

The bundled knowledge base is package data (``myoscope/knowledge/data``), read through
:mod:`importlib.resources`; tests and reviewers can point :func:`read_knowledge_base` at another
folder. Problems are collected, never raised one at a time.
"""

from __future__ import annotations

import gc
import hashlib
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from myoscope.errors import KnowledgeBaseError, Problem, suggest
from myoscope.knowledge.base import KnowledgeBase
from myoscope.knowledge.schema import (
    Claim,
    ClassEntry,
    Classification,
    ConditionEntry,
    Drug,
    Etiology,
    EvidenceScales,
    Intervention,
    Manifest,
    Messages,
    Reference,
    Rule,
)

__all__ = [
    "DuplicateKeyError",
    "bundled_root",
    "check_knowledge_base",
    "load_knowledge_base",
    "load_yaml",
    "read_knowledge_base",
]

M = TypeVar("M", bound=BaseModel)

# folder -> model; one entity per file, file stem == id after the colon
_ENTITY_FOLDERS: dict[str, type[BaseModel]] = {
    "references": Reference,
    "classes": ClassEntry,
    "conditions": ConditionEntry,
    "etiologies": Etiology,
    "drugs": Drug,
    "interventions": Intervention,
    "claims": Claim,
    "rules/treatment": Rule,
    "rules/safety": Rule,
}


class DuplicateKeyError(yaml.YAMLError):
    """A mapping names the same key twice (the second would silently win)."""


# The C implementation of the *safe* loader when PyYAML was built with libyaml (same safety,
# about ten times faster on the ~650 files); the pure-Python safe loader otherwise.
_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_Base):  # type: ignore[misc]  # PyYAML's loaders are untyped
    """The safe loader, refusing duplicate keys in a mapping."""

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                line = key_node.start_mark.line + 1
                raise DuplicateKeyError(f"the key '{key}' appears twice (line {line})")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _StrictLoader.construct_mapping
)


def load_yaml(text: str) -> Any:
    """Parse YAML with the safe loader (no arbitrary objects), refusing duplicate keys.

    Raises
    ------
    DuplicateKeyError
        When a mapping names the same key twice.
    yaml.YAMLError
        When the text is not YAML.
    """
    return yaml.load(text, Loader=_StrictLoader)


def bundled_root() -> Traversable:
    """Return the folder of the knowledge base shipped with Myoscope."""
    return files("myoscope.knowledge") / "data"


def _walk(root: Traversable, relative: str) -> list[tuple[str, Traversable]]:
    folder = root
    for part in relative.split("/"):
        folder = folder / part
    if not folder.is_dir():
        return []
    found = [(f"{relative}/{f.name}", f) for f in folder.iterdir() if f.name.endswith(".yaml")]
    return sorted(found, key=lambda item: item[0])


def _describe_error(error: Any, model: type[BaseModel]) -> tuple[str, str, str | None]:
    loc = ".".join(str(p) for p in error["loc"])
    suggestion: str | None = None
    if error["type"] == "extra_forbidden":
        owner: Any = model
        for part in error["loc"][:-1]:
            field = getattr(owner, "model_fields", {}).get(part)
            annotation = getattr(field, "annotation", None)
            owner = annotation if isinstance(annotation, type) else None
            if owner is None:
                break
        names = list(getattr(owner, "model_fields", {})) if owner is not None else []
        close = suggest(str(error["loc"][-1]), names, n=1)
        suggestion = close[0] if close else None
        return loc, "unknown key", suggestion
    return loc, str(error["msg"]), suggestion


def _parse(path: str, source: Traversable, model: type[M], problems: list[Problem]) -> M | None:
    try:
        data = load_yaml(source.read_text(encoding="utf-8"))
    except DuplicateKeyError as exc:
        problems.append(Problem(path, "", str(exc)))
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(path, "", f"not valid YAML: {exc}".replace("\n", " ")))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(path, "", "expected a mapping of keys to values"))
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            field, message, hint = _describe_error(error, model)
            problems.append(Problem(path, field, message, hint))
        return None


def _hash(root: Traversable) -> str:
    digest = hashlib.sha256()
    stack: list[tuple[str, Traversable]] = [("", root)]
    items: list[tuple[str, bytes]] = []
    while stack:
        prefix, folder = stack.pop()
        for child in folder.iterdir():
            name = f"{prefix}{child.name}"
            if child.is_dir():
                stack.append((f"{name}/", child))
            elif child.name.endswith(".yaml"):
                items.append((name, child.read_bytes()))
    for name, content in sorted(items):
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(content)
    return digest.hexdigest()


def _read(root: Traversable) -> tuple[KnowledgeBase | None, list[Problem]]:
    problems: list[Problem] = []
    manifest = _parse("manifest.yaml", root / "manifest.yaml", Manifest, problems)
    scales_file = root / "vocab" / "evidence-scales.yaml"
    scales = _parse("vocab/evidence-scales.yaml", scales_file, EvidenceScales, problems)
    classification_file = root / "vocab" / "classification.yaml"
    classification = None
    if classification_file.is_file():
        classification = _parse(
            "vocab/classification.yaml", classification_file, Classification, problems
        )
    else:
        problems.append(Problem("vocab/classification.yaml", "", "the classification is missing"))

    messages = _parse("vocab/messages.yaml", root / "vocab" / "messages.yaml", Messages, problems)

    tables: dict[str, dict[str, Any]] = {folder: {} for folder in _ENTITY_FOLDERS}
    paths: dict[str, str] = {}
    for folder, model in _ENTITY_FOLDERS.items():
        for path, source in _walk(root, folder):
            entity = _parse(path, source, model, problems)
            if entity is None:
                continue
            ident: str = entity.id  # type: ignore[attr-defined]  # every entity model has an id
            stem = path.rsplit("/", 1)[1].removesuffix(".yaml")
            if ident.split(":", 1)[1] != stem:
                problems.append(
                    Problem(path, "id", f"id '{ident}' does not match the file name '{stem}.yaml'")
                )
            if ident in paths:
                problems.append(
                    Problem(path, "id", f"duplicate id '{ident}' (also in {paths[ident]})")
                )
                continue
            paths[ident] = path
            tables[folder][ident] = entity

    if manifest is None or scales is None or messages is None:
        return None, problems
    rules = tuple(
        sorted(
            [*tables["rules/treatment"].values(), *tables["rules/safety"].values()],
            key=lambda r: r.id,
        )
    )
    kb = KnowledgeBase(
        manifest=manifest,
        scales={s.id: s for s in scales.scales},
        classification=classification,
        references=tables["references"],
        classes=tables["classes"],
        conditions=tables["conditions"],
        etiologies=tables["etiologies"],
        drugs=tables["drugs"],
        interventions=tables["interventions"],
        claims=tables["claims"],
        rules=rules,
        messages=messages.messages,
        sha256=_hash(root),
        paths=paths,
    )
    return kb, problems


def check_knowledge_base(root: Traversable | Path | None = None) -> list[Problem]:
    """Return every problem in a knowledge base (errors and warnings); never raises.

    Parameters
    ----------
    root : path-like or Traversable, optional
        The knowledge-base folder; the bundled one by default.

    Returns
    -------
    list of Problem
        Sorted by file and field; empty when the knowledge base is clean.
    """
    from myoscope.knowledge.integrity import check_integrity

    kb, problems = _read(root if root is not None else bundled_root())
    if kb is not None:
        problems += check_integrity(kb)
    return sorted(problems, key=lambda p: (p.level != "error", p.path, p.field, p.message))


def read_knowledge_base(root: Traversable | Path) -> KnowledgeBase:
    """Read and validate the knowledge base in ``root``.

    Raises
    ------
    KnowledgeBaseError
        When the knowledge base has any error; ``problems`` lists all of them.
    """
    from myoscope.knowledge.integrity import check_integrity

    kb, problems = _read(root)
    if kb is not None:
        problems += check_integrity(kb)
    errors = [p for p in problems if p.level == "error"]
    if kb is None or errors:
        raise KnowledgeBaseError(sorted(problems, key=lambda p: (p.path, p.field)))
    return kb


@cache
def load_knowledge_base() -> KnowledgeBase:
    """Return the bundled knowledge base, read and validated once per process.

    Raises
    ------
    KnowledgeBaseError
        When the bundled knowledge base is invalid (a packaging or editing error).
    """
    kb = read_knowledge_base(bundled_root())
    # The knowledge base lives as long as the process and never changes: move it out of the
    # garbage collector's generations, so that full collections do not walk its ~100,000
    # objects during an assessment (they caused pauses of 20-40 ms; see BENCHMARKS.md).
    gc.collect()
    gc.freeze()
    return kb
