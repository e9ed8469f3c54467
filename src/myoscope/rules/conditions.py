"""Three-valued evaluation of condition trees.

Each leaf is true, false or unknown. ``all`` is false if any child is false, else unknown if any
child is unknown, else true; ``any`` is true if any child is true, else unknown if any child is
unknown, else false; ``not`` swaps true and false and keeps unknown. A fact that is not in the
facts mapping is unknown; unknown never behaves as false.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from myoscope.domain.facts import Op, PartialSet
from myoscope.knowledge.schema import AllCondition, AnyCondition, Condition, Leaf, NotCondition

__all__ = [
    "ConditionResult",
    "Evaluation",
    "Truth",
    "compile_condition",
    "evaluate_condition",
]

Facts = Mapping[str, Any]
_MISSING = object()


class Truth(StrEnum):
    """A three-valued truth value."""

    TRUE = "true"
    FALSE = "false"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ConditionResult:
    """One leaf of a trace: what was tested, what was found, and the outcome.

    ``actual`` is None when the fact was unknown.
    """

    fact: str
    op: str
    expected: Any
    actual: Any
    outcome: Truth


@dataclass(frozen=True)
class Evaluation:
    """The outcome of a condition tree with its trace and missing facts.

    ``missing`` names unknown facts; a partially known set adds the member in brackets, e.g.
    ``conditions[condition:pregnancy]``.
    """

    truth: Truth
    trace: tuple[ConditionResult, ...]
    missing: tuple[str, ...]


def _bool(value: bool) -> Truth:
    return Truth.TRUE if value else Truth.FALSE


def _partial(member: str, value: PartialSet) -> Truth:
    if member in value.present:
        return Truth.TRUE
    return Truth.UNKNOWN if member in value.unknown else Truth.FALSE


def _leaf(leaf: Leaf, facts: Facts) -> tuple[Truth, Any, list[str]]:
    op = Op(leaf.op)
    known = leaf.fact in facts
    if op is Op.PRESENT:
        return _bool(known), facts.get(leaf.fact), []
    if op is Op.ABSENT:
        return _bool(not known), facts.get(leaf.fact), []
    if not known:
        return Truth.UNKNOWN, None, [leaf.fact]
    value = facts[leaf.fact]
    expected = leaf.value
    if isinstance(value, PartialSet):
        members = [expected] if op is Op.INCLUDES else list(expected)
        outcomes = {m: _partial(m, value) for m in members}
        shown = sorted(value.present)
        if Truth.TRUE in outcomes.values():
            return Truth.TRUE, shown, []
        unknown = [m for m, t in outcomes.items() if t is Truth.UNKNOWN]
        if unknown:
            return Truth.UNKNOWN, shown, [f"{leaf.fact}[{m}]" for m in unknown]
        return Truth.FALSE, shown, []
    match op:
        case Op.IS | Op.EQ:
            return _bool(value == expected), value, []
        case Op.NE:
            return _bool(value != expected), value, []
        case Op.LT:
            return _bool(value < expected), value, []
        case Op.LE:
            return _bool(value <= expected), value, []
        case Op.GT:
            return _bool(value > expected), value, []
        case Op.GE:
            return _bool(value >= expected), value, []
        case Op.BETWEEN:
            low, high = expected
            return _bool(low <= value <= high), value, []
        case Op.IN:
            return _bool(value in expected), value, []
        case Op.INCLUDES:
            return _bool(expected in value), sorted(value), []
        case Op.INCLUDES_ANY:
            return _bool(any(e in value for e in expected)), sorted(value), []
    raise ValueError(f"operator {op!r} is not implemented")  # pragma: no cover - Op is closed


def evaluate_condition(condition: Condition, facts: Facts) -> Evaluation:
    """Evaluate a condition tree against facts with three-valued logic.

    Parameters
    ----------
    condition : Condition
        A leaf or an ``all``/``any``/``not`` combination.
    facts : mapping of str to value
        Known facts; a missing key is an unknown fact.

    Returns
    -------
    Evaluation
        The truth value, the trace of every leaf evaluated, and the missing facts.
    """
    trace: list[ConditionResult] = []
    missing: list[str] = []

    def visit(node: Condition) -> Truth:
        if isinstance(node, Leaf):
            truth, actual, lacking = _leaf(node, facts)
            trace.append(ConditionResult(node.fact, node.op, node.value, actual, truth))
            missing.extend(lacking)
            return truth
        if isinstance(node, NotCondition):
            inner = visit(node.not_)
            return {Truth.TRUE: Truth.FALSE, Truth.FALSE: Truth.TRUE}.get(inner, Truth.UNKNOWN)
        children = [
            visit(child) for child in (node.all if isinstance(node, AllCondition) else node.any)
        ]
        if isinstance(node, AnyCondition):
            if Truth.TRUE in children:
                return Truth.TRUE
            return Truth.UNKNOWN if Truth.UNKNOWN in children else Truth.FALSE
        if Truth.FALSE in children:
            return Truth.FALSE
        return Truth.UNKNOWN if Truth.UNKNOWN in children else Truth.TRUE

    truth = visit(condition)
    return Evaluation(
        truth, tuple(trace), tuple(dict.fromkeys(missing)) if truth is Truth.UNKNOWN else ()
    )


def _compile_leaf(leaf: Leaf) -> Callable[[Facts], Truth]:
    op = Op(leaf.op)
    name = leaf.fact
    expected = leaf.value
    if op is Op.PRESENT:
        return lambda facts: Truth.TRUE if name in facts else Truth.FALSE
    if op is Op.ABSENT:
        return lambda facts: Truth.FALSE if name in facts else Truth.TRUE
    if op is Op.INCLUDES_ANY:
        members = frozenset(expected)
    elif op is Op.INCLUDES:
        members = frozenset({expected})
    else:
        members = frozenset()
    compare: Callable[[Any], bool]
    match op:
        case Op.IS | Op.EQ:
            compare = lambda v: v == expected  # noqa: E731 - closures over precomputed values
        case Op.NE:
            compare = lambda v: v != expected  # noqa: E731
        case Op.LT:
            compare = lambda v: v < expected  # noqa: E731
        case Op.LE:
            compare = lambda v: v <= expected  # noqa: E731
        case Op.GT:
            compare = lambda v: v > expected  # noqa: E731
        case Op.GE:
            compare = lambda v: v >= expected  # noqa: E731
        case Op.BETWEEN:
            low, high = expected
            compare = lambda v: low <= v <= high  # noqa: E731
        case Op.IN:
            allowed = frozenset(expected)
            compare = lambda v: v in allowed  # noqa: E731
        case _:  # INCLUDES, INCLUDES_ANY
            compare = lambda v: not members.isdisjoint(v)  # noqa: E731

    def evaluate(facts: Facts) -> Truth:
        value = facts.get(name, _MISSING)
        if value is _MISSING:
            return Truth.UNKNOWN
        if isinstance(value, PartialSet):
            if not members.isdisjoint(value.present):
                return Truth.TRUE
            return Truth.FALSE if members.isdisjoint(value.unknown) else Truth.UNKNOWN
        return Truth.TRUE if compare(value) else Truth.FALSE

    return evaluate


def compile_condition(condition: Condition) -> Callable[[Facts], Truth]:
    """Compile a condition tree into a function of the facts that returns its truth value.

    The compiled function gives the same truth value as :func:`evaluate_condition` (a property
    test checks this) without building a trace, so that the many rules that stay silent cost
    little; traces are built only for rules that fire or are undetermined.
    """
    if isinstance(condition, Leaf):
        return _compile_leaf(condition)
    if isinstance(condition, NotCondition):
        inner = compile_condition(condition.not_)
        flip = {Truth.TRUE: Truth.FALSE, Truth.FALSE: Truth.TRUE, Truth.UNKNOWN: Truth.UNKNOWN}
        return lambda facts: flip[inner(facts)]
    # all: false decides, else unknown if any unknown; any: true decides, likewise.
    if isinstance(condition, AllCondition):
        return _combine(tuple(compile_condition(c) for c in condition.all), decisive=Truth.FALSE)
    return _combine(tuple(compile_condition(c) for c in condition.any), decisive=Truth.TRUE)


def _combine(
    parts: tuple[Callable[[Facts], Truth], ...], decisive: Truth
) -> Callable[[Facts], Truth]:
    otherwise = Truth.TRUE if decisive is Truth.FALSE else Truth.FALSE

    def combined(facts: Facts) -> Truth:
        result = otherwise
        for part in parts:
            truth = part(facts)
            if truth is decisive:
                return decisive
            if truth is Truth.UNKNOWN:
                result = Truth.UNKNOWN
        return result

    return combined
