"""The whole web server: the JSON API under ``/api/v1`` and the web app at ``/``.

``myoscope serve`` runs :func:`create_app`; tests build it with in-memory services.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from myoscope.api.app import create_api
from myoscope.api.cds_hooks import CdsHooksDispatch, create_cds_app
from myoscope.bootstrap import Services
from myoscope.web.app import create_web

__all__ = ["create_app"]


def create_app(services: Services) -> FastAPI:
    """Return the server application.

    Parameters
    ----------
    services : Services
        Built by :func:`myoscope.bootstrap.build_services`.

    Returns
    -------
    fastapi.FastAPI
        The web app, with the API mounted at ``/api/v1`` (its OpenAPI document is
        ``/api/v1/openapi.json``). While it runs (its lifespan), the recordings worker
        analyses uploaded recordings in the background.
    """
    app = create_web(services)
    app.mount("/api/v1", create_api(services))
    # API requests are the busy path: match the mount before the web app's page routes.
    app.router.routes.insert(0, app.router.routes.pop())
    # CDS Hooks at /cds-services (outside the API; no sign-in, CORS open; docs/fhir.md)
    app.add_middleware(CdsHooksDispatch, cds_app=create_cds_app(services))
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[None]:
        # The recordings worker runs while the server does (interrupted analyses requeued).
        services.recordings.worker.start()
        try:
            async with inner(application):
                yield
        finally:
            services.recordings.worker.stop()

    app.router.lifespan_context = lifespan
    return app
