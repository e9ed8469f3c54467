"""Small builders of diary records for the analytics tests (UTC times unless a zone is given)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from myoscope.domain.diary import (
    CheckIn,
    CountBand,
    Dose,
    DoseStatus,
    Episode,
    JerkKind,
    Regimen,
    Severity,
    SideEffect,
    Trigger,
)

STAMP = datetime(2026, 1, 1, tzinfo=UTC)
_serial = iter(range(10**9))


def _id(kind: str) -> str:
    return f"{kind}{next(_serial)}"


def at(day: date, hour: int = 10, minute: int = 0, zone: str = "UTC") -> datetime:
    return datetime.combine(day, time(hour, minute), ZoneInfo(zone))


def episode(
    started_at: datetime,
    count: int | None = 5,
    *,
    band: CountBand | None = None,
    intensity: int = 5,
    kind: JerkKind = JerkKind.POSITIVE,
    triggers: tuple[Trigger, ...] = (),
) -> Episode:
    return Episode(
        id=_id("e"),
        patient_id="p",
        created_at=STAMP,
        updated_at=STAMP,
        started_at=started_at,
        count=count,
        count_band=band,
        intensity=intensity,
        kind=kind,
        triggers=list(triggers),
    )


def checkin(
    day: date, severity: int = 3, sleep_hours: float | None = None, updated: datetime = STAMP
) -> CheckIn:
    return CheckIn(
        id=_id("c"),
        patient_id="p",
        created_at=STAMP,
        updated_at=updated,
        day=day,
        severity=severity,
        sleep_hours=sleep_hours,
    )


def regimen(
    drug: str,
    started_on: date,
    *,
    amount: float | None = 500,
    unit: str = "mg",
    times: int | None = 2,
    stopped_on: date | None = None,
    replaces: Regimen | None = None,
    as_needed: bool = False,
    drug_id: str | None = None,
) -> Regimen:
    return Regimen(
        id=_id("r"),
        patient_id="p",
        created_at=STAMP,
        updated_at=STAMP,
        drug=drug,
        drug_id=drug_id,
        dose_amount=amount,
        dose_unit=unit,
        times_per_day=times,
        started_on=started_on,
        stopped_on=stopped_on,
        replaces_id=replaces.id if replaces else None,
        as_needed=as_needed,
    )


def dose(
    taken_at: datetime,
    status: DoseStatus = DoseStatus.TAKEN,
    *,
    drug: str | None = None,
    regimen_id: str | None = None,
    as_needed: bool = False,
) -> Dose:
    return Dose(
        id=_id("d"),
        patient_id="p",
        created_at=STAMP,
        updated_at=STAMP,
        regimen_id=regimen_id,
        drug=drug,
        status=status,
        taken_at=taken_at,
        as_needed=as_needed,
    )


def side_effect(effect: str, regimen_id: str | None, day: date) -> SideEffect:
    return SideEffect(
        id=_id("s"),
        patient_id="p",
        created_at=STAMP,
        updated_at=STAMP,
        effect=effect,
        severity=Severity.MILD,
        started_at=at(day),
        regimen_id=regimen_id,
    )


def days(start: date, n: int) -> list[date]:
    return [start + timedelta(days=k) for k in range(n)]
