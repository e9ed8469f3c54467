"""Today: the quick log, today's doses, the daily check-in and today's entries."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from myoscope.domain.diary import DoseIn, DoseStatus, EpisodeIn
from myoscope.services.diary import CHECKINS, DOSES, EPISODES, DiaryAccess
from myoscope.web.deps import (
    DiaryDep,
    FormDep,
    diary_url,
    redirect,
    render,
    services_of,
    session_of,
)
from myoscope.web.forms import (
    CHECKIN_FORM,
    EPISODE_FORM,
    Errors,
    Values,
    record_values,
    validate,
    values_of,
)
from myoscope.web.localtime import day_bounds, fmt_time, input_value, zone
from myoscope.web.views import dose_slots, entries

__all__ = ["router", "today_context"]

router = APIRouter(include_in_schema=False)
log = logging.getLogger("myoscope.web")


def today_context(request: Request, diary: DiaryAccess) -> dict[str, Any]:
    """Return what the Today page shows: doses due, today's entries, the check-in."""
    services = services_of(request)
    tz = zone(diary.owner.timezone)
    day = services.diaries.today(diary)
    since, until = day_bounds(day, day, tz)
    regimens = services.diaries.active_regimens(diary, day)
    doses = services.diaries.page(diary, DOSES, since=since, until=until, limit=1000).items
    episodes = services.diaries.page(diary, EPISODES, since=since, until=until, limit=1000).items
    todays = services.diaries.page(diary, CHECKINS, since=since, until=until, limit=1).items
    checkin = todays[0] if todays else None
    now = input_value(services.clock(), tz)
    return {
        "day": day,
        "slots": dose_slots(regimens, doses),
        "as_needed": [r for r in regimens if r.as_needed],
        "regimens": regimens,
        "prn_doses": [d for d in doses if d.as_needed or d.regimen_id is None],
        "today_entries": entries(episodes, tz),
        "checkin": checkin,
        "episode_values": {"started_at": now, "kind": "positive"},
        "checkin_values": _checkin_values(checkin, day),
        "quick_values": {},
        "quick_errors": {},
        "errors": {},
    }


def _checkin_values(checkin: Any, day: Any) -> Values:
    if checkin is None:
        return {"day": day.isoformat()}
    return record_values(CHECKIN_FORM, checkin, zone("UTC"))


@router.get("/d/{patient_id}/today")
def today(request: Request, diary: DiaryDep) -> Response:
    """Show the Today page."""
    return render(request, "today.html", **today_context(request, diary))


@router.post("/d/{patient_id}/today/episode")
def quick_episode(request: Request, diary: DiaryDep, form: FormDep) -> Response:
    """Record an episode now from the quick-log presets."""
    services = services_of(request)
    services.diaries.require_write(diary)
    tz = zone(diary.owner.timezone)
    values = values_of(form, ["intensity", "count_band"])
    errors: Errors = {}
    for name, message in (
        ("intensity", "Choose how strong it was."),
        ("count_band", "Choose how many jerks."),
    ):
        if not values.get(name):
            errors[name] = message
    model = None
    if not errors:
        values_now = values | {"started_at": input_value(services.clock(), tz)}
        model, errors = validate(EPISODE_FORM, values_now, tz)
    if model is None or not isinstance(model, EpisodeIn):
        context = today_context(request, diary) | {"quick_values": values, "quick_errors": errors}
        return render(request, "today.html", status_code=422, **context)
    episode = services.diaries.add(diary, EPISODES, model)
    log.info("web: episode %s recorded (quick log)", episode.id)
    session_of(request).flash(
        f"Episode recorded at {fmt_time(episode.started_at, tz)}. Add details from History."
    )
    return redirect(diary_url(diary.patient_id))


@router.post("/d/{patient_id}/today/dose")
def quick_dose(request: Request, diary: DiaryDep, form: FormDep) -> Response:
    """Record a dose now: taken, taken late or skipped; or an as-needed dose."""
    services = services_of(request)
    services.diaries.require_write(diary)
    tz = zone(diary.owner.timezone)
    status = str(form.get("status") or "taken")
    regimen_id = str(form.get("regimen_id") or "") or None
    drug = str(form.get("drug") or "").strip() or None
    if status not in {s.value for s in DoseStatus} or (regimen_id is None and drug is None):
        context = today_context(request, diary)
        context["errors"] = {"prn": "Choose one of your medicines, or type the medicine's name."}
        return render(request, "today.html", status_code=422, **context)
    dose = services.diaries.add(
        diary,
        DOSES,
        DoseIn(
            regimen_id=regimen_id,
            drug=drug,
            status=DoseStatus(status),
            taken_at=services.clock(),
            as_needed=form.get("as_needed") == "on",
        ),
    )
    log.info("web: dose %s recorded", dose.id)
    word = {"taken": "taken", "late": "taken late", "skipped": "skipped"}[status]
    session_of(request).flash(
        f"Dose recorded as {word} at {fmt_time(dose.taken_at, tz)}. "
        "You can change the time in the dose log."
    )
    return redirect(diary_url(diary.patient_id))
