"""Times in the diary owner's time zone: shown to people, read from form inputs.

Times are stored in UTC. Pages show them in the owner's zone (the account's IANA time zone), and
``datetime-local`` inputs are read in that zone, so a carer abroad sees and records the owner's
local times.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from myoscope.domain.diary import FIRST_DAY, LAST_DAY

__all__ = [
    "day_bounds",
    "fmt_date",
    "fmt_datetime",
    "fmt_time",
    "input_value",
    "parse_local",
    "zone",
]


def zone(name: str) -> ZoneInfo:
    """Return the time zone called ``name`` (UTC when it is unknown)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _local(value: datetime, tz: ZoneInfo) -> datetime:
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(tz)


def fmt_datetime(value: datetime | None, tz: ZoneInfo) -> str:
    """Return ``Mon 5 Jan 2026, 14:30`` in the zone (empty for None)."""
    if value is None:
        return ""
    local = _local(value, tz)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"


def fmt_time(value: datetime | None, tz: ZoneInfo) -> str:
    """Return ``14:30`` in the zone (empty for None)."""
    return "" if value is None else f"{_local(value, tz):%H:%M}"


def fmt_date(value: date | None) -> str:
    """Return ``Mon 5 Jan 2026`` (empty for None)."""
    return "" if value is None else f"{value:%a} {value.day} {value:%b %Y}"


def input_value(value: datetime | None, tz: ZoneInfo) -> str:
    """Return the value of a ``datetime-local`` input (``2026-01-05T14:30``) in the zone."""
    return "" if value is None else f"{_local(value, tz):%Y-%m-%dT%H:%M}"


def parse_local(text: str, tz: ZoneInfo) -> datetime:
    """Read a ``datetime-local`` value (``2026-01-05T14:30``, seconds optional) in the zone.

    Raises
    ------
    ValueError
        When the text is not a date and time.
    """
    value = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    if not FIRST_DAY <= value.date() <= LAST_DAY:
        raise ValueError(f"give a date between {FIRST_DAY.year} and {LAST_DAY.year}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


def day_bounds(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Return the range ``[start of first, start of the day after last)`` in the zone.

    The bounds keep the zone (they are not converted to UTC): the storage reads a date column
    (check-in days) by midnight in the bound's zone, and converts datetimes itself.
    """
    start = datetime.combine(first, time(), tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=tz)
    return start, end
