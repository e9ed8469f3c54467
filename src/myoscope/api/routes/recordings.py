"""``/recordings``: upload a sensor recording, follow its analysis, review what it found.

An upload answers 202 at once with the queued recording and its ``Location``; the analysis runs
in the server's background worker, and ``GET /recordings/{recording_id}`` reports ``status``
(queued, running, done, failed), ``progress`` (0-1), the compact ``summary`` and the ``groups``:
the sensor episodes grouped from the detected jerks, each with its ``review``. A group is
reviewed with ``POST /recordings/{recording_id}/groups/{group_id}/review``; the group id is the
sensor episode's id, so the same episode is also listed under ``/episodes`` (``source`` sensor).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request, Response, status
from pydantic import Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException

from myoscope.api.deps import DIARY_ERRORS, DiaryDep, ServicesDep
from myoscope.api.schemas import _In, _Out
from myoscope.domain.diary import Episode, Page, Review
from myoscope.domain.recordings import RECORDING_FORMATS, Recording
from myoscope.errors import InvalidInputError

__all__ = ["router"]

router = APIRouter(prefix="/recordings", tags=["recordings"], responses=DIARY_ERRORS)

RecordingId = Annotated[str, Path(min_length=1, max_length=64, description="The recording's id.")]
GroupId = Annotated[
    str, Path(min_length=1, max_length=64, description="The group's id (a sensor episode's id).")
]
_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "The diary was shared with you to read only"},
}
_ACCEPTED = ", ".join(f".{ext}" for ext in RECORDING_FORMATS)


class RecordingPublic(Recording):
    """An uploaded recording and the state of its analysis (no path, no raw events)."""


class RecordingsPublic(Page[RecordingPublic]):
    """One page of recordings, newest upload first."""


class GroupPublic(_Out):
    """Jerks (or lapses of tone) close in time: one sensor episode to review."""

    id: str
    kind: str
    started_at: datetime
    ended_at: datetime | None
    count: int | None
    review: Review | None


class RecordingDetailPublic(RecordingPublic):
    """A recording with its groups of detections, in time order."""

    groups: list[GroupPublic] = Field(default_factory=list)


class ReviewIn(_In):
    """What the reviewer made of a group."""

    review: Review = Field(description="pending, confirmed or false-alarm")


def _group(episode: Episode) -> GroupPublic:
    return GroupPublic(
        id=episode.id,
        kind=episode.kind.value,
        started_at=episode.started_at,
        ended_at=episode.ended_at,
        count=episode.count,
        review=episode.review,
    )


def _public(recording: Recording) -> RecordingPublic:
    return RecordingPublic.model_construct(
        _fields_set=recording.model_fields_set, **dict(recording)
    )


@router.get(
    "",
    operation_id="recordings-list",
    response_model=RecordingsPublic,
    summary="List recordings",
    description="One page of the diary's recordings, newest upload first.",
)
def list_recordings(
    diary: DiaryDep,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=1000, description="Items per page.")] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000, description="Items to skip.")] = 0,
) -> Any:
    page = services.recordings.page(diary, limit=limit, offset=offset)
    return RecordingsPublic(
        items=[_public(r) for r in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="recordings-create",
    response_model=RecordingPublic,
    summary="Upload a recording",
    description=(
        "Keep the file and queue its analysis; the answer comes at once (202) with the queued "
        f"recording and its Location. Accepted types: {_ACCEPTED}. The optional `started_at` "
        "(ISO 8601 with an offset) is used when the file's header has no start."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "started_at": {"type": "string", "format": "date-time"},
                        },
                        "required": ["file"],
                    }
                }
            },
        }
    },
    responses={
        413: {"description": "The file is larger than the server accepts"},
        422: {"description": "Not a recording type, an empty file, or a bad start time"},
        **_WRITE_ERRORS,
    },
)
async def upload_recording(
    request: Request, diary: DiaryDep, services: ServicesDep, response: Response
) -> Any:
    """Receive a multipart upload (field ``file``), keep it and queue the analysis."""
    service = services.recordings
    await run_in_threadpool(services.diaries.require_write, diary)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > service.max_bytes + 1024 * 1024:
        raise StarletteHTTPException(413, _too_large(service.max_bytes))
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise InvalidInputError(
            "Upload the recording as multipart/form-data with the file in the field 'file'.",
            field="file",
        )
    try:
        async with request.form(max_files=1, max_fields=10) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise InvalidInputError(
                    "Upload the recording as the form field 'file'.", field="file"
                )
            started_at = _started_at(form.get("started_at"))
            try:
                recording = await run_in_threadpool(
                    service.upload,
                    diary,
                    upload.filename or "",
                    upload.file,
                    started_at=started_at,
                    size_hint=upload.size,
                )
            except InvalidInputError as exc:
                if "larger than" in str(exc):
                    raise StarletteHTTPException(413, str(exc)) from None
                raise
    except MultiPartException:
        raise InvalidInputError(
            "The upload could not be read as multipart/form-data; send the file again.",
            field="file",
        ) from None
    response.headers["Location"] = f"{request.scope.get('root_path', '')}/recordings/{recording.id}"
    return _public(recording)


def _too_large(limit: int) -> str:
    return (
        f"The file is larger than {limit // 2**20} MB, the most Myoscope accepts; split the "
        "recording and upload the parts."
    )


def _started_at(value: object) -> datetime | None:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.utcoffset() is None:
        raise InvalidInputError(
            "started_at must be an ISO 8601 date and time with an offset, such as "
            "2026-03-01T22:30:00+01:00.",
            field="started_at",
        )
    return moment


@router.get(
    "/{recording_id}",
    operation_id="recordings-get",
    response_model=RecordingDetailPublic,
    summary="Get one recording",
    description="Its status, progress, summary and groups (sensor episodes) with their review.",
)
def get_recording(recording_id: RecordingId, diary: DiaryDep, services: ServicesDep) -> Any:
    recording = services.recordings.get(diary, recording_id)
    groups = sorted(
        services.recordings.episodes(diary, recording_id), key=lambda e: (e.started_at, e.id)
    )
    return RecordingDetailPublic.model_construct(
        _fields_set={*recording.model_fields_set, "groups"},
        **dict(recording),
        groups=[_group(e) for e in groups],
    )


@router.post(
    "/{recording_id}/groups/{group_id}/review",
    operation_id="recordings-review",
    response_model=GroupPublic,
    summary="Review one group",
    description="Confirm a group, mark it a false alarm, or put it back to pending.",
    responses=_WRITE_ERRORS,
)
def review_group(
    recording_id: RecordingId,
    group_id: GroupId,
    body: Annotated[ReviewIn, Body()],
    diary: DiaryDep,
    services: ServicesDep,
) -> Any:
    return _group(services.recordings.review(diary, recording_id, group_id, body.review))


@router.delete(
    "/{recording_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    operation_id="recordings-delete",
    summary="Delete a recording",
    description="Its file, its analysis and its groups not confirmed are deleted; confirmed "
    "groups stay in the diary as sensor episodes.",
    responses=_WRITE_ERRORS,
)
def delete_recording(recording_id: RecordingId, diary: DiaryDep, services: ServicesDep) -> Response:
    services.recordings.delete(diary, recording_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
