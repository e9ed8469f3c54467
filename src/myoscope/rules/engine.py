"""Evaluate rules against facts: pure, deterministic, no I/O and no clock."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from myoscope.knowledge.schema import Rule
from myoscope.rules.conditions import (
    ConditionResult,
    Truth,
    compile_condition,
    evaluate_condition,
)

__all__ = [
    "CompiledRules",
    "Finding",
    "RuleStatus",
    "compile_rules",
    "evaluate_rule",
    "evaluate_rules",
]


class RuleStatus(StrEnum):
    """What a rule did: fired, stayed silent, or could not be decided."""

    FIRES = "fires"
    SILENT = "silent"
    UNDETERMINED = "undetermined"


_STATUS = {
    Truth.TRUE: RuleStatus.FIRES,
    Truth.FALSE: RuleStatus.SILENT,
    Truth.UNKNOWN: RuleStatus.UNDETERMINED,
}


@dataclass(frozen=True)
class Finding:
    """The result of one rule for one set of facts.

    Parameters
    ----------
    rule : Rule
        The rule (its id, version, evidence and references).
    status : RuleStatus
        fires, silent or undetermined.
    trace : tuple of ConditionResult
        Every leaf evaluated, with expected and actual values (empty for a silent rule evaluated
        through :class:`CompiledRules`, which skips traces nobody reads).
    missing : tuple of str
        Facts that were unknown, for an undetermined rule.
    """

    rule: Rule
    status: RuleStatus
    trace: tuple[ConditionResult, ...]
    missing: tuple[str, ...]


def evaluate_rule(rule: Rule, facts: Mapping[str, Any]) -> Finding:
    """Evaluate one rule, with its full trace.

    Parameters
    ----------
    rule : Rule
        The rule to evaluate.
    facts : mapping of str to value
        Known facts; absent keys are unknown.

    Returns
    -------
    Finding
        Status, trace and missing facts.
    """
    result = evaluate_condition(rule.when, facts)
    return Finding(rule, _STATUS[result.truth], result.trace, result.missing)


@dataclass(frozen=True)
class CompiledRules:
    """Rules with their conditions compiled once, sorted by id so that order never matters."""

    rules: tuple[tuple[Rule, Callable[[Mapping[str, Any]], Truth]], ...]

    def evaluate(self, facts: Mapping[str, Any]) -> tuple[Finding, ...]:
        """Evaluate every rule; traces are built only for rules that fire or are undetermined."""
        findings = []
        for rule, truth_of in self.rules:
            if truth_of(facts) is Truth.FALSE:
                findings.append(Finding(rule, RuleStatus.SILENT, (), ()))
            else:
                findings.append(evaluate_rule(rule, facts))
        return tuple(findings)


def compile_rules(rules: Iterable[Rule]) -> CompiledRules:
    """Compile rules for repeated evaluation (see :meth:`CompiledRules.evaluate`)."""
    ordered = sorted(rules, key=lambda r: r.id)
    return CompiledRules(tuple((rule, compile_condition(rule.when)) for rule in ordered))


def evaluate_rules(rules: Iterable[Rule], facts: Mapping[str, Any]) -> tuple[Finding, ...]:
    """Evaluate rules independently of their order; return findings sorted by rule id."""
    return tuple(evaluate_rule(rule, facts) for rule in sorted(rules, key=lambda r: r.id))
