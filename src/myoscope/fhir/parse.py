"""Read a FHIR R4 Bundle into diary records ready for the import path.

The Bundle is validated by the ``fhir.resources`` R4B models first (entry by entry, so an error
names the entry and the field). Then each resource is read following the mapping in
``docs/fhir.md``: what Myoscope exports, and what another system produces with the same codes.
Nothing is dropped silently: a resource, component, code or extension that has no place in the
diary is listed in :attr:`FhirRecords.warnings`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from myoscope.domain.diary import (
    BodyArea,
    CheckIn,
    CheckInIn,
    Dose,
    DoseIn,
    DoseStatus,
    DoseUnit,
    Episode,
    EpisodeIn,
    Regimen,
    RegimenIn,
    SideEffect,
    SideEffectIn,
)
from myoscope.errors import InvalidInputError
from myoscope.fhir import codes as c
from myoscope.fhir.validate import describe, validate_resource
from myoscope.knowledge import KnowledgeBase, bare_id

__all__ = ["FhirRecords", "ParsedRecord", "bundle_to_records", "profile_from_resources"]

I = TypeVar("I", bound=BaseModel)  # noqa: E741 - the conventional name for an input type

_RECORD_FIELDS: dict[type[BaseModel], frozenset[str]] = {
    model: frozenset(record.model_fields)
    for model, record in (
        (EpisodeIn, Episode),
        (CheckInIn, CheckIn),
        (RegimenIn, Regimen),
        (DoseIn, Dose),
        (SideEffectIn, SideEffect),
    )
}
"""Fields of the stored records (an import may carry record-only fields such as ``review``)."""

EGFR_LOINC = frozenset({"33914-3", "62238-1", "98979-8"})
"""LOINC codes of an estimated GFR (mL/min/1.73 m2) read into the profile's ``egfr_ml_min``."""

_SNOMED_BODY_AREA = {code: area for area, (code, _) in c.BODY_AREA_SNOMED.items()}
_UNITS_BY_CODE: dict[tuple[Any, Any], DoseUnit] = {
    (system, code): unit for unit, (system, code) in c.UNIT_CODES.items()
}
_DOSE_UNITS = {u.value for u in DoseUnit}
_KNOWN_EXTENSIONS = frozenset(
    {
        c.EXT_PROFILE,
        c.EXT_CREATED,
        c.EXT_REPLACES,
        c.EXT_OUTCOME,
        c.EXT_REGIMEN,
        c.EXT_DOSE_STATUS,
        c.EXT_SCHEDULED_AT,
        c.EXT_AS_NEEDED,
        c.EXT_ENDED_AT,
        c.EXT_NOTE,
        c.EXT_FIELD,
    }
)
_MYOCLONUS_CODES = frozenset({(c.SNOMED, c.MYOCLONUS_SNOMED), (c.ICD10, c.MYOCLONUS_ICD10)})


@dataclass(frozen=True)
class ParsedRecord(Generic[I]):
    """One record read from a Bundle.

    Parameters
    ----------
    id : str
        The resource id (a new one is made when the resource has none).
    data : EpisodeIn, CheckInIn, RegimenIn, DoseIn or SideEffectIn
        The record's content, validated by the diary model.
    created_at, updated_at : datetime or None
        From ``meta`` (the ``created`` extension and ``lastUpdated``), when given.
    where : str
        Its place in the Bundle, for messages (``entry[3] (Observation 'abc')``).
    extra : dict
        Fields of the stored record that are not part of the input model (an episode's
        ``source``, ``recording_id`` and ``review``), validated by the import with the record.
    """

    id: str
    data: I
    created_at: datetime | None
    updated_at: datetime | None
    where: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class FhirRecords:
    """What a Bundle holds, as diary records, with the warnings of the reading."""

    profile: dict[str, Any] | None = None
    regimens: list[ParsedRecord[RegimenIn]] = field(default_factory=list)
    episodes: list[ParsedRecord[EpisodeIn]] = field(default_factory=list)
    checkins: list[ParsedRecord[CheckInIn]] = field(default_factory=list)
    doses: list[ParsedRecord[DoseIn]] = field(default_factory=list)
    side_effects: list[ParsedRecord[SideEffectIn]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Return how many records of each kind were read (the export's kind names)."""
        return {
            "medications": len(self.regimens),
            "episodes": len(self.episodes),
            "checkins": len(self.checkins),
            "doses": len(self.doses),
            "side-effects": len(self.side_effects),
        }


# -- small readers ---------------------------------------------------------------------------------


def _codings(concept: Any) -> list[dict[str, Any]]:
    if not isinstance(concept, dict):
        return []
    return [x for x in concept.get("coding") or [] if isinstance(x, dict)]


def _code_in(concept: Any, system: str) -> str | None:
    for coding in _codings(concept):
        if coding.get("system") == system and coding.get("code"):
            return str(coding["code"])
    return None


def _concept_text(concept: Any) -> str | None:
    if not isinstance(concept, dict):
        return None
    if concept.get("text"):
        return str(concept["text"])
    for coding in _codings(concept):
        if coding.get("display"):
            return str(coding["display"])
    return None


def _label(concept: Any) -> str:
    """Return a name for a concept in messages: its text, a display, or ``system|code``."""
    text = _concept_text(concept)
    if text:
        return text
    codings = _codings(concept)
    if codings:
        return f"{codings[0].get('system', '')}|{codings[0].get('code', '')}"
    return "without a code"


def _extensions(resource: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for ext in resource.get("extension") or []:
        found.setdefault(str(ext.get("url")), []).append(ext)
    return found


def _ext_value(exts: dict[str, list[dict[str, Any]]], url: str, key: str) -> Any:
    for ext in exts.get(url, []):
        if key in ext:
            return ext[key]
    return None


def _notes(resource: dict[str, Any]) -> str | None:
    texts = [str(n["text"]) for n in resource.get("note") or [] if n.get("text")]
    return "\n".join(texts) if texts else None


def _day(value: Any) -> str | None:
    """Return the date part of a FHIR date or dateTime (``2024-06-01T...`` -> ``2024-06-01``)."""
    return str(value)[:10] if value else None


class _Reader:
    """Reads the entries of one Bundle; collects warnings."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.out = FhirRecords()
        self.ids: dict[str, str] = {}  # a MedicationStatement's fullUrl or "Type/id" -> its id
        self.warnings = self.out.warnings

    def warn(self, where: str, message: str) -> None:
        self.warnings.append(f"{where}: {message}")

    def reference(self, value: Any, where: str, what: str) -> str | None:
        ref = value.get("reference") if isinstance(value, dict) else None
        if not ref:
            return None
        ref = str(ref)
        if ref in self.ids:
            return self.ids[ref]
        if ref.startswith("MedicationStatement/"):
            return ref.removeprefix("MedicationStatement/").split("/")[0]
        raise InvalidInputError(
            f"{where}: {what} '{ref}' is not a MedicationStatement in this Bundle; refer to one "
            "by its fullUrl or as 'MedicationStatement/<id>'.",
            field=where,
        )

    def unknown_extensions(self, exts: dict[str, list[dict[str, Any]]], where: str) -> None:
        for url in exts:
            if url not in _KNOWN_EXTENSIONS:
                self.warn(where, f"the extension '{url}' has no place in the diary; not imported")

    def extra_fields(
        self, exts: dict[str, list[dict[str, Any]]], model: type[BaseModel], where: str
    ) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for ext in exts.get(c.EXT_FIELD, []):
            parts = {e.get("url"): e.get("valueString") for e in ext.get("extension") or []}
            name, value = parts.get("name"), parts.get("value")
            if not isinstance(name, str) or not isinstance(value, str):
                self.warn(where, "a 'diary-field' extension without 'name' and 'value'; ignored")
                continue
            if name not in model.model_fields and name not in _RECORD_FIELDS[model]:
                self.warn(where, f"the diary field '{name}' is unknown to this version; ignored")
                continue
            try:
                fields[name] = json.loads(value)
            except json.JSONDecodeError:
                raise InvalidInputError(
                    f"{where}: the value of the diary field '{name}' is not JSON.", field=where
                ) from None
        return fields

    def build(
        self,
        model: type[I],
        data: dict[str, Any],
        resource: dict[str, Any],
        where: str,
        label: str,
    ) -> ParsedRecord[I]:
        allowed = model.model_fields
        extra = {k: data.pop(k) for k in list(data) if k not in allowed}
        try:
            record = model.model_validate(data)
        except ValidationError as exc:
            raise InvalidInputError(
                f"{where}: invalid {label}: {_message(exc)}", field=where
            ) from None
        meta = resource.get("meta") or {}
        created = _ext_value(_extensions(meta), c.EXT_CREATED, "valueInstant")
        return ParsedRecord(
            id=str(resource.get("id") or _new_id()),
            data=record,
            created_at=_datetime(created),
            updated_at=_datetime(meta.get("lastUpdated")),
            where=where,
            extra={k: v for k, v in extra.items() if v is not None},
        )

    # -- components ----------------------------------------------------------------------------
    def components(
        self, resource: dict[str, Any], table: tuple[c.Component, ...], where: str
    ) -> dict[str, Any]:
        rows = {row.code: row for row in table}
        data: dict[str, Any] = {row.field: [] for row in table if row.kind == "codes"}
        for index, component in enumerate(resource.get("component") or []):
            at = f"{where} component[{index}]"
            code = _code_in(component.get("code"), c.CS_DIARY)
            row = rows.get(code) if code else None
            if row is None:
                label = code or _label(component.get("code"))
                self.warn(at, f"the component '{label}' has no place here; not imported")
                continue
            value = self.component_value(component, row, at)
            if value is None:
                continue
            if row.kind == "codes":
                data[row.field].append(value)
            else:
                data[row.field] = value
        return data

    def component_value(self, component: dict[str, Any], row: c.Component, at: str) -> Any:
        if row.kind == "integer":
            if "valueInteger" in component:
                return component["valueInteger"]
            quantity = component.get("valueQuantity") or {}
            return quantity.get("value")
        if row.kind == "boolean":
            return component.get("valueBoolean")
        if row.kind == "decimal-hours":
            quantity = component.get("valueQuantity") or {}
            unit = quantity.get("code") or quantity.get("unit")
            value = quantity.get("value")
            if value is not None and unit == "min":
                return float(value) / 60
            if value is not None and unit not in ("h", None):
                raise InvalidInputError(
                    f"{at}: '{row.code}' is in '{unit}'; give hours (UCUM 'h') or minutes ('min').",
                    field=at,
                )
            return value
        concept = component.get("valueCodeableConcept")
        assert row.system is not None
        value = _code_in(concept, row.system)
        if value is None and row.system == c.CS_BODY_AREA:
            snomed = _code_in(concept, c.SNOMED)
            area = _SNOMED_BODY_AREA.get(snomed) if snomed else None
            value = area.value if isinstance(area, BodyArea) else None
        if value is None:
            label = _label(concept)
            self.warn(at, f"'{row.code}' = '{label}' is not a code of {row.system}; not imported")
        return value

    # -- resources -----------------------------------------------------------------------------
    def observation(self, resource: dict[str, Any], where: str) -> None:
        code = _code_in(resource.get("code"), c.CS_DIARY)
        if resource.get("status") == "entered-in-error":
            self.warn(where, "entered in error; not imported")
            return
        exts = _extensions(resource)
        if code == "myoclonus-episode":
            data = self.components(resource, c.EPISODE_COMPONENTS, where)
            period = resource.get("effectivePeriod") or {}
            data["started_at"] = resource.get("effectiveDateTime") or period.get("start")
            if period.get("end"):
                data["ended_at"] = period["end"]
            data["note"] = _notes(resource)
            if _code_in(resource.get("method"), c.CS_EPISODE_SOURCE) == "sensor":
                data["source"] = "sensor"
            data |= self.extra_fields(exts, EpisodeIn, where)
            self.unknown_extensions(exts, where)
            self.out.episodes.append(self.build(EpisodeIn, data, resource, where, "episode"))
        elif code == "daily-checkin":
            data = self.components(resource, c.CHECKIN_COMPONENTS, where)
            data["day"] = _day(resource.get("effectiveDateTime"))
            data["note"] = _notes(resource)
            data |= self.extra_fields(exts, CheckInIn, where)
            self.unknown_extensions(exts, where)
            self.out.checkins.append(self.build(CheckInIn, data, resource, where, "check-in"))
        elif _code_in(resource.get("code"), c.LOINC) in EGFR_LOINC:
            pass  # read into the profile when the Bundle carries no Myoscope profile
        else:
            label = _label(resource.get("code"))
            self.warn(where, f"an Observation '{label}' that is not a diary entry; not imported")

    def medication_name(self, resource: dict[str, Any], where: str) -> str:
        if "medicationReference" in resource:
            raise InvalidInputError(
                f"{where}: give the medicine as 'medicationCodeableConcept' (RxNorm code and/or "
                "text); 'medicationReference' is not read.",
                field=f"{where}.medicationReference",
            )
        concept = resource.get("medicationCodeableConcept")
        name = _concept_text(concept)
        rxnorm = _code_in(concept, c.RXNORM)
        if name is None and rxnorm is not None:
            name = self.drug_by_rxnorm(rxnorm)
        if name is None:
            raise InvalidInputError(
                f"{where}: the medicine has neither a text nor an RxNorm code Myoscope knows; "
                "give 'medicationCodeableConcept.text'.",
                field=f"{where}.medicationCodeableConcept",
            )
        return name

    def drug_by_rxnorm(self, code: str) -> str | None:
        for drug in self.kb.drugs.values():
            if drug.codes.get("rxnorm") == code:
                return drug.name
        return None

    def medication_statement(self, resource: dict[str, Any], where: str) -> None:
        status = resource.get("status")
        if status in ("entered-in-error", "not-taken", "intended"):
            self.warn(where, f"a medicine with status '{status}'; not imported")
            return
        exts = _extensions(resource)
        dosages = resource.get("dosage") or [{}]
        if len(dosages) > 1:
            self.warn(where, "more than one dosage; only the first is imported")
        dosage = dosages[0]
        data: dict[str, Any] = {"drug": self.medication_name(resource, where)}
        quantity = ((dosage.get("doseAndRate") or [{}])[0]).get("doseQuantity")
        if quantity:
            data["dose_amount"] = quantity.get("value")
            data["dose_unit"] = _unit(quantity, where)
        data["times_per_day"] = self.times_per_day(dosage.get("timing"), where)
        data["as_needed"] = bool(dosage.get("asNeededBoolean", False))
        period = resource.get("effectivePeriod") or {}
        data["started_on"] = _day(period.get("start") or resource.get("effectiveDateTime"))
        if data["started_on"] is None:
            raise InvalidInputError(
                f"{describe(resource, where)}: give when the medicine was started "
                "('effectivePeriod.start').",
                field=f"{where}.effectivePeriod.start",
            )
        data["stopped_on"] = _day(period.get("end"))
        data["start_reason"] = _concept_text((resource.get("reasonCode") or [None])[0])
        data["stop_reason"] = _concept_text((resource.get("statusReason") or [None])[0])
        outcome = _ext_value(exts, c.EXT_OUTCOME, "valueCoding")
        data["outcome"] = outcome.get("code") if isinstance(outcome, dict) else None
        replaces = _ext_value(exts, c.EXT_REPLACES, "valueReference")
        data["replaces_id"] = self.reference(replaces, where, "the replaced medicine")
        data |= self.extra_fields(exts, RegimenIn, where)
        self.unknown_extensions(exts, where)
        self.out.regimens.append(self.build(RegimenIn, data, resource, where, "medication"))

    def times_per_day(self, timing: Any, where: str) -> int | None:
        repeat = (timing or {}).get("repeat") if isinstance(timing, dict) else None
        if not repeat or repeat.get("frequency") is None:
            return None
        per_day = {"d": 1.0, "h": 24.0, "min": 1440.0}
        unit = repeat.get("periodUnit", "d")
        period = float(repeat.get("period", 1))
        if unit not in per_day or period <= 0:
            self.warn(where, f"a dose schedule per '{unit}' is not a daily one; not imported")
            return None
        times = repeat["frequency"] * per_day[unit] / period
        if times != int(times) or not 1 <= times <= 24:
            self.warn(where, f"{times:g} doses a day is not a whole number from 1 to 24; left out")
            return None
        return int(times)

    def administration(self, resource: dict[str, Any], where: str) -> None:
        exts = _extensions(resource)
        status = resource.get("status")
        recorded = _ext_value(exts, c.EXT_DOSE_STATUS, "valueCode")
        if status == "not-done":
            dose_status = DoseStatus.SKIPPED.value
        elif status == "completed":
            dose_status = recorded if recorded in ("taken", "late") else DoseStatus.TAKEN.value
        else:
            self.warn(where, f"a dose with status '{status}'; not imported")
            return
        data: dict[str, Any] = {
            "drug": self.medication_name(resource, where),
            "status": dose_status,
            "taken_at": resource.get("effectiveDateTime")
            or (resource.get("effectivePeriod") or {}).get("start"),
            "regimen_id": self.reference(
                _ext_value(exts, c.EXT_REGIMEN, "valueReference"), where, "the regimen"
            ),
            "scheduled_at": _ext_value(exts, c.EXT_SCHEDULED_AT, "valueDateTime"),
            "as_needed": bool(_ext_value(exts, c.EXT_AS_NEEDED, "valueBoolean") or False),
            "note": _notes(resource),
        }
        quantity = (resource.get("dosage") or {}).get("dose")
        if quantity:
            data["amount"] = quantity.get("value")
            data["unit"] = _unit(quantity, where)
        data |= self.extra_fields(exts, DoseIn, where)
        self.unknown_extensions(exts, where)
        self.out.doses.append(self.build(DoseIn, data, resource, where, "dose"))

    def adverse_event(self, resource: dict[str, Any], where: str) -> None:
        if resource.get("actuality") == "potential":
            self.warn(where, "a potential (not actual) adverse event; not imported")
            return
        exts = _extensions(resource)
        severity = _code_in(resource.get("severity"), c.ADVERSE_EVENT_SEVERITY)
        if severity is None:
            raise InvalidInputError(
                f"{describe(resource, where)}: give 'severity' as a code of "
                f"{c.ADVERSE_EVENT_SEVERITY} (mild, moderate or severe).",
                field=f"{where}.severity",
            )
        suspects = resource.get("suspectEntity") or []
        if len(suspects) > 1:
            self.warn(where, "more than one suspected medicine; only the first is linked")
        regimen_id = None
        if suspects:
            instance = suspects[0].get("instance") or {}
            ref = str(instance.get("reference", ""))
            if ref in self.ids or ref.startswith("MedicationStatement/"):
                regimen_id = self.reference(instance, where, "the suspected medicine")
            else:
                self.warn(where, f"the suspect '{ref}' is not a MedicationStatement; not linked")
        data: dict[str, Any] = {
            "effect": _concept_text(resource.get("event")),
            "severity": severity,
            "started_at": resource.get("date") or resource.get("detected"),
            "ended_at": _ext_value(exts, c.EXT_ENDED_AT, "valueDateTime"),
            "regimen_id": regimen_id,
            "note": _ext_value(exts, c.EXT_NOTE, "valueString"),
        }
        data |= self.extra_fields(exts, SideEffectIn, where)
        self.unknown_extensions(exts, where)
        self.out.side_effects.append(self.build(SideEffectIn, data, resource, where, "side effect"))


def _unit(quantity: dict[str, Any], where: str) -> str:
    unit = _UNITS_BY_CODE.get((quantity.get("system"), quantity.get("code")))
    if unit is not None:
        return unit.value
    text = quantity.get("unit") or quantity.get("code")
    if isinstance(text, str) and text.lower() in _DOSE_UNITS:
        return text.lower()
    if text in ("ug", "µg", "mcg"):
        return DoseUnit.MCG.value
    raise InvalidInputError(
        f"{where}: the dose unit '{text}' is not one Myoscope records; use mg, mcg (UCUM 'ug'), "
        "g, mL, tablet or drop.",
        field=f"{where}.unit",
        received=text,
        allowed=tuple(sorted(_DOSE_UNITS)),
    )


def _datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _new_id() -> str:
    from myoscope.domain.diary import new_id

    return new_id()


def _message(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        name = ".".join(str(p) for p in error["loc"]) or "record"
        message = str(error["msg"]).removeprefix("Value error, ")
        parts.append(f"'{name}': {message}")
    return "; ".join(parts)


# -- the profile -------------------------------------------------------------------------------


def _age(birth: str, today: date) -> int | None:
    try:
        born = date.fromisoformat(birth[:10]) if len(birth) >= 10 else None
    except ValueError:
        return None
    if born is None:  # a year or year-month only: the age is known to within a year
        try:
            year = int(birth[:4])
        except ValueError:
            return None
        return today.year - year - 1 if today.month < 12 else today.year - year
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@dataclass(frozen=True)
class ProfileReading:
    """A profile read from plain FHIR resources (no Myoscope profile extension).

    Parameters
    ----------
    profile : dict
        Profile fields found (``age_years``, ``sex``, ``conditions``, ``myoclonus.etiology``,
        ``egfr_ml_min``); may lack required fields.
    unrecognized_conditions : list of str
        Conditions whose code or text the knowledge base does not know (kept in ``conditions``
        by name, so the assessment lists them as unrecognised).
    """

    profile: dict[str, Any]
    unrecognized_conditions: list[str]


def profile_from_resources(
    patient: dict[str, Any] | None,
    conditions: list[dict[str, Any]],
    observations: list[dict[str, Any]],
    kb: KnowledgeBase,
    today: date,
) -> ProfileReading:
    """Build profile fields from a Patient, its Conditions and eGFR Observations.

    Used for Bundles from other systems and for CDS Hooks prefetch. A condition is recognised by
    a Myoscope condition or etiology code, an ICD-10/ICD-10-CM/ICD-11 code the knowledge base
    holds, or its text through the knowledge base's names and synonyms; Myoclonus itself (SNOMED
    CT 17450006, ICD-10 G25.3) is the diary's subject and adds nothing.
    """
    profile: dict[str, Any] = {}
    if patient:
        gender = patient.get("gender")
        if gender in ("female", "male", "other"):
            profile["sex"] = gender
        birth = patient.get("birthDate")
        if isinstance(birth, str):
            age = _age(birth, today)
            if age is not None and 0 <= age <= 120:
                profile["age_years"] = age
    by_code = _kb_condition_codes(kb)
    names: list[str] = []
    unrecognized: list[str] = []
    for condition in conditions:
        status = _code_in(condition.get("clinicalStatus"), _CLINICAL_STATUS)
        if status in ("inactive", "resolved", "remission"):
            continue
        if _code_in(condition.get("verificationStatus"), _VERIFICATION) in (
            "refuted",
            "entered-in-error",
        ):
            continue
        concept = condition.get("code")
        codings = {(x.get("system"), x.get("code")) for x in _codings(concept)}
        if codings & _MYOCLONUS_CODES:
            continue
        etiology = _code_in(concept, c.CS_ETIOLOGY)
        if etiology and f"etiology:{etiology}" in kb.etiologies:
            profile.setdefault("myoclonus", {})["etiology"] = etiology
            continue
        local = _code_in(concept, c.CS_CONDITION)
        ident = f"condition:{local}" if local and f"condition:{local}" in kb.conditions else None
        ident = ident or next((by_code[k] for k in codings if k in by_code), None)
        text = _concept_text(concept)
        if ident is None and text:
            ident = kb.condition_names.lookup(text)
            if ident is None and (found := kb.etiology_names.lookup(text)) is not None:
                profile.setdefault("myoclonus", {})["etiology"] = bare_id(found)
                continue
        if ident is not None:
            names.append(bare_id(ident))
        elif text:
            names.append(text)
            unrecognized.append(text)
        else:
            shown = ", ".join(f"{s}|{k}" for s, k in sorted(codings, key=str)) or "no code"
            unrecognized.append(f"a condition coded {shown}")
    if names:
        profile["conditions"] = list(dict.fromkeys(names))
    egfr = _latest_egfr(observations)
    if egfr is not None:
        profile["egfr_ml_min"] = egfr
    return ProfileReading(profile, unrecognized)


_CLINICAL_STATUS = "http://terminology.hl7.org/CodeSystem/condition-clinical"
_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
_SYSTEM_OF_KEY = c.KB_CODE_SYSTEMS


def _kb_condition_codes(kb: KnowledgeBase) -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    for cond in kb.conditions.values():
        for key, value in cond.codes.items():
            if key in _SYSTEM_OF_KEY:
                found.setdefault((_SYSTEM_OF_KEY[key], value), cond.id)
    return found


def _latest_egfr(observations: list[dict[str, Any]]) -> float | None:
    best: tuple[str, float] | None = None
    for obs in observations:
        if _code_in(obs.get("code"), c.LOINC) not in EGFR_LOINC:
            continue
        if obs.get("status") in ("entered-in-error", "cancelled"):
            continue
        quantity = obs.get("valueQuantity") or {}
        value = quantity.get("value")
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 200:
            continue
        when = str(obs.get("effectiveDateTime") or obs.get("issued") or "")
        if best is None or when > best[0]:
            best = (when, float(value))
    return best[1] if best else None


# -- the Bundle ----------------------------------------------------------------------------------


def _check_envelope(bundle: Any) -> list[Any]:
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise InvalidInputError(
            "This is not a FHIR Bundle (its 'resourceType' is not 'Bundle'); export a FHIR R4 "
            "Bundle (type 'collection') and import that.",
            field="resourceType",
        )
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise InvalidInputError("The Bundle's 'entry' must be a list.", field="entry")
    shell = {k: v for k, v in bundle.items() if k != "entry"}
    shell["entry"] = [
        {k: v for k, v in e.items() if k != "resource"} if isinstance(e, dict) else e
        for e in entries
    ]
    validate_resource(shell, where="Bundle")
    return entries


_HANDLERS: dict[str, Callable[[_Reader, dict[str, Any], str], None]] = {
    "Observation": _Reader.observation,
    "MedicationStatement": _Reader.medication_statement,
    "MedicationAdministration": _Reader.administration,
    "AdverseEvent": _Reader.adverse_event,
}


def bundle_to_records(bundle: Any, kb: KnowledgeBase, *, today: date) -> FhirRecords:
    """Read a FHIR R4 Bundle into diary records.

    Parameters
    ----------
    bundle : dict
        The Bundle as parsed JSON (any type; ``collection`` is what Myoscope writes).
    kb : KnowledgeBase
        Resolves RxNorm codes and condition codes and names.
    today : date
        For the age from ``Patient.birthDate`` when the Bundle has no Myoscope profile.

    Returns
    -------
    FhirRecords
        The profile (from the Patient's Myoscope profile extension, or else from Patient,
        Conditions and eGFR Observations when age and sex are known), the records in the
        Bundle's order (medicines first need not hold: links are resolved in a first pass), and
        warnings for everything not imported.

    Raises
    ------
    InvalidInputError
        Not a Bundle; an entry the library refuses (the message names the entry and field); a
        resource that breaks the mapping (no start date, a unit Myoscope does not record, a
        reference to nothing); two Patients.
    """
    entries = _check_envelope(bundle)
    reader = _Reader(kb)
    resources: list[tuple[str, dict[str, Any]]] = []
    for index, entry in enumerate(entries):
        where = f"entry[{index}]"
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if resource is None:
            reader.warn(where, "an entry without a resource; skipped")
            continue
        validate_resource(resource, where=where)
        ident = resource.get("id")
        if resource["resourceType"] == "MedicationStatement":  # links point at these
            if not ident:  # give it its id now, so that links to its fullUrl find it
                ident = _new_id()
                resource = {**resource, "id": ident}
            if isinstance(entry.get("fullUrl"), str):
                reader.ids[entry["fullUrl"]] = str(ident)
            reader.ids[f"MedicationStatement/{ident}"] = str(ident)
        resources.append((describe(resource, where), resource))
    patients = [r for _, r in resources if r["resourceType"] == "Patient"]
    if len(patients) > 1:
        raise InvalidInputError(
            f"The Bundle holds {len(patients)} Patients; a diary is one person's: export one "
            "person's records.",
            field="entry",
        )
    conditions: list[dict[str, Any]] = []
    observations: list[dict[str, Any]] = []
    for where, resource in resources:
        kind = resource["resourceType"]
        handler = _HANDLERS.get(kind)
        if handler is not None:
            handler(reader, resource, where)
            if kind == "Observation":
                observations.append(resource)
        elif kind == "Condition":
            conditions.append(resource)
        elif kind != "Patient":
            reader.warn(where, f"a {kind} has no place in the diary; not imported")
    patient = patients[0] if patients else None
    reader.out.profile = _profile(reader, patient, conditions, observations, today)
    return reader.out


def _profile(
    reader: _Reader,
    patient: dict[str, Any] | None,
    conditions: list[dict[str, Any]],
    observations: list[dict[str, Any]],
    today: date,
) -> dict[str, Any] | None:
    if patient is not None:
        exts = _extensions(patient)
        stored = _ext_value(exts, c.EXT_PROFILE, "valueString")
        for url in exts:
            if url != c.EXT_PROFILE:
                reader.warn("Patient", f"the extension '{url}' has no place in the diary; ignored")
        if isinstance(stored, str):
            try:
                profile = json.loads(stored)
            except json.JSONDecodeError:
                raise InvalidInputError(
                    "Patient: the Myoscope profile extension does not hold JSON.",
                    field="Patient.extension",
                ) from None
            if not isinstance(profile, dict):
                raise InvalidInputError(
                    "Patient: the Myoscope profile extension must hold a JSON object.",
                    field="Patient.extension",
                )
            return profile
    if patient is None and not conditions:
        return None
    reading = profile_from_resources(patient, conditions, observations, reader.kb, today)
    for name in reading.unrecognized_conditions:
        reader.warn("Condition", f"'{name}' is not known to the knowledge base; kept by name")
    if "age_years" not in reading.profile or "sex" not in reading.profile:
        reader.warn(
            "Patient",
            "no profile imported: it needs the age (Patient.birthDate) and sex (Patient.gender)",
        )
        return None
    return reading.profile
