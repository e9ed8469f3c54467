"""``/accounts``: administration (administrators only; others get 404)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from myoscope.api.deps import AdminDep, ServicesDep
from myoscope.api.schemas import AccountAdminPublic, AccountCreate, AccountsPublic
from myoscope.domain.diary import AccountIn
from myoscope.errors import NotFoundError

__all__ = ["router"]

router = APIRouter(
    prefix="/accounts",
    tags=["accounts"],
    responses={404: {"description": "No such account, or you are not an administrator"}},
)

AccountId = Annotated[str, Path(min_length=1, max_length=64, description="The account's id.")]


@router.get("", operation_id="accounts-list", summary="List every account")
def list_accounts(admin: AdminDep, services: ServicesDep) -> AccountsPublic:
    """Return every account with its sign-in state."""
    items = [AccountAdminPublic.of(a) for a in services.accounts.list_all(admin)]
    return AccountsPublic(items=items, total=len(items))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="accounts-create",
    summary="Create an account",
    responses={409: {"description": "The e-mail address is already used"}},
)
def create_account(
    body: AccountCreate,
    admin: AdminDep,
    services: ServicesDep,
    request: Request,
    response: Response,
) -> AccountAdminPublic:
    """Create an account for a patient, carer, clinician or administrator."""
    account = services.accounts.create(
        AccountIn.model_validate(body.model_dump(exclude={"password"})), body.password
    )
    response.headers["Location"] = f"{request.scope.get('root_path', '')}/accounts/{account.id}"
    return AccountAdminPublic.of(account)


@router.get("/{account_id}", operation_id="accounts-get", summary="Get one account")
def get_account(
    account_id: AccountId, admin: AdminDep, services: ServicesDep
) -> AccountAdminPublic:
    """Return one account with its sign-in state."""
    for account in services.accounts.list_all(admin):
        if account.id == account_id:
            return AccountAdminPublic.of(account)
    raise NotFoundError(f"No account with id '{account_id}'.")


@router.post("/{account_id}/unlock", operation_id="accounts-unlock", summary="Lift a sign-in lock")
def unlock_account(
    account_id: AccountId, admin: AdminDep, services: ServicesDep
) -> AccountAdminPublic:
    """Reset the failed sign-in counter and lift the lock of an account."""
    return AccountAdminPublic.of(services.accounts.unlock(admin, account_id))
