"""Whole-knowledge-base checks that run after every file has parsed.

Checks: every id-shaped value resolves (with "did you mean"); evidence levels belong to their
scale; rule facts exist and operators and values fit the fact's type; rules have examples that
fire and that do not; required vocabulary exists; names and synonyms are unambiguous; renal bands
do not overlap; mechanism classes are mechanisms; orphan references (warning).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from string import Formatter
from typing import Any

from pydantic import BaseModel

from myoscope.domain.facts import FACTS, OPERATORS, FactType, Op
from myoscope.domain.messages import MESSAGES
from myoscope.errors import Problem, suggest
from myoscope.knowledge.base import KnowledgeBase, bare_id
from myoscope.knowledge.schema import (
    AllCondition,
    AnyCondition,
    ClassKind,
    Condition,
    Evidence,
    Expectation,
    Leaf,
    NotCondition,
    Rule,
    RuleKind,
)

__all__ = ["check_integrity"]

_PREFIXES = (
    "ref",
    "drug",
    "class",
    "condition",
    "etiology",
    "intervention",
    "scale",
    "rule",
    "claim",
)
_ID = re.compile(rf"^({'|'.join(_PREFIXES)}):[a-z0-9-]+$")
_REQUIRED_PREFIX = {
    "treatments": ("drug", "intervention"),
    "etiologies": ("etiology",),
    "conditions": ("condition",),
}


def _nodes(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Yield ``(dotted path, node)`` for every model, mapping, sequence item and value."""
    yield path, value
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _nodes(getattr(value, name), f"{path}.{name}" if path else name)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _nodes(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _nodes(item, f"{path}[{index}]")


def _walk(value: Any) -> Iterator[tuple[str, str]]:
    """Yield every id-shaped string value with its path."""
    for path, node in _nodes(value):
        if isinstance(node, str) and _ID.match(node):
            yield path, node


def _known_ids(kb: KnowledgeBase) -> dict[str, set[str]]:
    known: dict[str, set[str]] = {p: set() for p in _PREFIXES}
    for ident in [*(getattr(e, "id", "") for _, e in _entities(kb)), *kb.scales]:
        known[ident.split(":", 1)[0]].add(ident)
    return known


def _entities(kb: KnowledgeBase) -> Iterator[tuple[str, BaseModel]]:
    for table in (
        kb.references,
        kb.drugs,
        kb.classes,
        kb.conditions,
        kb.etiologies,
        kb.interventions,
        kb.claims,
    ):
        for ident, entity in table.items():
            yield kb.paths.get(ident, ident), entity
    for rule in kb.rules:
        yield kb.paths.get(rule.id, rule.id), rule


def _check_references(kb: KnowledgeBase, problems: list[Problem]) -> None:
    known = _known_ids(kb)
    used: set[str] = set()
    scale_sources: list[tuple[str, BaseModel]] = [("manifest.yaml", kb.manifest)]
    scale_sources += [("vocab/evidence-scales.yaml", s) for s in kb.scales.values()]
    scale_sources += [("vocab/messages.yaml", m) for m in kb.messages.values()]
    if kb.classification is not None:
        scale_sources.append(("vocab/classification.yaml", kb.classification))
    for path, entity in [*_entities(kb), *scale_sources]:
        own = getattr(entity, "id", None)
        for field, value in _walk(entity):
            if value == own and field == "id":
                continue
            used.add(value)
            prefix = value.split(":", 1)[0]
            if value not in known[prefix]:
                close = suggest(value, sorted(known[prefix]), n=1)
                problems.append(
                    Problem(path, field, f"'{value}' does not exist", close[0] if close else None)
                )
    for ref in sorted(set(kb.references) - used):
        problems.append(
            Problem(kb.paths.get(ref, ref), "id", "reference is never cited", level="warning")
        )


def _check_evidence(kb: KnowledgeBase, problems: list[Problem]) -> None:
    for path, entity in _entities(kb):
        for field, node in _nodes(entity):
            if not isinstance(node, Evidence) or node.scale not in kb.scales:
                continue
            if kb.scale_level(node.scale, node.level) is None:
                levels = [lv.level for lv in kb.scales[node.scale].levels]
                close = suggest(node.level, levels, n=1)
                problems.append(
                    Problem(
                        path,
                        f"{field}.level",
                        f"level '{node.level}' is not on {node.scale} (levels: {', '.join(levels)})",
                        close[0] if close else None,
                    )
                )


def _leaves(condition: Condition, path: str) -> Iterator[tuple[str, Leaf]]:
    if isinstance(condition, Leaf):
        yield path, condition
    elif isinstance(condition, AllCondition):
        for i, child in enumerate(condition.all):
            yield from _leaves(child, f"{path}.all[{i}]")
    elif isinstance(condition, AnyCondition):
        for i, child in enumerate(condition.any):
            yield from _leaves(child, f"{path}.any[{i}]")
    elif isinstance(condition, NotCondition):
        yield from _leaves(condition.not_, f"{path}.not")


def _value_problem(leaf: Leaf, kb: KnowledgeBase) -> tuple[str, str | None] | None:
    spec = FACTS[leaf.fact]
    op = Op(leaf.op)
    if op in (Op.PRESENT, Op.ABSENT):
        return None if leaf.value is None else (f"'{op}' takes no value", None)
    values: list[Any]
    if op in (Op.IN, Op.INCLUDES_ANY, Op.BETWEEN):
        if not isinstance(leaf.value, list) or not leaf.value:
            return (f"'{op}' needs a non-empty list of values", None)
        values = list(leaf.value)
        if op is Op.BETWEEN and len(values) != 2:
            return ("'between' needs [low, high]", None)
    else:
        values = [leaf.value]
    for value in values:
        if spec.type is FactType.NUMBER:
            if isinstance(value, bool) or not isinstance(value, int | float):
                return (f"'{leaf.fact}' is a number; got {value!r}", None)
        elif spec.type is FactType.BOOL:
            if not isinstance(value, bool):
                return (f"'{leaf.fact}' is true or false; got {value!r}", None)
        elif spec.allowed:
            if value not in spec.allowed:
                close = suggest(str(value), list(spec.allowed), n=1)
                return (
                    f"'{value}' is not a value of '{leaf.fact}' (allowed: "
                    f"{', '.join(spec.allowed)})",
                    close[0] if close else None,
                )
        elif spec.id_kinds:
            prefix = str(value).split(":", 1)[0]
            if not isinstance(value, str) or prefix not in spec.id_kinds:
                kinds = ", ".join(f"{k}:" for k in spec.id_kinds)
                return (f"'{leaf.fact}' holds ids starting {kinds}; got {value!r}", None)
    return None


def _check_rule(rule: Rule, kb: KnowledgeBase, path: str, problems: list[Problem]) -> None:
    for field, leaf in _leaves(rule.when, "when"):
        if leaf.fact not in FACTS:
            close = suggest(leaf.fact, list(FACTS), n=1)
            problems.append(
                Problem(
                    path,
                    f"{field}.fact",
                    f"unknown fact '{leaf.fact}'",
                    close[0] if close else None,
                )
            )
            continue
        spec = FACTS[leaf.fact]
        allowed_ops = sorted(str(op) for op in OPERATORS[spec.type])
        if leaf.op not in allowed_ops:
            close = suggest(leaf.op, allowed_ops, n=1)
            problems.append(
                Problem(
                    path,
                    f"{field}.op",
                    f"operator '{leaf.op}' does not fit {spec.type} fact '{leaf.fact}' "
                    f"(allowed: {', '.join(allowed_ops)})",
                    close[0] if close else None,
                )
            )
            continue
        found = _value_problem(leaf, kb)
        if found is not None:
            problems.append(Problem(path, f"{field}.value", found[0], found[1]))
    expectations = {example.expect for example in rule.examples}
    if Expectation.FIRES not in expectations:
        problems.append(Problem(path, "examples", "needs an example that fires"))
    if not expectations - {Expectation.FIRES}:
        problems.append(Problem(path, "examples", "needs an example that does not fire"))
    for i, example in enumerate(rule.examples):
        for name in example.given:
            if name not in FACTS:
                close = suggest(name, list(FACTS), n=1)
                problems.append(
                    Problem(
                        path,
                        f"examples[{i}].given",
                        f"unknown fact '{name}'",
                        close[0] if close else None,
                    )
                )
    for i, option in enumerate(rule.options):
        if option.treatment not in kb.treatments and option.treatment in kb.drugs:
            problems.append(
                Problem(
                    path,
                    f"options[{i}].treatment",
                    f"'{option.treatment}' has no treatment section, so it cannot be an option",
                )
            )
    if rule.kind is RuleKind.RED_FLAG and not rule.urgent and rule.severity == "critical":
        problems.append(
            Problem(path, "urgent", "a critical red flag should be urgent", level="warning")
        )


def _check_required(kb: KnowledgeBase, problems: list[Problem]) -> None:
    for kind, ids in kb.manifest.required.items():
        prefixes = _REQUIRED_PREFIX.get(kind)
        if prefixes is None:
            problems.append(Problem("manifest.yaml", f"required.{kind}", "unknown kind"))
            continue
        for bare in ids:
            candidates = [f"{p}:{bare}" for p in prefixes]
            if kind == "treatments":
                ok = any(c in kb.treatments for c in candidates)
            else:
                ok = any(c in kb.etiologies or c in kb.conditions for c in candidates)
            if not ok:
                problems.append(
                    Problem(
                        "manifest.yaml",
                        f"required.{kind}",
                        f"'{bare}' is required by the specification but has no file",
                    )
                )
    if kb.classification is not None:
        from myoscope.domain.profile import Physiology

        wanted = {str(p) for p in Physiology} - {"unknown"}
        have = {p.id for p in kb.classification.physiology_classes}
        for missing in sorted(wanted - have):
            problems.append(
                Problem(
                    "vocab/classification.yaml",
                    "physiology_classes",
                    f"physiology '{missing}' of the profile vocabulary is missing",
                )
            )
        for extra in sorted(have - wanted):
            problems.append(
                Problem(
                    "vocab/classification.yaml",
                    "physiology_classes",
                    f"'{extra}' is not a physiology of the profile vocabulary",
                    next(iter(suggest(extra, sorted(wanted), n=1)), None),
                )
            )


def _check_names(kb: KnowledgeBase, problems: list[Problem]) -> None:
    for index in (kb.medicine_names, kb.condition_names, kb.etiology_names):
        for name, first, second in index.conflicts:
            problems.append(
                Problem(
                    kb.paths.get(second, second),
                    "synonyms",
                    f"name '{name}' also belongs to '{first}'; names must be unambiguous",
                )
            )
    bare: dict[str, str] = {}
    for ident in kb.treatments:
        other = bare.setdefault(bare_id(ident), ident)
        if other != ident:
            problems.append(
                Problem(
                    kb.paths.get(ident, ident),
                    "id",
                    f"'{bare_id(ident)}' is both {other} and {ident}",
                )
            )


def _check_treatments(kb: KnowledgeBase, problems: list[Problem]) -> None:
    for ident, drug in kb.drugs.items():
        path = kb.paths.get(ident, ident)
        mechanism = kb.classes.get(drug.mechanism or "")
        if mechanism is not None and mechanism.kind is not ClassKind.MECHANISM:
            problems.append(
                Problem(path, "mechanism", f"'{drug.mechanism}' is not a mechanism class")
            )
        if drug.treatment is None or drug.treatment.renal is None:
            continue
        # Dialysis bands are chosen by dialysis status, so they may overlap eGFR bands.
        for dialysis in (False, True):
            bands = sorted(
                (b for b in drug.treatment.renal.adjustments if b.dialysis is dialysis),
                key=lambda b: b.egfr_min_ml_min,
            )
            for i, band in enumerate(bands):
                if band.egfr_min_ml_min >= band.egfr_max_ml_min:
                    problems.append(
                        Problem(
                            path,
                            "treatment.renal.adjustments",
                            f"band {band.egfr_min_ml_min}-{band.egfr_max_ml_min} is empty",
                        )
                    )
                if i and band.egfr_min_ml_min < bands[i - 1].egfr_max_ml_min:
                    problems.append(
                        Problem(
                            path,
                            "treatment.renal.adjustments",
                            f"bands overlap at eGFR {band.egfr_min_ml_min} mL/min",
                        )
                    )
    for ident in kb.classes:
        if ident in kb.classes[ident].parents:
            problems.append(
                Problem(kb.paths.get(ident, ident), "parents", "a class cannot be its own parent")
            )


def _check_messages(kb: KnowledgeBase, problems: list[Problem]) -> None:
    path = "vocab/messages.yaml"
    for key in sorted(set(MESSAGES) - set(kb.messages)):
        problems.append(Problem(path, "messages", f"message '{key}' is missing"))
    for key, template in sorted(kb.messages.items()):
        if key not in MESSAGES:
            close = suggest(key, sorted(MESSAGES), n=1)
            problems.append(
                Problem(path, f"messages.{key}", "unknown message key", close[0] if close else None)
            )
            continue
        texts = {"says.patient": template.says.patient, "says.clinician": template.says.clinician}
        if template.detail:
            texts["detail"] = template.detail
        for field, text in texts.items():
            try:
                used = {name for _, name, _, _ in Formatter().parse(text) if name is not None}
            except ValueError as exc:
                problems.append(Problem(path, f"messages.{key}.{field}", f"bad template: {exc}"))
                continue
            for name in sorted(used - MESSAGES[key]):
                allowed = ", ".join(sorted(MESSAGES[key])) or "none"
                problems.append(
                    Problem(
                        path,
                        f"messages.{key}.{field}",
                        f"placeholder '{{{name}}}' is not declared (allowed: {allowed})",
                    )
                )


def check_integrity(kb: KnowledgeBase) -> list[Problem]:
    """Return every cross-file problem of a parsed knowledge base.

    Parameters
    ----------
    kb : KnowledgeBase
        A knowledge base whose files each parsed.

    Returns
    -------
    list of Problem
        Errors and warnings, unsorted.
    """
    problems: list[Problem] = []
    _check_references(kb, problems)
    _check_evidence(kb, problems)
    for rule in kb.rules:
        _check_rule(rule, kb, kb.paths.get(rule.id, rule.id), problems)
    _check_required(kb, problems)
    _check_names(kb, problems)
    _check_treatments(kb, problems)
    _check_messages(kb, problems)
    return problems
