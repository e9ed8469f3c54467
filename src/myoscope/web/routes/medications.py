"""Medications (regimens, dose changes, stopping), the dose log and side effects."""

from __future__ import annotations

import logging
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from myoscope.errors import InvalidInputError
from myoscope.services.diary import DOSES, REGIMENS, SIDE_EFFECTS, DiaryAccess
from myoscope.web.deps import (
    DiaryDep,
    FormDep,
    diary_url,
    redirect,
    render,
    services_of,
    session_of,
)
from myoscope.web.forms import Errors, Values, values_of
from myoscope.web.localtime import input_value, zone
from myoscope.web.views import OUTCOMES, entries, regimen_text

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
log = logging.getLogger("myoscope.web")
PER_PAGE = 30


def _page_number(text: str | None) -> int:
    try:
        return max(1, int(text or 1))
    except ValueError:
        return 1


@router.get("/d/{patient_id}/medications")
def medications(request: Request, diary: DiaryDep) -> Response:
    """Show current medicines, the add form, the regimen history and recent doses."""
    services = services_of(request)
    today = services.diaries.today(diary)
    regimens = services.diaries.all(diary, REGIMENS)
    history = sorted(regimens, key=lambda r: (r.started_on, r.created_at), reverse=True)
    recent = services.diaries.page(diary, DOSES, limit=10).items
    tz = zone(diary.owner.timezone)
    return render(
        request,
        "medications.html",
        active=[r for r in regimens if r.active_on(today)],
        upcoming=[r for r in regimens if r.started_on > today],
        history=history,
        names={r.id: regimen_text(r) for r in regimens},
        recent=entries(recent, tz, regimens),
        values={"started_on": today.isoformat(), "dose_unit": "mg"},
        errors={},
        drug_names=sorted({d.name for d in services.kb.drugs.values()}),
    )


def _regimen_page(
    request: Request, diary: DiaryAccess, template: str, regimen_id: str, **context: Any
) -> Response:
    services = services_of(request)
    services.diaries.require_write(diary)
    regimen = services.diaries.get(diary, REGIMENS, regimen_id)
    status = context.pop("status_code", 200)
    return render(
        request, template, status_code=status, regimen=regimen, outcomes=OUTCOMES, **context
    )


def _date(values: Values, name: str, errors: Errors) -> date | None:
    text = str(values.get(name) or "").strip()
    if not text:
        errors[name] = "Enter the date, for example 2026-01-05."
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = "Enter a date, for example 2026-01-05."
        return None


def _number(values: Values, name: str, errors: Errors, *, whole: bool) -> float | int | None:
    text = str(values.get(name) or "").strip()
    if not text:
        return None
    try:
        value = int(text) if whole else float(text.replace(",", "."))
    except ValueError:
        errors[name] = "Enter a whole number." if whole else "Enter a number, for example 250."
        return None
    if value <= 0 or value > (24 if whole else 100_000) or value != value:
        errors[name] = "Enter 1 to 24." if whole else "Enter a dose above 0."
        return None
    return value


@router.get("/d/{patient_id}/medications/{regimen_id}/change")
def change_page(request: Request, diary: DiaryDep, regimen_id: str) -> Response:
    """Show the form that changes a dose."""
    today = services_of(request).diaries.today(diary).isoformat()
    return _regimen_page(
        request, diary, "regimen_change.html", regimen_id, values={"on": today}, errors={}
    )


@router.post("/d/{patient_id}/medications/{regimen_id}/change")
def change(request: Request, diary: DiaryDep, regimen_id: str, form: FormDep) -> Response:
    """Change a dose: the old regimen stops, a new one starts the same day."""
    services = services_of(request)
    values = values_of(form, ["on", "dose_amount", "times_per_day", "reason"])
    errors: Errors = {}
    on = _date(values, "on", errors)
    amount = _number(values, "dose_amount", errors, whole=False)
    times = _number(values, "times_per_day", errors, whole=True)
    if on is not None and not errors:
        try:
            new = services.diaries.change_regimen(
                diary,
                regimen_id,
                on=on,
                dose_amount=float(amount) if amount is not None else None,
                times_per_day=int(times) if times is not None else None,
                reason=str(values.get("reason") or "").strip() or None,
            )
        except InvalidInputError as exc:
            errors[exc.field if exc.field in ("on",) else "_form"] = str(exc)
        else:
            log.info("web: medication %s changed to %s", regimen_id, new.id)
            session_of(request).flash(
                f"Dose changed from {on:%d %b %Y}; the old dose stays in the history."
            )
            return redirect(diary_url(diary.patient_id, "medications"))
    return _regimen_page(
        request,
        diary,
        "regimen_change.html",
        regimen_id,
        values=values,
        errors=errors,
        status_code=422,
    )


@router.get("/d/{patient_id}/medications/{regimen_id}/stop")
def stop_page(request: Request, diary: DiaryDep, regimen_id: str) -> Response:
    """Show the form that records a medicine stopping."""
    today = services_of(request).diaries.today(diary).isoformat()
    return _regimen_page(
        request, diary, "regimen_stop.html", regimen_id, values={"stopped_on": today}, errors={}
    )


@router.post("/d/{patient_id}/medications/{regimen_id}/stop")
def stop(request: Request, diary: DiaryDep, regimen_id: str, form: FormDep) -> Response:
    """Record that a medicine stopped, why and how it went."""
    services = services_of(request)
    services.diaries.require_write(diary)
    values = values_of(form, ["stopped_on", "stop_reason", "outcome"])
    errors: Errors = {}
    stopped_on = _date(values, "stopped_on", errors)
    outcome = str(values.get("outcome") or "") or None
    if outcome is not None and outcome not in dict(OUTCOMES):
        errors["outcome"] = "Choose one of the outcomes listed."
    regimen = services.diaries.get(diary, REGIMENS, regimen_id)
    if stopped_on is not None and stopped_on < regimen.started_on:
        errors["stopped_on"] = (
            f"The stop date is before the start date ({regimen.started_on:%d %b %Y}); "
            "check both dates."
        )
    if stopped_on is not None and not errors:
        data = regimen.model_dump(
            exclude={"id", "patient_id", "created_at", "updated_at", "drug_id"}
        )
        data |= {
            "stopped_on": stopped_on,
            "stop_reason": str(values.get("stop_reason") or "").strip() or None,
            "outcome": outcome,
        }
        try:
            services.diaries.update(diary, REGIMENS, regimen_id, data)
        except InvalidInputError as exc:
            errors["stopped_on" if "stopped_on" in str(exc) else "_form"] = str(exc)
        else:
            log.info("web: medication %s stopped", regimen_id)
            session_of(request).flash(
                f"Recorded that the medicine stopped on {stopped_on:%d %b %Y}."
            )
            return redirect(diary_url(diary.patient_id, "medications"))
    return _regimen_page(
        request,
        diary,
        "regimen_stop.html",
        regimen_id,
        values=values,
        errors=errors,
        status_code=422,
    )


@router.get("/d/{patient_id}/doses")
def dose_log(
    request: Request, diary: DiaryDep, page: Annotated[str | None, Query()] = None
) -> Response:
    """Show the dose log, newest first, page by page."""
    services = services_of(request)
    number = _page_number(page)
    found = services.diaries.page(diary, DOSES, limit=PER_PAGE, offset=(number - 1) * PER_PAGE)
    regimens = services.diaries.all(diary, REGIMENS)
    pages = max(1, -(-found.total // PER_PAGE))
    return render(
        request,
        "doses.html",
        lines=entries(found.items, zone(diary.owner.timezone), regimens),
        page=min(number, pages),
        pages=pages,
        total=found.total,
        regimens=[r for r in regimens if r.active_on(services.diaries.today(diary))],
        values={
            "taken_at": input_value(services.clock(), zone(diary.owner.timezone)),
            "status": "taken",
        },
        errors={},
    )


@router.get("/d/{patient_id}/side-effects")
def side_effects(
    request: Request, diary: DiaryDep, page: Annotated[str | None, Query()] = None
) -> Response:
    """Show side effects and the form to add one."""
    services = services_of(request)
    number = _page_number(page)
    found = services.diaries.page(
        diary, SIDE_EFFECTS, limit=PER_PAGE, offset=(number - 1) * PER_PAGE
    )
    regimens = services.diaries.all(diary, REGIMENS)
    tz = zone(diary.owner.timezone)
    pages = max(1, -(-found.total // PER_PAGE))
    return render(
        request,
        "side_effects.html",
        lines=entries(found.items, tz, regimens),
        page=min(number, pages),
        pages=pages,
        total=found.total,
        regimens=sorted(regimens, key=lambda r: (r.stopped_on is not None, r.drug.lower())),
        values={"started_at": input_value(services.clock(), tz)},
        errors={},
    )
