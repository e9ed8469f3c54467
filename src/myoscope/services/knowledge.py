"""Look things up in the knowledge base: monographs, references, checks and JSON Schemas."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from myoscope.domain.facts import PartialSet
from myoscope.domain.profile import PatientProfile
from myoscope.errors import NotFoundError, Problem
from myoscope.knowledge import (
    KnowledgeBase,
    bare_id,
    check_knowledge_base,
    load_knowledge_base,
    read_knowledge_base,
)
from myoscope.knowledge.loader import bundled_root
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
    Reference,
    Rule,
)
from myoscope.rules.dosing import (
    TitrationPlan,
    adjust_dosing,
    compute_titration,
    find_hepatic_adjustment,
    find_renal_adjustment,
)
from myoscope.rules.engine import RuleStatus, evaluate_rules
from myoscope.rules.examples import check_rule_examples
from myoscope.rules.facts import organ_facts

__all__ = [
    "Monograph",
    "TitrationAdvice",
    "check_bundled_knowledge_base",
    "get_monograph",
    "get_reference",
    "json_schemas",
    "list_treatments",
    "plan_titration",
]

SCHEMA_MODELS: dict[str, type[BaseModel]] = {
    "profile": PatientProfile,
    "manifest": Manifest,
    "evidence-scales": EvidenceScales,
    "classification": Classification,
    "reference": Reference,
    "class": ClassEntry,
    "condition": ConditionEntry,
    "etiology": Etiology,
    "drug": Drug,
    "intervention": Intervention,
    "claim": Claim,
    "rule": Rule,
}


@dataclass(frozen=True)
class Monograph:
    """A treatment with the rules and claims that concern it."""

    entry: Drug | Intervention
    rules: tuple[Rule, ...]
    claims: tuple[Claim, ...]


def _treatment_id(kb: KnowledgeBase, name: str) -> str:
    ident = kb.medicine_names.lookup(name)
    if ident is None or ident not in kb.treatments:
        close = kb.medicine_names.suggest(name)
        known = [bare_id(t) for t in sorted(kb.treatments)]
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        extra = "" if ident is None else f" ('{name}' is known, but is not a myoclonus treatment.)"
        raise NotFoundError(
            f"Unknown treatment '{name}'.{extra}{hint} Known treatments: {', '.join(known)}."
        )
    return ident


def list_treatments(kb: KnowledgeBase | None = None) -> list[Drug | Intervention]:
    """Return every treatment (drugs with a treatment section, then interventions) by name."""
    kb = kb or load_knowledge_base()
    return sorted(kb.treatments.values(), key=lambda t: (isinstance(t, Intervention), t.name))


def get_monograph(name: str, kb: KnowledgeBase | None = None) -> Monograph:
    """Return the monograph of a treatment given by id, name, brand or synonym.

    Raises
    ------
    NotFoundError
        When the name is not a known treatment (with close names).
    """
    kb = kb or load_knowledge_base()
    ident = _treatment_id(kb, name)
    expanded = kb.expand(ident)
    rules = tuple(
        r
        for r in kb.rules
        if any(e.target in expanded for e in r.effects)
        or any(o.treatment == ident for o in r.options)
        or (r.cause is not None and r.cause.target in expanded)
    )
    claims = tuple(c for c in kb.claims.values() if ident in c.about)
    return Monograph(kb.treatments[ident], rules, claims)


def get_reference(key: str, kb: KnowledgeBase | None = None) -> Reference:
    """Return a reference by key (``ref:caviness-2014`` or ``caviness-2014``).

    Raises
    ------
    NotFoundError
        When no reference has that key (with close keys).
    """
    kb = kb or load_knowledge_base()
    ident = key if key.startswith("ref:") else f"ref:{key}"
    if ident not in kb.references:
        from myoscope.errors import suggest

        close = suggest(ident, sorted(kb.references))
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise NotFoundError(f"Unknown source key '{key}'.{hint} Keys look like ref:caviness-2014.")
    return kb.references[ident]


@dataclass(frozen=True)
class TitrationAdvice:
    """A titration plan with what limits it, or the reasons there is none.

    ``plan`` is None when the drug must not be used at this kidney or liver function; ``blocked``
    then says why (rule wording), and ``notes`` hold cautions and dose limits either way.
    """

    drug: str
    plan: TitrationPlan | None
    notes: tuple[str, ...]
    blocked: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    headline: str = ""


def plan_titration(
    name: str,
    *,
    egfr_ml_min: float | None = None,
    hepatic: str | None = None,
    weight_kg: float | None = None,
    on_dialysis: bool = False,
    age_years: int | None = None,
    audience: str = "patient",
    kb: KnowledgeBase | None = None,
) -> TitrationAdvice:
    """Return a titration plan for a drug, with the safety rules for kidney and liver applied.

    Parameters
    ----------
    name : str
        The drug's id, name, brand or synonym.
    egfr_ml_min : float, optional
        eGFR or creatinine clearance in mL/min.
    hepatic : {"none", "mild", "moderate", "severe"}, optional
        Child-Pugh class.
    weight_kg : float, optional
        Body weight in kg, for drugs dosed per kg.
    on_dialysis : bool
        Whether the person is on dialysis.
    age_years : int, optional
        Age; older adults get the label's older-adult schedule, and children no adult plan.
    audience : {"patient", "clinician"}
        Whose wording to use for the rules' messages.

    Returns
    -------
    TitrationAdvice
        The plan (None when a rule or a dose band rules the drug out), notes and reasons.

    Raises
    ------
    NotFoundError
        For an unknown drug, one with no oral daily dosing, or a per-kg drug without a weight.
    """
    kb = kb or load_knowledge_base()
    ident = _treatment_id(kb, name)
    drug = kb.drugs.get(ident)
    if drug is None or drug.treatment is None or drug.treatment.dosing is None:
        raise NotFoundError(
            f"'{kb.name_of(ident)}' has no oral daily dosing to titrate in the knowledge base "
            f"(see 'myoscope treatments {bare_id(ident)}')."
        )
    if drug.treatment.dosing.unit == "mg/kg" and weight_kg is None:
        raise NotFoundError(
            f"{drug.name} is dosed per kg of body weight: pass --weight-kg to compute a plan."
        )
    derivation = kb.manifest.derivation
    if age_years is not None and age_years < derivation.adult_min_age_years:
        raise NotFoundError(
            f"The plans are adult label dosing; at age {age_years} doses depend on weight and "
            "are set by a children's specialist, so no plan is given."
        )
    older = age_years is not None and age_years >= derivation.older_adult_min_age_years
    facts = organ_facts(kb, egfr_ml_min, hepatic, on_dialysis=on_dialysis)
    if older:
        conditions = facts["conditions"]
        facts["conditions"] = PartialSet(
            conditions.present | kb.implied_conditions("condition:older-adult"), conditions.unknown
        )
    expanded = kb.expand(ident)
    targeting = [r for r in kb.rules if any(e.target in expanded for e in r.effects)]
    blocked: list[str] = []
    notes: list[str] = []
    for finding in evaluate_rules(targeting, facts):
        if finding.status is not RuleStatus.FIRES:
            continue
        statuses = {e.status for e in finding.rule.effects if e.target in expanded}
        said = str(getattr(finding.rule.says, audience))
        (blocked if statuses & {"avoid", "contraindicated"} else notes).append(said)
    renal = find_renal_adjustment(drug, egfr_ml_min, on_dialysis=on_dialysis)
    liver = find_hepatic_adjustment(drug, hepatic)
    age_adj = drug.treatment.older_adults if older else None
    for adj in (renal, liver, age_adj):
        if adj is None:
            continue
        (blocked if adj.action in ("avoid", "contraindicated") else notes).append(adj.note)
    renal_info = drug.treatment.renal
    if (
        egfr_ml_min is None
        and not on_dialysis
        and renal_info is not None
        and renal_info.clearance == "major"
    ):
        notes.append(
            "Kidney function not given: the plan is not adjusted for it. Pass --egfr to check."
        )
    dosing = (
        None
        if blocked
        else adjust_dosing(drug, renal=renal, hepatic=liver, weight_kg=weight_kg, older_adult=older)
    )
    plan = compute_titration(drug, dosing) if dosing is not None else None
    warnings: list[str] = []
    messages = kb.messages

    def text(key: str, **fields: str) -> str:
        return str(getattr(messages[key].says, audience)).format(**fields)

    if not any(o.treatment == ident for r in kb.rules for o in r.options):
        warnings.append(text("titrate.not-a-treatment", name=drug.name[0].upper() + drug.name[1:]))
    for rule in targeting:
        if rule.kind == "aggravation":
            warnings.append(
                text("titrate.may-worsen", title=rule.title, text=getattr(rule.says, audience))
            )
    given = [
        w for w, v in (("kidney", egfr_ml_min is not None or on_dialysis), ("liver", hepatic)) if v
    ]
    function = " and ".join(given) + " function" if given else "kidney or liver function"
    headline = text("titrate.no-plan", name=drug.name, function=function)
    return TitrationAdvice(
        drug.name,
        plan,
        tuple(dict.fromkeys(notes)),
        tuple(dict.fromkeys(blocked)),
        tuple(dict.fromkeys(warnings)),
        headline,
    )


def check_bundled_knowledge_base(root: Path | None = None) -> list[Problem]:
    """Check a knowledge base (the bundled one by default): files, references, rule examples."""
    problems = check_knowledge_base(root if root is not None else bundled_root())
    if any(p.level == "error" for p in problems):
        return problems
    kb = load_knowledge_base() if root is None else read_knowledge_base(root)
    for result in check_rule_examples(kb):
        if not result.passed:
            problems.append(
                Problem(
                    kb.paths.get(result.rule.id, result.rule.id),
                    f"examples[{result.example.name}]",
                    result.message,
                )
            )
    return problems


def json_schemas() -> dict[str, dict[str, Any]]:
    """Return the JSON Schema of the profile and of every knowledge-base file kind."""
    return {name: model.model_json_schema() for name, model in SCHEMA_MODELS.items()}
