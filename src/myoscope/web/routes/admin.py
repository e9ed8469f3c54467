"""Administration: the list of accounts, adding an account, lifting a sign-in lock."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import Response

from myoscope.domain.diary import Account, Role
from myoscope.errors import ConflictError, InvalidInputError
from myoscope.web.deps import AccountDep, FormDep, redirect, render, services_of, session_of
from myoscope.web.forms import Errors, values_of
from myoscope.web.routes.auth import account_form_errors, account_in, timezones

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
log = logging.getLogger("myoscope.web")


def _page(
    request: Request,
    account: Account,
    *,
    values: dict[str, str] | None = None,
    errors: Errors | None = None,
    status_code: int = 200,
) -> Response:
    accounts = services_of(request).accounts.list_all(account)
    return render(
        request,
        "admin_accounts.html",
        status_code=status_code,
        accounts=accounts,
        now=services_of(request).clock(),
        values=values or {"role": "patient", "timezone": account.timezone},
        errors=errors or {},
        roles=[r.value for r in Role],
        timezones=timezones(),
    )


@router.get("/admin/accounts")
def accounts(request: Request, account: AccountDep) -> Response:
    """List every account (administrators only; others get the 404 page)."""
    return _page(request, account)


@router.post("/admin/accounts")
def add_account(request: Request, account: AccountDep, form: FormDep) -> Response:
    """Create an account."""
    services = services_of(request)
    services.accounts.list_all(account)  # administrators only
    typed = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    errors = account_form_errors(typed)
    if not errors:
        try:
            created = services.accounts.create(account_in(typed), typed.get("password", ""))
        except InvalidInputError as exc:
            errors[exc.field or "password"] = str(exc)
        except ConflictError as exc:
            errors["email"] = str(exc)
        else:
            log.info("web: account %s created by %s", created.id, account.id)
            session_of(request).flash("Account created; it is in the list below.")
            return redirect("/admin/accounts")
    values = {
        k: str(v) for k, v in values_of(form, ["email", "display_name", "role", "timezone"]).items()
    }
    return _page(request, account, values=values, errors=errors, status_code=422)


@router.post("/admin/accounts/{account_id}/unlock")
def unlock(request: Request, account: AccountDep, account_id: str, form: FormDep) -> Response:
    """Lift a sign-in lock."""
    unlocked = services_of(request).accounts.unlock(account, account_id)
    log.info("web: account %s unlocked by %s", unlocked.id, account.id)
    session_of(request).flash("The account is unlocked and can sign in again.")
    return redirect("/admin/accounts")
