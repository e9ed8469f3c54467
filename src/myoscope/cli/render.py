"""Render assessments, monographs and plans as text for a terminal.

Every line that states a clinical fact ends with its source keys; ``myoscope sources KEY`` prints
the full reference.
"""

from __future__ import annotations

import textwrap

from myoscope.domain.assessment import Assessment, Dosing, EvidenceGrade
from myoscope.knowledge import KnowledgeBase, bare_id
from myoscope.knowledge.schema import Drug, Reference
from myoscope.services.knowledge import Monograph, TitrationAdvice

__all__ = ["render_assessment", "render_monograph", "render_reference", "render_titration"]

WIDTH = 96


def _wrap(text: str, indent: str, width: int = WIDTH) -> list[str]:
    return textwrap.wrap(text, width=width, initial_indent=indent, subsequent_indent=indent + "  ")


def _refs(sources: list[str] | tuple[str, ...]) -> str:
    return f" [{', '.join(sources)}]" if sources else ""


def _num(value: float) -> str:
    return f"{value:g}"


def _grade(evidence: EvidenceGrade) -> str:
    return evidence.description.rstrip(".") or f"{evidence.system} level {evidence.level}"


def _doses(n: int) -> str:
    return "once a day" if n == 1 else f"in {n} doses a day"


def _dosing(d: Dosing) -> str:
    steps = (
        f", increase by {_num(d.step_mg)} mg every {d.step_interval_days} days" if d.step_mg else ""
    )
    start = " (as a single dose)" if d.start_doses_per_day == 1 and d.doses_per_day > 1 else ""
    adjusted = f"; adjusted for {', '.join(d.adjusted_for)}" if d.adjusted_for else ""
    return (
        f"start {_num(d.start_mg_per_day)} mg/day{start}{steps}, usual target "
        f"{_num(d.target_mg_per_day)} mg/day, maximum {_num(d.max_mg_per_day)} mg/day, "
        f"{_doses(d.doses_per_day)}{adjusted}"
    )


def render_assessment(a: Assessment) -> str:
    """Return the assessment as text: urgent care first, then causes, options, alerts."""
    patient = a.audience == "patient"
    out: list[str] = [f"Myoscope assessment (knowledge base {a.kb.version}, {a.audience} view)", ""]
    if a.urgent.refer:
        out.append(
            "URGENT: you need medical help; each point says how soon."
            if patient
            else "URGENT REFERRAL"
        )
        for reason in a.urgent.reasons:
            out += _wrap(f"- {reason}", "  ")
        out.append("")
    if a.causes_to_review:
        out.append("Possible causes to review first" + (" with your doctor" if patient else ""))
        for cause in a.causes_to_review:
            out += _wrap(
                f"- {cause.id} ({cause.kind}, {cause.strength} association): "
                f"{cause.summary}{_refs(cause.sources)}",
                "  ",
            )
        out.append("")
    out.append("Options, in the order to discuss" if patient else "Options (ranked)")
    if not a.options:
        out.append("  (none: record the type or cause of the myoclonus to get options)")
    for o in a.options:
        taking = ", taken now" if o.taking_now else ""
        add_on = f", add-on to {', '.join(o.add_on_to)}" if o.add_on_to else ""
        out.append(f"  {o.rank}. {o.name} [{o.id}]: {o.line} line, {o.status}{taking}{add_on}")
        for reason in o.reasons:
            out += _wrap(f"- {reason}", "     ")
        if o.dosing is not None:
            out += _wrap(f"Dosing: {_dosing(o.dosing)}", "     ")
            if not patient:
                out += [line for note in o.dosing.notes for line in _wrap(f"  {note}", "     ")]
        grade = f"Evidence: {_grade(o.evidence)}. " if o.evidence else ""
        if grade or o.sources:
            out += _wrap(f"{grade}Sources:{_refs(o.sources) or ' none'}", "     ")
    out.append("")
    # Possible causes are listed in their own section above; the other alerts follow.
    alerts = [alert for alert in a.alerts if alert.kind != "possible-cause"]
    if alerts:
        out.append("Alerts")
        for alert in alerts:
            subjects = f" ({', '.join(alert.subjects)})" if alert.subjects else ""
            out += _wrap(
                f"[{alert.severity}] {alert.kind}{subjects}: {alert.summary}{_refs(alert.sources)}",
                "  ",
            )
            if not patient:
                out += [line for b in alert.based_on for line in _wrap(f"based on: {b}", "      ")]
        out.append("")
    if a.missing_information:
        out.append("What is missing" + (" (add it to your profile)" if patient else ""))
        for item in a.missing_information:
            out += _wrap(f"- {item.field}: {item.why}", "  ")
        out.append("")
    unrecognized = [
        (kind, item)
        for kind in ("medications", "conditions", "allergies", "previous_treatments", "asks_about")
        for item in getattr(a.unrecognized, kind)
    ]
    if unrecognized:
        out.append("Not recognised, so NOT checked")
        for kind, item in unrecognized:
            hint = f" Did you mean: {', '.join(item.did_you_mean)}?" if item.did_you_mean else ""
            out += _wrap(f"- {kind.replace('_', ' ')} '{item.name}'.{hint}", "  ")
        out.append("")
    out += _wrap(a.disclaimer, "")
    return "\n".join(out)


def render_monograph(m: Monograph, kb: KnowledgeBase) -> str:
    """Return a treatment's monograph as text."""
    e = m.entry
    out = [f"{e.name} [{bare_id(e.id)}]", ""]
    if e.synonyms:
        out += _wrap(f"Also called: {', '.join(e.synonyms)}", "")
    if isinstance(e, Drug):
        if e.brands:
            out += _wrap(f"Brands: {', '.join(e.brands)}", "")
        classes = [kb.name_of(c) for c in ((e.mechanism,) if e.mechanism else ()) + e.classes]
        out += _wrap(f"Mechanism and classes: {', '.join(classes)}", "")
        if e.codes:
            out.append(
                "Codes: " + ", ".join(f"{k.upper()} {v}" for k, v in sorted(e.codes.items()))
            )
        t = e.treatment
        if t is not None:
            out += ["", *_wrap(f"Role: {t.role.summary}{_refs(t.role.sources)}", "")]
            if t.dosing is not None:
                d = t.dosing
                unit = "mg/kg/day" if d.unit == "mg/kg" else "mg/day"
                out += _wrap(
                    f"Adult dosing: start {_num(d.start_per_day)} {unit}, increase by {_num(d.step)} {unit} every "
                    f"{d.step_interval_days} days, usual target {_num(d.target_per_day)} {unit}, "
                    f"maximum {_num(d.max_per_day)} {unit}, {_doses(d.doses_per_day)}"
                    f"{_refs(d.sources)}",
                    "",
                )
                out += [line for n in d.notes for line in _wrap(f"- {n}", "  ")]
            if t.renal is not None:
                out.append(f"Kidneys (clearance {t.renal.clearance}){_refs(t.renal.sources)}:")
                for b in t.renal.adjustments:
                    band = f"eGFR {_num(b.egfr_min_ml_min)}-{_num(b.egfr_max_ml_min)} mL/min"
                    band += " (dialysis)" if b.dialysis else ""
                    out += _wrap(f"- {band}: {b.action}. {b.note}", "  ")
            if t.hepatic is not None:
                out.append(f"Liver (Child-Pugh){_refs(t.hepatic.sources)}:")
                for h in t.hepatic.adjustments:
                    out += _wrap(f"- {h.severity}: {h.action}. {h.note}", "  ")
            ae = t.adverse_effects
            out += _wrap(f"Common side effects: {', '.join(ae.common) or 'none listed'}", "")
            if ae.serious:
                out += _wrap(
                    f"Serious side effects: {', '.join(ae.serious)}{_refs(ae.sources)}", ""
                )
            out += _wrap(f"Pregnancy: {t.pregnancy.summary}{_refs(t.pregnancy.sources)}", "")
            if t.dependence is not None:
                dep = t.dependence
                out += _wrap(
                    f"Tolerance: {dep.tolerance} Dependence: {dep.dependence} "
                    f"Withdrawal: {dep.withdrawal}{_refs(dep.sources)}",
                    "",
                )
            for mon in t.monitoring:
                out += _wrap(f"Monitoring: {mon.what}{_refs(mon.sources)}", "")
            if t.driving is not None:
                out += _wrap(f"Driving: {t.driving.summary}{_refs(t.driving.sources)}", "")
            for c in t.other_cautions:
                out += _wrap(f"Caution: {c.summary}{_refs(c.sources)}", "")
    else:
        out += ["", *_wrap(f"{e.summary.summary}{_refs(e.summary.sources)}", "")]
        for c in e.considerations:
            out += _wrap(f"- {c.summary}{_refs(c.sources)}", "")
    if m.rules:
        out += ["", "Rules that concern it (contraindications, cautions, interactions, lines):"]
        for r in m.rules:
            label = str(r.kind) + (f", {r.severity}" if r.severity else "")
            out += _wrap(
                f"- {bare_id(r.id)} ({label}): {r.says.clinician}{_refs(r.evidence.references)}",
                "  ",
            )
    if m.claims:
        out += ["", "Popular claims:"]
        for claim in m.claims:
            out += _wrap(
                f"- \u201c{claim.claim}\u201d {claim.verdict}: {claim.says.clinician}"
                f"{_refs(claim.evidence.references)}",
                "  ",
            )
    out += ["", *_wrap(kb.manifest.disclaimer.clinician, "")]
    return "\n".join(out)


def render_titration(advice: TitrationAdvice, disclaimer: str) -> str:
    """Return a titration plan as a week-by-week table, or why there is none."""
    out: list[str] = []
    plan = advice.plan
    if plan is None:
        out.append(advice.headline)
        out += [line for m in advice.blocked for line in _wrap(f"- {m}", "  ")]
        out += [line for m in advice.notes for line in _wrap(f"- {m}", "  ")]
        out += [line for w in advice.warnings for line in _wrap(f"WARNING: {w}", "")]
        out += ["", *_wrap(disclaimer, "")]
        return "\n".join(out)
    d = plan.dosing
    out += [line for w in advice.warnings for line in _wrap(f"WARNING: {w}", "")]
    out.append(
        f"Titration plan for {plan.drug} (adults): start {_num(d.start_mg_per_day)} mg/day, "
        f"target {_num(d.target_mg_per_day)} mg/day, maximum {_num(d.max_mg_per_day)} mg/day"
    )
    out += [line for m in advice.notes for line in _wrap(f"- {m}", "  ")]
    out += ["", f"{'week':>4}  {'from day':>8}  {'mg/day':>8}  {'dose':>14}"]
    for s in plan.steps:
        if s.doses_per_day == 1:
            dose = "once a day"
        elif s.mg_per_dose is not None:
            dose = f"{_num(s.mg_per_dose)} mg x {s.doses_per_day}"
        else:
            dose = f"in {s.doses_per_day} doses"
        out.append(f"{s.week:>4}  {s.day:>8}  {_num(s.mg_per_day):>8}  {dose:>14}")
    out += [
        "",
        f"Target reached in week {plan.weeks}. Go up only if the jerks are not controlled and "
        "side effects allow; stay at the lowest dose that works.",
    ]
    out += ["", *_wrap(disclaimer, "")]
    return "\n".join(out)


def render_reference(r: Reference) -> str:
    """Return a reference in a citation style, with its identifiers."""
    authors = ", ".join(r.authors)
    journal = f" {r.journal}." if r.journal else ""
    out = [f"{r.id}", *_wrap(f"{authors}. {r.title}. {r.year}.{journal}", "")]
    for label, value in (("PMID", r.pmid), ("DOI", r.doi), ("URL", r.url)):
        if value:
            out.append(f"{label}: {value}")
    if r.note:
        out += _wrap(f"Note: {r.note}", "")
    return "\n".join(out)
