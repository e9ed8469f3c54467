"""The fact registry: every fact a rule may test, with its type, unit and meaning.

Facts are the contract between the knowledge base (rules are data) and the code that derives
facts from a profile (:func:`myoscope.rules.facts.derive_facts`). A rule may only name a fact
declared here, and only with an operator that fits the fact's type; ``myoscope kb check`` enforces
this.

A fact is *unknown* when its input is absent. Unknown is never silently false (three-valued logic).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from myoscope.domain.profile import (
    Course,
    Distribution,
    HepaticImpairment,
    Occurrence,
    Onset,
    Physiology,
    Polarity,
    Sex,
)

__all__ = ["FACTS", "OPERATORS", "FactSpec", "FactType", "Op", "PartialSet"]


class FactType(StrEnum):
    """The types a fact can have."""

    NUMBER = "number"
    BOOL = "bool"
    ENUM = "enum"
    SET = "set"  # a set of knowledge-base ids (drug:, class:, etiology:, ...) or enum values
    PARTIAL_SET = "partial-set"  # a set where some members are known present and some unknown


class Op(StrEnum):
    """The closed set of condition operators (no expressions, no callbacks)."""

    IS = "is"
    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"
    BETWEEN = "between"
    IN = "in"
    INCLUDES = "includes"
    INCLUDES_ANY = "includes_any"
    PRESENT = "present"
    ABSENT = "absent"


OPERATORS: dict[FactType, frozenset[Op]] = {
    FactType.NUMBER: frozenset(
        {Op.EQ, Op.NE, Op.LT, Op.LE, Op.GT, Op.GE, Op.BETWEEN, Op.PRESENT, Op.ABSENT}
    ),
    FactType.BOOL: frozenset({Op.IS, Op.PRESENT, Op.ABSENT}),
    FactType.ENUM: frozenset({Op.EQ, Op.NE, Op.IN, Op.PRESENT, Op.ABSENT}),
    FactType.SET: frozenset({Op.INCLUDES, Op.INCLUDES_ANY, Op.PRESENT, Op.ABSENT}),
    FactType.PARTIAL_SET: frozenset({Op.INCLUDES, Op.INCLUDES_ANY, Op.PRESENT, Op.ABSENT}),
}


@dataclass(frozen=True)
class PartialSet:
    """A set whose members are known present, unknown, or (all others) known absent.

    Parameters
    ----------
    present : frozenset of str
        Members known to be present.
    unknown : frozenset of str
        Members whose presence is unknown (for example pregnancy when it is not recorded).
    """

    present: frozenset[str] = frozenset()
    unknown: frozenset[str] = frozenset()


@dataclass(frozen=True)
class FactSpec:
    """The declaration of one fact.

    Parameters
    ----------
    name : str
        Dotted name used in rules, e.g. ``patient.egfr_ml_min``.
    type : FactType
        The fact's type.
    description : str
        What the fact means, in plain words.
    unit : str or None
        Unit of a number (``years``, ``mL/min``, ``kg``).
    profile_field : str or None
        The profile field to record when the fact is unknown.
    allowed : tuple of str
        Allowed values of an enum, or of the members of a set of enum values.
    id_kinds : tuple of str
        For sets of knowledge-base ids: the id prefixes allowed (``drug``, ``class``, ...).
    """

    name: str
    type: FactType
    description: str
    unit: str | None = None
    profile_field: str | None = None
    allowed: tuple[str, ...] = ()
    id_kinds: tuple[str, ...] = field(default_factory=tuple)


def _values(enum: type[StrEnum], *, drop: tuple[str, ...] = ()) -> tuple[str, ...]:
    return tuple(str(v) for v in enum if str(v) not in drop)


_SPECS = [
    FactSpec("patient.age_years", FactType.NUMBER, "Age.", unit="years", profile_field="age_years"),
    FactSpec("patient.sex", FactType.ENUM, "Sex.", profile_field="sex", allowed=_values(Sex)),
    FactSpec(
        "patient.pregnant",
        FactType.BOOL,
        "Pregnant now. Known false for men, and for women outside ages 12-55 when not recorded.",
        profile_field="pregnant",
    ),
    FactSpec(
        "patient.childbearing_potential",
        FactType.BOOL,
        "Could become pregnant. Known false for men, and outside ages 12-55 when not recorded.",
        profile_field="childbearing_potential",
    ),
    FactSpec(
        "patient.breastfeeding",
        FactType.BOOL,
        "Breastfeeding now. Known false for men when not recorded.",
        profile_field="breastfeeding",
    ),
    FactSpec(
        "patient.weight_kg", FactType.NUMBER, "Body weight.", unit="kg", profile_field="weight_kg"
    ),
    FactSpec(
        "patient.egfr_ml_min",
        FactType.NUMBER,
        "Kidney function: eGFR or creatinine clearance as recorded (not estimated from a CKD stage).",
        unit="mL/min",
        profile_field="egfr_ml_min",
    ),
    FactSpec(
        "patient.hepatic_impairment",
        FactType.ENUM,
        "Hepatic impairment as a Child-Pugh class (mild = A, moderate = B, severe = C).",
        profile_field="hepatic_impairment",
        allowed=_values(HepaticImpairment),
    ),
    FactSpec(
        "myoclonus.distribution",
        FactType.ENUM,
        "Body distribution of the jerks.",
        profile_field="myoclonus.distribution",
        allowed=_values(Distribution),
    ),
    FactSpec(
        "myoclonus.occurs_at",
        FactType.SET,
        "When the jerks occur: at rest, with action, with stimuli, in sleep.",
        profile_field="myoclonus.occurs_at",
        allowed=_values(Occurrence),
    ),
    FactSpec(
        "myoclonus.polarity",
        FactType.ENUM,
        "Positive jerks, negative myoclonus (lapses of tone), or both.",
        profile_field="myoclonus.polarity",
        allowed=_values(Polarity),
    ),
    FactSpec(
        "myoclonus.physiology",
        FactType.ENUM,
        "Neurophysiological class; unknown when recorded as 'unknown' or absent.",
        profile_field="myoclonus.physiology",
        allowed=_values(Physiology, drop=("unknown",)),
    ),
    FactSpec(
        "myoclonus.etiology",
        FactType.SET,
        "The recognised etiology and the broader groups it belongs to (e.g. a PME).",
        profile_field="myoclonus.etiology",
        id_kinds=("etiology",),
    ),
    FactSpec(
        "myoclonus.onset",
        FactType.ENUM,
        "Onset over days (acute), weeks (subacute) or months and longer (chronic).",
        profile_field="myoclonus.onset",
        allowed=_values(Onset),
    ),
    FactSpec(
        "myoclonus.course",
        FactType.ENUM,
        "Course over time.",
        profile_field="myoclonus.course",
        allowed=_values(Course),
    ),
    FactSpec(
        "conditions",
        FactType.PARTIAL_SET,
        "Conditions present: recognised from the profile's conditions and allergies, and derived "
        "from its fields (pregnancy, childbearing potential, renal and hepatic impairment, age).",
        profile_field="conditions",
        id_kinds=("condition",),
    ),
    FactSpec(
        "medications.active",
        FactType.SET,
        "Medicines taken now, with every class and mechanism each belongs to.",
        profile_field="medications",
        id_kinds=("drug", "class"),
    ),
    FactSpec(
        "medications.recent",
        FactType.SET,
        "Medicines started or increased in the last four weeks, with their classes.",
        profile_field="medications[].recently_started",
        id_kinds=("drug", "class"),
    ),
    FactSpec(
        "treatments.ineffective",
        FactType.SET,
        "Treatments tried before without effect, with their classes.",
        profile_field="previous_treatments",
        id_kinds=("drug", "intervention", "class"),
    ),
    FactSpec(
        "treatments.not_tolerated",
        FactType.SET,
        "Treatments stopped before because of side effects, with their classes.",
        profile_field="previous_treatments",
        id_kinds=("drug", "intervention", "class"),
    ),
    FactSpec(
        "asks_about",
        FactType.SET,
        "Treatments the person asks about.",
        profile_field="asks_about",
        id_kinds=("drug", "intervention"),
    ),
]

FACTS: dict[str, FactSpec] = {spec.name: spec for spec in _SPECS}
