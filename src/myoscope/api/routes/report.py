"""``GET /report``: the clinician report of a diary (``application/pdf``).

One or two A4 pages for a neurologist: myoclonus type, frequency per kind and the last episode,
current regimen and changes, response to each change with 95 % intervals, tolerance and
triggers, side effects and adherence, the safety alerts for the current profile and the sensor
summary. The owner and every share may read it; it is audited as an export of the report.
"""

from __future__ import annotations

import io

from fastapi import APIRouter
from fastapi.responses import Response

from myoscope.api.deps import DIARY_ERRORS, DiaryDep, FromDay, ServicesDep, ToDay

__all__ = ["PDF", "router"]

PDF = "application/pdf"

router = APIRouter(responses=DIARY_ERRORS)


@router.get(
    "/report",
    operation_id="insights-report",
    tags=["insights"],
    summary="The clinician report (PDF)",
    response_class=Response,
    responses={
        200: {
            "description": "The report as a PDF (one or two A4 pages), as an attachment.",
            "content": {PDF: {"schema": {"type": "string", "format": "binary"}}},
        },
        422: {"description": "A date that is not YYYY-MM-DD, or from after to"},
    },
)
def get_report(
    diary: DiaryDep,
    services: ServicesDep,
    from_: FromDay = None,
    to: ToDay = None,
) -> Response:
    """Return the clinician report of the diary as a PDF.

    The figures are those of `GET /insights` for the same period. Information to discuss with
    a clinician, not medical advice.
    """
    from myoscope.report import render_pdf

    data = services.report.gather(diary, period_from=from_, period_to=to)
    buffer = io.BytesIO()
    render_pdf(data, out=buffer)
    name = f"myoscope-report-{data.period_from.isoformat()}-to-{data.period_to.isoformat()}.pdf"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(buffer.getvalue(), media_type=PDF, headers=headers)
