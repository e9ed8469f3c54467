"""``GET /me`` and ``GET /diaries``: who is signed in, and which diaries they can open."""

from __future__ import annotations

from fastapi import APIRouter

from myoscope.api.deps import CurrentAccountDep, ServicesDep
from myoscope.api.schemas import AccountPublic, DiaryPublic

__all__ = ["router"]

router = APIRouter()


@router.get("/me", operation_id="me-get", tags=["me"], summary="The signed-in account")
async def get_me(account: CurrentAccountDep) -> AccountPublic:
    """Return the signed-in account."""
    return AccountPublic.of(account)


@router.get(
    "/diaries", operation_id="diaries-list", tags=["diaries"], summary="Diaries you can open"
)
def list_diaries(account: CurrentAccountDep, services: ServicesDep) -> list[DiaryPublic]:
    """Return your own diary (patients) and the diaries shared with you, with your access."""
    return [
        DiaryPublic(
            patient_id=d.owner.id,
            name=d.owner.label,
            access=d.access,
            own=d.owner.id == account.id,
        )
        for d in services.diaries.diaries_for(account)
    ]
