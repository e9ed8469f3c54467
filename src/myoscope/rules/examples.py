"""Run the examples every rule carries: the rules' executable specification.

An example gives facts (unknown when not given), the expected status and, for an undetermined
rule, the facts expected to be missing. Drug ids given in a set are expanded to their classes,
etiologies to their parents and conditions to what they imply, as :func:`derive_facts` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from myoscope.domain.facts import FACTS, FactType, PartialSet
from myoscope.knowledge.base import KnowledgeBase
from myoscope.knowledge.schema import Example, Rule
from myoscope.rules.engine import evaluate_rule

__all__ = ["ExampleResult", "check_rule_examples", "facts_from_example", "run_example"]


@dataclass(frozen=True)
class ExampleResult:
    """The outcome of one example: passed, and if not, why."""

    rule: Rule
    example: Example
    passed: bool
    message: str


def _expand(kb: KnowledgeBase, name: str, value: Any) -> Any:
    spec = FACTS.get(name)
    if spec is None:
        return value
    if spec.type is FactType.PARTIAL_SET:
        if isinstance(value, dict):
            present, unknown = value.get("present", []), value.get("unknown", [])
        else:
            present, unknown = value, []
        expanded: set[str] = set()
        for ident in present:
            expanded |= kb.implied_conditions(ident)
        return PartialSet(frozenset(expanded), frozenset(unknown) - expanded)
    if spec.type is FactType.SET:
        out: set[str] = set()
        for ident in value:
            if name == "myoclonus.etiology":
                out |= kb.etiology_ancestors.get(ident, frozenset({ident}))
            elif spec.id_kinds and ":" in str(ident):
                out |= kb.expand(ident)
            else:
                out.add(ident)
        return frozenset(out)
    if spec.type is FactType.NUMBER and isinstance(value, int):
        return float(value)
    return value


def facts_from_example(kb: KnowledgeBase, example: Example) -> dict[str, Any]:
    """Return the facts an example gives, expanded as the engine would derive them."""
    return {name: _expand(kb, name, value) for name, value in example.given.items()}


def run_example(kb: KnowledgeBase, rule: Rule, example: Example) -> ExampleResult:
    """Evaluate one example of a rule and compare with its expectation."""
    finding = evaluate_rule(rule, facts_from_example(kb, example))
    if str(finding.status) != str(example.expect):
        return ExampleResult(
            rule,
            example,
            False,
            f"expected {example.expect}, got {finding.status} (missing: {list(finding.missing)})",
        )
    if example.missing:
        got = {m.split("[", 1)[0] for m in finding.missing}
        if got != set(example.missing):
            return ExampleResult(
                rule,
                example,
                False,
                f"expected missing {sorted(example.missing)}, got {sorted(got)}",
            )
    return ExampleResult(rule, example, True, "ok")


def check_rule_examples(kb: KnowledgeBase) -> list[ExampleResult]:
    """Run every example of every rule; return all results (passed and failed)."""
    return [run_example(kb, rule, ex) for rule in kb.rules for ex in rule.examples]
