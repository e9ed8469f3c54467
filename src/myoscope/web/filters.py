"""Jinja2 filters and globals: local times, plain-words labels, source links."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from jinja2 import Environment

from myoscope.web import views
from myoscope.web.localtime import fmt_date, fmt_datetime, fmt_time, input_value

__all__ = ["install"]


def _local(value: datetime | None, tz: ZoneInfo) -> str:
    return fmt_datetime(value, tz)


def _time(value: datetime | None, tz: ZoneInfo) -> str:
    return fmt_time(value, tz)


def _day(value: date | None) -> str:
    return fmt_date(value)


def _num(value: float | int | None) -> str:
    return "" if value is None else f"{value:g}"


def _query(base: dict[str, Any], **changes: Any) -> str:
    merged = {k: v for k, v in (base | changes).items() if v not in (None, "")}
    return "?" + urlencode(merged, doseq=True) if merged else ""


def _checked(values: dict[str, Any], name: str, value: object) -> bool:
    current = values.get(name)
    if isinstance(current, list):
        return str(value) in current
    return current is not None and str(current) == str(value)


def _capitalize_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def install(env: Environment) -> None:
    """Add the filters and globals the templates use."""
    env.filters["local"] = _local
    env.filters["hhmm"] = _time
    env.filters["day"] = _day
    env.filters["num"] = _num
    env.filters["label"] = views.label
    env.filters["input_dt"] = input_value
    env.filters["regimen"] = views.regimen_text
    env.filters["capitalize_first"] = _capitalize_first
    env.globals["query"] = _query
    env.globals["checked"] = _checked
    env.globals.update(
        BODY_AREAS=views.BODY_AREAS,
        TRIGGERS=views.TRIGGERS,
        DAY_FACTORS=views.DAY_FACTORS,
        COUNT_BANDS=views.COUNT_BANDS,
        JERK_KINDS=views.JERK_KINDS,
        INTERFERENCE=views.INTERFERENCE,
        INTERFERENCE_ITEMS=views.INTERFERENCE_ITEMS,
        MOODS=views.MOODS,
        SEVERITIES=views.SEVERITIES,
        STATUSES=views.STATUSES,
        UNITS=views.UNITS,
        OUTCOMES=views.OUTCOMES,
        KIND_LABELS=views.KIND_LABELS,
    )
