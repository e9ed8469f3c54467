"""Signing in and out, the first-run setup page, the start page, diaries shared with me."""

from __future__ import annotations

import contextlib
import logging
from typing import Annotated
from zoneinfo import available_timezones

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from myoscope.domain.diary import AccountIn, Role
from myoscope.errors import AuthenticationError, InvalidInputError, RateLimitedError, UserError
from myoscope.web.deps import (
    AccountDep,
    FormDep,
    home_url,
    redirect,
    render,
    safe_next,
    services_of,
    session_of,
)
from myoscope.web.forms import friendly_message, values_of

__all__ = ["account_form_errors", "router", "timezones"]

router = APIRouter(include_in_schema=False)
log = logging.getLogger("myoscope.web")


def timezones() -> list[str]:
    """Return the IANA time zone names, UTC first."""
    return ["UTC", *sorted(z for z in available_timezones() if "/" in z)]


@router.get("/")
def start(account: AccountDep) -> Response:
    """Send the browser to the account's start page."""
    return redirect(home_url(account))


@router.get("/login")
def login_page(request: Request, next: Annotated[str | None, Query()] = None) -> Response:
    """Show the sign-in form (or the setup page while no account exists)."""
    if services_of(request).accounts.setup_needed():
        return redirect("/setup")
    return render(request, "login.html", values={}, error=None, next=safe_next(next, ""))


@router.post("/login")
def login(request: Request, form: FormDep) -> Response:
    """Check the e-mail address and password; sign in."""
    services = services_of(request)
    values = values_of(form, ["email", "next"])
    next_path = safe_next(str(form.get("next") or ""), "")
    host = request.client.host if request.client else "unknown"
    try:
        services.login_limiter.hit(f"web:{host}")
        account = services.accounts.authenticate(
            str(form.get("email") or ""), str(form.get("password") or "")
        )
    except RateLimitedError as exc:
        headers = {"Retry-After": str(exc.retry_after_s)}
        return render(
            request,
            "login.html",
            status_code=429,
            headers=headers,
            values=values,
            error=str(exc),
            next=next_path,
        )
    except AuthenticationError as exc:
        log.info("web: sign-in refused")
        return render(
            request, "login.html", status_code=401, values=values, error=str(exc), next=next_path
        )
    session_of(request).sign_in(account.id, account.session_epoch)
    log.info("web: signed in account %s", account.id)
    return redirect(next_path or home_url(account))


@router.post("/logout")
def logout(request: Request, form: FormDep) -> Response:
    """Sign out: end every session and API token of the account, on every device."""
    session = session_of(request)
    if session.account_id is not None:
        accounts = services_of(request).accounts
        with contextlib.suppress(AuthenticationError):  # the session had already ended
            accounts.end_sessions(accounts.get(session.account_id, epoch=session.epoch))
    session.sign_out()
    session_of(request).flash("You are signed out.")
    return redirect("/login")


def account_in(form: dict[str, str]) -> AccountIn:
    """Return the new account a form describes (raises pydantic's ValidationError)."""
    return AccountIn.model_validate(
        {
            "email": form.get("email", ""),
            "role": form.get("role", ""),
            "display_name": form.get("display_name") or None,
            "timezone": form.get("timezone") or "UTC",
        }
    )


def account_form_errors(form: dict[str, str], *, need_password: bool = True) -> dict[str, str]:
    """Check the fields of a new-account form; return messages by field."""
    errors: dict[str, str] = {}
    if need_password and form.get("password", "") != form.get("password_again", ""):
        errors["password_again"] = "The two passwords are not the same; type them again."
    try:
        account_in(form)
    except ValidationError as exc:
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "timezone"
            message = friendly_message(error)
            if field == "email":
                message = "Enter an e-mail address such as name@example.org."
            errors.setdefault(field, message)
    return errors


@router.get("/setup")
def setup_page(request: Request) -> Response:
    """Show the first-run page that creates the first account."""
    if not services_of(request).accounts.setup_needed():
        return redirect("/login")
    values = {"role": "patient", "timezone": "UTC"}
    return render(request, "setup.html", values=values, errors={}, timezones=timezones())


@router.post("/setup")
def setup(request: Request, form: FormDep) -> Response:
    """Create the first account and sign in with it."""
    services = services_of(request)
    if not services.accounts.setup_needed():
        return redirect("/login")
    typed = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    if typed.get("role") not in ("patient", "admin"):
        typed["role"] = "patient"
    errors = account_form_errors(typed)
    account = None
    if not errors:
        try:
            account = services.accounts.create_first(account_in(typed), typed.get("password", ""))
        except InvalidInputError as exc:
            errors[exc.field or "password"] = str(exc)
        except UserError as exc:
            errors["_form"] = str(exc)
    if account is None:
        values = values_of(form, ["email", "display_name", "role", "timezone"])
        return render(
            request,
            "setup.html",
            status_code=422,
            values=values,
            errors=errors,
            timezones=timezones(),
        )
    session_of(request).sign_in(account.id, account.session_epoch)
    log.info("web: first account %s created", account.id)
    if account.role is Role.PATIENT:
        session_of(request).flash("Welcome! Start with your profile, so the options fit you.")
        return redirect(f"/d/{account.id}/profile")
    return redirect(home_url(account))


@router.get("/shared")
def shared(request: Request, account: AccountDep) -> Response:
    """List the diaries this account can open."""
    diaries = services_of(request).diaries.diaries_for(account)
    return render(request, "shared.html", diaries=diaries)
