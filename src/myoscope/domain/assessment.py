"""The assessment: what ``myoscope advise --format json`` prints (see the assessment spec).

Field names and vocabularies are a contract other tools read; extra fields are additions.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = [
    "Alert",
    "Assessment",
    "Cause",
    "Dosing",
    "EvidenceGrade",
    "KbStamp",
    "MissingInformation",
    "Option",
    "Unrecognized",
    "UnrecognizedItem",
    "Urgent",
]

Audience = Literal["patient", "clinician"]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class KbStamp(_Out):
    """Version and content hash of the knowledge base used."""

    version: str
    sha256: str


class Urgent(_Out):
    """Whether to seek urgent medical care, and why."""

    refer: bool
    reasons: list[str]


class EvidenceGrade(_Out):
    """An evidence grade: the named system, the level on it, and what the level means."""

    system: str
    level: str
    description: str = ""


class Dosing(_Out):
    """Adult daily dosing in mg, capped by kidney and liver function where the label says so."""

    start_mg_per_day: float
    step_mg: float
    step_interval_days: int
    target_mg_per_day: float
    max_mg_per_day: float
    doses_per_day: int
    start_doses_per_day: int
    adjusted_for: list[Literal["renal", "hepatic", "weight", "age"]]
    notes: list[str]


class Option(_Out):
    """One treatment option, in rank order."""

    id: str
    name: str
    rank: int
    line: Literal["first", "second", "third", "adjunct", "acute", "refractory"]
    status: Literal["suggested", "caution", "avoid", "contraindicated"]
    mechanism: str | None
    reasons: list[str]
    evidence: EvidenceGrade | None
    dosing: Dosing | None
    sources: list[str]
    taking_now: bool = False
    add_on_to: list[str] = []


class Alert(_Out):
    """A finding to show: a rule that fired, or a check that could not be completed."""

    id: str
    kind: Literal[
        "contraindication",
        "interaction",
        "aggravation",
        "possible-cause",
        "dose-adjustment",
        "red-flag",
        "monitoring",
        "missing-information",
        "lifestyle",
        "evidence",
    ]
    severity: Literal["info", "warning", "critical"]
    subjects: list[str]
    summary: str
    detail: str
    sources: list[str]
    evidence: EvidenceGrade | None = None
    rule_version: int | None = None
    based_on: list[str] = []


class Cause(_Out):
    """A medicine or condition that may be causing the myoclonus: review it first."""

    id: str
    kind: Literal["drug", "condition"]
    strength: Literal["strong", "moderate", "weak"]
    summary: str
    sources: list[str]


class MissingInformation(_Out):
    """A profile field to record, and the checks that need it."""

    field: str
    why: str


class UnrecognizedItem(_Out):
    """A name that was not recognised, with close known names."""

    name: str
    did_you_mean: list[str]


class Unrecognized(_Out):
    """Names in the profile that the knowledge base does not know (nothing is dropped)."""

    medications: list[UnrecognizedItem]
    conditions: list[UnrecognizedItem]
    allergies: list[UnrecognizedItem]
    previous_treatments: list[UnrecognizedItem] = []
    asks_about: list[UnrecognizedItem] = []


class Assessment(_Out):
    """The engine's output for one profile."""

    kb: KbStamp
    audience: Audience
    urgent: Urgent
    options: list[Option]
    alerts: list[Alert]
    causes_to_review: list[Cause]
    missing_information: list[MissingInformation]
    unrecognized: Unrecognized
    disclaimer: str
