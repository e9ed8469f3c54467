"""``/insights``: treatment response, tolerance, triggers and patterns computed from the diary.

Information to discuss with a clinician, not medical advice.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from myoscope.api.deps import DIARY_ERRORS, DiaryDep, FromDay, ServicesDep, ToDay

__all__ = ["router"]

router = APIRouter(responses=DIARY_ERRORS)


@router.get(
    "/insights",
    operation_id="insights-get",
    tags=["insights"],
    summary="Insights from the diary",
    responses={422: {"description": "A date that is not YYYY-MM-DD, or from after to"}},
)
def get_insights(
    diary: DiaryDep,
    services: ServicesDep,
    from_: FromDay = None,
    to: ToDay = None,
) -> dict[str, Any]:
    """Return the insights document (`shared/spec/insights.md` plus extra fields).

    Daily jerks and burden, the response to each medication change with a 95 % interval,
    possible tolerance, triggers at lag 0 and 1 day, adherence, side effects, the hour-of-day
    pattern and the confirmed sensor counts. Every ratio names its method; `enough_data` is
    false, with a reason, where either side of a comparison has too few days.
    """
    return services.insights.insights(diary, period_from=from_, period_to=to)
