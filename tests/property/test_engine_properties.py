"""Engine invariants, with Hypothesis: order independence, unknown never behaves as false."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from myoscope.domain.facts import PartialSet
from myoscope.domain.profile import PatientProfile, Physiology
from myoscope.knowledge import load_knowledge_base
from myoscope.knowledge.schema import Leaf
from myoscope.rules.assess import assess_profile
from myoscope.rules.conditions import compile_condition, evaluate_condition
from myoscope.rules.engine import RuleStatus, evaluate_rules
from myoscope.rules.facts import derive_facts, resolve_profile

KB = load_knowledge_base()
PHYSIOLOGY = [str(p) for p in Physiology]  # "unknown" last, as in the enum
ETIOLOGIES = ["unknown", *sorted(e.split(":", 1)[1] for e in KB.etiologies)]
MEDICINES = sorted(d.split(":", 1)[1] for d in KB.drugs)
CONDITIONS = sorted(c.split(":", 1)[1] for c in KB.conditions)
TREATMENTS = sorted(t.split(":", 1)[1] for t in KB.treatments)
SETTINGS = settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)

profiles = st.fixed_dictionaries(
    {"age_years": st.integers(0, 100), "sex": st.sampled_from(["female", "male", "other"])},
    optional={
        "pregnant": st.booleans(),
        "childbearing_potential": st.booleans(),
        "egfr_ml_min": st.floats(5, 120),
        "weight_kg": st.floats(20, 150),
        "hepatic_impairment": st.sampled_from(["none", "mild", "moderate", "severe"]),
        "myoclonus": st.fixed_dictionaries(
            {},
            optional={
                "physiology": st.sampled_from(PHYSIOLOGY),
                "etiology": st.sampled_from(ETIOLOGIES),
                "onset": st.sampled_from(["acute", "subacute", "chronic"]),
                "course": st.sampled_from(
                    ["stable", "progressive", "rapidly-progressive", "improving"]
                ),
                "occurs_at": st.lists(
                    st.sampled_from(["rest", "action", "stimulus", "sleep"]), max_size=3
                ),
                "polarity": st.sampled_from(["positive", "negative", "both"]),
            },
        ),
        "conditions": st.lists(st.sampled_from(CONDITIONS), max_size=4),
        "medications": st.lists(
            st.builds(
                lambda n, r: {"name": n, "recently_started": r},
                st.sampled_from(MEDICINES),
                st.booleans(),
            ),
            max_size=4,
        ),
        "previous_treatments": st.lists(
            st.builds(
                lambda n, o: {"name": n, "outcome": o},
                st.sampled_from(TREATMENTS),
                st.sampled_from(["ineffective", "partial", "not-tolerated", "effective-stopped"]),
            ),
            max_size=3,
        ),
        "asks_about": st.lists(st.sampled_from(TREATMENTS), max_size=3),
    },
).filter(lambda d: not (d["sex"] == "male" and d.get("pregnant")))  # refused as inconsistent


def uses_presence(condition: Any) -> bool:
    """Whether a condition tests if a fact is recorded (present/absent), which learning changes."""
    if isinstance(condition, Leaf):
        return condition.op in ("present", "absent")
    children = getattr(condition, "all", None) or getattr(condition, "any", None)
    if children is None:
        return uses_presence(condition.not_)
    return any(uses_presence(c) for c in children)


def facts_for(data: dict[str, Any]) -> dict[str, Any]:
    profile = PatientProfile.model_validate(data)
    return derive_facts(profile, resolve_profile(profile, KB), KB)


@SETTINGS
@given(profiles, st.randoms(use_true_random=False))
def test_rule_order_does_not_matter(data: dict[str, Any], rnd: random.Random):
    facts = facts_for(data)
    shuffled = list(KB.rules)
    rnd.shuffle(shuffled)
    first = {f.rule.id: (f.status, f.missing) for f in evaluate_rules(KB.rules, facts)}
    second = {f.rule.id: (f.status, f.missing) for f in evaluate_rules(shuffled, facts)}
    assert first == second


@SETTINGS
@given(profiles, st.data())
def test_learning_an_unknown_fact_never_flips_a_decided_rule(data: dict[str, Any], draw: Any):
    facts = facts_for(data)
    before = {f.rule.id: f for f in evaluate_rules(KB.rules, facts)}
    completed = dict(facts)
    conditions: PartialSet = facts["conditions"]
    if conditions.unknown:
        learned = {c for c in conditions.unknown if draw.draw(st.booleans())}
        completed["conditions"] = PartialSet(conditions.present | learned, frozenset())
    for name, value in (
        ("patient.pregnant", st.booleans()),
        ("patient.egfr_ml_min", st.floats(5, 120)),
        ("myoclonus.physiology", st.sampled_from(PHYSIOLOGY[:-1])),
        ("myoclonus.onset", st.sampled_from(["acute", "subacute", "chronic"])),
    ):
        if name not in completed:
            completed[name] = draw.draw(value)
    after = {f.rule.id: f for f in evaluate_rules(KB.rules, completed)}
    for rule_id, finding in before.items():
        if finding.status is not RuleStatus.UNDETERMINED and not uses_presence(finding.rule.when):
            assert after[rule_id].status is finding.status, rule_id


@SETTINGS
@given(profiles)
def test_assessment_is_deterministic_and_consistent(data: dict[str, Any]):
    profile = PatientProfile.model_validate(data)
    first = assess_profile(profile, KB, audience="clinician")
    assert first == assess_profile(profile, KB, audience="clinician")
    assert [o.rank for o in first.options] == list(range(1, len(first.options) + 1))
    assert len({o.id for o in first.options}) == len(first.options)
    for option in first.options:
        if option.status != "suggested":
            explained = [a for a in first.alerts if option.id in a.subjects]
            assert explained, f"{option.id} is {option.status} without an alert naming it"
    for alert in first.alerts:
        if alert.kind not in ("missing-information",) and not alert.id.startswith(
            ("not-tolerated-before-", "ineffective-before-", "allergy-")
        ):
            assert alert.sources, f"alert {alert.id} has no sources"
    assert first.urgent.refer == bool(first.urgent.reasons)


@SETTINGS
@given(profiles)
def test_compiled_conditions_agree_with_the_traced_evaluator(data: dict[str, Any]):
    facts = facts_for(data)
    for rule in KB.rules:
        assert compile_condition(rule.when)(facts) is evaluate_condition(rule.when, facts).truth, (
            rule.id
        )
