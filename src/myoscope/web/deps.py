"""What every page needs: the services, the signed-in account, the open diary, rendering.

Route modules declare ``account: AccountDep``, ``diary: DiaryDep`` and ``form: FormDep`` and call
:func:`render`. Nothing here knows SQL or rules; it calls the services only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment
from starlette.datastructures import FormData, UploadFile

from myoscope.bootstrap import Services
from myoscope.domain.diary import Account, Role
from myoscope.errors import AuthenticationError, StorageError
from myoscope.services.diary import DiaryAccess
from myoscope.web.localtime import zone
from myoscope.web.session import Session, csrf_matches, get_session

__all__ = [
    "AccountDep",
    "CsrfError",
    "DiaryDep",
    "FormDep",
    "SignInRequired",
    "Upload",
    "checked_form",
    "current_account",
    "current_diary",
    "diary_url",
    "home_url",
    "redirect",
    "render",
    "safe_next",
    "services_of",
    "session_of",
    "upload_of",
]

log = logging.getLogger("myoscope.web")


class SignInRequired(Exception):
    """The page needs a signed-in account; the handler redirects to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class CsrfError(Exception):
    """A form came without this session's CSRF token (answered with a 403 page)."""


def services_of(request: Request) -> Services:
    """Return the services the app was built with."""
    services: Services = request.app.state.services
    return services


def session_of(request: Request) -> Session:
    """Return the request's session."""
    return get_session(request.scope)


def _here(request: Request) -> str:
    query = f"?{request.url.query}" if request.url.query else ""
    return request.url.path + query


def current_account(request: Request) -> Account:
    """Return the signed-in account, or send the browser to sign in."""
    session = session_of(request)
    if session.account_id is None:
        raise SignInRequired(_here(request))
    try:
        account = services_of(request).accounts.get(session.account_id, epoch=session.epoch)
    except AuthenticationError:
        session.sign_out()
        raise SignInRequired(_here(request)) from None
    request.state.account = account
    return account


AccountDep = Annotated[Account, Depends(current_account)]


def current_diary(patient_id: str, request: Request, account: AccountDep) -> DiaryAccess:
    """Open the diary in the path (404 when it does not exist or is not shared)."""
    diary = services_of(request).diaries.open(account, patient_id)
    request.state.diary = diary
    return diary


DiaryDep = Annotated[DiaryAccess, Depends(current_diary)]


@dataclass(frozen=True)
class Upload:
    """An uploaded file, read into memory (the form's temporary file is closed)."""

    filename: str
    content: bytes


async def checked_form(request: Request) -> FormData:
    """Read a POSTed form and check its CSRF token; uploaded files are read and closed.

    Raises
    ------
    CsrfError
        When the token is missing or does not match the session's.
    """
    async with request.form(max_files=5, max_fields=400) as form:
        fields: list[tuple[str, str | UploadFile]] = []
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                content = await value.read(51 * 1024 * 1024)
                request.state.uploads = [
                    *getattr(request.state, "uploads", []),
                    (key, Upload(value.filename or "", content)),
                ]
            else:
                fields.append((key, value))
    if not csrf_matches(
        session_of(request), next((v for k, v in fields if k == "csrf_token"), None)
    ):
        raise CsrfError
    return FormData(fields)


FormDep = Annotated[FormData, Depends(checked_form)]


def upload_of(request: Request, name: str) -> Upload | None:
    """Return the file uploaded in field ``name``, if any."""
    for key, upload in getattr(request.state, "uploads", []):
        if key == name and isinstance(upload, Upload):
            return upload
    return None


def safe_next(value: str | None, default: str = "/") -> str:
    """Return ``value`` when it is a path on this site, else ``default`` (no open redirects)."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or any(c in value for c in "\r\n\\"):
        return default
    return value


def diary_url(patient_id: str, page: str = "today") -> str:
    """Return the URL of a diary page."""
    return f"/d/{quote(patient_id, safe='')}/{page}"


def home_url(account: Account) -> str:
    """Return where an account lands after signing in."""
    if account.role is Role.PATIENT:
        return diary_url(account.id)
    if account.role is Role.ADMIN:
        return "/admin/accounts"
    return "/shared"


def redirect(url: str) -> RedirectResponse:
    """Return a 303 redirect (after a POST, the browser GETs the next page)."""
    return RedirectResponse(url, status_code=303)


def render(
    request: Request,
    template: str,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render a page with what every template needs (account, diary, CSRF token, message)."""
    env: Environment = request.app.state.templates
    session = session_of(request)
    account: Account | None = context.pop("account", None) or getattr(
        request.state, "account", None
    )
    diary: DiaryAccess | None = context.pop("diary", None) or getattr(request.state, "diary", None)
    base_id = diary.patient_id if diary else None
    if base_id is None and account is not None and account.role is Role.PATIENT:
        base_id = account.id
    tz_name = diary.owner.timezone if diary else (account.timezone if account else "UTC")
    try:
        shared_with_me = account is not None and (
            account.role is not Role.PATIENT
            or len(services_of(request).diaries.diaries_for(account)) > 1
        )
    except StorageError:  # the error page of a database failure must still render
        shared_with_me = False
    html = env.get_template(template).render(
        request=request,
        account=account,
        diary=diary,
        diary_base=diary_url(base_id, "").rstrip("/") if base_id else None,
        can_write=bool(diary and diary.can_write),
        csrf_token=session.csrf_token,
        flash=session.pop_flash(),
        tz=zone(tz_name),
        tz_name=tz_name,
        shared_with_me=shared_with_me,
        path=request.url.path,
        **context,
    )
    return HTMLResponse(html, status_code=status_code, headers=headers)
