"""``/profile`` (what the person tells about themselves) and ``/assessment`` (the engine's output).

The assessment is information to discuss with a clinician, not medical advice.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query

from myoscope.api.deps import DIARY_ERRORS, DiaryDep, ServicesDep
from myoscope.api.schemas import AssessmentPublic, ProfilePublic, public
from myoscope.errors import ConflictError
from myoscope.services.diary_profile import ProfileView

__all__ = ["router"]

router = APIRouter(responses=DIARY_ERRORS)

_PROFILE_EXAMPLE = {
    "age_years": 58,
    "sex": "female",
    "egfr_ml_min": 45,
    "myoclonus": {"distribution": "multifocal", "occurs_at": ["action"], "physiology": "cortical"},
    "conditions": ["depression"],
    "allergies": ["sulfonamides"],
}


def _profile(view: ProfileView) -> ProfilePublic:
    return ProfilePublic(stored=view.stored, effective=view.effective)


@router.get("/profile", operation_id="profile-get", tags=["profile"], summary="The profile")
def get_profile(diary: DiaryDep, services: ServicesDep) -> ProfilePublic:
    """Return the stored profile and the effective one (with today's medication list)."""
    return _profile(services.profiles.read(diary))


@router.put(
    "/profile",
    operation_id="profile-replace",
    tags=["profile"],
    summary="Save the profile",
    responses={403: {"description": "The diary was shared with you to read only"}},
)
def replace_profile(
    body: Annotated[
        dict[str, Any],
        Body(
            description="The profile (schemas/profile.schema.json) without `medications`, "
            "which come from the medication list.",
            examples=[_PROFILE_EXAMPLE],
        ),
    ],
    diary: DiaryDep,
    services: ServicesDep,
) -> ProfilePublic:
    """Replace the profile: age, sex, kidney and liver function, myoclonus, conditions ..."""
    return _profile(services.profiles.save(diary, body))


@router.get(
    "/assessment",
    operation_id="assessment-get",
    tags=["assessment"],
    summary="Assess the profile",
    responses={409: {"description": "No profile yet; save one with PUT /profile first"}},
)
def get_assessment(
    diary: DiaryDep,
    services: ServicesDep,
    audience: Annotated[
        Literal["patient", "clinician"],
        Query(description="patient: plain words; clinician: with dosing and evidence detail."),
    ] = "patient",
) -> AssessmentPublic:
    """Return the options, alerts and causes to review for the current profile and medicines.

    This is information to discuss with a clinician, not medical advice.
    """
    _view, assessment = services.profiles.assess(diary, audience=audience)
    if assessment is None:
        raise ConflictError(
            "There is no profile for this diary yet, so there is nothing to assess; save one "
            "with PUT /api/v1/profile (at least age_years and sex) and ask again."
        )
    return public(AssessmentPublic, assessment)
