"""From a profile to an assessment: the engine's single entry point, a pure function.

Order of work, safety first:

1. red flags (``urgent``), then causes to review (medicines and conditions that can cause
   myoclonus) with a "review the cause" option ranked first;
2. candidate options from the treatment-line rules that fired, merged by treatment (best line);
3. the person's factors: rules with effects (contraindications, aggravation, interactions) raise a
   status; an undetermined check makes its targets ``caution`` and asks for the missing fact;
   kidney and liver function cap doses; earlier intolerance or failure, allergies, and drugs of a
   mechanism already taken (no second drug of the same class) change the status;
4. ranking in guideline order (treatments that failed before move the next line forward),
   alerts sorted by severity and evidence, missing information.
"""

from __future__ import annotations

from functools import lru_cache

from myoscope.domain.assessment import (
    Alert,
    Assessment,
    KbStamp,
    MissingInformation,
    Option,
    Unrecognized,
    UnrecognizedItem,
    Urgent,
)
from myoscope.domain.profile import PatientProfile
from myoscope.knowledge.base import KnowledgeBase, bare_id
from myoscope.knowledge.schema import RuleKind, Severity, Status
from myoscope.rules._builder import (
    RANK_TIER,
    SEVERITY_ORDER,
    STATUS_ORDER,
    STRENGTH_ORDER,
    Builder,
    Candidate,
)
from myoscope.rules.engine import CompiledRules, RuleStatus, compile_rules
from myoscope.rules.facts import derive_facts, resolve_profile

__all__ = ["assess_profile"]


def assess_profile(
    profile: PatientProfile, kb: KnowledgeBase, *, audience: str = "patient"
) -> Assessment:
    """Assess one profile: urgent care, causes, options, alerts and what is missing.

    Parameters
    ----------
    profile : PatientProfile
        The person's profile.
    kb : KnowledgeBase
        The loaded knowledge base.
    audience : {"patient", "clinician"}
        Whose wording to use.

    Returns
    -------
    Assessment
        The assessment document of the specification. Deterministic: the same profile and
        knowledge base always give the same document.

    Raises
    ------
    InvalidInputError
        When the profile names an unknown etiology.
    """
    resolution = resolve_profile(profile, kb)
    facts = derive_facts(profile, resolution, kb)
    findings = _compiled(kb).evaluate(facts)
    fired = [f for f in findings if f.status is RuleStatus.FIRES]
    b = Builder(kb, audience, facts, resolution, profile)

    b.add_treatment_lines([f for f in fired if f.rule.kind is RuleKind.TREATMENT_LINE])
    causes = b.add_causes(fired)
    b.add_asked()
    b.apply_taken()
    b.apply_history()
    b.apply_rules(findings)
    b.check_taken_organs()
    b.check_taken_duplicates()
    dosing = b.apply_organs()
    b.check_dosing_scope()
    b.check_current_doses()
    b.add_add_on_reasons()
    b.add_claims()
    urgent = [b.says(f.rule.says) for f in fired if f.rule.urgent]

    for cand in b.candidates.values():
        if cand.status in (Status.AVOID, Status.CONTRAINDICATED):
            cand.reasons.insert(0, b.text("reason.not-for-you"))
    options = [
        Option(
            id=bare_id(c.treatment),
            name=kb.name_of(c.treatment),
            rank=rank,
            line=str(c.line),
            status=str(c.status),
            mechanism=_mechanism(kb, c.treatment),
            reasons=c.reasons,
            evidence=b.grade(c.evidence),
            dosing=dosing.get(c.treatment)
            if c.status in (Status.SUGGESTED, Status.CAUTION)
            else None,
            sources=c.sources,
            taking_now=c.taking_now,
            add_on_to=c.add_on_to,
        )
        for rank, c in enumerate(sorted(b.candidates.values(), key=lambda c: _rank_key(b, c)), 1)
    ]
    alerts = sorted(
        b.alerts.values(),
        key=lambda a: (SEVERITY_ORDER[Severity(a.severity)], _alert_strength(kb, a), a.id),
    )
    missing = [
        MissingInformation(field=name, why=b.text("missing.why", checks=", ".join(whys)))
        for name, whys in sorted(b.missing.items())
    ]
    unrecognized = {
        kind: [UnrecognizedItem(name=u.name, did_you_mean=list(u.did_you_mean)) for u in items]
        for kind, items in resolution.unrecognized.items()
    }
    return Assessment(
        kb=KbStamp(version=kb.version, sha256=kb.sha256),
        audience=audience,
        urgent=Urgent(refer=bool(urgent), reasons=urgent),
        options=options,
        alerts=alerts,
        causes_to_review=causes,
        missing_information=missing,
        unrecognized=Unrecognized(**unrecognized),
        disclaimer=b.says(kb.manifest.disclaimer),
    )


def _rank_key(b: Builder, c: Candidate) -> tuple[int, bool, bool, bool, int, int, int, int, str]:
    """Options to discuss first, then avoid, then contraindicated; within them guideline order.

    A treatment that failed before moves the next line forward, and one whose contraindication
    check waits on missing information (say, pregnancy status) comes after those that are clear.
    """
    usable = c.status in (Status.SUGGESTED, Status.CAUTION)
    return (
        0 if usable else STATUS_ORDER[c.status],
        c.asked_only,
        c.failed_before,
        c.at_risk,
        RANK_TIER[c.line],
        STATUS_ORDER[c.status],
        c.preference,
        b.strength(c.evidence),
        c.treatment,
    )


@lru_cache(maxsize=8)
def _compiled(kb: KnowledgeBase) -> CompiledRules:
    """Compile the knowledge base's rules once (the cache keeps the knowledge base alive)."""
    return compile_rules(kb.rules)


def _mechanism(kb: KnowledgeBase, ident: str) -> str | None:
    entry = kb.drugs.get(ident) or kb.interventions.get(ident)
    mech = getattr(entry, "mechanism", None)
    return bare_id(mech) if mech else None


def _alert_strength(kb: KnowledgeBase, alert: Alert) -> int:
    """Rank of an alert's evidence strength (0 = high); alerts without a grade come last."""
    if alert.evidence is None:
        return len(STRENGTH_ORDER)
    scale = next((sid for sid, s in kb.scales.items() if s.name == alert.evidence.system), "")
    level = kb.scale_level(scale, alert.evidence.level)
    return STRENGTH_ORDER[level.strength] if level else len(STRENGTH_ORDER)
