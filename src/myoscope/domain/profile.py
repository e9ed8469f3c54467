"""The patient profile: the input of ``myoscope advise`` (see the profile specification).

The model rejects unknown fields, so a typo such as ``physiolgy`` is reported rather than ignored.
Optional fields left out are *unknown*, never assumed false.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, get_origin

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

__all__ = [
    "Course",
    "Distribution",
    "HepaticImpairment",
    "Medication",
    "MyoclonusDescription",
    "Occurrence",
    "Onset",
    "Outcome",
    "PatientProfile",
    "Physiology",
    "Polarity",
    "PreviousTreatment",
    "Sex",
]


_NUMBER_TYPES = (int, float, int | None, float | None)
Name = Annotated[str, Field(min_length=1)]


class Sex(StrEnum):
    """Sex recorded in the profile."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


class HepaticImpairment(StrEnum):
    """Hepatic impairment; mild, moderate and severe are Child-Pugh classes A, B and C."""

    NONE = "none"
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


class Distribution(StrEnum):
    """Body distribution of the jerks."""

    FOCAL = "focal"
    SEGMENTAL = "segmental"
    MULTIFOCAL = "multifocal"
    GENERALIZED = "generalized"


class Occurrence(StrEnum):
    """When the jerks occur (activation)."""

    REST = "rest"
    ACTION = "action"
    STIMULUS = "stimulus"
    SLEEP = "sleep"


class Polarity(StrEnum):
    """Positive jerks, brief lapses of tone (negative myoclonus), or both."""

    POSITIVE = "positive"
    NEGATIVE = "negative"
    BOTH = "both"


class Physiology(StrEnum):
    """Neurophysiological class of the myoclonus."""

    CORTICAL = "cortical"
    CORTICAL_SUBCORTICAL = "cortical-subcortical"
    SUBCORTICAL = "subcortical"
    MYOCLONUS_DYSTONIA = "myoclonus-dystonia"
    SEGMENTAL = "segmental"
    PROPRIOSPINAL = "propriospinal"
    PERIPHERAL = "peripheral"
    FUNCTIONAL = "functional"
    PHYSIOLOGICAL = "physiological"
    UNKNOWN = "unknown"


class Onset(StrEnum):
    """How the myoclonus began: over days, weeks, or months and more."""

    ACUTE = "acute"
    SUBACUTE = "subacute"
    CHRONIC = "chronic"


class Course(StrEnum):
    """How the myoclonus has changed over time."""

    STABLE = "stable"
    PROGRESSIVE = "progressive"
    RAPIDLY_PROGRESSIVE = "rapidly-progressive"
    IMPROVING = "improving"


class Outcome(StrEnum):
    """How an earlier treatment went."""

    INEFFECTIVE = "ineffective"
    PARTIAL = "partial"
    NOT_TOLERATED = "not-tolerated"
    EFFECTIVE_STOPPED = "effective-stopped"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _strict_inputs(cls, data: Any) -> Any:
        """Refuse true/false where a number is expected; read ``null`` lists as empty."""
        if not isinstance(data, dict):
            return data
        cleaned = dict(data)
        for name, field in cls.model_fields.items():
            value = cleaned.get(name)
            if isinstance(value, bool) and field.annotation in _NUMBER_TYPES:
                # pydantic reads true as 1; pass it on as text so it fails as "not a number"
                cleaned[name] = str(value).lower()
            if value is None and name in cleaned and get_origin(field.annotation) is tuple:
                cleaned[name] = ()
        return cleaned


class MyoclonusDescription(_Model):
    """What the jerks are like; every field is optional and unknown when absent."""

    distribution: Distribution | None = None
    occurs_at: tuple[Occurrence, ...] = ()
    polarity: Polarity | None = None
    physiology: Physiology = Physiology.UNKNOWN
    etiology: str = Field(default="unknown", min_length=1)
    onset: Onset | None = None
    course: Course | None = None


class Medication(_Model):
    """A medicine taken now.

    ``recently_started`` (an extension of the profile specification) marks a medicine started or
    increased in the last four weeks, which matters for new myoclonus.
    """

    name: str = Field(min_length=1)
    dose_mg_per_day: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    recently_started: StrictBool | None = None


class PreviousTreatment(_Model):
    """A treatment tried before, and how it went."""

    name: str = Field(min_length=1)
    outcome: Outcome
    note: str | None = None


class PatientProfile(_Model):
    """One person with myoclonus, as described in the profile specification.

    Required: ``age_years`` and ``sex``. Everything else is optional; what is absent is unknown.
    """

    age_years: int = Field(ge=0, le=120)
    sex: Sex
    pregnant: StrictBool | None = None
    childbearing_potential: StrictBool | None = None
    breastfeeding: StrictBool | None = None
    weight_kg: float | None = Field(default=None, gt=0, le=400, allow_inf_nan=False)
    egfr_ml_min: float | None = Field(default=None, ge=0, le=200, allow_inf_nan=False)
    hepatic_impairment: HepaticImpairment | None = None
    myoclonus: MyoclonusDescription = MyoclonusDescription()
    conditions: tuple[Name, ...] = ()
    medications: tuple[Medication, ...] = ()
    allergies: tuple[Name, ...] = ()
    previous_treatments: tuple[PreviousTreatment, ...] = ()
    asks_about: tuple[Name, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> PatientProfile:
        if self.sex is Sex.MALE and self.pregnant:
            raise ValueError("'pregnant' is true but 'sex' is male; correct one of them")
        return self
