"""Kidney, liver, age and dosing steps of the assessment builder (a mixin of ``Builder``).

Private to :mod:`myoscope.rules`. The mixin reads the builder's state, declared below for the
type checker, and adds dose-adjustment alerts, reasons and missing information.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

from myoscope.domain.assessment import Alert, Dosing
from myoscope.domain.facts import PartialSet
from myoscope.domain.profile import PatientProfile
from myoscope.knowledge.base import KnowledgeBase, bare_id
from myoscope.knowledge.schema import (
    Drug,
    HepaticAdjustment,
    Line,
    OrganAction,
    RenalAdjustment,
    Status,
)
from myoscope.rules.dosing import adjust_dosing, find_hepatic_adjustment, find_renal_adjustment
from myoscope.rules.facts import Resolution

ORGAN_STATUS = {
    OrganAction.CAUTION: Status.CAUTION,
    OrganAction.AVOID: Status.AVOID,
    OrganAction.CONTRAINDICATED: Status.CONTRAINDICATED,
}
ORGAN_WORDS = {"renal": ("kidney", "renal-impairment"), "hepatic": ("liver", "liver-disease")}


class OrganSteps:
    """Steps about kidney and liver function, age and doses."""

    kb: KnowledgeBase
    audience: str
    facts: dict[str, Any]
    resolution: Resolution
    profile: PatientProfile
    candidates: dict[str, Any]
    unsafe_active: set[str]
    text: Callable[..., str]
    message_alert: Callable[..., Alert]
    add_alert: Callable[[Alert], None]
    ask: Callable[[str, str], None]
    name: Callable[[str], str]

    @cached_property
    def renal_estimate(self) -> tuple[float | None, str | None]:
        """Measured eGFR, or the lower bound of a CKD stage listed (conservative), or None."""
        if self.profile.egfr_ml_min is not None:
            return self.profile.egfr_ml_min, None
        conditions: PartialSet = self.facts["conditions"]
        lows: list[tuple[float, str]] = []
        for ident in sorted(conditions.present):
            entry = self.kb.conditions.get(ident)
            if entry is not None and entry.egfr_range_ml_min is not None:
                lows.append((entry.egfr_range_ml_min[0], ident))
        return min(lows) if lows else (None, None)

    def organ_adjustments(
        self, drug: Drug
    ) -> tuple[RenalAdjustment | None, HepaticAdjustment | None]:
        """Return the eGFR band and Child-Pugh adjustment that apply to ``drug`` for this person."""
        conditions: PartialSet = self.facts["conditions"]
        egfr, _ = self.renal_estimate
        hepatic = self.profile.hepatic_impairment
        return (
            find_renal_adjustment(
                drug, egfr, on_dialysis="condition:dialysis" in conditions.present
            ),
            find_hepatic_adjustment(drug, str(hepatic) if hepatic else None),
        )

    def apply_organs(self) -> dict[str, Dosing | None]:
        """Kidney and liver adjustments of every drug option; returns its dosing."""
        dosing: dict[str, Dosing | None] = {}
        conditions: PartialSet = self.facts["conditions"]
        egfr, estimated_from = self.renal_estimate
        dialysis = "condition:dialysis" in conditions.present
        for ident, cand in self.candidates.items():
            drug = self.kb.drugs.get(ident)
            if drug is None or drug.treatment is None:
                continue
            renal, liver = self.organ_adjustments(drug)
            info = drug.treatment.renal
            if info is not None and egfr is None and not dialysis and info.clearance == "major":
                self.ask("egfr_ml_min", self.text("missing.dosing", name=drug.name))
                if any(a.action in ORGAN_STATUS for a in info.adjustments):
                    cand.raise_status(Status.CAUTION)
                    self.add_alert(
                        self.message_alert(
                            "alert.renal-not-checked",
                            ident=f"{bare_id(drug.id)}-renal-not-checked",
                            kind="missing-information",
                            severity="warning",
                            subjects=[bare_id(drug.id), "renal-impairment"],
                            sources=list(info.sources),
                            name=drug.name,
                        )
                    )
            if estimated_from is not None and renal is not None:
                cand.add(
                    self.text(
                        "reason.renal-estimate",
                        egfr=f"{egfr:g}",
                        condition=self.name(estimated_from),
                    )
                )
                self.ask("egfr_ml_min", self.text("missing.exact-dosing", name=drug.name))
            hep_info = drug.treatment.hepatic
            if (
                hep_info is not None
                and hep_info.adjustments
                and self.profile.hepatic_impairment is None
                and "condition:liver-disease" in conditions.present
            ):
                self.ask("hepatic_impairment", self.text("missing.dosing", name=drug.name))
            for organ, adj in (("renal", renal), ("hepatic", liver)):
                if adj is None or adj.action is OrganAction.NONE:
                    continue
                if (status := ORGAN_STATUS.get(adj.action)) is not None:
                    cand.raise_status(status)
                if self.audience == "clinician":
                    cand.add(adj.note)
                elif not cand.asked_only:
                    blocked = adj.action in (OrganAction.AVOID, OrganAction.CONTRAINDICATED)
                    key = "reason.organ-excluded" if blocked else "reason.organ-adjusted"
                    cand.add(self.text(key, organ=ORGAN_WORDS[organ][0]))
                self.organ_alert(drug, organ, adj.action, adj.note)
            weight = self.profile.weight_kg
            dose_info = drug.treatment.dosing
            if dose_info is not None and dose_info.unit == "mg/kg" and weight is None:
                self.ask("weight_kg", self.text("missing.dosing", name=drug.name))
            older = "condition:older-adult" in conditions.present
            adjusted = adjust_dosing(
                drug, renal=renal, hepatic=liver, weight_kg=weight, older_adult=older
            )
            if (
                cand.asked_only
                or cand.taking_now
                or cand.line is Line.ACUTE  # intensive-care dosing, not an oral titration
                or not cand.standard_dosing
                or not self.adult()
            ):
                adjusted = None  # not an option for this person, or adult doses do not apply
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
                    start_doses_per_day=adjusted.start_doses_per_day,
                    adjusted_for=list(adjusted.adjusted_for),
                    notes=list(adjusted.notes),
                )
            )
        return dosing

    def check_taken_organs(self) -> None:
        """Medicines taken now (not shown as options) checked against kidney and liver bands."""
        for ident in sorted(self.resolution.active - set(self.candidates)):
            drug = self.kb.drugs.get(ident)
            if drug is None or drug.treatment is None:
                continue
            for organ, adj in zip(("renal", "hepatic"), self.organ_adjustments(drug), strict=True):
                if adj is not None and adj.action in ORGAN_STATUS:
                    self.organ_alert(drug, organ, adj.action, adj.note)
                    if adj.action in (OrganAction.AVOID, OrganAction.CONTRAINDICATED):
                        self.unsafe_active.add(ident)

    def adult(self) -> bool:
        """Whether adult label dosing applies (the knowledge base holds no paediatric doses)."""
        return self.profile.age_years >= self.kb.manifest.derivation.adult_min_age_years

    def check_dosing_scope(self) -> None:
        """Say once why no doses are shown for a child."""
        if self.adult():
            return
        with_doses: list[str] = []
        sources: list[str] = []
        for ident in self.candidates:
            drug = self.kb.drugs.get(ident)
            if (
                drug is not None
                and drug.treatment is not None
                and drug.treatment.dosing is not None
            ):
                with_doses.append(bare_id(ident))
                sources += [s for s in drug.treatment.dosing.sources if s not in sources]
        if not with_doses:
            return
        self.add_alert(
            self.message_alert(
                "alert.adult-dosing-only",
                ident="adult-dosing-only",
                kind="dose-adjustment",
                severity="warning",
                subjects=with_doses,
                sources=sources,
                age=self.profile.age_years,
                adult_age=self.kb.manifest.derivation.adult_min_age_years,
            )
        )

    def check_current_doses(self) -> None:
        """Doses taken now above the maximum for this kidney and liver function."""
        for _, ident, _, dose in self.resolution.medications:
            drug = self.kb.drugs.get(ident)
            if dose is None or drug is None or drug.treatment is None or not self.adult():
                continue
            info = drug.treatment.dosing
            if info is None or info.unit != "mg":
                continue
            renal, liver = self.organ_adjustments(drug)
            adjusted = adjust_dosing(drug, renal=renal, hepatic=liver)
            if adjusted is None or dose <= adjusted.max_mg_per_day:
                continue
            organs = [w for w, adj in (("kidney", renal), ("liver", liver)) if adj is not None]
            basis = f" for this {' and '.join(organs)} function" if organs else ""
            self.add_alert(
                self.message_alert(
                    "alert.dose-above-maximum",
                    ident=f"dose-above-maximum-{bare_id(ident)}",
                    kind="dose-adjustment",
                    severity="warning",
                    subjects=[bare_id(ident)],
                    sources=list(info.sources),
                    name=drug.name,
                    dose=f"{dose:g}",
                    maximum=f"{adjusted.max_mg_per_day:g}",
                    basis=basis,
                )
            )

    def organ_alert(self, drug: Drug, organ: str, action: OrganAction, note: str) -> None:
        """Add a dose-adjustment alert: how kidney or liver function changes a drug's use."""
        treatment = drug.treatment
        info = (treatment.renal if organ == "renal" else treatment.hepatic) if treatment else None
        severity = "info"
        if action in (OrganAction.CAUTION, OrganAction.AVOID):
            severity = "warning"
        if action is OrganAction.CONTRAINDICATED:
            severity = "critical" if drug.id in self.resolution.active else "warning"
        organ_word, condition = ORGAN_WORDS[organ]
        self.add_alert(
            self.message_alert(
                "alert.organ-adjustment",
                ident=f"{bare_id(drug.id)}-{organ}",
                kind="dose-adjustment",
                severity=severity,
                subjects=[bare_id(drug.id), condition],
                sources=list(info.sources) if info else [],
                detail=note,
                name=drug.name[0].upper() + drug.name[1:],
                organ=organ_word,
                action=str(action),
                note=note,
            )
        )
