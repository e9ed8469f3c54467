"""Dependencies: the services, the signed-in account, the diary being acted on.

Tests and other servers replace any of them with ``app.dependency_overrides``. There are no
module-level services or settings: everything comes from ``app.state.services``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.security import OAuth2PasswordBearer

from myoscope.bootstrap import Services
from myoscope.domain.diary import Account, Role
from myoscope.errors import AuthenticationError, InvalidInputError, NotFoundError
from myoscope.services.diary import MAX_PAGE, DiaryAccess

__all__ = [
    "API_PREFIX",
    "COMMON_ERRORS",
    "DIARY_ERRORS",
    "MAX_OFFSET",
    "AdminDep",
    "CurrentAccountDep",
    "DiaryDep",
    "FromDay",
    "ListWindow",
    "ListWindowDep",
    "ServicesDep",
    "ToDay",
    "current_account",
    "get_services",
    "list_window",
    "open_diary",
    "require_admin",
]

API_PREFIX = "/api/v1"
"""Where the server mounts the API; the token URL and the OpenAPI ``servers`` entry use it."""

COMMON_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in, or the token is not valid or has expired"},
    503: {"description": "The database is not available; try again later"},
}
"""Errors any endpoint may answer (documented on every operation)."""

DIARY_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such diary or record, or one you may not see (the same answer)"},
}
"""Errors of the endpoints that act on a diary."""

MAX_OFFSET = 1_000_000_000
"""The largest ``offset`` a list accepts (larger values could not be paged to anyway)."""

oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl=f"{API_PREFIX}/auth/token",
    auto_error=False,
    description="Sign in with your e-mail address as the username.",
)


async def get_services(request: Request) -> Services:
    """Return the services the app was built with."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def current_account(
    request: Request,
    services: ServicesDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Account:
    """Return the account a bearer token was issued to (a signature check and one lookup).

    Raises
    ------
    AuthenticationError
        No token, or one that is malformed, forged, expired or for a deleted account.
    """
    if not token:
        raise AuthenticationError(
            "You are not signed in: send 'Authorization: Bearer <token>' with a token from "
            "POST /api/v1/auth/token."
        )
    account_id, epoch = services.tokens.verify(token)
    account = services.accounts.get(account_id, epoch=epoch)
    request.state.account_id = account.id  # logged with the request
    return account


CurrentAccountDep = Annotated[Account, Depends(current_account)]


async def require_admin(account: CurrentAccountDep) -> Account:
    """Return the account when it is an administrator's.

    Raises
    ------
    NotFoundError
        For anyone else, so the administration endpoints do not reveal themselves.
    """
    if account.role is not Role.ADMIN:
        raise NotFoundError("This endpoint is for administrators.")
    return account


AdminDep = Annotated[Account, Depends(require_admin)]


def open_diary(
    services: ServicesDep,
    account: CurrentAccountDep,
    patient_id: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=64,
            description="Act on a diary shared with you (see GET /diaries); your own by default.",
        ),
    ] = None,
) -> DiaryAccess:
    """Open the caller's own diary, or the shared diary ``patient_id`` names.

    Raises
    ------
    NotFoundError
        No such diary, or one the caller may not see (the same answer for both).
    """
    return services.diaries.open(account, patient_id)


DiaryDep = Annotated[DiaryAccess, Depends(open_diary)]

FromDay = Annotated[
    date | None,
    Query(alias="from", description="First day (YYYY-MM-DD); default the first entry."),
]
"""The first day of a period (``?from=``), for insights and the report."""

ToDay = Annotated[date | None, Query(description="Last day (YYYY-MM-DD); default today.")]
"""The last day of a period (``?to=``)."""


@dataclass(frozen=True)
class ListWindow:
    """The time range and page of a list request (times in UTC)."""

    since: datetime | None
    until: datetime | None
    limit: int
    offset: int


def _utc(value: datetime | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        raise InvalidInputError(
            f"{name} is out of the range of dates this server handles; give a date between "
            "the years 1 and 9999 in UTC.",
            field=name,
        ) from None


async def list_window(
    since: Annotated[
        datetime | None,
        Query(description="Only items at or after this time (ISO 8601; UTC if no offset)."),
    ] = None,
    until: Annotated[
        datetime | None,
        Query(description="Only items before this time (ISO 8601; UTC if no offset)."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Items per page.")] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip.")] = 0,
) -> ListWindow:
    """Return the list parameters, with times converted to UTC.

    Raises
    ------
    InvalidInputError
        A time that cannot be converted to UTC, or ``since`` after ``until``.
    """
    window = ListWindow(_utc(since, "since"), _utc(until, "until"), limit, offset)
    if window.since and window.until and window.since > window.until:
        raise InvalidInputError(
            "since is after until; give the earlier time as since.", field="since"
        )
    return window


ListWindowDep = Annotated[ListWindow, Depends(list_window)]
