"""``/export``, ``/import`` and ``DELETE /diary``: the whole diary at once. Owner only.

JSON and CSV (a ZIP of one CSV file per kind of record) carry the same content and round-trip
without loss: export, delete, import gives back the same diary.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from myoscope.api.deps import DIARY_ERRORS, DiaryDep, ServicesDep
from myoscope.api.schemas import DeleteDiaryIn, DeletedPublic, ImportedPublic
from myoscope.errors import InvalidInputError

__all__ = ["router"]

router = APIRouter(tags=["diary"], responses=DIARY_ERRORS)

_OWNER_ONLY: dict[int | str, dict[str, Any]] = {
    403: {"description": "Only the diary's owner may do this"}
}
_BINARY = {"type": "string", "format": "binary"}


def _attachment(diary_day: str, suffix: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="myoscope-diary-{diary_day}.{suffix}"'}


@router.get(
    "/export",
    operation_id="diary-export",
    summary="Export your whole diary",
    response_class=Response,
    responses={
        200: {
            "description": "The diary: a JSON document, or a ZIP of CSV files",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "application/zip": {"schema": _BINARY},
            },
        },
        **_OWNER_ONLY,
    },
)
def export_diary(
    diary: DiaryDep,
    services: ServicesDep,
    format_: Annotated[
        Literal["json", "csv"],
        Query(alias="format", description="json: one document; csv: a ZIP of CSV files."),
    ] = "json",
) -> Response:
    """Download every record and the profile, to keep or to import elsewhere."""
    day = services.diaries.today(diary).isoformat()
    if format_ == "csv":
        return Response(
            services.transfer.export_csv(diary),
            media_type="application/zip",
            headers=_attachment(day, "zip"),
        )
    return JSONResponse(services.transfer.export_json(diary), headers=_attachment(day, "json"))


@router.post(
    "/import",
    operation_id="diary-import",
    summary="Import an export into your diary",
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "A JSON export, as a JSON body, a ZIP body, or an uploaded file.",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": _BINARY},
                        "required": ["file"],
                    }
                },
                "application/zip": {"schema": _BINARY},
            },
        }
    },
    responses={422: {"description": "Not a Myoscope export, or an invalid record"}, **_OWNER_ONLY},
)
async def import_diary(request: Request, diary: DiaryDep, services: ServicesDep) -> ImportedPublic:
    """Merge an export into your diary in one transaction.

    A record whose id is already in the diary is replaced; the others are added. A file with any
    invalid record changes nothing.
    """
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        async with request.form() as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise InvalidInputError("Upload the export as the form field 'file'.", field="file")
            content = await upload.read()
    else:
        content = await request.body()
    counts = await run_in_threadpool(services.transfer.import_bytes, diary, content)
    return ImportedPublic(imported=counts)


@router.delete(
    "/diary",
    operation_id="diary-delete",
    summary="Delete every record of your diary",
    responses=_OWNER_ONLY,
)
def delete_diary(
    body: Annotated[DeleteDiaryIn, Body()], diary: DiaryDep, services: ServicesDep
) -> DeletedPublic:
    """Delete every record and the profile (your account, shares and access log stay).

    Export first if you may want the diary back.
    """
    return DeletedPublic(deleted=services.transfer.delete_all(diary))
