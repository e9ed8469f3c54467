"""Dose adjustment for kidney and liver function, and week-by-week titration plans.

All numbers come from the drug's monograph in the knowledge base (start, step, interval, target,
maximum; eGFR bands; Child-Pugh classes). This module only applies them.
"""

from __future__ import annotations

from dataclasses import dataclass

from myoscope.knowledge.schema import (
    DoseUnit,
    Drug,
    HepaticAdjustment,
    OrganAction,
    RenalAdjustment,
)

__all__ = [
    "AdjustedDosing",
    "OrganFinding",
    "TitrationPlan",
    "TitrationStep",
    "adjust_dosing",
    "compute_titration",
    "find_hepatic_adjustment",
    "find_renal_adjustment",
]


@dataclass(frozen=True)
class OrganFinding:
    """What kidney or liver function does to one drug."""

    organ: str  # "renal" | "hepatic"
    action: OrganAction
    note: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class AdjustedDosing:
    """Daily doses in mg after adjustment (None when the drug must not be used)."""

    start_mg_per_day: float
    step_mg: float
    step_interval_days: int
    target_mg_per_day: float
    max_mg_per_day: float
    doses_per_day: int
    start_doses_per_day: int
    adjusted_for: tuple[str, ...]
    notes: tuple[str, ...]


def find_renal_adjustment(
    drug: Drug, egfr_ml_min: float | None, *, on_dialysis: bool = False
) -> RenalAdjustment | None:
    """Return the eGFR band that applies, or None.

    Parameters
    ----------
    drug : Drug
        The drug's monograph.
    egfr_ml_min : float or None
        eGFR or creatinine clearance in mL/min; None when unknown.
    on_dialysis : bool
        Whether the person is on dialysis: a band marked for dialysis when the label has one,
        else the lowest eGFR band (a recorded eGFR does not apply on dialysis).
    """
    renal = drug.treatment.renal if drug.treatment else None
    if renal is None:
        return None
    bands = [b for b in renal.adjustments if not b.dialysis]
    if on_dialysis:
        dialysis_bands = [b for b in renal.adjustments if b.dialysis]
        if dialysis_bands:
            return dialysis_bands[0]
        # On dialysis the kidneys' own clearance is the lowest band's, whatever eGFR is recorded.
        return min(bands, key=lambda b: b.egfr_min_ml_min) if bands else None
    if egfr_ml_min is None:
        return None
    return next((b for b in bands if b.egfr_min_ml_min <= egfr_ml_min < b.egfr_max_ml_min), None)


def find_hepatic_adjustment(drug: Drug, hepatic: str | None) -> HepaticAdjustment | None:
    """Return the Child-Pugh adjustment that applies (``mild``/``moderate``/``severe``), or None."""
    info = drug.treatment.hepatic if drug.treatment else None
    if info is None or hepatic in (None, "none"):
        return None
    return next((a for a in info.adjustments if a.severity == hepatic), None)


def _round(value: float) -> float:
    return float(round(value, 3))


def _round_dose(value: float) -> float:
    """Round a computed dose to three significant figures (2397.6 mg -> 2400 mg)."""
    if value <= 0:
        return 0.0
    return float(f"{value:.3g}")


def adjust_dosing(
    drug: Drug,
    *,
    renal: RenalAdjustment | None = None,
    hepatic: HepaticAdjustment | None = None,
    weight_kg: float | None = None,
    older_adult: bool = False,
) -> AdjustedDosing | None:
    """Return the drug's daily dosing in mg with kidney and liver caps applied.

    Parameters
    ----------
    drug : Drug
        The drug's monograph.
    renal, hepatic : adjustment or None
        The eGFR band and Child-Pugh adjustment that apply.
    older_adult : bool
        Whether the monograph's adjustment for older adults applies.
    weight_kg : float or None
        Body weight in kg, needed for drugs dosed in mg/kg.

    Returns
    -------
    AdjustedDosing or None
        None when the drug has no oral daily dosing, is weight-based and the weight is unknown,
        or is contraindicated or to be avoided at this kidney or liver function.
    """
    dosing = drug.treatment.dosing if drug.treatment else None
    if dosing is None:
        return None
    factor = 1.0
    adjusted: list[str] = []
    notes = list(dosing.notes)
    if dosing.unit is DoseUnit.MG_PER_KG:
        if weight_kg is None:
            return None
        factor = weight_kg
        adjusted.append("weight")
        notes.append(f"Calculated for {weight_kg:g} kg.")
    interval = dosing.step_interval_days
    start = dosing.start_per_day * factor
    step = dosing.step * factor
    target = dosing.target_per_day * factor
    maximum = dosing.max_per_day * factor
    age_adj = drug.treatment.older_adults if older_adult and drug.treatment else None
    for organ, adj in (("renal", renal), ("hepatic", hepatic), ("age", age_adj)):
        if adj is None:
            continue  # an action of "none" may still lower the start or slow the titration
        if adj.action in (OrganAction.AVOID, OrganAction.CONTRAINDICATED):
            return None
        if adj.action is OrganAction.FRACTION and adj.fraction is not None:
            start, step, target, maximum = (
                _round_dose(v * adj.fraction) for v in (start, step, target, maximum)
            )
        if adj.start_per_day is not None:
            start = min(
                start, adj.start_per_day * (factor if dosing.unit is DoseUnit.MG_PER_KG else 1)
            )
        if adj.action is OrganAction.CAP and adj.max_per_day is not None:
            maximum = min(
                maximum, adj.max_per_day * (factor if dosing.unit is DoseUnit.MG_PER_KG else 1)
            )
        changes_numbers = (
            adj.action in (OrganAction.CAP, OrganAction.FRACTION)
            or adj.start_per_day is not None
            or adj.doses_per_day is not None
            or adj.slower_titration
        )
        if changes_numbers:
            adjusted.append(organ)
        if adj.slower_titration:
            interval = dosing.step_interval_days * 2
            notes.append("Titrate more slowly than usual (twice the usual interval).")
    doses = dosing.doses_per_day
    for adj in (renal, hepatic, age_adj):
        if adj is not None and adj.doses_per_day is not None:
            doses = min(doses, adj.doses_per_day)
    target = min(target, maximum)
    start = min(start, maximum)
    if step == 0:
        # No titration: the dose taken is the start dose, also when a band lowered it.
        target = start
    return AdjustedDosing(
        start_mg_per_day=_round(start),
        step_mg=_round(step),
        step_interval_days=interval,
        target_mg_per_day=_round(target),
        max_mg_per_day=_round(maximum),
        doses_per_day=doses,
        start_doses_per_day=min(doses, dosing.start_doses_per_day or doses),
        adjusted_for=tuple(dict.fromkeys(adjusted)),
        notes=tuple(dict.fromkeys(notes)),
    )


@dataclass(frozen=True)
class TitrationStep:
    """From ``day`` on (day 1 = first day), take ``mg_per_day`` in ``doses_per_day`` doses.

    ``mg_per_dose`` is given when the daily amount divides into equal doses of at most two
    decimals; otherwise the prescriber splits it as the tablet strengths allow.
    """

    week: int
    day: int
    mg_per_day: float
    mg_per_dose: float | None
    doses_per_day: int


@dataclass(frozen=True)
class TitrationPlan:
    """A week-by-week plan from the start dose to the target, within the adjusted maximum."""

    drug: str
    dosing: AdjustedDosing
    steps: tuple[TitrationStep, ...]

    @property
    def weeks(self) -> int:
        """Week of the last step (when the target is reached)."""
        return self.steps[-1].week


def compute_titration(drug: Drug, dosing: AdjustedDosing) -> TitrationPlan:
    """Compute the titration steps for already adjusted dosing.

    Parameters
    ----------
    drug : Drug
        The drug (for its name).
    dosing : AdjustedDosing
        Dosing with kidney and liver caps applied (see :func:`adjust_dosing`).

    Returns
    -------
    TitrationPlan
        Steps every ``step_interval_days`` from the start dose up to the target.
    """
    steps: list[TitrationStep] = []
    dose = dosing.start_mg_per_day
    day = 1

    def add(day: int, dose: float, per: int) -> None:
        per_dose = round(dose / per, 2)
        clean = abs(per_dose * per - dose) < 1e-9
        steps.append(
            TitrationStep((day - 1) // 7 + 1, day, _round(dose), per_dose if clean else None, per)
        )

    add(day, dose, dosing.start_doses_per_day)
    while dosing.step_mg > 0 and dose < dosing.target_mg_per_day:
        dose = min(dose + dosing.step_mg, dosing.target_mg_per_day)
        day += dosing.step_interval_days
        add(day, dose, dosing.doses_per_day)
    return TitrationPlan(drug.name, dosing, tuple(steps))
