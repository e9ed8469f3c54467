"""The API application factory: ``create_api(services)``, mounted by the server at ``/api/v1``.

Inside the sub-application paths are relative (``/episodes``); the OpenAPI document lists
``/api/v1`` as its server, so clients and the interactive docs at ``/api/v1/docs`` call the right
addresses whether or not a proxy adds a ``root_path`` in front.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

import myoscope
from myoscope.api.deps import API_PREFIX, COMMON_ERRORS
from myoscope.api.errors import document_problems, install_error_handlers
from myoscope.api.observe import ObserveMiddleware
from myoscope.api.routes import TAGS, routers
from myoscope.bootstrap import Services

__all__ = ["API_PREFIX", "create_api"]

DESCRIPTION = f"""\
The Myoscope diary as JSON: episodes of jerks, daily check-ins, medications and doses, side
effects, the profile and its assessment, sharing and the access log.

**Sign in** with `POST {API_PREFIX}/auth/token` (form fields `username` = e-mail address and
`password`), then send `Authorization: Bearer <access_token>` with every request.

**Whose diary**: every diary endpoint acts on your own diary, or on a diary a patient shared with
you when you add `?patient_id=<their id>` (see `GET {API_PREFIX}/diaries`). A diary you may not see
answers 404, exactly like one that does not exist.

**Errors** are RFC 9457 `application/problem+json` objects
(`type`, `title`, `status`, `detail`, `errors[]` with the `field` concerned).

**Information to discuss with a clinician, not medical advice.** The assessment and everything
the API says about treatment options support a conversation with your clinician; they do not
replace it. Never start, stop or change a medicine on the strength of this output alone.
"""


class _Api(FastAPI):
    """FastAPI whose OpenAPI document describes errors as problem+json."""

    def openapi(self) -> dict[str, Any]:
        """Return the OpenAPI document, with every error response as a problem+json body."""
        return document_problems(super().openapi())


def create_api(services: Services) -> FastAPI:
    """Return the JSON API as an application to mount at ``/api/v1``.

    Parameters
    ----------
    services : Services
        Built by :func:`myoscope.bootstrap.build_services`; kept on ``app.state.services`` and
        handed to handlers by the dependencies of :mod:`myoscope.api.deps`.

    Returns
    -------
    fastapi.FastAPI
        The API. Its OpenAPI document is served at ``/openapi.json`` and its interactive docs at
        ``/docs`` (``/api/v1/openapi.json`` and ``/api/v1/docs`` once mounted).

    Examples
    --------
    >>> from fastapi import FastAPI
    >>> server = FastAPI()
    >>> server.mount("/api/v1", create_api(services))  # doctest: +SKIP
    """
    app = _Api(
        title="Myoscope API",
        version=myoscope.__version__,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        servers=[{"url": API_PREFIX, "description": "This server"}],
        openapi_tags=TAGS,
        responses=COMMON_ERRORS,
        swagger_ui_parameters={"persistAuthorization": False},
    )
    app.state.services = services
    install_error_handlers(app)
    app.add_middleware(ObserveMiddleware)
    for router in routers():
        app.include_router(router)
    return app
