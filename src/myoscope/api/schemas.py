"""Request and response bodies of the API.

Requests reuse the input models of :mod:`myoscope.domain.diary` (``EpisodeIn`` ...), which
reject unknown fields. Responses are ``*Public`` models; list endpoints return ``*sPublic``
pages ``{"items", "total", "limit", "offset"}``. Password hashes never appear, and the failed
sign-in counter and lock only in :class:`AccountAdminPublic`, which administrators alone see.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from myoscope.domain.assessment import Assessment
from myoscope.domain.diary import (
    Access,
    Account,
    AccountIn,
    AuditAction,
    CheckIn,
    Dose,
    Episode,
    Note,
    Page,
    Regimen,
    Role,
    SideEffect,
)
from myoscope.domain.profile import PatientProfile

__all__ = [
    "AccountAdminPublic",
    "AccountCreate",
    "AccountPublic",
    "AccountsPublic",
    "AssessmentPublic",
    "AuditEventPublic",
    "AuditPublic",
    "CheckInPublic",
    "CheckInsPublic",
    "DeleteDiaryIn",
    "DeletedPublic",
    "DiaryPublic",
    "DosePublic",
    "DosesPublic",
    "EpisodePublic",
    "EpisodesPublic",
    "FieldProblem",
    "ImportedPublic",
    "MedicationChange",
    "MedicationPublic",
    "MedicationsPublic",
    "ProblemPublic",
    "ProfilePublic",
    "ShareIn",
    "SharePublic",
    "SharesPublic",
    "SideEffectPublic",
    "SideEffectsPublic",
    "TokenPublic",
    "public",
]

P = TypeVar("P", bound=BaseModel)


def public(model: type[P], record: BaseModel) -> P:
    """Return ``record`` (already valid) as the public model ``model``, without revalidating."""
    return model.model_construct(_fields_set=record.model_fields_set, **dict(record))


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


# -- errors -------------------------------------------------------------------------------------


class FieldProblem(_Out):
    """One field at fault, named as the client wrote it (``limit``, ``body_areas.0``)."""

    field: str
    message: str


class ProblemPublic(_Out):
    """An RFC 9457 problem: the body of every error response (``application/problem+json``)."""

    model_config = ConfigDict(frozen=True, title="Problem")

    type: str = Field(description="A stable URI naming the kind of problem.")
    title: str = Field(description="A short summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What happened this time, and what to do next.")
    errors: list[FieldProblem] = Field(
        default_factory=list, description="The fields at fault (empty when no single field is)."
    )


# -- accounts -----------------------------------------------------------------------------------


class TokenPublic(_Out):
    """An OAuth2 bearer token; send it as ``Authorization: Bearer <access_token>``."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token expires.")


class AccountPublic(_Out):
    """An account as its owner and the people it shares with see it."""

    id: str
    email: str
    role: Role
    display_name: str | None
    timezone: str
    created_at: datetime

    @classmethod
    def of(cls, account: Account) -> AccountPublic:
        """Return the public view of an account."""
        return cls(
            id=account.id,
            email=account.email,
            role=account.role,
            display_name=account.display_name,
            timezone=account.timezone,
            created_at=account.created_at,
        )


class AccountAdminPublic(AccountPublic):
    """An account as an administrator sees it, with its sign-in state."""

    failed_logins: int
    locked_until: datetime | None

    @classmethod
    def of(cls, account: Account) -> AccountAdminPublic:
        """Return the administrator's view of an account."""
        return cls(
            **AccountPublic.of(account).model_dump(),
            failed_logins=account.failed_logins,
            locked_until=account.locked_until,
        )


class AccountsPublic(_Out):
    """Every account (administrators only)."""

    items: list[AccountAdminPublic]
    total: int


class AccountCreate(AccountIn):
    """A new account and its first password (administrators only)."""

    password: str = Field(
        min_length=1,
        max_length=256,
        description="At least 8 characters; a few unrelated words make a strong password.",
        json_schema_extra={"format": "password", "writeOnly": True},
    )


class DiaryPublic(_Out):
    """A diary the caller can open: their own, or one shared with them."""

    patient_id: str = Field(description="Pass it as ?patient_id= to act on this diary.")
    name: str
    access: Access
    own: bool


# -- diary records ------------------------------------------------------------------------------


class EpisodePublic(Episode):
    """A recorded episode of jerks (or of lapses of tone)."""


class CheckInPublic(CheckIn):
    """A recorded daily check-in."""


class MedicationPublic(Regimen):
    """A medication regimen: one drug at one dose schedule over a period."""


class DosePublic(Dose):
    """A dose taken, taken late or skipped."""


class SideEffectPublic(SideEffect):
    """A recorded side effect."""


class EpisodesPublic(Page[EpisodePublic]):
    """One page of episodes, newest first."""


class CheckInsPublic(Page[CheckInPublic]):
    """One page of check-ins, newest first."""


class MedicationsPublic(Page[MedicationPublic]):
    """One page of medication regimens, newest first."""


class DosesPublic(Page[DosePublic]):
    """One page of doses, newest first."""


class SideEffectsPublic(Page[SideEffectPublic]):
    """One page of side effects, newest first."""


class MedicationChange(_In):
    """A change of dose: the regimen stops on ``on`` and a new one starts the same day."""

    on: date = Field(description="The day the new dose starts.")
    dose_amount: float | None = Field(default=None, gt=0, le=100_000)
    times_per_day: int | None = Field(default=None, ge=1, le=24)
    reason: Note = None


# -- profile and assessment ---------------------------------------------------------------------


class ProfilePublic(_Out):
    """The profile as entered (``stored``) and as the engine sees it (``effective``).

    ``effective`` adds the medicines taken today and those stopped with an outcome from the
    medication list. Both are null until a profile is saved with ``PUT /profile``.
    """

    stored: dict[str, Any] | None
    effective: PatientProfile | None


class AssessmentPublic(Assessment):
    """The engine's assessment of the profile: information to discuss with a clinician."""


# -- sharing and the access log -----------------------------------------------------------------


class ShareIn(_In):
    """Share your diary with another account."""

    email: str = Field(min_length=3, max_length=254, description="The other account's address.")
    access: Access | None = Field(
        default=None, description="read or read-write; by default read-write for a carer."
    )


class SharePublic(_Out):
    """Access to a diary granted to another account."""

    id: str
    grantee_id: str
    grantee: str = Field(description="The other account's name, or its e-mail address.")
    grantee_role: Role | None
    access: Access
    created_at: datetime
    revoked_at: datetime | None
    active: bool


class SharesPublic(_Out):
    """Every share of the diary, newest first, revoked ones included."""

    items: list[SharePublic]
    total: int


class AuditEventPublic(_Out):
    """Who read or changed what, and when (ids only, never contents)."""

    at: datetime
    actor_id: str
    actor: str = Field(description="The account's name and role.")
    action: AuditAction
    resource: str
    record_id: str | None


class AuditPublic(Page[AuditEventPublic]):
    """One page of the access log, newest first."""


# -- export, import, delete ---------------------------------------------------------------------


class ImportedPublic(_Out):
    """How many records of each kind were imported."""

    imported: dict[str, int]


class DeletedPublic(_Out):
    """How many records of each kind were deleted."""

    deleted: dict[str, int]


class DeleteDiaryIn(_In):
    """Confirmation for deleting every record and the profile of your diary."""

    confirm: Literal["delete"] = Field(description='Must be "delete".')
