"""Evaluate rules against facts: pure, deterministic, no I/O and no clock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from myoscope.knowledge.schema import Rule
from myoscope.rules.conditions import ConditionResult, Truth, evaluate_condition

__all__ = ["Finding", "RuleStatus", "evaluate_rule", "evaluate_rules"]


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
        Every leaf evaluated, with expected and actual values.
    missing : tuple of str
        Facts that were unknown, for an undetermined rule.
    """

    rule: Rule
    status: RuleStatus
    trace: tuple[ConditionResult, ...]
    missing: tuple[str, ...]


def evaluate_rule(rule: Rule, facts: Mapping[str, Any]) -> Finding:
    """Evaluate one rule.

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


def evaluate_rules(rules: Iterable[Rule], facts: Mapping[str, Any]) -> tuple[Finding, ...]:
    """Evaluate rules independently of their order; return findings sorted by rule id."""
    return tuple(evaluate_rule(rule, facts) for rule in sorted(rules, key=lambda r: r.id))
