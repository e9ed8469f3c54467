"""The diary: what a person records about their myoclonus, and who may see it.

Input models (``*In``) are what a person or client sends; record models add the id, the diary
(``patient_id``) and bookkeeping times. Every datetime is timezone-aware and stored in UTC; the
account's IANA time zone is kept for display. Doses are numbers with a unit, never free text.

The models reject unknown fields, so a typo such as ``intesity`` is reported rather than ignored.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import cache
from typing import Annotated, Any, Generic, Self, TypeVar, get_args
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    field_validator,
    model_validator,
)

__all__ = [
    "DAY_FACTORS",
    "FIRST_DAY",
    "LAST_DAY",
    "Access",
    "Account",
    "AccountIn",
    "AuditAction",
    "AuditEvent",
    "BodyArea",
    "CheckIn",
    "CheckInIn",
    "CountBand",
    "Dose",
    "DoseIn",
    "DoseStatus",
    "DoseUnit",
    "Episode",
    "EpisodeFacts",
    "EpisodeIn",
    "EpisodeSource",
    "Interference",
    "JerkKind",
    "Page",
    "Regimen",
    "RegimenIn",
    "Review",
    "Role",
    "Severity",
    "Share",
    "SideEffect",
    "SideEffectIn",
    "Trigger",
    "new_id",
    "to_utc",
]


def new_id() -> str:
    """Return a new random record id (32 hexadecimal characters)."""
    return uuid.uuid4().hex


def to_utc(value: datetime) -> datetime:
    """Return an aware datetime converted to UTC (naive datetimes are refused upstream)."""
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00+01:00, before the year 1 in UTC (API fuzz)
        raise ValueError(
            "the time is outside the years 1 to 9999 once converted to UTC; give a time "
            "within that range"
        ) from None


T = TypeVar("T")


def _unique(values: list[T]) -> list[T]:
    seen: list[T] = []
    for value in values:
        if value in seen:
            raise ValueError(f"'{value}' is listed twice; list each value once")
        seen.append(value)
    return seen


FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)
"""Diary dates lie in these years, so that every time zone can show them."""


def _in_range(value: date) -> date:
    day = value.date() if isinstance(value, datetime) else value
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(
            f"{value.isoformat()} is outside the diary's range ({FIRST_DAY.year} to "
            f"{LAST_DAY.year}); check the year"
        )
    return value


UtcDatetime = Annotated[AwareDatetime, AfterValidator(to_utc), AfterValidator(_in_range)]
DiaryDate = Annotated[date, AfterValidator(_in_range)]


def _blank_to_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


_CONTROL = {chr(c) for c in range(32) if chr(c) not in "\t\n\r"} | {"\x7f"}


def _printable(value: str) -> str:
    if any(ch in _CONTROL for ch in value):
        raise ValueError("contains control characters; remove them (line breaks and tabs are fine)")
    return value


Note = Annotated[
    Annotated[str, Field(max_length=2000), AfterValidator(_printable)] | None,
    BeforeValidator(_blank_to_none),
]
Text = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_printable)]
Ident = Annotated[str, Field(min_length=1, max_length=64)]


class Role(StrEnum):
    """What an account is for: a patient owns a diary; the others see diaries shared with them."""

    PATIENT = "patient"
    CARER = "carer"
    CLINICIAN = "clinician"
    ADMIN = "admin"


class Access(StrEnum):
    """Access a patient grants to another account."""

    READ = "read"
    READ_WRITE = "read-write"


class BodyArea(StrEnum):
    """Body areas, as in the Unified Myoclonus Rating Scale."""

    EYES = "eyes"
    FACE = "face"
    NECK = "neck"
    TRUNK = "trunk"
    LEFT_ARM = "left-arm"
    RIGHT_ARM = "right-arm"
    LEFT_LEG = "left-leg"
    RIGHT_LEG = "right-leg"


class Trigger(StrEnum):
    """What set an episode off, in the person's opinion."""

    ACTION = "action"
    NOISE = "noise"
    LIGHT = "light"
    TOUCH_STARTLE = "touch-startle"
    STRESS = "stress"
    SLEEP_LOSS = "sleep-loss"
    ALCOHOL = "alcohol"
    CAFFEINE = "caffeine"
    MISSED_DOSE = "missed-dose"
    OTHER = "other"


class CountBand(StrEnum):
    """How many jerks, when the exact number was not counted."""

    ONE = "1"
    FEW = "2-10"
    SEVERAL = "11-50"
    MANY = ">50"
    CONTINUOUS = "continuous"

    @classmethod
    def for_count(cls, count: int) -> CountBand:
        """Return the band a counted number of jerks falls in."""
        if count <= 1:
            return cls.ONE
        if count <= 10:
            return cls.FEW
        if count <= 50:
            return cls.SEVERAL
        return cls.MANY


class JerkKind(StrEnum):
    """Positive myoclonus is a jerk; negative myoclonus is a sudden brief loss of tone."""

    POSITIVE = "positive"
    NEGATIVE = "negative"


class DoseStatus(StrEnum):
    """Whether a dose was taken on time, late, or skipped."""

    TAKEN = "taken"
    LATE = "late"
    SKIPPED = "skipped"


class DoseUnit(StrEnum):
    """Units a dose is written in."""

    MG = "mg"
    MCG = "mcg"
    G = "g"
    ML = "ml"
    TABLET = "tablet"
    DROP = "drop"


class Severity(StrEnum):
    """Severity of a side effect, in plain words."""

    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _no_true_or_false_as_numbers(cls, data: Any) -> Any:
        # pydantic would read true as 1: refuse it, as the profile does
        if isinstance(data, dict):
            numeric = _numeric_fields(cls)
            for name, value in data.items():
                if isinstance(value, bool) and name in numeric:
                    raise ValueError(f"'{name}' must be a number, not {str(value).lower()}")
        return data


@cache
def _numeric_fields(model: type[BaseModel]) -> frozenset[str]:
    numbers = {int, float, type(None)}
    return frozenset(
        name
        for name, info in model.model_fields.items()
        if info.annotation in (int, float)
        or (get_args(info.annotation) and set(get_args(info.annotation)) <= numbers)
    )


class _Record(_Model):
    id: str = Field(default_factory=new_id, min_length=1, max_length=64)
    patient_id: Ident
    created_at: UtcDatetime
    updated_at: UtcDatetime


# ---------------------------------------------------------------------------------------------
# Episodes


class EpisodeIn(_Model):
    """One episode of jerks (or lapses of tone) as the person records it.

    Give either ``count`` (the number counted) or ``count_band``; with a count, the band is
    filled in from it.
    """

    started_at: UtcDatetime
    ended_at: UtcDatetime | None = None
    count: int | None = Field(default=None, ge=1, le=100_000)
    count_band: CountBand | None = None
    intensity: int = Field(ge=0, le=10, description="0 = barely noticeable, 10 = the worst ever")
    body_areas: Annotated[list[BodyArea], AfterValidator(_unique)] = Field(
        default_factory=list, max_length=8
    )
    kind: JerkKind = JerkKind.POSITIVE
    triggers: Annotated[list[Trigger], AfterValidator(_unique)] = Field(
        default_factory=list, max_length=10
    )
    fell: StrictBool = False
    note: Note = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.ended_at is not None and self.ended_at < self.started_at:
            raise ValueError("ended_at is before started_at; the end must come after the start")
        if self.count is None and self.count_band is None:
            raise ValueError(
                "give 'count' (how many jerks) or 'count_band' (1, 2-10, 11-50, >50, continuous)"
            )
        if self.count is not None:
            band = CountBand.for_count(self.count)
            if self.count_band is None:
                object.__setattr__(self, "count_band", band)
            elif self.count_band not in (band, CountBand.CONTINUOUS):
                raise ValueError(
                    f"count {self.count} is not in count_band '{self.count_band}'; "
                    f"leave count_band out or use '{band}'"
                )
        return self


class EpisodeSource(StrEnum):
    """Who noticed an episode: the person (``self``) or a sensor recording (``sensor``)."""

    SELF = "self"
    SENSOR = "sensor"


class Review(StrEnum):
    """What the person or their clinician made of a sensor-derived episode."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    FALSE_ALARM = "false-alarm"


@dataclass(slots=True)
class EpisodeFacts:
    """What the analyses read of an episode: a light row read straight from storage.

    Storage builds these without validating each row again (the episode was validated when
    it was written), so that five years of a diary load in a fraction of a second. An
    :class:`Episode` has the same attributes and may be used wherever these are. Not frozen
    (a frozen dataclass is slower to build); treat it as read-only.
    """

    started_at: datetime
    count: int | None
    count_band: CountBand | None
    intensity: int
    kind: JerkKind
    triggers: tuple[Trigger, ...]
    source: EpisodeSource
    recording_id: str | None
    review: Review | None


class Episode(_Record, EpisodeIn):
    """A recorded episode.

    Episodes the person records have ``source`` ``self``. Episodes grouped from the jerks a
    recording detected have ``source`` ``sensor``, the ``recording_id`` they came from and a
    ``review`` (pending until someone confirms them or marks them a false alarm); their
    ``intensity`` is not self-rated (see :mod:`myoscope.services.diary_recordings`), and lists
    and analyses keep them apart from self-reports.
    """

    source: EpisodeSource = EpisodeSource.SELF
    recording_id: Ident | None = None
    review: Review | None = None

    @model_validator(mode="after")
    def _provenance(self) -> Self:
        if self.source is EpisodeSource.SENSOR:
            if self.recording_id is None or self.review is None:
                raise ValueError(
                    "a sensor episode needs the 'recording_id' it came from and a 'review' "
                    "(pending, confirmed or false-alarm)"
                )
        elif self.recording_id is not None or self.review is not None:
            raise ValueError(
                "'recording_id' and 'review' belong to sensor episodes only; leave them out, "
                "or set 'source' to 'sensor'"
            )
        return self


# ---------------------------------------------------------------------------------------------
# Daily check-in

Interference = Annotated[
    int | None,
    Field(default=None, ge=0, le=4, description="0 none, 1 a little, 2 some, 3 a lot, 4 could not"),
]


class CheckInIn(_Model):
    """The daily check-in: one per day; recording the same day again replaces it."""

    day: DiaryDate
    severity: int = Field(ge=0, le=10, description="overall severity today, 0 none to 10 worst")
    walking: Interference
    eating: Interference
    speaking: Interference
    writing: Interference
    work: Interference
    sleep_hours: float | None = Field(default=None, ge=0, le=24)
    mood: int | None = Field(default=None, ge=1, le=5, description="1 very low to 5 very good")
    factors: Annotated[list[Trigger], AfterValidator(_unique)] = Field(
        default_factory=list,
        description="what happened today that may set jerks off: stress, alcohol, caffeine, "
        "noise, light (sleep loss comes from sleep_hours and missed doses from the doses)",
    )
    note: Note = None

    @field_validator("factors")
    @classmethod
    def _day_factors(cls, value: list[Trigger]) -> list[Trigger]:
        wrong = [str(f) for f in value if f not in _DAY_FACTOR_SET]
        if wrong:
            raise ValueError(
                f"{', '.join(wrong)} cannot be a factor of the day; choose from "
                f"{', '.join(str(f) for f in DAY_FACTORS)}"
            )
        return value


DAY_FACTORS: tuple[Trigger, ...] = (
    Trigger.STRESS,
    Trigger.ALCOHOL,
    Trigger.CAFFEINE,
    Trigger.NOISE,
    Trigger.LIGHT,
)
"""What a check-in can say happened that day. Sleep loss and missed doses are not ticked: they
come from the sleep hours and the doses recorded, and insights compare jerks on days with and
without each factor."""
_DAY_FACTOR_SET = frozenset(DAY_FACTORS)


class CheckIn(_Record, CheckInIn):
    """A recorded daily check-in."""


# ---------------------------------------------------------------------------------------------
# Medications


class RegimenIn(_Model):
    """A medication regimen: one drug at one dose schedule over a period.

    A change of dose is recorded as the old regimen stopping (with ``stop_reason``) and a new one
    starting with ``replaces_id`` pointing at it, so the history is kept.
    """

    drug: Text
    dose_amount: float | None = Field(default=None, gt=0, le=100_000)
    dose_unit: DoseUnit = DoseUnit.MG
    times_per_day: int | None = Field(default=None, ge=1, le=24)
    as_needed: StrictBool = False
    started_on: DiaryDate
    stopped_on: DiaryDate | None = None
    start_reason: Note = None
    stop_reason: Note = None
    outcome: str | None = Field(
        default=None,
        pattern="^(ineffective|partial|not-tolerated|effective-stopped)$",
        description="how it went, once stopped: ineffective | partial | not-tolerated | "
        "effective-stopped",
    )
    replaces_id: Ident | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.stopped_on is not None and self.stopped_on < self.started_on:
            raise ValueError("stopped_on is before started_on; a regimen stops after it starts")
        if self.outcome is not None and self.stopped_on is None:
            raise ValueError("an outcome is recorded when a regimen stops; give stopped_on too")
        return self

    def active_on(self, day: date) -> bool:
        """Return whether the regimen is being taken on ``day``."""
        return self.started_on <= day and (self.stopped_on is None or day < self.stopped_on)

    @property
    def dose_mg_per_day(self) -> float | None:
        """The scheduled daily dose in mg, when the unit and schedule allow it."""
        factor = {DoseUnit.MG: 1.0, DoseUnit.G: 1000.0, DoseUnit.MCG: 0.001}.get(self.dose_unit)
        if factor is None or self.dose_amount is None or self.as_needed:
            return None
        return self.dose_amount * factor * (self.times_per_day or 1)


class Regimen(_Record, RegimenIn):
    """A recorded regimen; ``drug_id`` is the knowledge-base id when the name is recognised."""

    drug_id: str | None = None


class DoseIn(_Model):
    """One dose: taken, taken late, or skipped, at the real time (editable afterwards)."""

    regimen_id: Ident | None = None
    drug: Text | None = Field(default=None, description="needed when no regimen_id is given")
    amount: float | None = Field(default=None, gt=0, le=100_000)
    unit: DoseUnit | None = None
    status: DoseStatus = DoseStatus.TAKEN
    taken_at: UtcDatetime = Field(description="when it was taken (or due, when skipped)")
    scheduled_at: UtcDatetime | None = None
    as_needed: StrictBool = False
    note: Note = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.regimen_id is None and self.drug is None:
            raise ValueError("give 'regimen_id' (one of your medications) or 'drug' (its name)")
        if self.amount is not None and self.unit is None:
            object.__setattr__(self, "unit", DoseUnit.MG)
        return self


class Dose(_Record, DoseIn):
    """A recorded dose; ``drug`` and the amount are copied from the regimen when left out."""


class SideEffectIn(_Model):
    """A side effect, linked to a regimen when the person thinks that medicine caused it."""

    effect: Text
    severity: Severity
    started_at: UtcDatetime
    ended_at: UtcDatetime | None = None
    regimen_id: Ident | None = None
    note: Note = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.ended_at is not None and self.ended_at < self.started_at:
            raise ValueError("ended_at is before started_at; the end must come after the start")
        return self


class SideEffect(_Record, SideEffectIn):
    """A recorded side effect."""


# ---------------------------------------------------------------------------------------------
# Accounts, sharing, audit


class AccountIn(_Model):
    """A new account."""

    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    role: Role
    display_name: str | None = Field(default=None, max_length=100)
    timezone: str = Field(default="UTC", max_length=64)

    @model_validator(mode="after")
    def _normalise(self) -> Self:
        object.__setattr__(self, "email", self.email.lower())
        _check_timezone(self.timezone)
        return self


@cache
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def _check_timezone(name: str) -> None:
    if name != "UTC" and name not in _timezones():
        raise ValueError(f"unknown time zone '{name}'; use an IANA name such as 'Europe/London'")


class Account(_Model):
    """An account. Password hashes never leave the storage and account services."""

    id: str = Field(default_factory=new_id, min_length=1, max_length=64)
    email: str
    role: Role
    display_name: str | None = None
    timezone: str = "UTC"
    created_at: UtcDatetime
    failed_logins: int = 0
    locked_until: UtcDatetime | None = None
    session_epoch: int = Field(
        default=0, ge=0, description="raised when the person signs out or changes the password"
    )

    @property
    def label(self) -> str:
        """The display name, or the e-mail address when there is none."""
        return self.display_name or self.email


class Share(_Model):
    """Access to a patient's diary granted to another account."""

    id: str = Field(default_factory=new_id, min_length=1, max_length=64)
    patient_id: Ident
    grantee_id: Ident
    access: Access
    created_at: UtcDatetime
    revoked_at: UtcDatetime | None = None

    @property
    def active(self) -> bool:
        """Whether the share still grants access."""
        return self.revoked_at is None


class AuditAction(StrEnum):
    """What an account did to a diary."""

    READ = "read"
    LIST = "list"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    EXPORT = "export"
    IMPORT = "import"
    SHARE = "share"
    REVOKE = "revoke"
    ASSESS = "assess"


class AuditEvent(_Model):
    """One append-only audit entry: who did what to which record of which diary, and when.

    It holds ids only, never diary contents.
    """

    at: UtcDatetime
    actor_id: Ident
    patient_id: Ident
    action: AuditAction
    resource: Ident
    record_id: Ident | None = None


class Page(BaseModel, Generic[T]):
    """One page of a list, with the total number of matching items."""

    model_config = ConfigDict(frozen=True)

    items: list[T]
    total: int
    limit: int
    offset: int
