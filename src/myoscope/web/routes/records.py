"""Record, edit and delete any kind of diary entry through one set of form pages.

The kinds are episodes, check-ins, medications (regimens), doses and side effects.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from myoscope.errors import ConflictError, InvalidInputError, NotFoundError
from myoscope.services.diary import KINDS, REGIMENS, DiaryAccess, RecordKind
from myoscope.web.deps import (
    DiaryDep,
    FormDep,
    diary_url,
    redirect,
    render,
    safe_next,
    services_of,
    session_of,
)
from myoscope.web.forms import (
    FORMS,
    Errors,
    FormSpec,
    Values,
    kept_fields,
    record_values,
    validate,
    values_of,
)
from myoscope.web.localtime import input_value, zone
from myoscope.web.views import KIND_LABELS, entries

__all__ = ["after_save", "form_page", "router"]

router = APIRouter(include_in_schema=False)
log = logging.getLogger("myoscope.web")

_AFTER = {
    "episodes": "history",
    "checkins": "history",
    "medications": "medications",
    "doses": "doses",
    "side-effects": "side-effects",
}
_TITLES = {
    "episodes": "an episode",
    "checkins": "a daily check-in",
    "medications": "a medication",
    "doses": "a dose",
    "side-effects": "a side effect",
}


def _kind(name: str) -> tuple[RecordKind[Any, Any], FormSpec]:
    if name not in FORMS:
        raise NotFoundError(f"No page '{name}'.")
    return KINDS[name], FORMS[name]


def after_save(diary: DiaryAccess, kind: str, next_path: str | None) -> str:
    """Return where to go after saving an entry of ``kind``."""
    return safe_next(next_path, diary_url(diary.patient_id, _AFTER[kind]))


def defaults(request: Request, diary: DiaryAccess, kind: str) -> Values:
    """Return the values a new entry's form starts with (now, today)."""
    services = services_of(request)
    now = input_value(services.clock(), zone(diary.owner.timezone))
    today = services.diaries.today(diary).isoformat()
    return {
        "episodes": {"started_at": now, "kind": "positive"},
        "checkins": {"day": today},
        "medications": {"started_on": today, "dose_unit": "mg"},
        "doses": {"taken_at": now, "status": "taken"},
        "side-effects": {"started_at": now},
    }[kind]


def form_page(
    request: Request,
    diary: DiaryAccess,
    kind: str,
    *,
    values: Values,
    errors: Errors,
    record_id: str | None = None,
    status_code: int = 200,
    next_path: str = "",
) -> Response:
    """Render the form of one kind of entry (new or edit)."""
    regimens = services_of(request).diaries.all(diary, REGIMENS)
    return render(
        request,
        "record_form.html",
        status_code=status_code,
        kind=kind,
        what=_TITLES[kind],
        kind_label=KIND_LABELS[kind],
        values=values,
        errors=errors,
        record_id=record_id,
        regimens=sorted(regimens, key=lambda r: (r.stopped_on is not None, r.drug.lower())),
        next=next_path,
    )


@router.get("/d/{patient_id}/{kind}/new")
def new_record(
    request: Request, diary: DiaryDep, kind: str, next: Annotated[str | None, Query()] = None
) -> Response:
    """Show the form for a new entry."""
    _kind(kind)
    services_of(request).diaries.require_write(diary)
    values = defaults(request, diary, kind) | {
        k: v for k, v in request.query_params.items() if k in FORMS[kind].names
    }
    return form_page(request, diary, kind, values=values, errors={}, next_path=safe_next(next, ""))


def _save(
    request: Request, diary: DiaryAccess, kind: str, form: Any, record_id: str | None
) -> Response:
    record_kind, spec = _kind(kind)
    services = services_of(request)
    services.diaries.require_write(diary)
    values = values_of(form, spec.names)
    next_path = safe_next(str(form.get("next") or ""), "")
    existing = services.diaries.get(diary, record_kind, record_id) if record_id else None
    model, errors = validate(
        spec, values, zone(diary.owner.timezone), keep=kept_fields(spec, existing)
    )
    if model is not None:
        try:
            if record_id is None:
                # Only the Today check-in, which says so, replaces the day's check-in.
                replace = str(form.get("replace_day") or "") == "yes"
                saved = services.diaries.add(diary, record_kind, model, replace_day=replace)
            else:
                saved = services.diaries.update(diary, record_kind, record_id, model)
        except (InvalidInputError, ConflictError) as exc:
            field = getattr(exc, "field", None)
            errors = {field if field in spec.names else "_form": str(exc)}
        else:
            log.info(
                "web: %s %s %s", record_kind.label, saved.id, "updated" if record_id else "recorded"
            )
            word = "changed" if record_id else "recorded"
            session_of(request).flash(f"{KIND_LABELS[kind]} {word}.")
            return redirect(after_save(diary, kind, next_path))
    return form_page(
        request,
        diary,
        kind,
        values=values,
        errors=errors,
        record_id=record_id,
        status_code=422,
        next_path=next_path,
    )


@router.post("/d/{patient_id}/{kind}")
def add_record(request: Request, diary: DiaryDep, kind: str, form: FormDep) -> Response:
    """Record a new entry."""
    return _save(request, diary, kind, form, None)


@router.get("/d/{patient_id}/{kind}/{record_id}/edit")
def edit_record(
    request: Request,
    diary: DiaryDep,
    kind: str,
    record_id: str,
    next: Annotated[str | None, Query()] = None,
) -> Response:
    """Show the form to change an entry."""
    record_kind, spec = _kind(kind)
    services_of(request).diaries.require_write(diary)
    record = services_of(request).diaries.get(diary, record_kind, record_id)
    values = record_values(spec, record, zone(diary.owner.timezone))
    return form_page(
        request,
        diary,
        kind,
        values=values,
        errors={},
        record_id=record_id,
        next_path=safe_next(next, ""),
    )


@router.post("/d/{patient_id}/{kind}/{record_id}")
def update_record(
    request: Request, diary: DiaryDep, kind: str, record_id: str, form: FormDep
) -> Response:
    """Save a changed entry."""
    return _save(request, diary, kind, form, record_id)


@router.get("/d/{patient_id}/{kind}/{record_id}/delete")
def confirm_delete(request: Request, diary: DiaryDep, kind: str, record_id: str) -> Response:
    """Ask before deleting an entry."""
    record_kind, _ = _kind(kind)
    services_of(request).diaries.require_write(diary)
    record = services_of(request).diaries.get(diary, record_kind, record_id)
    regimens = services_of(request).diaries.all(diary, REGIMENS)
    entry = entries([record], zone(diary.owner.timezone), regimens)[0]
    return render(
        request, "confirm_delete.html", kind=kind, record_id=record_id, entry=entry, error=None
    )


@router.post("/d/{patient_id}/{kind}/{record_id}/delete")
def delete_record(
    request: Request, diary: DiaryDep, kind: str, record_id: str, form: FormDep
) -> Response:
    """Delete an entry."""
    record_kind, _ = _kind(kind)
    services = services_of(request)
    try:
        services.diaries.delete(diary, record_kind, record_id)
    except ConflictError as exc:
        record = services.diaries.get(diary, record_kind, record_id)
        entry = entries(
            [record], zone(diary.owner.timezone), services.diaries.all(diary, REGIMENS)
        )[0]
        return render(
            request,
            "confirm_delete.html",
            status_code=409,
            kind=kind,
            record_id=record_id,
            entry=entry,
            error=str(exc),
        )
    log.info("web: %s %s deleted", record_kind.label, record_id)
    session_of(request).flash(f"{KIND_LABELS[kind]} deleted.")
    return redirect(diary_url(diary.patient_id, _AFTER[kind]))
