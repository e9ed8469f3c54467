"""From a profile to an assessment: the engine's single entry point, a pure function.

Order of work, safety first:

1. red flags (``urgent``), then causes to review (medicines and conditions that can cause
   myoclonus) with a "review the cause" option ranked first;
2. candidate options from the treatment-line rules that fired, merged by treatment (best line);
3. the person's factors: rules with effects (contraindications, aggravation, interactions) raise a
   status; an undetermined check makes its targets ``caution`` and asks for the missing fact;
   kidney and liver function cap doses; earlier intolerance or failure, allergies, and drugs of a
   mechanism already taken (no second drug of the same class) change the status;
4. ranking in guideline order, alerts sorted by severity and evidence, missing information.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from myoscope.domain.assessment import (
    Alert,
    Assessment,
    Cause,
    Dosing,
    EvidenceGrade,
    KbStamp,
    MissingInformation,
    Option,
    Unrecognized,
    UnrecognizedItem,
    Urgent,
)
from myoscope.domain.facts import FACTS, PartialSet
from myoscope.domain.profile import PatientProfile
from myoscope.knowledge.base import KnowledgeBase, bare_id
from myoscope.knowledge.schema import (
    Drug,
    Evidence,
    Line,
    OrganAction,
    Rule,
    RuleKind,
    Severity,
    Status,
)
from myoscope.rules.conditions import Truth
from myoscope.rules.dosing import adjust_dosing, find_hepatic_adjustment, find_renal_adjustment
from myoscope.rules.engine import CompiledRules, Finding, RuleStatus, compile_rules
from myoscope.rules.facts import DERIVED_CONDITION_FIELDS, Resolution, derive_facts, resolve_profile

__all__ = ["assess_profile"]

LINE_ORDER = {
    Line.ACUTE: 0,
    Line.FIRST: 1,
    Line.SECOND: 2,
    Line.ADJUNCT: 3,
    Line.THIRD: 4,
    Line.REFRACTORY: 5,
}
STATUS_ORDER = {Status.SUGGESTED: 0, Status.CAUTION: 1, Status.AVOID: 2, Status.CONTRAINDICATED: 3}
SEVERITY_ORDER = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}
STRENGTH_ORDER = {"high": 0, "moderate": 1, "low": 2, "very-low": 3}
_ORGAN_STATUS = {
    OrganAction.CAUTION: Status.CAUTION,
    OrganAction.AVOID: Status.AVOID,
    OrganAction.CONTRAINDICATED: Status.CONTRAINDICATED,
}


@dataclass
class _Candidate:
    treatment: str
    line: Line
    preference: int
    evidence: Evidence | None
    reasons: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    status: Status = Status.SUGGESTED
    taking_now: bool = False
    failed_before: bool = False

    def raise_status(self, status: Status) -> None:
        if STATUS_ORDER[status] > STATUS_ORDER[self.status]:
            self.status = status

    def add(self, reason: str, sources: tuple[str, ...] | list[str] = ()) -> None:
        if reason not in self.reasons:
            self.reasons.append(reason)
        self.sources.extend(s for s in sources if s not in self.sources)


@dataclass
class _Builder:
    kb: KnowledgeBase
    audience: str
    facts: dict[str, Any]
    resolution: Resolution
    profile: PatientProfile
    candidates: dict[str, _Candidate] = field(default_factory=dict)
    alerts: dict[str, Alert] = field(default_factory=dict)
    missing: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    context: set[str] = field(default_factory=set)

    # -- helpers --------------------------------------------------------------------------------

    def says(self, text: Any) -> str:
        return str(getattr(text, self.audience))

    def grade(self, evidence: Evidence | None) -> EvidenceGrade | None:
        if evidence is None:
            return None
        return EvidenceGrade(system=self.kb.scales[evidence.scale].name, level=evidence.level)

    def strength(self, evidence: Evidence | None) -> int:
        level = self.kb.scale_level(evidence.scale, evidence.level) if evidence else None
        return STRENGTH_ORDER[level.strength] if level else len(STRENGTH_ORDER)

    def name(self, ident: str) -> str:
        return self.kb.name_of(ident)

    def add_alert(self, alert: Alert) -> None:
        existing = self.alerts.get(alert.id)
        if existing is None:
            self.alerts[alert.id] = alert
        else:
            subjects = list(dict.fromkeys([*existing.subjects, *alert.subjects]))
            self.alerts[alert.id] = existing.model_copy(update={"subjects": subjects})

    def ask(self, profile_field: str, why: str) -> None:
        if why not in self.missing[profile_field]:
            self.missing[profile_field].append(why)

    def relevant(self) -> set[str]:
        return set(self.candidates) | set(self.resolution.active) | set(self.resolution.asks_about)

    # -- steps ----------------------------------------------------------------------------------

    def add_treatment_lines(self, fired: list[Finding]) -> None:
        tried = self.resolution.ineffective | self.resolution.not_tolerated
        for finding in fired:
            rule = finding.rule
            core = {o.treatment for o in rule.options if o.line is not Line.REFRACTORY}
            failures = len(core & tried)
            for spec in rule.options:
                gated = (
                    spec.line is Line.REFRACTORY
                    and rule.refractory_after is not None
                    and failures < rule.refractory_after
                )
                if gated and spec.treatment not in self.resolution.asks_about:
                    continue
                cand = self.candidates.get(spec.treatment)
                if cand is None:
                    cand = _Candidate(spec.treatment, spec.line, spec.preference, spec.evidence)
                    self.candidates[spec.treatment] = cand
                elif (LINE_ORDER[spec.line], spec.preference) < (
                    LINE_ORDER[cand.line],
                    cand.preference,
                ):
                    cand.line, cand.preference, cand.evidence = (
                        spec.line,
                        spec.preference,
                        spec.evidence,
                    )
                cand.add(self.says(spec.says), spec.evidence.references)
                if gated and not any(
                    r.startswith("Usually considered only after") for r in cand.reasons
                ):
                    cand.add(
                        f"Usually considered only after {rule.refractory_after} adequate trials of "
                        "the first medicines."
                    )

    def add_causes(self, fired: list[Finding]) -> list[Cause]:
        causes: dict[str, dict[str, Any]] = {}
        active = self.resolution.active
        conditions: PartialSet = self.facts["conditions"]
        drug_rules: list[Rule] = []
        condition_rules: list[Rule] = []
        for finding in fired:
            rule = finding.rule
            if rule.cause is None:
                continue
            target = rule.cause.target
            if target.startswith("condition:"):
                found = [target] if target in conditions.present else []
                kind = "condition"
            else:
                found = sorted(d for d in active if target in self.kb.expand(d))
                kind = "drug"
            if not found:
                continue
            (condition_rules if kind == "condition" else drug_rules).append(rule)
            for ident in found:
                entry = causes.setdefault(
                    ident, {"kind": kind, "strength": "low", "summary": [], "sources": []}
                )
                if STRENGTH_ORDER[rule.cause.strength] < STRENGTH_ORDER[entry["strength"]]:
                    entry["strength"] = str(rule.cause.strength)
                text = self.says(rule.says)
                if text not in entry["summary"]:
                    entry["summary"].append(text)
                entry["sources"] += [
                    r for r in rule.evidence.references if r not in entry["sources"]
                ]
            self.add_alert(self.rule_alert(finding, subjects=[bare_id(i) for i in found]))
        for link, rules, kind in (
            (self.kb.manifest.cause_review_option, drug_rules, "drug"),
            (self.kb.manifest.condition_cause_option, condition_rules, "condition"),
        ):
            if link is None or not rules:
                continue
            best = min(rules, key=lambda r: self.strength(r.evidence))
            cand = self.candidates.get(link) or _Candidate(link, Line.FIRST, 0, best.evidence)
            cand.line, cand.preference = Line.FIRST, 0
            self.candidates[link] = cand
            for ident, entry in sorted(causes.items()):
                if entry["kind"] != kind:
                    continue
                verb = "Review" if kind == "drug" else "Look into"
                who = " with the prescriber" if kind == "drug" else " with your doctor"
                cand.add(
                    f"{verb} {self.name(ident)}{who}: it may be causing the myoclonus "
                    f"({entry['strength']} association).",
                    entry["sources"],
                )
        return [
            Cause(
                id=bare_id(i),
                kind=e["kind"],
                strength=e["strength"],
                summary=" ".join(e["summary"]),
                sources=e["sources"],
            )
            for i, e in sorted(
                causes.items(), key=lambda kv: (STRENGTH_ORDER[kv[1]["strength"]], kv[0])
            )
        ]

    def add_asked(self) -> None:
        for ident in self.resolution.asks_about:
            if ident in self.candidates:
                self.candidates[ident].add(self.says_plain("You asked about this.", "Asked about."))
                continue
            entry = self.kb.treatments[ident]
            if isinstance(entry, Drug):
                if (
                    entry.treatment is None
                ):  # pragma: no cover - kb.treatments holds treatment drugs
                    continue
                role = entry.treatment.role
            else:
                role = entry.summary
            cand = _Candidate(ident, Line.THIRD, 99, None)
            cand.add(
                self.says_plain(
                    "You asked about this. It is not among the usual treatments for your type of "
                    "myoclonus.",
                    "Asked about; not among the evidence-based options for this physiology/etiology.",
                ),
                role.sources,
            )
            cand.raise_status(Status.CAUTION)
            self.candidates[ident] = cand
            self.add_alert(
                Alert(
                    id=f"not-established-{bare_id(ident)}",
                    kind="evidence",
                    severity="info",
                    subjects=[bare_id(ident)],
                    summary=self.says_plain(
                        f"{self.name(ident)} is not an established treatment for this kind of myoclonus.",
                        f"{self.name(ident)}: no rule of the knowledge base places it for this "
                        "physiology/etiology.",
                    ),
                    detail=role.summary,
                    sources=list(role.sources),
                )
            )

    def says_plain(self, patient: str, clinician: str) -> str:
        return patient if self.audience == "patient" else clinician

    def apply_taken(self) -> None:
        """Drugs taken now: no second drug of the same mechanism; others become add-ons."""
        active = self.resolution.active
        context = {i for i in active if i in self.candidates}
        for ident in sorted(active):
            drug = self.kb.drugs.get(ident)
            if ident in self.candidates:
                cand = self.candidates[ident]
                if ident in self.resolution.asks_about:
                    cand.taking_now = True
                    cand.add(self.says_plain("You take this now.", "Taken now."))
                else:
                    del self.candidates[ident]
            if drug is None or drug.mechanism is None or drug.treatment is None:
                continue
            for other, cand in self.candidates.items():
                other_drug = self.kb.drugs.get(other)
                if other == ident or other_drug is None or other_drug.mechanism != drug.mechanism:
                    continue
                cand.raise_status(Status.AVOID)
                mech = self.name(drug.mechanism)
                self.add_alert(
                    Alert(
                        id=f"duplicate-mechanism-{bare_id(other)}",
                        kind="interaction",
                        severity="warning",
                        subjects=[bare_id(other), bare_id(ident)],
                        summary=self.says_plain(
                            f"{self.name(other)} works the same way as {self.name(ident)}, which you "
                            "already take; adding it is not advised. A medicine that works differently "
                            "is a better add-on.",
                            f"Same mechanism class ({mech}) as {self.name(ident)}, taken now: no second "
                            "drug of one class; prefer an add-on of a different mechanism.",
                        ),
                        detail=f"Combinations of complementary mechanisms are used in myoclonus; "
                        f"duplicating {mech} adds side effects without a new mechanism.",
                        sources=["ref:kojovic-2011", "ref:caviness-2014"],
                    )
                )
        self.context = context

    def add_add_on_reasons(self) -> None:
        """Say which drug an option would be added to (only for options still open)."""
        for ident in sorted(self.context):
            mech = self.kb.drugs[ident].mechanism if ident in self.kb.drugs else None
            for other, cand in self.candidates.items():
                other_drug = self.kb.drugs.get(other)
                if (
                    other_drug is None
                    or other_drug.treatment is None
                    or other_drug.mechanism == mech
                    or cand.status not in (Status.SUGGESTED, Status.CAUTION)
                ):
                    continue
                cand.add(
                    self.says_plain(
                        f"Would be added to {self.name(ident)}, which you take now; it works differently.",
                        f"Add-on to {self.name(ident)} (taken now): different mechanism "
                        f"({self.name(other_drug.mechanism or '')}).",
                    )
                )

    def apply_history(self) -> None:
        for ident, cand in self.candidates.items():
            note = self.resolution.notes.get(ident)
            extra = f" ({note})" if note else ""
            if ident in self.resolution.not_tolerated:
                cand.failed_before = True
                cand.raise_status(Status.CAUTION)
                self.add_alert(
                    Alert(
                        id=f"not-tolerated-before-{bare_id(ident)}",
                        kind="contraindication",
                        severity="warning",
                        subjects=[bare_id(ident)],
                        summary=self.says_plain(
                            f"You did not tolerate {self.name(ident)} before{extra}. Talk about why "
                            "before trying it again.",
                            f"Previously not tolerated{extra}: a relative contraindication; re-challenge "
                            "only with a reason (e.g. a lower start dose).",
                        ),
                        detail="Earlier intolerance is recorded in the profile.",
                        sources=[],
                    )
                )
            elif ident in self.resolution.ineffective:
                cand.failed_before = True
                cand.raise_status(Status.CAUTION)
                self.add_alert(
                    Alert(
                        id=f"ineffective-before-{bare_id(ident)}",
                        kind="evidence",
                        severity="info",
                        subjects=[bare_id(ident)],
                        summary=self.says_plain(
                            f"{self.name(ident)} did not help you before{extra}; other options come first.",
                            f"Previously ineffective{extra}: the next line moves forward; retry only if "
                            "the earlier dose or duration was inadequate.",
                        ),
                        detail="Earlier failure is recorded in the profile.",
                        sources=[],
                    )
                )
        for ident in sorted(self.resolution.drug_allergies):
            if ident in self.candidates:
                self.candidates[ident].raise_status(Status.CONTRAINDICATED)
                self.add_alert(
                    Alert(
                        id=f"allergy-{bare_id(ident)}",
                        kind="contraindication",
                        severity="critical",
                        subjects=[bare_id(ident)],
                        summary=self.says_plain(
                            f"You have an allergy to {self.name(ident)} recorded.",
                            f"Recorded allergy to {self.name(ident)}: contraindicated.",
                        ),
                        detail="Hypersensitivity to the active substance is a contraindication.",
                        sources=[],
                    )
                )

    def rule_subjects(self, finding: Finding, targets: list[str]) -> list[str]:
        """Return the ids a finding is about.

        Its relevant targets, what matched in its trace, and those of the rule's listed subjects
        that apply to this person (all of them when none does).
        """
        subjects = [bare_id(t) for t in targets] + self.trace_subjects(finding)
        conditions: PartialSet = self.facts["conditions"]
        undetermined = finding.status is RuleStatus.UNDETERMINED
        known = (
            conditions.present
            | (conditions.unknown if undetermined else frozenset())
            | self.facts.get("myoclonus.etiology", frozenset())
            | self.relevant()
        )

        def members(item: str) -> list[str]:
            return sorted(bare_id(d) for d in self.relevant() if item in self.kb.expand(d))

        listed = finding.rule.subjects
        for item in listed:
            if item.startswith("class:"):
                subjects += members(item)
            elif item in known:
                subjects.append(bare_id(item))
        if not subjects:
            subjects = [bare_id(item) for item in listed]
        return list(dict.fromkeys(subjects))

    def trace_subjects(self, finding: Finding) -> list[str]:
        """Ids that matched in the true leaves of a finding's trace (classes as the drugs taken)."""
        found: list[str] = []
        for leaf in finding.trace:
            if leaf.outcome is not Truth.TRUE or not isinstance(leaf.expected, str | list):
                continue
            values = leaf.expected if isinstance(leaf.expected, list) else [leaf.expected]
            for value in values:
                if not isinstance(value, str) or ":" not in value:
                    continue
                held = self.facts.get(leaf.fact)
                if isinstance(held, PartialSet):
                    held = held.present
                if value.startswith("class:"):
                    taken = [d for d in self.resolution.active if value in self.kb.expand(d)]
                    found += [bare_id(m) for m in sorted(taken)]
                elif not isinstance(held, frozenset) or value in held:
                    found.append(bare_id(value))
        return found

    def based_on(self, finding: Finding) -> list[str]:
        """Readable trace lines: each leaf that was true or unknown, with what matched."""
        lines = []
        for leaf in finding.trace:
            if leaf.outcome is Truth.FALSE:
                continue
            expected = _show(leaf.expected)
            if leaf.outcome is Truth.UNKNOWN:
                shown = "not recorded"
            elif isinstance(leaf.actual, list):
                wanted = leaf.expected if isinstance(leaf.expected, list) else [leaf.expected]
                matched: list[str] = []
                for w in wanted:
                    if w not in leaf.actual:
                        continue
                    if str(w).startswith("class:") and leaf.fact.startswith("medications."):
                        matched += sorted(
                            d for d in self.resolution.active if w in self.kb.expand(d)
                        )
                    else:
                        matched.append(str(w))
                names = ", ".join(dict.fromkeys(bare_id(m) for m in matched))
                shown = f"yes ({names})" if names else "yes"
            else:
                shown = _show(leaf.actual)
            lines.append(f"{leaf.fact} {leaf.op} {expected}: {shown}")
        return lines

    def rule_alert(self, finding: Finding, subjects: list[str] | None = None) -> Alert:
        rule = finding.rule
        refs = list(rule.evidence.references)
        return Alert(
            id=bare_id(rule.id),
            kind=str(rule.kind),
            severity=str(rule.severity),
            subjects=self.rule_subjects(finding, subjects or []),
            summary=self.says(rule.says),
            detail=rule.because,
            sources=refs,
            evidence=self.grade(rule.evidence),
            rule_version=rule.version,
            based_on=self.based_on(finding),
        )

    def apply_rules(self, findings: tuple[Finding, ...]) -> None:
        for finding in findings:
            rule = finding.rule
            if rule.kind in (RuleKind.TREATMENT_LINE, RuleKind.POSSIBLE_CAUSE):
                continue
            if finding.status is RuleStatus.SILENT:
                continue
            relevant = self.relevant()
            hits: list[str] = []
            for effect in rule.effects:
                members = self.kb.members(effect.target)
                hits += sorted(m for m in members if m in relevant)
            if rule.alert_relevance == "targets" and not hits:
                continue
            if finding.status is RuleStatus.FIRES:
                for effect in rule.effects:
                    for member in self.kb.members(effect.target):
                        if member in self.candidates:
                            self.candidates[member].raise_status(Status(effect.status))
                self.add_alert(self.rule_alert(finding, hits))
            else:
                self.undetermined(finding, hits)

    def undetermined(self, finding: Finding, hits: list[str]) -> None:
        rule = finding.rule
        for member in hits:
            if member in self.candidates and rule.effects:
                self.candidates[member].raise_status(Status.CAUTION)
        fields = sorted({_profile_field(m) for m in finding.missing})
        what = (hits and ", ".join(self.name(h) for h in hits)) or rule.title
        for profile_field in fields:
            self.ask(profile_field, what if hits else rule.title)
        if not rule.effects:
            # Without effects nothing on screen needs explaining: the missing fields are listed.
            return
        severity = "warning" if rule.severity in (Severity.CRITICAL, Severity.WARNING) else "info"
        recorded = ", ".join(f"'{f}'" for f in fields)
        self.add_alert(
            Alert(
                id=f"{bare_id(rule.id)}-not-checked",
                kind="missing-information",
                severity=severity,
                subjects=self.rule_subjects(finding, hits),
                summary=self.says_plain(
                    f"Not checked yet: {rule.title.lower()}. Add {recorded} to your profile to "
                    "complete this check.",
                    f"Undetermined: {rule.title}. Record {recorded} to complete the check.",
                ),
                detail=self.says(rule.says),
                sources=list(rule.evidence.references),
                evidence=self.grade(rule.evidence),
                rule_version=rule.version,
                based_on=self.based_on(finding),
            )
        )

    def renal_estimate(self) -> tuple[float | None, str | None]:
        if self.profile.egfr_ml_min is not None:
            return self.profile.egfr_ml_min, None
        conditions: PartialSet = self.facts["conditions"]
        lows: list[tuple[float, str]] = []
        for ident in sorted(conditions.present):
            entry = self.kb.conditions.get(ident)
            if entry is not None and entry.egfr_range_ml_min is not None:
                lows.append((entry.egfr_range_ml_min[0], ident))
        if not lows:
            return None, None
        low, source = min(lows)
        return low, source

    def apply_organs(self) -> dict[str, Dosing | None]:
        dosing: dict[str, Dosing | None] = {}
        conditions: PartialSet = self.facts["conditions"]
        egfr, estimated_from = self.renal_estimate()
        dialysis = "condition:dialysis" in conditions.present
        hepatic = self.profile.hepatic_impairment
        hepatic_value = str(hepatic) if hepatic is not None else None
        for ident, cand in self.candidates.items():
            drug = self.kb.drugs.get(ident)
            if drug is None or drug.treatment is None:
                dosing[ident] = None
                continue
            renal = find_renal_adjustment(drug, egfr, on_dialysis=dialysis)
            liver = find_hepatic_adjustment(drug, hepatic_value)
            info = drug.treatment.renal
            if info is not None and egfr is None and not dialysis and info.clearance == "major":
                self.ask("egfr_ml_min", f"dosing of {drug.name}")
                if any(a.action in _ORGAN_STATUS for a in info.adjustments):
                    cand.raise_status(Status.CAUTION)
                    self.organ_alert(drug, "renal", None, missing=True)
            if estimated_from is not None and renal is not None:
                cand.add(
                    self.says_plain(
                        f"Kidney function taken as eGFR {egfr:g} mL/min from "
                        f"'{self.name(estimated_from)}'; a measured value would be more exact.",
                        f"eGFR assumed {egfr:g} mL/min (lower bound of {self.name(estimated_from)}); "
                        "record a measured eGFR.",
                    )
                )
                self.ask("egfr_ml_min", f"exact dosing of {drug.name}")
            hep_info = drug.treatment.hepatic
            if (
                hep_info is not None
                and hep_info.adjustments
                and hepatic_value is None
                and "condition:liver-disease" in conditions.present
            ):
                self.ask("hepatic_impairment", f"dosing of {drug.name}")
            for organ, adj in (("renal", renal), ("hepatic", liver)):
                if adj is None or adj.action is OrganAction.NONE:
                    continue
                status = _ORGAN_STATUS.get(adj.action)
                if status is not None:
                    cand.raise_status(status)
                cand.add(adj.note)
                self.organ_alert(drug, organ, adj.action, note=adj.note)
            weight = self.profile.weight_kg
            adjusted = adjust_dosing(drug, renal=renal, hepatic=liver, weight_kg=weight)
            if (
                drug.treatment.dosing is not None
                and drug.treatment.dosing.unit == "mg/kg"
                and weight is None
            ):
                self.ask("weight_kg", f"dosing of {drug.name}")
            dosing[ident] = (
                None
                if adjusted is None
                else Dosing(
                    start_mg_per_day=adjusted.start_mg_per_day,
                    step_mg=adjusted.step_mg,
                    step_interval_days=adjusted.step_interval_days,
                    target_mg_per_day=adjusted.target_mg_per_day,
                    max_mg_per_day=adjusted.max_mg_per_day,
                    doses_per_day=adjusted.doses_per_day,
                    adjusted_for=list(adjusted.adjusted_for),
                    notes=list(adjusted.notes),
                )
            )
        return dosing

    def organ_alert(
        self,
        drug: Drug,
        organ: str,
        action: OrganAction | None,
        *,
        note: str = "",
        missing: bool = False,
    ) -> None:
        treatment = drug.treatment
        info = (treatment.renal if organ == "renal" else treatment.hepatic) if treatment else None
        sources = list(info.sources) if info is not None else []
        condition = "renal-impairment" if organ == "renal" else "liver-disease"
        if missing:
            self.add_alert(
                Alert(
                    id=f"{bare_id(drug.id)}-renal-not-checked",
                    kind="missing-information",
                    severity="warning",
                    subjects=[bare_id(drug.id), condition],
                    summary=self.says_plain(
                        f"Your kidney function is not recorded; {drug.name} cannot be checked or dosed "
                        "for it. Add 'egfr_ml_min' to your profile.",
                        f"eGFR unknown: {drug.name} is renally cleared and has eGFR limits; record "
                        "egfr_ml_min.",
                    ),
                    detail="The dose or use of this medicine depends on kidney function.",
                    sources=sources,
                )
            )
            return
        taking = drug.id in self.resolution.active
        severity = "info"
        if action in (OrganAction.CAUTION, OrganAction.AVOID):
            severity = "warning"
        if action is OrganAction.CONTRAINDICATED:
            severity = "critical" if taking else "warning"
        organ_word = {"renal": "kidney", "hepatic": "liver"}[organ]
        self.add_alert(
            Alert(
                id=f"{bare_id(drug.id)}-{organ}",
                kind="dose-adjustment",
                severity=severity,
                subjects=[bare_id(drug.id), condition],
                summary=self.says_plain(
                    f"{drug.name.capitalize()}: your {organ_word} function changes how it can be used. {note}",
                    f"{drug.name} ({organ} function, action {action}): {note}",
                ),
                detail=note,
                sources=sources,
            )
        )

    def add_claims(self) -> None:
        asked = set(self.resolution.asks_about)
        for claim in self.kb.claims.values():
            if claim.verdict == "supported" or not asked.intersection(claim.about):
                continue
            severity = "warning" if claim.verdict in ("wrong", "unsupported") else "info"
            self.add_alert(
                Alert(
                    id=bare_id(claim.id),
                    kind="evidence",
                    severity=severity,
                    subjects=[bare_id(a) for a in claim.about],
                    summary=self.says(claim.says),
                    detail=f"Claim: \u201c{claim.claim}\u201d Verdict: {claim.verdict}.",
                    sources=list(claim.evidence.references),
                    evidence=self.grade(claim.evidence),
                )
            )


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple | set | frozenset):
        return "[" + ", ".join(bare_id(str(v)) for v in value) + "]"
    if isinstance(value, str):
        return bare_id(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def _profile_field(missing: str) -> str:
    if "[" in missing:
        fact, member = missing.rstrip("]").split("[", 1)
        return DERIVED_CONDITION_FIELDS.get(member, FACTS[fact].profile_field or fact)
    spec = FACTS.get(missing)
    return (spec.profile_field or missing) if spec else missing


def _mechanism(kb: KnowledgeBase, ident: str) -> str | None:
    entry = kb.drugs.get(ident) or kb.interventions.get(ident)
    mech = getattr(entry, "mechanism", None)
    return bare_id(mech) if mech else None


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
    b = _Builder(kb, audience, facts, resolution, profile)

    reasons = [b.says(f.rule.says) for f in fired if f.rule.urgent]
    b.add_treatment_lines([f for f in fired if f.rule.kind is RuleKind.TREATMENT_LINE])
    causes = b.add_causes(fired)
    b.add_asked()
    b.apply_taken()
    b.apply_history()
    b.apply_rules(findings)
    dosing = b.apply_organs()
    b.add_add_on_reasons()
    b.add_claims()
    for finding in fired:
        if finding.rule.kind is RuleKind.RED_FLAG:
            b.add_alert(b.rule_alert(finding))

    ranked = sorted(
        b.candidates.values(),
        key=lambda c: (
            0 if c.status in (Status.SUGGESTED, Status.CAUTION) else STATUS_ORDER[c.status],
            c.failed_before,  # a treatment that failed before moves the next line forward
            LINE_ORDER[c.line],
            STATUS_ORDER[c.status],
            c.preference,
            b.strength(c.evidence),
            c.treatment,
        ),
    )
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
        )
        for rank, c in enumerate(ranked, start=1)
    ]
    alerts = sorted(
        b.alerts.values(),
        key=lambda a: (
            SEVERITY_ORDER[Severity(a.severity)],
            _alert_strength(kb, a),
            a.id,
        ),
    )
    missing = [
        MissingInformation(field=name, why="needed to check " + ", ".join(whys))
        for name, whys in sorted(b.missing.items())
    ]
    unrecognized = {
        kind: [UnrecognizedItem(name=u.name, did_you_mean=list(u.did_you_mean)) for u in items]
        for kind, items in resolution.unrecognized.items()
    }
    return Assessment(
        kb=KbStamp(version=kb.version, sha256=kb.sha256),
        audience=audience,
        urgent=Urgent(refer=bool(reasons), reasons=reasons),
        options=options,
        alerts=alerts,
        causes_to_review=causes,
        missing_information=missing,
        unrecognized=Unrecognized(**unrecognized),
        disclaimer=b.says(kb.manifest.disclaimer),
    )


@lru_cache(maxsize=8)
def _compiled(kb: KnowledgeBase) -> CompiledRules:
    """Compile the knowledge base's rules once (the cache keeps the knowledge base alive)."""
    return compile_rules(kb.rules)


def _alert_strength(kb: KnowledgeBase, alert: Alert) -> int:
    """Rank of an alert's evidence strength (0 = high); alerts without a grade come last."""
    if alert.evidence is None:
        return len(STRENGTH_ORDER)
    level = kb.scale_level(_scale_id(kb, alert.evidence.system), alert.evidence.level)
    return STRENGTH_ORDER[level.strength] if level else len(STRENGTH_ORDER)


def _scale_id(kb: KnowledgeBase, system: str) -> str:
    return next((sid for sid, s in kb.scales.items() if s.name == system), system)
