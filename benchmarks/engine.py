"""Benchmark the engine on generated profiles, and its rule evaluation against a peer.

1. End to end: ``assess_profile`` on N generated profiles (unknowns included), after the
   knowledge base is loaded. Reports per-profile latency (mean, p50, p95, p99, max) against the
   20 ms target.
2. Rule evaluation, peer comparison: every rule condition of the knowledge base evaluated on the
   same facts by Myoscope's evaluator and by ``rule-engine`` (zeroSteiner/rule-engine, BSD-3,
   a typed expression evaluator), with conditions translated to rule-engine expressions.
   rule-engine has no "unknown", so both evaluate fact sets whose unknowns were completed with
   default values (two-valued input); the script checks both agree on every rule.

Run: ``uv run --group bench python benchmarks/engine.py [--profiles 10000] [--seed 1]``
"""

from __future__ import annotations

import argparse
import gc
import platform
import random
import statistics
import sys
import time
from typing import Any

from myoscope.domain.facts import FACTS, FactType, PartialSet
from myoscope.domain.profile import PatientProfile, Physiology
from myoscope.knowledge import load_knowledge_base
from myoscope.knowledge.schema import AllCondition, AnyCondition, Condition, Leaf, NotCondition
from myoscope.rules.assess import assess_profile
from myoscope.rules.engine import RuleStatus, compile_rules
from myoscope.rules.facts import derive_facts, resolve_profile

PHYSIOLOGY = [str(p) for p in Physiology]  # "unknown" last, as in the enum


def generate_profiles(n: int, seed: int, kb: Any) -> list[PatientProfile]:
    """Plausible, varied synthetic profiles; about a third leave optional fields unknown."""
    rnd = random.Random(seed)
    medicines = sorted(d.split(":", 1)[1] for d in kb.drugs)
    conditions = sorted(c.split(":", 1)[1] for c in kb.conditions)
    treatments = sorted(t.split(":", 1)[1] for t in kb.treatments)
    etiologies = ["unknown", *sorted(e.split(":", 1)[1] for e in kb.etiologies)]
    out = []
    for _ in range(n):
        sparse = rnd.random() < 0.33
        data: dict[str, Any] = {
            "age_years": rnd.randint(12, 95),
            "sex": rnd.choice(["female", "male", "other"]),
        }
        if not sparse:
            data |= {
                "pregnant": data["sex"] != "male" and rnd.random() < 0.05,
                "childbearing_potential": rnd.random() < 0.4,
                "egfr_ml_min": round(rnd.uniform(8, 120), 1),
                "weight_kg": rnd.randint(40, 120),
                "hepatic_impairment": rnd.choice(["none", "none", "mild", "moderate", "severe"]),
            }
        data["myoclonus"] = {
            "physiology": rnd.choice(PHYSIOLOGY),
            "etiology": rnd.choice(etiologies),
            "occurs_at": rnd.sample(["rest", "action", "stimulus", "sleep"], rnd.randint(0, 3)),
            "onset": rnd.choice(["acute", "subacute", "chronic"]),
        }
        data["conditions"] = rnd.sample(conditions, rnd.randint(0, 4))
        data["medications"] = [
            {"name": m, "recently_started": rnd.random() < 0.2}
            for m in rnd.sample(medicines, rnd.randint(0, 5))
        ]
        data["previous_treatments"] = [
            {"name": t, "outcome": rnd.choice(["ineffective", "not-tolerated", "partial"])}
            for t in rnd.sample(treatments, rnd.randint(0, 2))
        ]
        data["asks_about"] = rnd.sample(treatments, rnd.randint(0, 2))
        out.append(PatientProfile.model_validate(data))
    return out


# -- rule-engine translation ------------------------------------------------------------------


def _name(fact: str) -> str:
    return fact.replace(".", "__")


def _lit(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(float(value))
    return "'" + str(value).replace("'", "\\'") + "'"


def translate(condition: Condition) -> str:
    """A Myoscope condition tree as a rule-engine expression."""
    if isinstance(condition, AllCondition):
        return "(" + " and ".join(translate(c) for c in condition.all) + ")"
    if isinstance(condition, AnyCondition):
        return "(" + " or ".join(translate(c) for c in condition.any) + ")"
    if isinstance(condition, NotCondition):
        return "(not " + translate(condition.not_) + ")"
    assert isinstance(condition, Leaf)
    f, op, v = _name(condition.fact), condition.op, condition.value
    simple = {"is": "==", "eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
    if op in simple:
        return f"({f} {simple[op]} {_lit(v)})"
    if op == "between":
        return f"({f} >= {_lit(v[0])} and {f} <= {_lit(v[1])})"
    if op == "in":
        return "(" + " or ".join(f"{f} == {_lit(x)}" for x in v) + ")"
    if op == "includes":
        return f"({_lit(v)} in {f})"
    if op == "includes_any":
        return "(" + " or ".join(f"{_lit(x)} in {f}" for x in v) + ")"
    if op == "present":
        return "true"  # completed facts are always present
    if op == "absent":
        return "false"
    raise ValueError(op)


def complete(facts: dict[str, Any]) -> dict[str, Any]:
    """Fill every unknown fact with a default so both engines see two-valued input."""
    defaults = {FactType.NUMBER: 60.0, FactType.BOOL: False, FactType.SET: frozenset()}
    full = dict(facts)
    for name, spec in FACTS.items():
        if name in full:
            continue
        if spec.type is FactType.ENUM:
            full[name] = spec.allowed[0]
        elif spec.type is FactType.PARTIAL_SET:
            full[name] = PartialSet()
        else:
            full[name] = defaults[spec.type]
    conditions: PartialSet = full["conditions"]
    full["conditions"] = PartialSet(conditions.present, frozenset())
    return full


def peer_input(facts: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name, value in facts.items():
        if isinstance(value, PartialSet):
            value = value.present
        out[_name(name)] = set(value) if isinstance(value, frozenset) else value
    return out


def percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def main() -> int:
    import rule_engine  # type: ignore[import-not-found, import-untyped, unused-ignore]  # the peer, from the "bench" group

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    started = time.perf_counter()
    kb = load_knowledge_base()
    load_s = time.perf_counter() - started
    profiles = generate_profiles(args.profiles, args.seed, kb)
    print(
        f"Myoscope engine benchmark: {args.profiles} generated profiles (seed {args.seed}), "
        f"{len(kb.rules)} rules, knowledge base {kb.version}"
    )
    print(
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"rule-engine {rule_engine.__version__}; knowledge base loaded in {load_s * 1000:.0f} ms"
    )

    for profile in profiles[:50]:  # warm caches
        assess_profile(profile, kb)
    # The harness holds all N input profiles in memory, which a real process does not; freeze
    # them so that collector passes over the harness's own batch are not charged to one
    # assessment. (The knowledge base froze itself when it was loaded.)
    gc.collect()
    gc.freeze()
    durations = []
    for profile in profiles:
        t0 = time.perf_counter()
        assess_profile(profile, kb)
        durations.append((time.perf_counter() - t0) * 1000)
    durations.sort()
    print("\n1. End-to-end assessment (ms per profile)")
    print(
        f"   mean {statistics.fmean(durations):.2f}  p50 {percentile(durations, 0.5):.2f}  "
        f"p95 {percentile(durations, 0.95):.2f}  p99 {percentile(durations, 0.99):.2f}  "
        f"max {durations[-1]:.2f}  -> target < 20 ms: "
        f"{'met' if durations[-1] < 20 else 'NOT met'} (max), "
        f"{'met' if percentile(durations, 0.99) < 20 else 'NOT met'} (p99); "
        f"{sum(d >= 20 for d in durations)} of {len(durations)} at or over 20 ms"
    )

    fact_sets = [complete(derive_facts(p, resolve_profile(p, kb), kb)) for p in profiles]
    compiled = [(rule, rule_engine.Rule(translate(rule.when))) for rule in kb.rules]
    peer_sets = [peer_input(f) for f in fact_sets]

    ours_compiled = compile_rules(kb.rules)
    t0 = time.perf_counter()
    ours = [ours_compiled.evaluate(facts) for facts in fact_sets]
    ours_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    theirs = [[rule.matches(facts) for _, rule in compiled] for facts in peer_sets]
    theirs_s = time.perf_counter() - t0

    disagreements = 0
    for findings, matches in zip(ours, theirs, strict=True):
        for finding, match in zip(findings, matches, strict=True):
            if (finding.status is RuleStatus.FIRES) != match:
                disagreements += 1
    evaluations = len(profiles) * len(kb.rules)
    print(
        "\n2. Rule evaluation, both engines with pre-compiled rules, on the same completed facts "
        f"({evaluations:,} rule evaluations)"
    )
    print(
        f"   myoscope     {ours_s:7.2f} s  {ours_s / len(profiles) * 1000:6.2f} ms/profile  "
        f"{evaluations / ours_s:>12,.0f} rules/s"
    )
    print(
        f"   rule-engine  {theirs_s:7.2f} s  {theirs_s / len(profiles) * 1000:6.2f} ms/profile  "
        f"{evaluations / theirs_s:>12,.0f} rules/s"
    )
    print(
        f"   ratio: myoscope is {theirs_s / ours_s:.2f}x the speed of rule-engine; "
        f"disagreements: {disagreements}"
    )
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
