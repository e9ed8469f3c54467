"""CDS Hooks 2.0 service, mounted by the server at ``/cds-services`` (outside ``/api/v1``).

- ``GET /cds-services``: the discovery document (one service, ``myoscope-myoclonus-safety``, for
  the ``patient-view`` hook, with its prefetch templates).
- ``POST /cds-services/myoscope-myoclonus-safety``: a hook request whose ``prefetch`` holds the
  Patient and Bundles of MedicationStatements and Conditions (and optionally eGFR Observations);
  the answer is ``{"cards": [...]}``, the engine's alerts as cards.

No authentication: the service reads and stores nothing, it computes the cards from the request
alone (an EHR that wants to restrict callers puts it behind its gateway). CORS is open on these
paths only, because CDS clients such as the SMART sandbox call from the browser. The request
body holds health data: it is never logged (only the hook name, the status and the number of
cards are).

A request without the Patient prefetch gets HTTP 412 with a problem+json body that says what to
send: the service has no access to the caller's FHIR server, so it cannot fetch it (CDS Hooks 2.0
lets a service fail when it cannot get the data it needs).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from myoscope.bootstrap import Services
from myoscope.errors import InvalidInputError
from myoscope.fhir.cds import SERVICE_ID, PrefetchMissingError, discovery
from myoscope.services.fhir_exchange import cds_patient_view

__all__ = ["CDS_PREFIX", "CdsHooksDispatch", "create_cds_app"]

CDS_PREFIX = "/cds-services"
_MAX_BODY = 5 * 1024 * 1024
log = logging.getLogger("myoscope.cds")


def _problem(status: int, title: str, detail: str, field: str | None = None) -> JSONResponse:
    errors = [{"field": field, "message": detail}] if field else []
    return JSONResponse(
        {
            "type": "about:blank",
            "title": title,
            "status": status,
            "detail": detail,
            "errors": errors,
        },
        status_code=status,
        media_type="application/problem+json",
    )


def create_cds_app(services: Services) -> FastAPI:
    """Return the CDS Hooks application to mount at ``/cds-services``.

    Parameters
    ----------
    services : Services
        Gives the knowledge base and the clock (nothing stored is read).
    """
    app = FastAPI(
        title="Myoscope CDS Hooks",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type"],
        allow_credentials=False,
        max_age=600,
    )

    @app.get(CDS_PREFIX)
    async def discover() -> JSONResponse:
        """Return the discovery document."""
        return JSONResponse(discovery())

    @app.post(f"{CDS_PREFIX}/{SERVICE_ID}")
    async def patient_view(request: Request) -> JSONResponse:
        """Answer a ``patient-view`` hook request with cards."""
        body = await request.body()
        if len(body) > _MAX_BODY:
            return _problem(413, "Request too large", "The hook request is larger than 5 MB.")
        try:
            payload: Any = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            return _problem(
                400, "Not JSON", "The hook request must be a JSON object (CDS Hooks 2.0)."
            )
        try:
            cards = await run_in_threadpool(
                cds_patient_view, payload, services.kb, now=services.clock()
            )
        except PrefetchMissingError as exc:
            log.info("cds: %s refused, no prefetch", SERVICE_ID)
            return _problem(412, "Prefetch required", str(exc), exc.field)
        except InvalidInputError as exc:
            log.info("cds: %s refused, invalid request", SERVICE_ID)
            return _problem(400, "Invalid hook request", str(exc), exc.field)
        log.info("cds: %s answered with %d cards", SERVICE_ID, len(cards["cards"]))
        return JSONResponse(cards)

    return app


class CdsHooksDispatch:
    """ASGI middleware: requests under ``/cds-services`` go to the CDS Hooks app, the rest on.

    Added outermost by the server, so CDS requests skip the web app's session cookie and CSRF
    machinery, and CORS applies to these paths only.

    Parameters
    ----------
    app : ASGI app
        The server application.
    cds_app : ASGI app
        Built by :func:`create_cds_app` (its routes carry the full ``/cds-services`` paths).
    """

    def __init__(self, app: ASGIApp, cds_app: ASGIApp) -> None:
        self.app = app
        self.cds_app = cds_app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Dispatch one request."""
        path = str(scope.get("path", ""))
        if scope["type"] == "http" and (path == CDS_PREFIX or path.startswith(CDS_PREFIX + "/")):
            await self.cds_app(scope, receive, send)
        else:
            await self.app(scope, receive, send)
