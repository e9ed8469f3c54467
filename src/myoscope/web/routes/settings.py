"""Settings: the account, export and import, deleting the diary, sharing, the access log."""

from __future__ import annotations

import json
import logging
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from myoscope.domain.diary import Access, Account, Role
from myoscope.errors import AuthenticationError, InvalidInputError, NotFoundError, UserError
from myoscope.fhir.export import encode_bundle
from myoscope.services.diary import DiaryAccess
from myoscope.services.fhir_exchange import export_diary_fhir, import_bundle
from myoscope.web.deps import (
    AccountDep,
    FormDep,
    redirect,
    render,
    services_of,
    session_of,
    upload_of,
)
from myoscope.web.forms import Errors, values_of
from myoscope.web.routes.auth import timezones

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
log = logging.getLogger("myoscope.web")
AUDIT_PER_PAGE = 50
CONFIRM_WORD = "delete"


def _own(request: Request, account: Account) -> DiaryAccess:
    """Open the account's own diary (404 for accounts without one)."""
    diary = services_of(request).diaries.open(account)
    request.state.diary = diary
    return diary


def _account_page(
    request: Request,
    account: Account,
    *,
    errors: Errors | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    shown = values or {"display_name": account.display_name or "", "timezone": account.timezone}
    return render(
        request,
        "settings.html",
        status_code=status_code,
        values=shown,
        errors=errors or {},
        timezones=timezones(),
        has_diary=account.role is Role.PATIENT,
    )


@router.get("/settings")
def settings_page(request: Request, account: AccountDep) -> Response:
    """Show the account settings."""
    return _account_page(request, account)


@router.post("/settings/account")
def save_account(request: Request, account: AccountDep, form: FormDep) -> Response:
    """Change the display name and time zone."""
    values = {k: str(v) for k, v in values_of(form, ["display_name", "timezone"]).items()}
    try:
        services_of(request).accounts.update_details(
            account,
            display_name=values.get("display_name", "").strip() or None,
            timezone=values.get("timezone", "UTC"),
        )
    except InvalidInputError as exc:
        return _account_page(
            request, account, errors={"timezone": str(exc)}, values=values, status_code=422
        )
    session_of(request).flash("Account details saved.")
    return redirect("/settings")


@router.post("/settings/password")
def change_password(request: Request, account: AccountDep, form: FormDep) -> Response:
    """Change the password after checking the current one."""
    current, new = str(form.get("current_password") or ""), str(form.get("new_password") or "")
    errors: Errors = {}
    if new != str(form.get("new_password_again") or ""):
        errors["new_password_again"] = "The two new passwords are not the same; type them again."
    else:
        try:
            renewed = services_of(request).accounts.change_password(account, current, new)
            session_of(request).sign_in(renewed.id, renewed.session_epoch)
        except AuthenticationError as exc:
            errors["current_password"] = str(exc)
        except InvalidInputError as exc:
            errors["new_password"] = str(exc)
    if errors:
        return _account_page(request, account, errors=errors, status_code=422)
    log.info("web: password of account %s changed", account.id)
    session_of(request).flash("Password changed; you were signed out everywhere else.")
    return redirect("/settings")


@router.get("/settings/data")
def data_page(request: Request, account: AccountDep) -> Response:
    """Show export, import and delete."""
    _own(request, account)
    return render(request, "data.html", errors={}, confirm_word=CONFIRM_WORD)


@router.get("/settings/export")
def export(
    request: Request, account: AccountDep, format: Annotated[str | None, Query()] = None
) -> Response:
    """Download the whole diary as JSON or as a ZIP of CSV files."""
    diary = _own(request, account)
    transfer = services_of(request).transfer
    day = services_of(request).diaries.today(diary).isoformat()
    if format == "csv":
        content = transfer.export_csv(diary)
        media, name = "application/zip", f"myoscope-diary-{day}.zip"
    elif format == "fhir":
        bundle = export_diary_fhir(services_of(request).diaries, diary)
        content = encode_bundle(bundle)
        media, name = "application/fhir+json", f"myoscope-diary-{day}.fhir.json"
    else:
        document = transfer.export_json(diary)
        content = json.dumps(document, indent=2, ensure_ascii=False).encode()
        media, name = "application/json", f"myoscope-diary-{day}.json"
    log.info("web: diary %s exported (%d bytes)", diary.patient_id, len(content))
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(content, media_type=media, headers=headers)


@router.post("/settings/import")
def import_diary(request: Request, account: AccountDep, form: FormDep) -> Response:
    """Import a JSON or CSV (ZIP) export into the diary."""
    diary = _own(request, account)
    upload = upload_of(request, "file")
    if upload is None or not upload.content:
        errors = {"file": "Choose a file exported from Myoscope (JSON, or the CSV ZIP)."}
        return render(
            request, "data.html", status_code=422, errors=errors, confirm_word=CONFIRM_WORD
        )
    try:
        counts = services_of(request).transfer.import_bytes(diary, upload.content)
    except UserError as exc:
        return render(
            request,
            "data.html",
            status_code=422,
            errors={"file": str(exc)},
            confirm_word=CONFIRM_WORD,
        )
    total = sum(counts.values())
    log.info("web: %d records imported into diary %s", total, diary.patient_id)
    session_of(request).flash(f"Imported {total} entries.")
    return redirect("/settings/data")


@router.post("/settings/import-fhir")
def import_fhir(request: Request, account: AccountDep, form: FormDep) -> Response:
    """Import a FHIR R4 Bundle into the diary, saying what was not imported."""
    diary = _own(request, account)
    upload = upload_of(request, "fhir_file")
    errors: dict[str, str] = {}
    if upload is None or not upload.content:
        errors["fhir_file"] = "Choose a FHIR R4 Bundle (a .json file)."
    else:
        try:
            bundle = json.loads(upload.content.decode("utf-8"))
            report = import_bundle(services_of(request).transfer, diary, bundle)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            errors["fhir_file"] = "This file is not JSON; choose a FHIR R4 Bundle (.json)."
        except UserError as exc:
            errors["fhir_file"] = str(exc)
    if errors:
        return render(
            request, "data.html", status_code=422, errors=errors, confirm_word=CONFIRM_WORD
        )
    total = sum(report.imported.values())
    log.info("web: %d records imported from FHIR into diary %s", total, diary.patient_id)
    message = f"Imported {total} entries from the FHIR Bundle."
    if report.warnings:
        message += f" {len(report.warnings)} items were not imported, e.g. {report.warnings[0]}"
    session_of(request).flash(message)
    return redirect("/settings/data")


@router.post("/settings/delete")
def delete_diary(request: Request, account: AccountDep, form: FormDep) -> Response:
    """Delete every entry and the profile, after the typed confirmation."""
    diary = _own(request, account)
    if str(form.get("confirm") or "").strip().lower() != CONFIRM_WORD:
        errors = {"confirm": f"Type the word {CONFIRM_WORD} to confirm; nothing was deleted."}
        return render(
            request, "data.html", status_code=422, errors=errors, confirm_word=CONFIRM_WORD
        )
    counts = services_of(request).transfer.delete_all(diary)
    log.info("web: diary %s emptied (%d records)", diary.patient_id, sum(counts.values()))
    session_of(request).flash(f"Your diary was emptied: {sum(counts.values())} entries deleted.")
    return redirect("/settings/data")


def _sharing_page(
    request: Request,
    diary: DiaryAccess,
    *,
    errors: Errors | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    shares = services_of(request).diaries.shares(diary)
    return render(
        request,
        "sharing.html",
        status_code=status_code,
        active=[(s, a) for s, a in shares if s.active],
        revoked=[(s, a) for s, a in shares if not s.active],
        errors=errors or {},
        values=values or {"access": "read"},
    )


@router.get("/settings/sharing")
def sharing(request: Request, account: AccountDep) -> Response:
    """Show who the diary is shared with."""
    return _sharing_page(request, _own(request, account))


@router.post("/settings/sharing")
def grant(request: Request, account: AccountDep, form: FormDep) -> Response:
    """Share the diary with another account."""
    diary = _own(request, account)
    values = {k: str(v) for k, v in values_of(form, ["email", "access"]).items()}
    access = values.get("access")
    if access not in {a.value for a in Access}:
        return _sharing_page(
            request,
            diary,
            errors={"access": "Choose read only, or read and write."},
            values=values,
            status_code=422,
        )
    try:
        share = services_of(request).diaries.grant(diary, values.get("email", ""), Access(access))
    except (NotFoundError, InvalidInputError) as exc:
        return _sharing_page(
            request, diary, errors={"email": str(exc)}, values=values, status_code=422
        )
    log.info("web: diary %s shared (share %s)", diary.patient_id, share.id)
    session_of(request).flash("Your diary is now shared; the list below shows with whom.")
    return redirect("/settings/sharing")


@router.post("/settings/sharing/{share_id}/revoke")
def revoke(request: Request, account: AccountDep, share_id: str, form: FormDep) -> Response:
    """Revoke a share; the other account loses access at once."""
    diary = _own(request, account)
    services_of(request).diaries.revoke(diary, share_id)
    log.info("web: share %s revoked", share_id)
    session_of(request).flash("Access revoked.")
    return redirect("/settings/sharing")


@router.get("/settings/access")
def access_log(
    request: Request,
    account: AccountDep,
    page: Annotated[str | None, Query()] = None,
    who: Annotated[str | None, Query()] = None,
) -> Response:
    """Show who read or changed the diary, and when (other people first; ``who=all`` for all)."""
    diary = _own(request, account)
    try:
        number = max(1, int(page or 1))
    except ValueError:
        number = 1
    services = services_of(request)
    everyone = who == "all"
    found = services.diaries.audit(
        diary,
        limit=AUDIT_PER_PAGE,
        offset=(number - 1) * AUDIT_PER_PAGE,
        others_only=not everyone,
    )
    labels = services.diaries.account_labels({e.actor_id for e in found.items})
    labels[account.id] = "You"
    pages = max(1, -(-found.total // AUDIT_PER_PAGE))
    return render(
        request,
        "access_log.html",
        events=found.items,
        labels=labels,
        page=number,
        pages=pages,
        total=found.total,
        everyone=everyone,
    )
