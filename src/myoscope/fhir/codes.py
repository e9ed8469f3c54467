"""Code systems, extensions and the field-to-FHIR mapping tables (one place for all of them).

Every Myoscope concept that has no standard code gets a code in a local code system under
:data:`BASE` (documented in ``docs/fhir.md``). Standard codes are used only where they were
checked: SNOMED CT 17450006 *Myoclonus (finding)*, ICD-10 G25.3, three SNOMED CT body
structures (face, neck, trunk), UCUM units, the HL7 terminology code systems, and the RxNorm, ATC
and ICD codes the knowledge base holds. Everything else is local, never guessed.

To map a new diary field, add a row to :data:`EPISODE_COMPONENTS` or
:data:`CHECKIN_COMPONENTS` (a component), or handle it beside the resource's other top-level
fields. A field that is in neither place still round-trips: it travels in the generic
``diary-field`` extension (see :data:`EXT_FIELD`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from myoscope.domain.diary import BodyArea, CountBand, DoseUnit, JerkKind, Review, Trigger

__all__ = [
    "ADVERSE_EVENT_SEVERITY",
    "ATC",
    "BASE",
    "BODY_AREA_SNOMED",
    "CHECKIN_COMPONENTS",
    "CS_BODY_AREA",
    "CS_CONDITION",
    "CS_COUNT_BAND",
    "CS_DIARY",
    "CS_DOSE_STATUS",
    "CS_DOSE_UNIT",
    "CS_EPISODE_SOURCE",
    "CS_ETIOLOGY",
    "CS_JERK_KIND",
    "CS_OUTCOME",
    "CS_REVIEW",
    "CS_TRIGGER",
    "EPISODE_COMPONENTS",
    "EXT_AS_NEEDED",
    "EXT_CREATED",
    "EXT_DOSE_STATUS",
    "EXT_ENDED_AT",
    "EXT_FIELD",
    "EXT_NOTE",
    "EXT_OUTCOME",
    "EXT_PROFILE",
    "EXT_REGIMEN",
    "EXT_REPLACES",
    "EXT_SCHEDULED_AT",
    "ICD10",
    "ICD10CM",
    "ICD11",
    "IDENTIFIER_SYSTEM",
    "KB_CODE_SYSTEMS",
    "MYOCLONUS_ICD10",
    "MYOCLONUS_SNOMED",
    "OBSERVATION_CATEGORY",
    "RXNORM",
    "SNOMED",
    "UCUM",
    "UNIT_CODES",
    "Component",
]

BASE = "https://myoscope.org/fhir"
"""Root of every Myoscope code system, extension and identifier system."""

IDENTIFIER_SYSTEM = f"{BASE}/NamingSystem/account-id"
"""``Patient.identifier.system`` of the Myoscope account id (the diary's id)."""

# -- standard systems -----------------------------------------------------------------------------
SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD11 = "http://id.who.int/icd/release/11/mms"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATC = "http://www.whocc.no/atc"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ADVERSE_EVENT_SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
LOINC = "http://loinc.org"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
ADVERSE_EVENT_OUTCOME = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"

MYOCLONUS_SNOMED = "17450006"
"""SNOMED CT *Myoclonus (finding)*."""
MYOCLONUS_ICD10 = "G25.3"
"""ICD-10 *Myoclonus*."""

KB_CODE_SYSTEMS = {"icd10": ICD10, "icd10cm": ICD10CM, "icd11": ICD11, "rxnorm": RXNORM, "atc": ATC}
"""Knowledge-base code keys and the FHIR system each stands for."""

# -- local code systems ---------------------------------------------------------------------------
CS_DIARY = f"{BASE}/CodeSystem/diary"
"""Observation and component codes (``myoclonus-episode``, ``intensity``, ``mood`` ...)."""
CS_COUNT_BAND = f"{BASE}/CodeSystem/count-band"
CS_BODY_AREA = f"{BASE}/CodeSystem/body-area"
CS_TRIGGER = f"{BASE}/CodeSystem/trigger"
CS_JERK_KIND = f"{BASE}/CodeSystem/jerk-kind"
CS_DOSE_STATUS = f"{BASE}/CodeSystem/dose-status"
CS_EPISODE_SOURCE = f"{BASE}/CodeSystem/episode-source"
"""``Observation.method`` of an episode: ``sensor`` (grouped from a recording's detections);
absent means ``self`` (self-reported)."""
CS_REVIEW = f"{BASE}/CodeSystem/review"
CS_DOSE_UNIT = f"{BASE}/CodeSystem/dose-unit"
CS_OUTCOME = f"{BASE}/CodeSystem/treatment-outcome"
CS_ETIOLOGY = f"{BASE}/CodeSystem/etiology"
CS_CONDITION = f"{BASE}/CodeSystem/condition"

# -- extensions ---------------------------------------------------------------------------------
_SD = f"{BASE}/StructureDefinition"
EXT_PROFILE = f"{_SD}/profile"
"""Patient: the stored Myoscope profile as JSON text (``valueString``), lossless."""
EXT_CREATED = f"{_SD}/created"
"""Meta: when the record was first recorded (``valueInstant``); ``meta.lastUpdated`` is the
last change."""
EXT_REPLACES = f"{_SD}/replaces"
"""MedicationStatement: the regimen this one replaced after a dose change (``valueReference``)."""
EXT_OUTCOME = f"{_SD}/treatment-outcome"
"""MedicationStatement: how the treatment went once stopped (``valueCoding``, :data:`CS_OUTCOME`)."""
EXT_REGIMEN = f"{_SD}/regimen"
"""MedicationAdministration: the MedicationStatement (regimen) the dose belongs to."""
EXT_DOSE_STATUS = f"{_SD}/dose-status"
"""MedicationAdministration: taken, late or skipped (``valueCode``, :data:`CS_DOSE_STATUS`)."""
EXT_SCHEDULED_AT = f"{_SD}/scheduled-at"
"""MedicationAdministration: when the dose was due (``valueDateTime``)."""
EXT_AS_NEEDED = f"{_SD}/as-needed"
"""MedicationAdministration: an as-needed dose (``valueBoolean``)."""
EXT_ENDED_AT = f"{_SD}/ended-at"
"""AdverseEvent: when the side effect ended (``valueDateTime``)."""
EXT_NOTE = f"{_SD}/note"
"""AdverseEvent (which has no ``note`` in R4): the person's note (``valueString``)."""
EXT_FIELD = f"{_SD}/diary-field"
"""Any resource: a diary field with no mapping yet; sub-extensions ``name`` (valueString) and
``value`` (valueString holding JSON), so new fields round-trip before they are mapped."""

UNIT_CODES: dict[DoseUnit, tuple[str, str]] = {
    DoseUnit.MG: (UCUM, "mg"),
    DoseUnit.MCG: (UCUM, "ug"),
    DoseUnit.G: (UCUM, "g"),
    DoseUnit.ML: (UCUM, "mL"),
    DoseUnit.TABLET: (CS_DOSE_UNIT, "tablet"),
    DoseUnit.DROP: (CS_DOSE_UNIT, "drop"),
}
"""Dose units: UCUM where UCUM has the unit, the local code system otherwise."""

BODY_AREA_SNOMED: dict[BodyArea, tuple[str, str]] = {
    BodyArea.FACE: ("89545001", "Face structure"),
    BodyArea.NECK: ("45048000", "Neck structure"),
    BodyArea.TRUNK: ("22943007", "Trunk structure"),
}
"""SNOMED CT body structures, only where the code is certain and means the same area.

Eyes (the rating scale means the periocular muscles, not the eye) and the lateral limbs (SNOMED
CT codes a side with a laterality qualifier) carry the local code only.
"""

ValueKind = Literal["integer", "boolean", "decimal-hours", "code", "codes"]


@dataclass(frozen=True)
class Component:
    """One row of a mapping table: a diary field carried as an ``Observation.component``.

    Parameters
    ----------
    field : str
        The field of the diary model.
    code : str
        The component's code in :data:`CS_DIARY`.
    display : str
        Its display text.
    kind : str
        ``integer`` (valueInteger), ``boolean`` (valueBoolean), ``decimal-hours``
        (valueQuantity in UCUM ``h``), ``code`` (valueCodeableConcept from ``system``) or
        ``codes`` (a list field: one component per item).
    system : str, optional
        The code system of a coded value.
    """

    field: str
    code: str
    display: str
    kind: ValueKind
    system: str | None = None


EPISODE_COMPONENTS: tuple[Component, ...] = (
    Component("count", "jerk-count", "Number of jerks counted", "integer"),
    Component("count_band", "count-band", "Number of jerks (band)", "code", CS_COUNT_BAND),
    Component("intensity", "intensity", "Intensity, 0 barely noticeable to 10 worst", "integer"),
    Component(
        "kind", "jerk-kind", "Jerk (positive) or lapse of tone (negative)", "code", CS_JERK_KIND
    ),
    Component("body_areas", "body-area", "Body area (rating-scale area)", "codes", CS_BODY_AREA),
    Component("triggers", "trigger", "Trigger, in the person's opinion", "codes", CS_TRIGGER),
    Component("fell", "fell", "Fell during the episode", "boolean"),
    Component("review", "review", "Review of a sensor episode", "code", CS_REVIEW),
)
"""Episode fields carried as components (``started_at``, ``ended_at`` and ``note`` are
``effective[x]`` and ``note``; ``source`` is ``method``; ``recording_id`` travels in the
``diary-field`` extension)."""

CHECKIN_COMPONENTS: tuple[Component, ...] = (
    Component("severity", "severity", "Overall severity today, 0 none to 10 worst", "integer"),
    Component("walking", "walking", "Interference with walking, 0 none to 4 could not", "integer"),
    Component("eating", "eating", "Interference with eating, 0 none to 4 could not", "integer"),
    Component(
        "speaking", "speaking", "Interference with speaking, 0 none to 4 could not", "integer"
    ),
    Component("writing", "writing", "Interference with writing, 0 none to 4 could not", "integer"),
    Component("work", "work", "Interference with work, 0 none to 4 could not", "integer"),
    Component("sleep_hours", "sleep-hours", "Hours slept", "decimal-hours"),
    Component("mood", "mood", "Mood, 1 very low to 5 very good", "integer"),
    Component(
        "factors", "day-factor", "Factor of the day (stress, alcohol ...)", "codes", CS_TRIGGER
    ),
)
"""Check-in fields carried as components (``day`` is ``effectiveDateTime``, ``note`` is
``note``)."""

CODE_VALUES: dict[str, tuple[str, ...]] = {
    CS_COUNT_BAND: tuple(b.value for b in CountBand),
    CS_BODY_AREA: tuple(a.value for a in BodyArea),
    CS_TRIGGER: tuple(t.value for t in Trigger),
    CS_JERK_KIND: tuple(k.value for k in JerkKind),
    CS_REVIEW: tuple(r.value for r in Review),
}
"""The codes of each local value code system (the domain's enum values)."""

DIARY_CODES: dict[str, str] = {
    "myoclonus-episode": "Episode of myoclonic jerks or lapses of tone",
    "daily-checkin": "Daily check-in (self-reported)",
    "myoscope-diary": "A whole Myoscope diary (Bundle tag)",
    **{c.code: c.display for c in (*EPISODE_COMPONENTS, *CHECKIN_COMPONENTS)},
}
"""Every code of :data:`CS_DIARY` with its display."""
