"""Explanations: readable traces of findings and the profile fields behind missing facts."""

from __future__ import annotations

from typing import Any

from myoscope.domain.facts import FACTS
from myoscope.knowledge.base import KnowledgeBase, bare_id
from myoscope.rules.conditions import Truth
from myoscope.rules.engine import Finding
from myoscope.rules.facts import DERIVED_CONDITION_FIELDS

__all__ = ["profile_field", "show", "trace_lines"]


def trace_lines(finding: Finding, kb: KnowledgeBase, active: frozenset[str]) -> list[str]:
    """Return a line for each leaf of a finding that was true or unknown, with what matched.

    Parameters
    ----------
    finding : Finding
        A rule's finding with its trace.
    kb : KnowledgeBase
        Resolves class ids to the medicines taken that belong to them.
    active : frozenset of str
        Ids of the medicines taken now.

    Returns
    -------
    list of str
        Lines such as ``conditions includes pregnancy: yes (pregnancy)``.
    """
    lines = []
    for leaf in finding.trace:
        if leaf.outcome is Truth.FALSE:
            continue
        if leaf.outcome is Truth.UNKNOWN:
            shown = "not recorded"
        elif isinstance(leaf.actual, list):
            wanted = leaf.expected if isinstance(leaf.expected, list) else [leaf.expected]
            matched: list[str] = []
            for w in wanted:
                if w not in leaf.actual:
                    continue
                if str(w).startswith("class:") and leaf.fact.startswith("medications."):
                    matched += sorted(d for d in active if w in kb.expand(d))
                else:
                    matched.append(str(w))
            names = ", ".join(dict.fromkeys(bare_id(m) for m in matched))
            shown = f"yes ({names})" if names else "yes"
        else:
            shown = show(leaf.actual)
        lines.append(f"{leaf.fact} {leaf.op} {show(leaf.expected)}: {shown}")
    return lines


def show(value: Any) -> str:
    """Format a fact value for a trace line."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple | set | frozenset):
        return "[" + ", ".join(bare_id(str(v)) for v in value) + "]"
    if isinstance(value, str):
        return bare_id(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def profile_field(missing: str) -> str:
    """Return the profile field to record for a missing fact (``conditions[condition:x]`` too)."""
    if "[" in missing:
        fact, member = missing.rstrip("]").split("[", 1)
        return DERIVED_CONDITION_FIELDS.get(member, FACTS[fact].profile_field or fact)
    spec = FACTS.get(missing)
    return (spec.profile_field or missing) if spec else missing
