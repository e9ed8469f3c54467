"""History: every entry with filters and pages, and a month calendar of episodes."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from myoscope.domain.diary import FIRST_DAY, LAST_DAY, Episode, Trigger
from myoscope.services.diary import EPISODES, KINDS, MAX_PAGE, REGIMENS, DiaryAccess
from myoscope.web.deps import DiaryDep, render, services_of
from myoscope.web.localtime import day_bounds, zone
from myoscope.web.views import entries, month_calendar

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

PER_PAGE = 25
_MAX_SCAN = 20_000
_KIND_CHOICES = ["all", "episodes", "checkins", "doses", "medications", "side-effects"]


def _date(text: str | None) -> date | None:
    """Read a filter date; one that is not a date, or outside the diary's years, is ignored."""
    try:
        value = date.fromisoformat(text) if text else None
    except ValueError:
        return None
    return value if value is not None and FIRST_DAY <= value <= LAST_DAY else None


def _int(text: str | None, low: int, high: int) -> int | None:
    try:
        value = int(text) if text else None
    except ValueError:
        return None
    return value if value is not None and low <= value <= high else None


def _fetch(services: Any, diary: DiaryAccess, name: str, since: Any, until: Any) -> list[Any]:
    found: list[Any] = []
    while len(found) < _MAX_SCAN:
        page = services.diaries.page(
            diary, KINDS[name], since=since, until=until, limit=MAX_PAGE, offset=len(found)
        )
        found += page.items
        if len(found) >= page.total or not page.items:
            break
    return found


_SOURCES = {"self": "Recorded by me", "sensor": "Found by a sensor"}


def _matches(
    record: Any, trigger: str | None, intensity: int | None, source: str | None = None
) -> bool:
    if trigger is None and intensity is None and source is None:
        return True
    if not isinstance(record, Episode):
        return False
    if source is not None and record.source != source:
        return False
    if trigger is not None and trigger not in record.triggers:
        return False
    return intensity is None or record.intensity >= intensity


@router.get("/d/{patient_id}/history")
def history(
    request: Request,
    diary: DiaryDep,
    kind: Annotated[str | None, Query()] = None,
    start: Annotated[str | None, Query(alias="from")] = None,
    end: Annotated[str | None, Query(alias="to")] = None,
    trigger: Annotated[str | None, Query()] = None,
    intensity: Annotated[str | None, Query()] = None,
    page: Annotated[str | None, Query()] = None,
    source: Annotated[str | None, Query()] = None,
) -> Response:
    """List entries, newest first, with filters and pages."""
    services = services_of(request)
    tz = zone(diary.owner.timezone)
    chosen = kind if kind in _KIND_CHOICES else "all"
    first, last = _date(start), _date(end)
    notes = []
    if first and last and first > last:
        first, last = last, first
        notes.append("The dates were the wrong way round; they have been swapped.")
    since = day_bounds(first, first, tz)[0] if first else None
    until = day_bounds(last, last, tz)[1] if last else None
    wanted_trigger = trigger if trigger in {t.value for t in Trigger} else None
    min_intensity = _int(intensity, 0, 10)
    wanted_source = source if source in _SOURCES else None
    if (wanted_trigger or min_intensity is not None or wanted_source) and chosen == "all":
        chosen = "episodes"
    number = _int(page, 1, 1_000_000) or 1
    names = [chosen] if chosen != "all" else _KIND_CHOICES[1:]
    records = [
        r
        for name in names
        for r in _fetch(services, diary, name, since, until)
        if _matches(r, wanted_trigger, min_intensity, wanted_source)
    ]
    regimens = services.diaries.all(diary, REGIMENS)
    lines = entries(records, tz, regimens)
    pages = max(1, -(-len(lines) // PER_PAGE))
    number = min(number, pages)
    filters = {
        "kind": chosen if chosen != "all" else "",
        "from": first.isoformat() if first else "",
        "to": last.isoformat() if last else "",
        "trigger": wanted_trigger or "",
        "intensity": "" if min_intensity is None else str(min_intensity),
        "source": wanted_source or "",
    }
    return render(
        request,
        "history.html",
        lines=lines[(number - 1) * PER_PAGE : number * PER_PAGE],
        total=len(lines),
        page=number,
        pages=pages,
        filters=filters,
        kinds=_KIND_CHOICES,
        sources=_SOURCES,
        notes=notes,
    )


@router.get("/d/{patient_id}/history/calendar")
def month(
    request: Request, diary: DiaryDep, month: Annotated[str | None, Query()] = None
) -> Response:
    """Show a month: per day, how many episodes and the highest intensity."""
    services = services_of(request)
    tz = zone(diary.owner.timezone)
    today = services.diaries.today(diary)
    first = _date(f"{month}-01") if month else None
    first = first or today.replace(day=1)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    since, until = day_bounds(first, last, tz)
    fetched = _fetch(services, diary, EPISODES.name, since, until)
    episodes = [e for e in fetched if e.source != "sensor"]  # self-reports only, with intensity
    weeks = month_calendar(first.year, first.month, episodes, tz)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = last + timedelta(days=1)
    return render(
        request,
        "calendar.html",
        weeks=weeks,
        first=first,
        previous=previous,
        following=following,
        today=today,
        total=len(episodes),
        sensor_total=len(fetched) - len(episodes),
    )
