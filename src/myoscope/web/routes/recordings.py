"""Recordings: upload a sensor file, follow its analysis, review the episodes it found.

The upload is read from the multipart stream into the data folder (never into memory whole);
the analysis runs in the background worker, and the list page polls a small JSON status
endpoint (``/static/recordings.js``; without JavaScript a "Refresh" link does the same). The
review page shows, per group of detected jerks (a sensor episode), the trace around it with the
events marked, drawn once by :func:`myoscope.plots.signals.plot_recording` and cached beside the
file, and one button each to confirm it or mark it a false alarm.
"""

from __future__ import annotations

import logging
import threading
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from myoscope.domain.diary import Episode, Review
from myoscope.domain.recordings import RECORDING_FORMATS, Recording, RecordingStatus
from myoscope.errors import InvalidInputError, NotFoundError, UserError
from myoscope.services.diary import DiaryAccess
from myoscope.web.deps import (
    CsrfError,
    DiaryDep,
    FormDep,
    diary_url,
    redirect,
    render,
    services_of,
    session_of,
)
from myoscope.web.localtime import fmt_datetime, parse_local, zone
from myoscope.web.session import csrf_matches

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
log = logging.getLogger("myoscope.web")

GROUPS_PER_PAGE = 20
TRACE_PAD_S = 1.0
TRACE_MIN_S, TRACE_MAX_S = 4.0, 20.0
_DRAWING = threading.Lock()  # one figure at a time: bounded memory, matplotlib kept simple
_REVIEW_TEXT = {
    Review.PENDING: "To review",
    Review.CONFIRMED: "Confirmed",
    Review.FALSE_ALARM: "False alarm",
}
_STATUS_TEXT = {
    RecordingStatus.QUEUED: "Waiting to be analysed",
    RecordingStatus.RUNNING: "Being analysed",
    RecordingStatus.DONE: "Analysed",
    RecordingStatus.FAILED: "Could not be analysed",
}


def _base(diary: DiaryAccess) -> str:
    return diary_url(diary.patient_id, "recordings")


def _status(recording: Recording) -> dict[str, Any]:
    """Return the JSON the list page polls: no file name, no findings."""
    return {
        "id": recording.id,
        "status": recording.status.value,
        "status_text": _STATUS_TEXT[recording.status],
        "progress": round(recording.progress, 3),
        "groups": (recording.summary or {}).get("groups"),
        "message": recording.message,
    }


def _list_page(
    request: Request,
    diary: DiaryAccess,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    service = services_of(request).recordings
    page = service.page(diary, limit=100)
    tz = zone(diary.owner.timezone)
    return render(
        request,
        "recordings.html",
        status_code=status_code,
        recordings=page.items,
        total=page.total,
        status_text=_STATUS_TEXT,
        errors=errors or {},
        formats=RECORDING_FORMATS,
        max_mb=service.max_bytes // 2**20,
        local=lambda value: fmt_datetime(value, tz),
        base=_base(diary),
    )


@router.get("/d/{patient_id}/recordings")
def recordings_page(request: Request, diary: DiaryDep) -> Response:
    """List the diary's recordings with their state, and the upload form."""
    return _list_page(request, diary)


@router.post("/d/{patient_id}/recordings")
async def upload(request: Request, diary: DiaryDep) -> Response:
    """Receive an upload (multipart, CSRF-checked), keep it and queue its analysis."""
    service = services_of(request).recordings
    limit = service.max_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + 1024 * 1024:
        return await run_in_threadpool(
            _list_page,
            request,
            diary,
            errors={"file": f"The file is larger than {limit // 2**20} MB, the most accepted."},
            status_code=413,
        )
    try:
        async with request.form(max_files=1, max_fields=10) as form:
            if not csrf_matches(session_of(request), form.get("csrf_token")):
                raise CsrfError
            upload = form.get("file")
            started = str(form.get("started_at") or "").strip()
            if not isinstance(upload, UploadFile) or not upload.filename:
                return await run_in_threadpool(
                    _list_page,
                    request,
                    diary,
                    errors={"file": "Choose the recording file to upload."},
                    status_code=422,
                )
            started_at = None
            if started:
                try:
                    started_at = parse_local(started, zone(diary.owner.timezone))
                except ValueError:
                    return await run_in_threadpool(
                        _list_page,
                        request,
                        diary,
                        errors={
                            "started_at": "Give the start as a date and time, or leave it empty."
                        },
                        status_code=422,
                    )
            recording = await run_in_threadpool(
                service.upload,
                diary,
                upload.filename,
                upload.file,
                started_at=started_at,
                size_hint=upload.size,
            )
    except MultiPartException:
        return await run_in_threadpool(
            _list_page,
            request,
            diary,
            errors={"file": "The upload could not be read; choose the file and send it again."},
            status_code=400,
        )
    except InvalidInputError as exc:
        too_large = "larger than" in str(exc)
        return await run_in_threadpool(
            _list_page,
            request,
            diary,
            errors={exc.field or "file": str(exc)},
            status_code=413 if too_large else 422,
        )
    log.info("web: recording %s uploaded to diary %s", recording.id, diary.patient_id)
    session_of(request).flash(
        "The recording was uploaded; it is being analysed in the background. You can leave "
        "this page."
    )
    return redirect(_base(diary))


@router.get("/d/{patient_id}/recordings/{recording_id}/status")
def status(request: Request, diary: DiaryDep, recording_id: str) -> Response:
    """Return the recording's state as JSON (polled while it is analysed)."""
    recording = services_of(request).recordings.lookup(diary, recording_id)
    return JSONResponse(_status(recording), headers={"Cache-Control": "no-store"})


def _groups(episodes: list[Episode], page: int) -> dict[str, Any]:
    episodes.sort(key=lambda e: (e.started_at, e.id))
    pages = max(1, -(-len(episodes) // GROUPS_PER_PAGE))
    page = min(max(1, page), pages)
    shown = episodes[(page - 1) * GROUPS_PER_PAGE : page * GROUPS_PER_PAGE]
    return {
        "groups": [(i + 1 + (page - 1) * GROUPS_PER_PAGE, e) for i, e in enumerate(shown)],
        "page": page,
        "pages": pages,
        "counts": {r: sum(1 for e in episodes if e.review is r) for r in Review},
    }


@router.get("/d/{patient_id}/recordings/{recording_id}")
def review_page(
    request: Request,
    diary: DiaryDep,
    recording_id: str,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    """Show what a recording found, and let people confirm or dismiss each group."""
    service = services_of(request).recordings
    recording = service.get(diary, recording_id)
    tz = zone(diary.owner.timezone)
    groups = _groups(service.episodes(diary, recording_id), page)
    return render(
        request,
        "recording.html",
        recording=recording,
        summary=recording.summary or {},
        status_text=_STATUS_TEXT,
        review_text=_REVIEW_TEXT,
        has_file=service.source_file(diary, recording) is not None,
        local=lambda value: fmt_datetime(value, tz),
        base=_base(diary),
        **groups,
    )


@router.get("/d/{patient_id}/recordings/{recording_id}/groups/{episode_id}/trace.png")
def trace(request: Request, diary: DiaryDep, recording_id: str, episode_id: str) -> Response:
    """Serve the trace around one group with its events marked (drawn once, then cached)."""
    service = services_of(request).recordings
    recording = service.lookup(diary, recording_id)
    episode = next((e for e in service.episodes(diary, recording_id) if e.id == episode_id), None)
    if episode is None or recording.started_at is None:
        raise NotFoundError(f"No group with id '{episode_id}' in this recording.")
    cached = service.cache_path(recording, f"trace-{episode.id}.png")
    if not cached.is_file():
        source = service.source_file(diary, recording)
        result = service.result(diary, recording)
        if source is None or result is None:
            raise NotFoundError("The recording's file is not on this server.")
        _draw(source, result, recording, episode, cached)
    return FileResponse(
        cached, media_type="image/png", headers={"Cache-Control": "private, max-age=86400"}
    )


def _draw(
    source: Any, result: dict[str, Any], recording: Recording, episode: Episode, out: Any
) -> None:
    from myoscope.plots.signals import plot_recording
    from myoscope.signals import open_recording

    assert recording.started_at is not None
    duration = float(recording.duration_s or result["recording"]["duration_s"])
    first = (episode.started_at - recording.started_at).total_seconds()
    last = ((episode.ended_at or episode.started_at) - recording.started_at).total_seconds()
    length = min(TRACE_MAX_S, max(TRACE_MIN_S, last - first + 2 * TRACE_PAD_S))
    start = max(0.0, min(first - TRACE_PAD_S, duration - length))
    length = min(length, duration - start)
    part = out.with_name(out.name + ".part.png")
    with _DRAWING:
        opened = open_recording(source)
        plot_recording(opened, result, start_s=start, duration_s=length, out=part)
    part.replace(out)


@router.post("/d/{patient_id}/recordings/{recording_id}/groups/{episode_id}/review")
def review(
    request: Request, diary: DiaryDep, form: FormDep, recording_id: str, episode_id: str
) -> Response:
    """Confirm a group or mark it a false alarm (one button each)."""
    value = str(form.get("review") or "")
    changed = services_of(request).recordings.review(diary, recording_id, episode_id, value)
    session_of(request).flash(
        f"Marked {_REVIEW_TEXT[changed.review].lower()}." if changed.review else "Saved."
    )
    page = str(form.get("page") or "1")
    query = f"?page={page}" if page.isdigit() and page != "1" else ""
    return redirect(f"{_base(diary)}/{recording_id}{query}#group-{episode_id}")


@router.post("/d/{patient_id}/recordings/{recording_id}/delete")
def delete(request: Request, diary: DiaryDep, form: FormDep, recording_id: str) -> Response:
    """Delete a recording, its file and its unconfirmed sensor episodes."""
    if str(form.get("confirm") or "") != "yes":
        raise UserError("Tick the box to confirm that the recording should be deleted.")
    removed = services_of(request).recordings.delete(diary, recording_id)
    session_of(request).flash(
        f"The recording was deleted, with {removed} unconfirmed sensor "
        f"{'episode' if removed == 1 else 'episodes'}; confirmed ones stay in the diary."
    )
    return redirect(_base(diary))
