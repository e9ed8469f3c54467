"""``POST /auth/token``: the OAuth2 password flow."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from myoscope.api.deps import ServicesDep
from myoscope.api.schemas import TokenPublic

__all__ = ["router"]

router = APIRouter(tags=["auth"])


@router.post(
    "/auth/token",
    operation_id="auth-token",
    summary="Get an access token",
    responses={
        401: {"description": "Wrong e-mail address or password, or a locked account"},
        429: {"description": "Too many attempts from this address; see Retry-After"},
    },
)
def issue_token(
    request: Request,
    services: ServicesDep,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> TokenPublic:
    """Exchange an e-mail address (``username``) and password for a bearer token.

    Attempts are limited per client address, and an account locks after repeated failures.
    """
    services.login_limiter.hit(request.client.host if request.client else "unknown")
    account = services.accounts.authenticate(form.username, form.password)
    return TokenPublic(
        access_token=services.tokens.issue(account), expires_in=services.tokens.max_age_s
    )
