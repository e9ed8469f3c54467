"""``/shares`` (who may open your diary) and ``/audit`` (who read or changed it). Owner only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response, status

from myoscope.api.deps import DIARY_ERRORS, DiaryDep, ListWindowDep, ServicesDep
from myoscope.api.schemas import (
    AuditEventPublic,
    AuditPublic,
    ShareIn,
    SharePublic,
    SharesPublic,
)
from myoscope.domain.diary import Account, Share
from myoscope.errors import NotFoundError

__all__ = ["router"]

router = APIRouter(responses=DIARY_ERRORS)

ShareId = Annotated[str, Path(min_length=1, max_length=64, description="The share's id.")]
_OWNER_ONLY: dict[int | str, dict[str, Any]] = {
    403: {"description": "Only the diary's owner may do this"}
}


def _share(share: Share, grantee: Account | None) -> SharePublic:
    return SharePublic(
        id=share.id,
        grantee_id=share.grantee_id,
        grantee=grantee.label if grantee else "a deleted account",
        grantee_role=grantee.role if grantee else None,
        access=share.access,
        created_at=share.created_at,
        revoked_at=share.revoked_at,
        active=share.active,
    )


@router.get(
    "/shares",
    operation_id="shares-list",
    tags=["shares"],
    summary="List the shares of your diary",
    responses=_OWNER_ONLY,
)
def list_shares(diary: DiaryDep, services: ServicesDep) -> SharesPublic:
    """Return every share of your diary, newest first, revoked ones included."""
    items = [_share(share, grantee) for share, grantee in services.diaries.shares(diary)]
    return SharesPublic(items=items, total=len(items))


@router.post(
    "/shares",
    status_code=status.HTTP_201_CREATED,
    operation_id="shares-create",
    tags=["shares"],
    summary="Share your diary",
    responses=_OWNER_ONLY,
)
def create_share(
    body: ShareIn, diary: DiaryDep, services: ServicesDep, request: Request, response: Response
) -> SharePublic:
    """Give another account read (a clinician) or read-write (a carer) access to your diary.

    A new share replaces an active one with the same account.
    """
    share = services.diaries.grant(diary, body.email, body.access)
    response.headers["Location"] = f"{request.scope.get('root_path', '')}/shares/{share.id}"
    return _share(share, services.accounts.get(share.grantee_id))


@router.get(
    "/shares/{share_id}",
    operation_id="shares-get",
    tags=["shares"],
    summary="Get one share",
    responses=_OWNER_ONLY,
)
def get_share(share_id: ShareId, diary: DiaryDep, services: ServicesDep) -> SharePublic:
    """Return one share of your diary."""
    for share, grantee in services.diaries.shares(diary):
        if share.id == share_id:
            return _share(share, grantee)
    raise NotFoundError(f"No share with id '{share_id}' in this diary.")


@router.delete(
    "/shares/{share_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    operation_id="shares-revoke",
    tags=["shares"],
    summary="Revoke a share",
    responses=_OWNER_ONLY,
)
def revoke_share(share_id: ShareId, diary: DiaryDep, services: ServicesDep) -> Response:
    """Revoke a share: the other account loses access at once (the share stays in the list)."""
    services.diaries.revoke(diary, share_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/audit",
    operation_id="audit-list",
    tags=["audit"],
    summary="Who read or changed your diary",
    responses=_OWNER_ONLY,
)
def list_audit(
    diary: DiaryDep,
    services: ServicesDep,
    window: ListWindowDep,
    others_only: Annotated[
        bool, Query(description="Leave out your own reads and changes, to see other people's.")
    ] = False,
) -> AuditPublic:
    """Return one page of the access log, newest first: who did what to which record, and when."""
    page = services.diaries.audit(
        diary,
        since=window.since,
        until=window.until,
        limit=window.limit,
        offset=window.offset,
        others_only=others_only,
    )
    labels = services.diaries.account_labels({event.actor_id for event in page.items})
    items = [
        AuditEventPublic(
            at=event.at,
            actor_id=event.actor_id,
            actor=labels[event.actor_id],
            action=event.action,
            resource=event.resource,
            record_id=event.record_id,
        )
        for event in page.items
    ]
    return AuditPublic(items=items, total=page.total, limit=page.limit, offset=page.offset)
