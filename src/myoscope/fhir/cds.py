"""CDS Hooks 2.0: the discovery document, the prefetch -> profile mapping, alerts -> cards.

The service ``myoscope-myoclonus-safety`` answers the ``patient-view`` hook: from the Patient,
its MedicationStatements, Conditions and (optionally) eGFR Observations in ``prefetch`` it builds
a profile, and the engine's alerts come back as cards. It reads no stored data; the functions
here are pure (the caller runs the engine between :func:`hook_request_to_profile` and
:func:`assessment_to_cards`).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from myoscope.domain.assessment import Alert, Assessment
from myoscope.errors import InvalidInputError
from myoscope.fhir import codes as c
from myoscope.fhir.parse import profile_from_resources
from myoscope.fhir.validate import validate_resource
from myoscope.knowledge import KnowledgeBase

__all__ = [
    "DISCLAIMER",
    "SERVICE_ID",
    "CdsInput",
    "PrefetchMissingError",
    "assessment_to_cards",
    "discovery",
    "hook_request_to_profile",
]

SERVICE_ID = "myoscope-myoclonus-safety"
HOOK = "patient-view"
DISCLAIMER = "Information to discuss with a clinician, not medical advice."
SOURCE_LABEL = "Myoscope"
_SUMMARY_MAX = 139  # the specification: fewer than 140 characters
_ACTIVE_MEDICATION = frozenset({"active", "intended", "on-hold", "unknown"})

PREFETCH = {
    "patient": "Patient/{{context.patientId}}",
    "medications": "MedicationStatement?patient={{context.patientId}}",
    "conditions": "Condition?patient={{context.patientId}}",
}
"""Prefetch templates the service asks for (``egfr`` is read too when a client sends it)."""


def discovery() -> dict[str, Any]:
    """Return the discovery document (``GET /cds-services``)."""
    return {
        "services": [
            {
                "hook": HOOK,
                "id": SERVICE_ID,
                "title": "Myoscope myoclonus medication safety",
                "description": (
                    "Checks the patient's current medicines and conditions against Myoscope's "
                    "curated knowledge base about myoclonus: drugs that can cause or worsen "
                    "myoclonus, interactions among antimyoclonic drugs, contraindications and "
                    "kidney dose limits. Returns the alerts as cards. " + DISCLAIMER
                ),
                "prefetch": dict(PREFETCH),
                "usageRequirements": (
                    "Send the prefetch (the service has no access to your FHIR server). An "
                    "optional 'egfr' prefetch (a Bundle of eGFR Observations, LOINC 33914-3, "
                    "62238-1 or 98979-8) enables kidney dose checks."
                ),
            }
        ]
    }


class PrefetchMissingError(InvalidInputError):
    """The hook request lacks the prefetch the service needs (answered with HTTP 412)."""


@dataclass(frozen=True)
class CdsInput:
    """A hook request read into a profile.

    Parameters
    ----------
    profile : dict
        Profile fields for the engine (``age_years``, ``sex``, ``medications``, ...).
    missing : list of str
        Required profile fields the request did not give (age, sex): no assessment without them.
    medications_seen : int
        How many current MedicationStatements were read.
    instance : str
        The request's ``hookInstance`` (card uuids are derived from it and the alert).
    """

    profile: dict[str, Any]
    missing: list[str]
    medications_seen: int
    instance: str = ""


def _resources(value: Any, kind: str, where: str) -> list[dict[str, Any]]:
    """Resources of ``kind`` in a prefetch value (a Bundle, a single resource, or null)."""
    if value is None:
        return []
    if not isinstance(value, dict):
        raise InvalidInputError(
            f"prefetch.{where} must be a FHIR Bundle or resource.", field=f"prefetch.{where}"
        )
    if value.get("resourceType") == "Bundle":
        entries = value.get("entry") or []
        if not isinstance(entries, list):
            raise InvalidInputError(
                f"prefetch.{where}.entry must be a list.", field=f"prefetch.{where}.entry"
            )
        found = []
        for index, entry in enumerate(entries):
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if isinstance(resource, dict) and resource.get("resourceType") == kind:
                validate_resource(resource, where=f"prefetch.{where}.entry[{index}]")
                found.append(resource)
        return found
    if value.get("resourceType") == kind:
        validate_resource(value, where=f"prefetch.{where}")
        return [value]
    raise InvalidInputError(
        f"prefetch.{where} holds a {value.get('resourceType')!r}; expected a Bundle of {kind}.",
        field=f"prefetch.{where}",
    )


def _drug_name(resource: dict[str, Any], kb: KnowledgeBase) -> str | None:
    concept = resource.get("medicationCodeableConcept")
    if not isinstance(concept, dict):
        reference = (resource.get("medicationReference") or {}).get("display")
        return str(reference) if reference else None
    for coding in concept.get("coding") or []:
        if coding.get("system") == c.RXNORM and coding.get("code"):
            for drug in kb.drugs.values():
                if drug.codes.get("rxnorm") == str(coding["code"]):
                    return drug.name
    if concept.get("text"):
        return str(concept["text"])
    for coding in concept.get("coding") or []:
        if coding.get("display"):
            return str(coding["display"])
    return None


def hook_request_to_profile(
    request: Any, kb: KnowledgeBase, *, today: date
) -> tuple[CdsInput, list[str]]:
    """Read a ``patient-view`` hook request into a profile.

    Parameters
    ----------
    request : dict
        The hook request (``hook``, ``hookInstance``, ``context.patientId``, ``prefetch``).
    kb : KnowledgeBase
        Resolves drugs (RxNorm code, then name) and conditions (code, then name).
    today : date
        For the age from ``Patient.birthDate``.

    Returns
    -------
    CdsInput
        The profile, with what is missing.
    notes : list of str
        What was read but could not be used (a medicine without a name), for an info card.

    Raises
    ------
    InvalidInputError
        Not a hook request, or another hook than ``patient-view``.
    PrefetchMissingError
        No Patient in ``prefetch`` (the service cannot fetch it).
    """
    if not isinstance(request, dict):
        raise InvalidInputError("A CDS Hooks request must be a JSON object.")
    hook = request.get("hook")
    if hook != HOOK:
        raise InvalidInputError(
            f"This service answers the '{HOOK}' hook; the request is for {hook!r}.", field="hook"
        )
    prefetch = request.get("prefetch")
    if not isinstance(prefetch, dict) or not isinstance(prefetch.get("patient"), dict):
        raise PrefetchMissingError(
            "The request has no prefetch 'patient' (a FHIR Patient). This service cannot read "
            "your FHIR server: send the prefetch listed by GET /cds-services.",
            field="prefetch.patient",
        )
    patients = _resources(prefetch["patient"], "Patient", "patient")
    if not patients:
        raise PrefetchMissingError(
            "prefetch.patient holds no Patient resource.", field="prefetch.patient"
        )
    statements = _resources(prefetch.get("medications"), "MedicationStatement", "medications")
    conditions = _resources(prefetch.get("conditions"), "Condition", "conditions")
    observations = _resources(prefetch.get("egfr"), "Observation", "egfr")
    reading = profile_from_resources(patients[0], conditions, observations, kb, today)
    profile = dict(reading.profile)
    notes: list[str] = []
    medications: list[dict[str, Any]] = []
    for statement in statements:
        if statement.get("status") not in _ACTIVE_MEDICATION:
            continue
        name = _drug_name(statement, kb)
        if name is None:
            notes.append(
                "A MedicationStatement without a name or an RxNorm code Myoscope knows was "
                "not checked."
            )
            continue
        if all(m["name"].lower() != name.lower() for m in medications):
            medications.append({"name": name})
    profile["medications"] = medications
    missing = [
        label
        for key, label in (("age_years", "birth date"), ("sex", "administrative gender"))
        if key not in profile
    ]
    instance = str(request.get("hookInstance") or "")
    return CdsInput(profile, missing, len(statements), instance), notes


def _first_sentence(text: str) -> str:
    match = re.match(r"(.+?[.!?])(?=\s+[A-Z(\[]|$)", text, re.DOTALL)
    return match.group(1) if match else text


def _short(text: str) -> str:
    sentence = _first_sentence(text.strip())
    if len(sentence) <= _SUMMARY_MAX:
        return sentence
    cut = sentence[: _SUMMARY_MAX - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def _reference_line(ref_id: str, kb: KnowledgeBase) -> str:
    ref = kb.references.get(ref_id)
    if ref is None:
        return f"- {ref_id}"
    where = ref.url or (f"https://doi.org/{ref.doi}" if ref.doi else None)
    if where is None and ref.pmid:
        where = f"https://pubmed.ncbi.nlm.nih.gov/{ref.pmid}/"
    title = f"[{ref.title}]({where})" if where else ref.title
    return f"- {ref.authors[0]}{' et al.' if len(ref.authors) > 1 else ''} ({ref.year}). {title}"


def _card(
    summary: str,
    indicator: str,
    detail: str,
    key: str,
    topic: dict[str, str] | None = None,
) -> dict[str, Any]:
    source: dict[str, Any] = {"label": SOURCE_LABEL}
    if topic is not None:
        source["topic"] = topic
    return {
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{c.BASE}/cds/{key}")),
        "summary": _short(summary),
        "indicator": indicator,
        "detail": detail,
        "source": source,
    }


def _alert_card(alert: Alert, kb: KnowledgeBase, version: str, instance: str) -> dict[str, Any]:
    lines = [f"**{alert.summary}**", "", alert.detail]
    if alert.evidence is not None:
        lines += ["", f"Evidence: {alert.evidence.system} {alert.evidence.level}"]
        if alert.evidence.description:
            lines[-1] += f" ({alert.evidence.description})"
    if alert.based_on:
        lines += ["", "Based on: " + "; ".join(alert.based_on)]
    if alert.sources:
        lines += ["", "Sources:", *(_reference_line(s, kb) for s in alert.sources)]
    lines += ["", f"Rule `{alert.id}`, knowledge base {version}.", "", f"*{DISCLAIMER}*"]
    return _card(
        alert.summary,
        alert.severity,
        "\n".join(lines),
        f"{instance}/{alert.id}/{'/'.join(alert.subjects)}",
        {"code": alert.id, "system": f"{c.BASE}/CodeSystem/rule", "display": alert.kind},
    )


def assessment_to_cards(
    assessment: Assessment | None,
    cds_input: CdsInput,
    notes: list[str],
    kb: KnowledgeBase,
) -> dict[str, Any]:
    """Return the hook response ``{"cards": [...]}``.

    Parameters
    ----------
    assessment : Assessment or None
        The engine's assessment of ``cds_input.profile``; None when age or sex was missing.
    cds_input : CdsInput
        What the request gave.
    notes : list of str
        What was read but not used.
    kb : KnowledgeBase
        For reference titles and the version.

    Returns
    -------
    dict
        Cards: urgent referral (critical) first, then the engine's alerts in its order, then one
        info card listing what was not recognised or not checked (never hidden).
    """
    cards: list[dict[str, Any]] = []
    instance = cds_input.instance
    if assessment is None:
        missing = " and ".join(cds_input.missing)
        detail = (
            f"The Patient resource has no {missing}; Myoscope's checks need the age and sex. "
            "Nothing was checked.\n\n" + f"*{DISCLAIMER}*"
        )
        cards.append(
            _card(f"Myoscope could not check: no {missing}", "info", detail, f"{instance}/missing")
        )
        return {"cards": cards}
    if assessment.urgent.refer:
        detail = "\n".join(f"- {reason}" for reason in assessment.urgent.reasons)
        cards.append(
            _card(
                "Urgent assessment advised: " + _first_sentence(assessment.urgent.reasons[0])
                if assessment.urgent.reasons
                else "Urgent assessment advised",
                "critical",
                detail + f"\n\n*{DISCLAIMER}*",
                f"{instance}/urgent",
            )
        )
    cards += [
        _alert_card(alert, kb, assessment.kb.version, instance) for alert in assessment.alerts
    ]
    unrecognised = [
        f"medicine '{item.name}'"
        + (f" (did you mean {', '.join(item.did_you_mean)}?)" if item.did_you_mean else "")
        for item in assessment.unrecognized.medications
    ] + [
        f"condition '{item.name}'"
        + (f" (did you mean {', '.join(item.did_you_mean)}?)" if item.did_you_mean else "")
        for item in assessment.unrecognized.conditions
    ]
    if unrecognised or notes:
        lines = [
            "Myoscope's knowledge base does not know these, so they were **not checked**:",
            "",
            *(f"- {item}" for item in unrecognised),
            *(f"- {note}" for note in notes),
            "",
            "The checks are not comprehensive; no card does not mean no risk.",
            "",
            f"*{DISCLAIMER}*",
        ]
        count = len(unrecognised) + len(notes)
        cards.append(
            _card(
                f"Not checked: {count} item{'s' if count != 1 else ''} Myoscope does not recognise",
                "info",
                "\n".join(lines),
                f"{instance}/unrecognised/" + "/".join(unrecognised + notes),
            )
        )
    return {"cards": cards}
