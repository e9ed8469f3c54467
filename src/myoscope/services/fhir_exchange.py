"""FHIR R4 export and import of a whole diary, and the CDS Hooks ``patient-view`` service.

Export reads the diary with the same access rules as every read: the owner, and anyone the
owner shared the diary with (a clinician pulling the record into an electronic health record),
with one audit entry (``export``, resource ``fhir``). Import goes through
:meth:`TransferService.import_document`, so it is the owner's alone, merges in one transaction
(a Bundle with any bad entry changes nothing), gives new ids to records whose id another diary
holds, and checks links, exactly like a JSON import. See ``docs/fhir.md`` for the mapping.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from myoscope.domain.diary import Account, AuditAction
from myoscope.fhir import FhirRecords, ParsedRecord, bundle_to_records, diary_to_bundle
from myoscope.fhir.cds import assessment_to_cards, hook_request_to_profile
from myoscope.knowledge import KnowledgeBase
from myoscope.rules.assess import assess_profile
from myoscope.services.diary import (
    CHECKINS,
    DOSES,
    EPISODES,
    REGIMENS,
    SIDE_EFFECTS,
    DiaryAccess,
    DiaryService,
)
from myoscope.services.profiles import parse_profile
from myoscope.services.transfer import EXPORT_FORMAT, EXPORT_VERSION, TransferService

__all__ = [
    "FhirImportReport",
    "cds_patient_view",
    "export_diary_fhir",
    "export_fhir",
    "import_bundle",
    "import_fhir",
    "records_to_document",
]


@dataclass(frozen=True)
class FhirImportReport:
    """What a FHIR import did.

    Parameters
    ----------
    imported : dict
        How many records of each kind were imported (``medications``, ``episodes``, ...).
    profile : bool
        Whether a profile was imported (it replaces the stored one).
    warnings : list of str
        Everything in the Bundle that has no place in the diary and was not imported, each
        naming its entry.
    """

    imported: dict[str, int]
    profile: bool
    warnings: list[str]


def export_diary_fhir(
    diaries: DiaryService, diary: DiaryAccess, *, validate: bool = False
) -> dict[str, Any]:
    """Return an open diary as a FHIR R4 Bundle (type ``collection``), audited.

    Parameters
    ----------
    diaries : DiaryService
        The diary service.
    diary : DiaryAccess
        The diary, opened by its owner or by an account it is shared with.
    validate : bool
        Validate every resource with the ``fhir.resources`` R4B models (slower).
    """
    repository = diaries.repository
    with repository.transaction():
        bundle = diary_to_bundle(
            diary.owner,
            regimens=diaries.all(diary, REGIMENS),
            episodes=diaries.all(diary, EPISODES),
            checkins=diaries.all(diary, CHECKINS),
            doses=diaries.all(diary, DOSES),
            side_effects=diaries.all(diary, SIDE_EFFECTS),
            profile=repository.get_profile(diary.patient_id),
            kb=diaries.kb,
            timestamp=diaries.clock(),
            validate=validate,
        )
        diaries.record_audit(diary, AuditAction.EXPORT, "fhir")
    return bundle


def export_fhir(
    diaries: DiaryService,
    actor: Account,
    patient_id: str | None = None,
    *,
    validate: bool = False,
) -> dict[str, Any]:
    """Open a diary (own or shared) and return it as a FHIR R4 Bundle.

    Raises
    ------
    NotFoundError
        No such diary, or one the actor may not see (the same answer).
    """
    return export_diary_fhir(diaries, diaries.open(actor, patient_id), validate=validate)


def records_to_document(records: FhirRecords, kb: KnowledgeBase, now: datetime) -> dict[str, Any]:
    """Turn records read from a Bundle into a Myoscope JSON export document.

    Records without bookkeeping times get ``now``; medicines get their knowledge-base id.
    """

    def rows(items: list[ParsedRecord[Any]]) -> list[dict[str, Any]]:
        out = []
        for item in items:
            row: dict[str, Any] = item.data.model_dump(mode="json") | item.extra
            created = item.created_at or item.updated_at or now
            row |= {
                "id": item.id,
                "created_at": created.isoformat(),
                "updated_at": (item.updated_at or created).isoformat(),
            }
            out.append(row)
        return out

    medications = rows(records.regimens)
    for row in medications:
        row["drug_id"] = kb.medicine_names.lookup(row["drug"])
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "profile": records.profile,
        "medications": medications,
        "episodes": rows(records.episodes),
        "checkins": rows(records.checkins),
        "doses": rows(records.doses),
        "side-effects": rows(records.side_effects),
    }


def import_bundle(transfer: TransferService, diary: DiaryAccess, bundle: Any) -> FhirImportReport:
    """Import a FHIR R4 Bundle into an open diary (owner only), in one transaction.

    Raises
    ------
    InvalidInputError
        Not a Bundle, an entry the FHIR library refuses, or a resource that breaks the mapping
        (the message names the entry and field); an invalid profile. Nothing is changed then.
    PermissionDeniedError
        The actor is not the diary's owner.
    """
    diaries = transfer.diaries
    diaries.require_owner(diary)
    records = bundle_to_records(bundle, diaries.kb, today=diaries.today(diary))
    document = records_to_document(records, diaries.kb, diaries.clock())
    counts = transfer.import_document(diary, document)
    return FhirImportReport(counts, records.profile is not None, list(records.warnings))


def import_fhir(
    transfer: TransferService, actor: Account, patient_id: str | None, bundle: Any
) -> FhirImportReport:
    """Open the actor's diary (or ``patient_id``) and import a FHIR Bundle into it.

    Raises
    ------
    NotFoundError, PermissionDeniedError, InvalidInputError
        As :func:`import_bundle`, and for a diary the actor may not see.
    """
    return import_bundle(transfer, transfer.diaries.open(actor, patient_id), bundle)


def cds_patient_view(request: Any, kb: KnowledgeBase, *, now: datetime) -> dict[str, Any]:
    """Answer a CDS Hooks ``patient-view`` request with the engine's alerts as cards.

    Reads nothing stored and writes nothing: the answer is computed from the request.

    Parameters
    ----------
    request : dict
        The hook request with ``prefetch`` (Patient, MedicationStatements, Conditions, and
        optionally eGFR Observations).
    kb : KnowledgeBase
        The knowledge base.
    now : datetime
        The current time (the age is computed from the birth date on this day, in UTC).

    Returns
    -------
    dict
        ``{"cards": [...]}``.

    Raises
    ------
    PrefetchMissingError
        No Patient in the prefetch.
    InvalidInputError
        Not a ``patient-view`` request, or a prefetch that is not FHIR.
    """
    cds_input, notes = hook_request_to_profile(request, kb, today=now.date())
    assessment = None
    if not cds_input.missing:
        profile = parse_profile(cds_input.profile, source="CDS Hooks prefetch")
        assessment = assess_profile(profile, kb, audience="clinician")
    return assessment_to_cards(assessment, cds_input, notes, kb)
