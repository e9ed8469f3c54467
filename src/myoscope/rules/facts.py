"""Derive facts from a patient profile: recognise names, then compute every registered fact.

Names people type (brands, salts, misspellings, free-text conditions) are matched to
knowledge-base ids; what is not recognised is kept, with suggestions, and never silently dropped.
Facts whose input is absent are left out of the mapping (unknown), except where the profile
specification defines them (a man is not pregnant; conditions not listed are absent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from myoscope.domain.facts import PartialSet
from myoscope.domain.profile import PatientProfile, Physiology, Sex
from myoscope.errors import InvalidInputError
from myoscope.knowledge.base import KnowledgeBase

__all__ = [
    "DERIVED_CONDITION_FIELDS",
    "Resolution",
    "UnrecognizedName",
    "derive_facts",
    "organ_conditions",
    "organ_facts",
    "resolve_profile",
]

# Conditions derived from profile fields, and the field to record when they are unknown.
DERIVED_CONDITION_FIELDS: dict[str, str] = {
    "condition:pregnancy": "pregnant",
    "condition:childbearing-potential": "childbearing_potential",
    "condition:breastfeeding": "breastfeeding",
    "condition:renal-impairment": "egfr_ml_min",
    "condition:ckd-stage-3": "egfr_ml_min",
    "condition:ckd-stage-4": "egfr_ml_min",
    "condition:ckd-stage-5": "egfr_ml_min",
    "condition:liver-disease": "hepatic_impairment",
    "condition:older-adult": "age_years",
}


@dataclass(frozen=True)
class UnrecognizedName:
    """A name the knowledge base does not know, with close known names."""

    name: str
    did_you_mean: tuple[str, ...]


@dataclass(frozen=True)
class Resolution:
    """Names of a profile matched to knowledge-base ids.

    ``medications`` keeps the profile's order: ``(name as typed, id, recently started, dose in
    mg/day or None)``.
    """

    medications: tuple[tuple[str, str, bool, float | None], ...] = ()
    conditions: frozenset[str] = frozenset()
    drug_allergies: frozenset[str] = frozenset()
    ineffective: frozenset[str] = frozenset()
    not_tolerated: frozenset[str] = frozenset()
    effective_stopped: frozenset[str] = frozenset()
    notes: dict[str, str] = field(default_factory=dict)
    asks_about: tuple[str, ...] = ()
    etiology: str | None = None
    unrecognized: dict[str, tuple[UnrecognizedName, ...]] = field(default_factory=dict)

    @property
    def active(self) -> frozenset[str]:
        """Ids of the medicines taken now."""
        return frozenset(m[1] for m in self.medications)


def _unrecognized(name: str, suggestions: list[str]) -> UnrecognizedName:
    return UnrecognizedName(name, tuple(suggestions))


def resolve_profile(profile: PatientProfile, kb: KnowledgeBase) -> Resolution:
    """Match the names in a profile to knowledge-base ids.

    Parameters
    ----------
    profile : PatientProfile
        The person's profile.
    kb : KnowledgeBase
        The knowledge base whose names and synonyms are used.

    Returns
    -------
    Resolution
        Recognised ids and unrecognised names with suggestions.

    Raises
    ------
    InvalidInputError
        When ``myoclonus.etiology`` names no known etiology (the knowledge base owns the list).
    """
    unknown: dict[str, list[UnrecognizedName]] = {
        k: []
        for k in ("medications", "conditions", "allergies", "previous_treatments", "asks_about")
    }
    medications: list[tuple[str, str, bool, float | None]] = []
    for med in profile.medications:
        ident = kb.medicine_names.lookup(med.name)
        if ident is None or not ident.startswith("drug:"):
            unknown["medications"].append(
                _unrecognized(med.name, kb.medicine_names.suggest(med.name))
            )
        else:
            medications.append((med.name, ident, bool(med.recently_started), med.dose_mg_per_day))

    conditions: set[str] = set()
    for name in profile.conditions:
        ident = kb.condition_names.lookup(name)
        if ident is None:
            unknown["conditions"].append(_unrecognized(name, kb.condition_names.suggest(name)))
        else:
            conditions.add(ident)

    drug_allergies: set[str] = set()
    for name in profile.allergies:
        ident = kb.condition_names.lookup(name) or kb.condition_names.lookup(f"{name} allergy")
        drug = kb.medicine_names.lookup(name)
        if ident is not None:
            conditions.add(ident)
        elif drug is not None and drug.startswith("drug:"):
            drug_allergies.add(drug)
        else:
            hints = kb.condition_names.suggest(name) + kb.medicine_names.suggest(name)
            unknown["allergies"].append(_unrecognized(name, hints[:3]))

    ineffective: set[str] = set()
    not_tolerated: set[str] = set()
    effective_stopped: set[str] = set()
    notes: dict[str, str] = {}
    for past in profile.previous_treatments:
        ident = kb.medicine_names.lookup(past.name)
        if ident is None:
            unknown["previous_treatments"].append(
                _unrecognized(past.name, kb.medicine_names.suggest(past.name))
            )
            continue
        if past.outcome == "ineffective":
            ineffective.add(ident)
        elif past.outcome == "not-tolerated":
            not_tolerated.add(ident)
        elif past.outcome == "effective-stopped":
            effective_stopped.add(ident)
        if past.note:
            notes[ident] = past.note

    asks: list[str] = []
    for name in profile.asks_about:
        ident = kb.medicine_names.lookup(name)
        if ident is None or ident not in kb.treatments:
            unknown["asks_about"].append(_unrecognized(name, kb.medicine_names.suggest(name)))
        elif ident not in asks:
            asks.append(ident)

    etiology = None
    typed = profile.myoclonus.etiology
    if typed.strip().lower() != "unknown":
        etiology = kb.etiology_names.lookup(typed)
        if etiology is None:
            close = kb.etiology_names.suggest(typed, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            allowed = ", ".join(sorted(e.split(":", 1)[1] for e in kb.etiologies))
            raise InvalidInputError(
                f"invalid value for 'myoclonus.etiology': got '{typed}'.{hint} Allowed: "
                f"{allowed}, a synonym of one of them (such as 'Lance-Adams' or 'JME'), or "
                "'unknown'.",
                field="myoclonus.etiology",
                received=typed,
                suggestion=close[0] if close else None,
            )

    return Resolution(
        medications=tuple(medications),
        conditions=frozenset(conditions),
        drug_allergies=frozenset(drug_allergies),
        ineffective=frozenset(ineffective),
        not_tolerated=frozenset(not_tolerated),
        effective_stopped=frozenset(effective_stopped),
        notes=notes,
        asks_about=tuple(asks),
        etiology=etiology,
        unrecognized={k: tuple(v) for k, v in unknown.items()},
    )


def _in_window(age: int, window: tuple[int, int]) -> bool:
    return window[0] <= age <= window[1]


def _reproductive(
    profile: PatientProfile, value: bool | None, window: tuple[int, int]
) -> bool | None:
    if value is not None:
        return value
    if profile.sex is Sex.MALE or not _in_window(profile.age_years, window):
        return False
    return None


def _renal_stage(egfr: float) -> str:
    if egfr < 15:
        return "condition:ckd-stage-5"
    if egfr < 30:
        return "condition:ckd-stage-4"
    return "condition:ckd-stage-3"


def _hepatic(profile: PatientProfile) -> str | None:
    value = profile.hepatic_impairment
    return None if value is None else str(value)


def organ_conditions(
    kb: KnowledgeBase,
    egfr_ml_min: float | None,
    hepatic_impairment: str | None,
    listed: set[str] | frozenset[str] = frozenset(),
) -> tuple[set[str], set[str]]:
    """Conditions derived from kidney and liver function: ``(present, unknown)``.

    Parameters
    ----------
    kb : KnowledgeBase
        Supplies implied conditions and the renal-impairment threshold.
    egfr_ml_min : float or None
        eGFR or creatinine clearance in mL/min; None when not recorded.
    hepatic_impairment : {"none", "mild", "moderate", "severe"} or None
        Child-Pugh class; None when not recorded.
    listed : set of str
        Conditions already known present (a listed CKD stage makes renal impairment known).

    Returns
    -------
    present, unknown : set of str
        Condition ids known present, and those whose presence is unknown.
    """
    present: set[str] = set()
    unknown: set[str] = set()
    threshold = kb.manifest.derivation.renal_impairment_below_egfr_ml_min
    if egfr_ml_min is not None:
        if egfr_ml_min < threshold:
            present |= kb.implied_conditions(_renal_stage(egfr_ml_min))
            present |= kb.implied_conditions("condition:renal-impairment")
    elif "condition:renal-impairment" not in listed:
        unknown |= {
            "condition:renal-impairment",
            "condition:ckd-stage-3",
            "condition:ckd-stage-4",
            "condition:ckd-stage-5",
        }
    if hepatic_impairment not in (None, "none"):
        present |= kb.implied_conditions("condition:liver-disease")
    return present, unknown


def organ_facts(
    kb: KnowledgeBase,
    egfr_ml_min: float | None,
    hepatic_impairment: str | None,
    *,
    on_dialysis: bool = False,
) -> dict[str, Any]:
    """Facts from kidney and liver function alone (for titration plans); all else is unknown."""
    listed = kb.implied_conditions("condition:dialysis") if on_dialysis else frozenset()
    present, unknown = organ_conditions(kb, egfr_ml_min, hepatic_impairment, listed)
    known = frozenset(present | listed)
    facts: dict[str, Any] = {"conditions": PartialSet(known, frozenset(unknown) - known)}
    if egfr_ml_min is not None:
        facts["patient.egfr_ml_min"] = egfr_ml_min
    if hepatic_impairment is not None:
        facts["patient.hepatic_impairment"] = hepatic_impairment
    return facts


def derive_facts(
    profile: PatientProfile, resolution: Resolution, kb: KnowledgeBase
) -> dict[str, Any]:
    """Compute every registered fact from a profile.

    Parameters
    ----------
    profile : PatientProfile
        The person's profile.
    resolution : Resolution
        The profile's names matched to ids (see :func:`resolve_profile`).
    kb : KnowledgeBase
        Supplies class membership, etiology parents, implied conditions and thresholds.

    Returns
    -------
    dict of str to value
        Known facts only: an unknown fact is absent from the mapping.
    """
    derivation = kb.manifest.derivation
    window = derivation.childbearing_age_years
    facts: dict[str, Any] = {
        "patient.age_years": float(profile.age_years),
        "patient.sex": str(profile.sex),
        "patient.breastfeeding": bool(profile.breastfeeding),
    }
    pregnant = _reproductive(profile, profile.pregnant, window)
    potential = True if pregnant else _reproductive(profile, profile.childbearing_potential, window)
    for name, value in (
        ("patient.pregnant", pregnant),
        ("patient.childbearing_potential", potential),
    ):
        if value is not None:
            facts[name] = value
    if profile.weight_kg is not None:
        facts["patient.weight_kg"] = profile.weight_kg
    if profile.egfr_ml_min is not None:
        facts["patient.egfr_ml_min"] = profile.egfr_ml_min
    if profile.hepatic_impairment is not None:
        facts["patient.hepatic_impairment"] = str(profile.hepatic_impairment)

    myo = profile.myoclonus
    for name, enum_value in (
        ("myoclonus.distribution", myo.distribution),
        ("myoclonus.polarity", myo.polarity),
        ("myoclonus.onset", myo.onset),
        ("myoclonus.course", myo.course),
    ):
        if enum_value is not None:
            facts[name] = str(enum_value)
    if myo.occurs_at:
        facts["myoclonus.occurs_at"] = frozenset(str(o) for o in myo.occurs_at)
    if myo.physiology is not Physiology.UNKNOWN:
        facts["myoclonus.physiology"] = str(myo.physiology)
    if resolution.etiology is not None:
        facts["myoclonus.etiology"] = kb.etiology_ancestors.get(
            resolution.etiology, frozenset({resolution.etiology})
        )

    present: set[str] = set()
    for ident in resolution.conditions:
        present |= kb.implied_conditions(ident)
    if resolution.etiology is not None:
        for eid in kb.etiology_ancestors.get(resolution.etiology, frozenset()):
            for cond in kb.etiologies[eid].implies_conditions:
                present |= kb.implied_conditions(cond)
    unknown: set[str] = set()
    for cond, value in (
        ("condition:pregnancy", pregnant),
        ("condition:childbearing-potential", potential),
        ("condition:breastfeeding", bool(profile.breastfeeding)),
        ("condition:older-adult", profile.age_years >= derivation.older_adult_min_age_years),
    ):
        if value:
            present |= kb.implied_conditions(cond)
        elif value is None:
            unknown.add(cond)
    organ_present, organ_unknown = organ_conditions(
        kb, profile.egfr_ml_min, _hepatic(profile), present
    )
    present |= organ_present
    unknown |= organ_unknown
    facts["conditions"] = PartialSet(frozenset(present), frozenset(unknown - present))

    def expanded(ids: frozenset[str] | set[str] | tuple[str, ...]) -> frozenset[str]:
        out: set[str] = set()
        for ident in ids:
            out |= kb.expand(ident)
        return frozenset(out)

    facts["medications.active"] = expanded(resolution.active)
    facts["medications.recent"] = expanded({m[1] for m in resolution.medications if m[2]})
    facts["treatments.ineffective"] = expanded(resolution.ineffective)
    facts["treatments.not_tolerated"] = expanded(resolution.not_tolerated)
    facts["asks_about"] = frozenset(resolution.asks_about)
    return facts
