"""The steps that turn rule findings into options, alerts, causes and missing information.

Private to :mod:`myoscope.rules.assess`, which orders the steps and assembles the document.
Wording the steps write themselves comes from the knowledge base's message templates.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from myoscope.domain.assessment import Alert, Cause, EvidenceGrade
from myoscope.domain.facts import PartialSet
from myoscope.domain.profile import PatientProfile
from myoscope.knowledge.base import KnowledgeBase, bare_id
from myoscope.knowledge.schema import Drug, Evidence, Line, Rule, Severity, Status
from myoscope.rules._organs import OrganSteps
from myoscope.rules.conditions import Truth
from myoscope.rules.engine import Finding, RuleStatus
from myoscope.rules.explain import profile_field, trace_lines
from myoscope.rules.facts import Resolution

LINE_ORDER = {
    Line.ACUTE: 0,
    Line.FIRST: 1,
    Line.SECOND: 2,
    Line.ADJUNCT: 3,
    Line.THIRD: 4,
    Line.REFRACTORY: 5,
}
# Ranking tiers: an add-on to what is taken is discussed alongside switching to a second line.
RANK_TIER = {**LINE_ORDER, Line.ADJUNCT: LINE_ORDER[Line.SECOND]}
STATUS_ORDER = {Status.SUGGESTED: 0, Status.CAUTION: 1, Status.AVOID: 2, Status.CONTRAINDICATED: 3}
SEVERITY_ORDER = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}
STRENGTH_ORDER = {"high": 0, "moderate": 1, "low": 2, "very-low": 3}
# The assessment contract's words for the strength of a cause (the spec's example says "strong").
CAUSE_WORDS = {"high": "strong", "moderate": "moderate", "low": "weak"}


@dataclass
class Candidate:
    """A treatment option while the assessment is being built."""

    treatment: str
    line: Line
    preference: int
    evidence: Evidence | None
    reasons: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    status: Status = Status.SUGGESTED
    taking_now: bool = False
    failed_before: bool = False
    gated: bool = False
    at_risk: bool = False  # an avoid/contraindicated check is pending missing information
    asked_only: bool = False  # shown only because it was asked about
    line_reason: bool = False
    standard_dosing: bool = True
    add_on_to: list[str] = field(default_factory=list)

    def raise_status(self, status: Status) -> None:
        """Raise the status to ``status`` if that is stricter (never lower it)."""
        if STATUS_ORDER[status] > STATUS_ORDER[self.status]:
            self.status = status

    def add(self, reason: str, sources: tuple[str, ...] | list[str] = ()) -> None:
        """Add a reason (once) and its sources."""
        if reason not in self.reasons:
            self.reasons.append(reason)
        self.sources.extend(s for s in sources if s not in self.sources)


@dataclass
class Builder(OrganSteps):
    """Mutable state of one assessment while its steps run."""

    kb: KnowledgeBase
    audience: str
    facts: dict[str, Any]
    resolution: Resolution
    profile: PatientProfile
    candidates: dict[str, Candidate] = field(default_factory=dict)
    alerts: dict[str, Alert] = field(default_factory=dict)
    missing: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    context: set[str] = field(default_factory=set)
    unsafe_active: set[str] = field(default_factory=set)  # taken now but avoid/contraindicated

    # -- wording ---------------------------------------------------------------------------------

    def says(self, text: Any) -> str:
        """Return the patient or clinician wording of a ``Says``."""
        return str(getattr(text, self.audience))

    def text(self, key: str, **fields: Any) -> str:
        """Return a message template in the audience's wording, filled with ``fields``."""
        return self.says(self.kb.messages[key].says).format(**fields)

    def message_alert(
        self,
        key: str,
        *,
        ident: str,
        kind: str,
        severity: str,
        subjects: list[str],
        sources: list[str] | None = None,
        detail: str | None = None,
        **fields: Any,
    ) -> Alert:
        """Build an alert whose summary and detail come from a message template."""
        template = self.kb.messages[key]
        return Alert(
            id=ident,
            kind=kind,
            severity=severity,
            subjects=subjects,
            summary=self.text(key, **fields),
            detail=detail if detail is not None else (template.detail or "").format(**fields),
            sources=[*(sources or []), *(s for s in template.sources if s not in (sources or []))],
        )

    def grade(self, evidence: Evidence | None) -> EvidenceGrade | None:
        """Return the evidence grade as the assessment shows it."""
        if evidence is None:
            return None
        level = self.kb.scale_level(evidence.scale, evidence.level)
        return EvidenceGrade(
            system=self.kb.scales[evidence.scale].name,
            level=evidence.level,
            description=self.says(level) if level is not None else "",
        )

    def strength(self, evidence: Evidence | None) -> int:
        """Rank of an evidence grade (0 = high; missing grades last)."""
        level = self.kb.scale_level(evidence.scale, evidence.level) if evidence else None
        return STRENGTH_ORDER[level.strength] if level else len(STRENGTH_ORDER)

    def name(self, ident: str) -> str:
        """Display name of an id."""
        return self.kb.name_of(ident)

    # -- bookkeeping -----------------------------------------------------------------------------

    def add_alert(self, alert: Alert) -> None:
        """Add an alert; the same id twice merges the subjects."""
        existing = self.alerts.get(alert.id)
        if existing is None:
            self.alerts[alert.id] = alert
        else:
            subjects = list(dict.fromkeys([*existing.subjects, *alert.subjects]))
            self.alerts[alert.id] = existing.model_copy(update={"subjects": subjects})

    def ask(self, profile_field: str, why: str) -> None:
        """Record that ``profile_field`` is needed, and for what."""
        if why not in self.missing[profile_field]:
            self.missing[profile_field].append(why)

    def cause_options(self) -> set[str]:
        """Return the manifest's "review the cause" options (ranked first in their line)."""
        links = (self.kb.manifest.cause_review_option, self.kb.manifest.condition_cause_option)
        return {link for link in links if link is not None}

    def relevant(self) -> set[str]:
        """Options shown, medicines taken and treatments asked about."""
        return set(self.candidates) | set(self.resolution.active) | set(self.resolution.asks_about)

    # -- options ---------------------------------------------------------------------------------

    def add_treatment_lines(self, fired: list[Finding]) -> None:
        """Candidates from the treatment-line rules that fired, merged by treatment."""
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
                    cand = Candidate(spec.treatment, spec.line, spec.preference, spec.evidence)
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
                if spec.treatment in self.cause_options():
                    cand.preference = 0
                if self.audience == "clinician" or not cand.line_reason:
                    cand.add(self.says(spec.says), spec.evidence.references)
                    cand.line_reason = True
                else:
                    cand.sources.extend(
                        r for r in spec.evidence.references if r not in cand.sources
                    )
                if gated and not cand.gated:
                    cand.gated = True
                    cand.add(self.text("reason.refractory-gate", count=rule.refractory_after))

    def add_causes(self, fired: list[Finding]) -> list[Cause]:
        """Causes to review from the possible-cause rules, and the "review the cause" options."""
        causes: dict[str, dict[str, Any]] = {}
        conditions: PartialSet = self.facts["conditions"]
        rules_by_kind: dict[str, list[Rule]] = {"drug": [], "condition": []}
        for finding in fired:
            rule = finding.rule
            if rule.cause is None:
                continue
            target = rule.cause.target
            if target.startswith("condition:"):
                kind, found = "condition", ([target] if target in conditions.present else [])
            else:
                kind = "drug"
                found = sorted(d for d in self.resolution.active if target in self.kb.expand(d))
            if not found:
                continue
            rules_by_kind[kind].append(rule)
            for ident in found:
                entry = causes.setdefault(
                    ident, {"kind": kind, "strength": "low", "summary": [], "sources": []}
                )
                if STRENGTH_ORDER[rule.cause.strength] < STRENGTH_ORDER[entry["strength"]]:
                    entry["strength"] = str(rule.cause.strength)
                if (text := self.says(rule.says)) not in entry["summary"]:
                    entry["summary"].append(text)
                entry["sources"] += [
                    r for r in rule.evidence.references if r not in entry["sources"]
                ]
            self.add_alert(self.rule_alert(finding, [bare_id(i) for i in found]))
        links = {
            "drug": self.kb.manifest.cause_review_option,
            "condition": self.kb.manifest.condition_cause_option,
        }
        for kind, link in links.items():
            rules = rules_by_kind[kind]
            if link is None or not rules:
                continue
            best = min(rules, key=lambda r: self.strength(r.evidence))
            cand = self.candidates.get(link) or Candidate(link, Line.FIRST, 0, best.evidence)
            cand.line, cand.preference = Line.FIRST, 0
            self.candidates[link] = cand
            for ident, entry in sorted(causes.items()):
                if entry["kind"] == kind:
                    cand.add(
                        self.text(
                            f"reason.cause-review-{kind}",
                            name=self.name(ident),
                            strength=CAUSE_WORDS[entry["strength"]],
                        ),
                        entry["sources"],
                    )
        ordered = sorted(causes.items(), key=lambda kv: (STRENGTH_ORDER[kv[1]["strength"]], kv[0]))
        return [
            Cause(
                id=bare_id(i),
                kind=e["kind"],
                strength=CAUSE_WORDS[e["strength"]],
                summary=" ".join(e["summary"]),
                sources=e["sources"],
            )
            for i, e in ordered
        ]

    def add_asked(self) -> None:
        """Every treatment asked about gets an option entry, whatever its status."""
        for ident in self.resolution.asks_about:
            if ident in self.candidates:
                self.candidates[ident].add(self.text("reason.asked"))
                continue
            entry = self.kb.treatments[ident]
            role = (
                entry.summary
                if not isinstance(entry, Drug)
                else (entry.treatment.role if entry.treatment else None)
            )
            if role is None:  # pragma: no cover - kb.treatments holds treatment drugs only
                continue
            cand = Candidate(ident, Line.THIRD, 99, None, asked_only=True)
            cand.add(self.text("reason.asked-not-usual"), role.sources)
            cand.raise_status(Status.CAUTION)
            self.candidates[ident] = cand
            self.add_alert(
                self.message_alert(
                    "alert.not-established",
                    ident=f"not-established-{bare_id(ident)}",
                    kind="evidence",
                    severity="info",
                    subjects=[bare_id(ident)],
                    sources=list(role.sources),
                    detail=role.summary,
                    name=self.name(ident),
                )
            )

    def apply_taken(self) -> None:
        """Drugs taken now are not re-suggested, and no second drug of the same mechanism."""
        active = self.resolution.active
        self.context = {i for i in active if i in self.candidates}
        for ident in sorted(active):
            if ident in self.candidates:
                if ident in self.resolution.asks_about:
                    self.candidates[ident].taking_now = True
                    self.candidates[ident].add(self.text("reason.taking-now"))
                else:
                    del self.candidates[ident]
            for other, cand in self.candidates.items():
                mechanism = self.same_mechanism(ident, other)
                if mechanism is None:
                    continue
                cand.raise_status(Status.AVOID)
                self.add_alert(
                    self.message_alert(
                        "alert.duplicate-mechanism",
                        ident=f"duplicate-mechanism-{bare_id(other)}",
                        kind="interaction",
                        severity="warning",
                        subjects=[bare_id(other), bare_id(ident)],
                        option=self.name(other),
                        taken=self.name(ident),
                        mechanism=self.name(mechanism),
                    )
                )

    def same_mechanism(self, first: str, second: str) -> str | None:
        """Return the mechanism class two different treatment drugs share, or None."""
        one, other = self.kb.drugs.get(first), self.kb.drugs.get(second)
        if first == second or one is None or other is None or one.treatment is None:
            return None
        return one.mechanism if one.mechanism and one.mechanism == other.mechanism else None

    def check_taken_duplicates(self) -> None:
        """Two medicines taken now with the same mechanism (e.g. gabapentin and pregabalin)."""
        taken = sorted(self.resolution.active)
        for i, first in enumerate(taken):
            for second in taken[i + 1 :]:
                mechanism = self.same_mechanism(first, second)
                if mechanism is None:
                    continue
                self.add_alert(
                    self.message_alert(
                        "alert.duplicate-taken",
                        ident=f"duplicate-taken-{bare_id(first)}-{bare_id(second)}",
                        kind="interaction",
                        severity="warning",
                        subjects=[bare_id(first), bare_id(second)],
                        first=self.name(first),
                        second=self.name(second),
                        mechanism=self.name(mechanism),
                    )
                )

    def add_add_on_reasons(self) -> None:
        """Say which drug an option would be added to (only for options still open)."""
        for ident in sorted(self.context - self.unsafe_active):
            mech = self.kb.drugs[ident].mechanism if ident in self.kb.drugs else None
            for other, cand in self.candidates.items():
                other_drug = self.kb.drugs.get(other)
                if (
                    other_drug is None
                    or other_drug.treatment is None
                    or other_drug.mechanism == mech
                    or cand.status not in (Status.SUGGESTED, Status.CAUTION)
                    or cand.asked_only
                    or cand.line is Line.ACUTE
                ):
                    continue
                cand.add_on_to.append(bare_id(ident))
                if self.audience == "clinician":
                    cand.add(
                        self.text(
                            "reason.add-on",
                            drug=self.name(ident),
                            mechanism=self.name(other_drug.mechanism or ""),
                        )
                    )

    def apply_history(self) -> None:
        """Earlier intolerance or failure, and drug allergies."""
        for ident, cand in self.candidates.items():
            note = self.resolution.notes.get(ident)
            extra = f" ({note})" if note else ""
            if ident in self.resolution.effective_stopped:
                cand.add(self.text("reason.effective-before", note=extra))
            for outcome, kind, severity in (
                ("not-tolerated", "contraindication", "warning"),
                ("ineffective", "evidence", "info"),
            ):
                tried = (
                    self.resolution.not_tolerated
                    if outcome == "not-tolerated"
                    else self.resolution.ineffective
                )
                if ident not in tried:
                    continue
                cand.failed_before = True
                cand.raise_status(Status.CAUTION)
                cand.add(self.text(f"reason.{outcome}-before", note=extra))
                self.add_alert(
                    self.message_alert(
                        f"alert.{outcome}-before",
                        ident=f"{outcome}-before-{bare_id(ident)}",
                        kind=kind,
                        severity=severity,
                        subjects=[bare_id(ident)],
                        name=self.name(ident),
                        note=extra,
                    )
                )
                break
        for ident in sorted(self.resolution.drug_allergies):
            if ident in self.candidates:
                self.candidates[ident].raise_status(Status.CONTRAINDICATED)
                self.add_alert(
                    self.message_alert(
                        "alert.allergy",
                        ident=f"allergy-{bare_id(ident)}",
                        kind="contraindication",
                        severity="critical",
                        subjects=[bare_id(ident)],
                        name=self.name(ident),
                    )
                )

    # -- rule alerts -----------------------------------------------------------------------------

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
        listed = finding.rule.subjects
        for item in listed:
            if item.startswith("class:"):
                subjects += sorted(bare_id(d) for d in self.relevant() if item in self.kb.expand(d))
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
            held = self.facts.get(leaf.fact)
            if isinstance(held, PartialSet):
                held = held.present
            for value in values:
                if not isinstance(value, str) or ":" not in value:
                    continue
                if value.startswith("class:"):
                    taken = [d for d in self.resolution.active if value in self.kb.expand(d)]
                    found += [bare_id(m) for m in sorted(taken)]
                elif not isinstance(held, frozenset) or value in held:
                    found.append(bare_id(value))
        return found

    def based_on(self, finding: Finding) -> list[str]:
        """Readable trace lines of a finding (see :func:`myoscope.rules.explain.trace_lines`)."""
        return trace_lines(finding, self.kb, self.resolution.active)

    def rule_alert(self, finding: Finding, subjects: list[str] | None = None) -> Alert:
        """Build the alert of a rule that fired."""
        rule = finding.rule
        return Alert(
            id=bare_id(rule.id),
            kind=str(rule.kind),
            severity=str(rule.severity),
            subjects=self.rule_subjects(finding, subjects or []),
            summary=self.says(rule.says),
            detail=rule.because,
            sources=list(rule.evidence.references),
            evidence=self.grade(rule.evidence),
            rule_version=rule.version,
            based_on=self.based_on(finding),
        )

    def apply_rules(self, findings: tuple[Finding, ...]) -> None:
        """Effects and alerts of every alert rule that fired or could not be decided."""
        relevant = self.relevant()  # statuses change below; which options exist does not
        for finding in findings:
            rule = finding.rule
            if rule.options or rule.cause is not None or finding.status is RuleStatus.SILENT:
                continue
            hits: list[str] = []
            for effect in rule.effects:
                hits += sorted(m for m in self.kb.members(effect.target) if m in relevant)
            if rule.alert_relevance == "targets" and not hits:
                continue
            if finding.status is RuleStatus.UNDETERMINED:
                self.undetermined(finding, hits)
                continue
            for effect in rule.effects:
                for member in self.kb.members(effect.target):
                    if member in self.resolution.active and effect.status != "caution":
                        self.unsafe_active.add(member)
                    if member in self.candidates:
                        cand = self.candidates[member]
                        cand.raise_status(Status(effect.status))
                        if not effect.standard_dosing and cand.standard_dosing:
                            cand.standard_dosing = False
                            cand.add(self.text("reason.dosing-withheld", rule=rule.title))
            self.add_alert(self.rule_alert(finding, hits))

    def undetermined(self, finding: Finding, hits: list[str]) -> None:
        """Handle a check that could not be completed: caution its targets, ask what is missing."""
        rule = finding.rule
        blocking = {
            m
            for e in rule.effects
            if e.status in ("avoid", "contraindicated")
            for m in self.kb.members(e.target)
        }
        for member in hits:
            if member in self.candidates:
                self.candidates[member].raise_status(Status.CAUTION)
                if member in blocking:
                    self.candidates[member].at_risk = True
        fields = sorted({profile_field(m) for m in finding.missing})
        what = ", ".join(self.name(h) for h in hits) if hits else rule.title
        for name in fields:
            self.ask(name, what)
        if not rule.effects:
            # Without effects nothing on screen needs explaining: the missing fields are listed.
            return
        alert = self.message_alert(
            "alert.not-checked",
            ident=f"{bare_id(rule.id)}-not-checked",
            kind="missing-information",
            severity="warning"
            if rule.severity in (Severity.CRITICAL, Severity.WARNING)
            else "info",
            subjects=self.rule_subjects(finding, hits),
            sources=list(rule.evidence.references),
            detail=self.says(rule.says),
            title=rule.title[0].lower() + rule.title[1:],
            fields=", ".join(f"'{f}'" for f in fields),
        )
        self.add_alert(
            alert.model_copy(
                update={
                    "evidence": self.grade(rule.evidence),
                    "rule_version": rule.version,
                    "based_on": self.based_on(finding),
                }
            )
        )

    def add_claims(self) -> None:
        """Add an evidence alert for each unsupported claim about a treatment asked about."""
        asked = set(self.resolution.asks_about)
        for claim in self.kb.claims.values():
            if claim.verdict == "supported" or not asked.intersection(claim.about):
                continue
            self.add_alert(
                Alert(
                    id=bare_id(claim.id),
                    kind="evidence",
                    severity="warning" if claim.verdict in ("wrong", "unsupported") else "info",
                    subjects=[bare_id(a) for a in claim.about],
                    summary=self.says(claim.says),
                    detail=f"Claim: \u201c{claim.claim}\u201d Verdict: {claim.verdict}.",
                    sources=list(claim.evidence.references),
                    evidence=self.grade(claim.evidence),
                )
            )
