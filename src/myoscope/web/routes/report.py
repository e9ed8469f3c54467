"""``/d/{id}/report.pdf``: the clinician report of a diary, as a PDF download.

The owner and every account the diary is shared with may download it (the report only reads).
"""

from __future__ import annotations

import io
import logging
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from myoscope.errors import InvalidInputError
from myoscope.web.deps import DiaryDep, services_of

__all__ = ["router"]

log = logging.getLogger("myoscope.web")

router = APIRouter(include_in_schema=False)


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInputError(
            f"'{name}' must be a date written as YYYY-MM-DD, e.g. 2026-05-01.", field=name
        ) from None


@router.get("/d/{patient_id}/report.pdf")
def report_pdf(
    request: Request,
    diary: DiaryDep,
    start: Annotated[str | None, Query(alias="from")] = None,
    end: Annotated[str | None, Query(alias="to")] = None,
) -> Response:
    """Download the clinician report (one or two A4 pages) for the period, default all."""
    from myoscope.report import render_pdf

    data = services_of(request).report.gather(
        diary, period_from=_day(start, "from"), period_to=_day(end, "to")
    )
    buffer = io.BytesIO()
    render_pdf(data, out=buffer)
    content = buffer.getvalue()
    log.info("web: report of diary %s (%d bytes)", diary.patient_id, len(content))
    name = f"myoscope-report-{data.period_from.isoformat()}-to-{data.period_to.isoformat()}.pdf"
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store",
    }
    return Response(content, media_type="application/pdf", headers=headers)
