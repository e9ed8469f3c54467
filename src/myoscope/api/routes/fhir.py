"""``GET /fhir``: the whole diary as a FHIR R4 Bundle (``application/fhir+json``).

Anyone who may read the diary may export it as FHIR (the owner, and a clinician or carer it is
shared with, to take it into an electronic health record); the export is audited. A FHIR Bundle
is imported through ``POST /import`` (owner only), which recognises Bundles beside Myoscope's
JSON and CSV exports; ``myoscope fhir import`` also lists what was not imported. The mapping is in
``docs/fhir.md``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from myoscope.api.deps import DIARY_ERRORS, DiaryDep, ServicesDep
from myoscope.fhir.export import encode_bundle
from myoscope.services.fhir_exchange import export_diary_fhir

__all__ = ["FHIR_JSON", "router"]

FHIR_JSON = "application/fhir+json"

router = APIRouter(tags=["diary"], responses=DIARY_ERRORS)


class FhirResponse(Response):
    """A FHIR JSON document (``application/fhir+json``)."""

    media_type = FHIR_JSON

    def render(self, content: Any) -> bytes:
        """Serialise compactly, keeping non-ASCII text as UTF-8."""
        return encode_bundle(content)


@router.get(
    "/fhir",
    operation_id="diary-fhir-export",
    summary="Export the diary as a FHIR R4 Bundle",
    response_class=FhirResponse,
    responses={
        200: {
            "description": "A FHIR R4 Bundle of type collection: Patient, Conditions, "
            "MedicationStatements, Observations (episodes and check-ins), "
            "MedicationAdministrations (doses) and AdverseEvents (side effects).",
            "content": {FHIR_JSON: {"schema": {"type": "object"}}},
        }
    },
)
async def export_fhir_bundle(
    diary: DiaryDep,
    services: ServicesDep,
    validate: Annotated[
        bool,
        Query(description="Also validate every resource with the FHIR R4B models (slower)."),
    ] = False,
) -> Response:
    """Download the diary as FHIR R4 (the mapping is documented in docs/fhir.md).

    Import a Bundle with `POST /import`.
    """
    bundle = await run_in_threadpool(export_diary_fhir, services.diaries, diary, validate=validate)
    day = services.diaries.today(diary).isoformat()
    headers = {"Content-Disposition": f'attachment; filename="myoscope-diary-{day}.fhir.json"'}
    return FhirResponse(bundle, headers=headers)
