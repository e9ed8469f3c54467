from __future__ import annotations

import pytest

from myoscope.domain.facts import PartialSet
from myoscope.knowledge.schema import AllCondition, AnyCondition, Leaf, NotCondition
from myoscope.rules.conditions import Truth, compile_condition, evaluate_condition

T, F, U = Truth.TRUE, Truth.FALSE, Truth.UNKNOWN
FACTS = {"patient.age_years": 70.0, "patient.pregnant": False}
LEAF = {
    T: Leaf(fact="patient.age_years", op="ge", value=65),
    F: Leaf(fact="patient.pregnant", op="is", value=True),
    U: Leaf(fact="patient.egfr_ml_min", op="lt", value=30),
}


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [(T, T, T), (T, F, F), (F, U, F), (T, U, U), (U, U, U), (F, F, F)],
)
def test_all_is_false_if_any_false_else_unknown_if_any_unknown(left, right, expected):
    result = evaluate_condition(AllCondition(all=(LEAF[left], LEAF[right])), FACTS)
    assert result.truth is expected


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [(T, F, T), (T, U, T), (F, U, U), (F, F, F), (U, U, U)],
)
def test_any_is_true_if_any_true_else_unknown_if_any_unknown(left, right, expected):
    result = evaluate_condition(AnyCondition(any=(LEAF[left], LEAF[right])), FACTS)
    assert result.truth is expected


@pytest.mark.parametrize(("inner", "expected"), [(T, F), (F, T), (U, U)])
def test_not_swaps_true_and_false_and_keeps_unknown(inner, expected):
    assert evaluate_condition(NotCondition(**{"not": LEAF[inner]}), FACTS).truth is expected


def test_unknown_fact_is_reported_missing_only_when_undetermined():
    result = evaluate_condition(LEAF[U], FACTS)
    assert result.missing == ("patient.egfr_ml_min",)
    decided = evaluate_condition(AllCondition(all=(LEAF[F], LEAF[U])), FACTS)
    assert decided.truth is F
    assert decided.missing == ()


def test_present_and_absent_are_always_decided():
    assert evaluate_condition(Leaf(fact="patient.weight_kg", op="absent"), {}).truth is T
    assert evaluate_condition(Leaf(fact="patient.weight_kg", op="present"), {}).truth is F


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("eq", 70, T),
        ("ne", 70, F),
        ("lt", 71, T),
        ("le", 70, T),
        ("gt", 70, F),
        ("ge", 70, T),
        ("between", [60, 70], T),
        ("between", [71, 80], F),
    ],
)
def test_number_operators(op, value, expected):
    leaf = Leaf(fact="patient.age_years", op=op, value=value)
    assert evaluate_condition(leaf, FACTS).truth is expected
    assert compile_condition(leaf)(FACTS) is expected


@pytest.mark.parametrize("op", ["eq", "ne", "lt", "le", "gt", "ge", "between", "in", "includes"])
def test_compiled_leaf_is_unknown_when_the_fact_is(op):
    value = [1, 2] if op in ("between", "in") else 1
    assert compile_condition(Leaf(fact="patient.weight_kg", op=op, value=value))({}) is U


def test_enum_in_and_set_includes():
    facts = {
        "myoclonus.physiology": "cortical",
        "medications.active": frozenset({"drug:a", "class:b"}),
    }
    assert (
        evaluate_condition(
            Leaf(fact="myoclonus.physiology", op="in", value=["cortical", "subcortical"]), facts
        ).truth
        is T
    )
    assert (
        evaluate_condition(
            Leaf(fact="medications.active", op="includes", value="class:b"), facts
        ).truth
        is T
    )
    assert (
        evaluate_condition(
            Leaf(fact="medications.active", op="includes_any", value=["drug:x", "drug:y"]), facts
        ).truth
        is F
    )


def test_partial_set_member_can_be_unknown():
    facts = {"conditions": PartialSet(frozenset({"condition:a"}), frozenset({"condition:p"}))}
    unknown = evaluate_condition(Leaf(fact="conditions", op="includes", value="condition:p"), facts)
    assert unknown.truth is U
    assert unknown.missing == ("conditions[condition:p]",)
    assert (
        evaluate_condition(Leaf(fact="conditions", op="includes", value="condition:z"), facts).truth
        is F
    )
    assert (
        evaluate_condition(
            Leaf(fact="conditions", op="includes_any", value=["condition:p", "condition:a"]), facts
        ).truth
        is T
    )
