"""The web app: server-rendered pages for the diary, the options and the settings.

:func:`create_web` builds a FastAPI app around the services; :mod:`myoscope.server` mounts the JSON
API on it at ``/api/v1``. Pages are Jinja2 templates (``web/templates``) styled by one stylesheet
(``web/static``); every page works without JavaScript.
"""

from __future__ import annotations

import logging
from functools import cache
from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from myoscope.bootstrap import Services
from myoscope.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    StorageError,
    UserError,
)
from myoscope.web import filters
from myoscope.web.deps import CsrfError, SignInRequired, redirect, render, services_of
from myoscope.web.routes import (
    admin,
    auth,
    history,
    insights,
    medications,
    options,
    profile,
    recordings,
    records,
    report,
    settings,
    today,
)
from myoscope.web.session import SessionMiddleware

__all__ = ["create_web"]

log = logging.getLogger("myoscope.web")

_TITLES = {
    400: "The request could not be read",
    401: "Please sign in",
    403: "Not allowed",
    404: "Page not found",
    405: "Not allowed",
    409: "This clashes with what is stored",
    413: "The upload is too large",
    422: "Please check what you entered",
    429: "Too many attempts",
    500: "Something went wrong",
    503: "The database is not available",
}
_NOT_FOUND = (
    "We could not find this page. It may have been deleted, the address may be mistyped, or it "
    "may not exist."
)


_CRASH_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Something went wrong · Myoscope</title><link rel="stylesheet" href="/static/style.css">
</head><body><main id="main"><h1>Something went wrong</h1>
<p>Something went wrong on our side. What the page said was saved is saved; please go back and
try again.</p><p><a href="/">Go to the start page</a></p></main></body></html>"""


@cache
def _templates() -> Environment:
    """Return the template environment (built once per process; templates never change)."""
    env = Environment(
        loader=PackageLoader("myoscope.web", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    filters.install(env)
    return env


def _error_page(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> HTMLResponse:
    return render(
        request,
        "error.html",
        status_code=status,
        headers=headers,
        title=_TITLES.get(status, "Something went wrong"),
        status=status,
        message=message,
    )


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def sign_in(request: Request, exc: SignInRequired) -> Response:
        if services_of(request).accounts.setup_needed():
            return redirect("/setup")
        from urllib.parse import quote

        target = "/login" if exc.next_path in ("/", "") else f"/login?next={quote(exc.next_path)}"
        return redirect(target)

    @app.exception_handler(CsrfError)
    async def csrf(request: Request, exc: CsrfError) -> Response:
        log.info("web: form refused, CSRF token missing or wrong (%s)", request.url.path)
        return _error_page(
            request,
            403,
            "This form could not be accepted: it has expired or did not come from this site. "
            "Go back, reload the page and send it again.",
        )

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> Response:
        return _error_page(request, 404, _NOT_FOUND)

    @app.exception_handler(PermissionDeniedError)
    async def forbidden(request: Request, exc: PermissionDeniedError) -> Response:
        return _error_page(request, 403, str(exc))

    @app.exception_handler(AuthenticationError)
    async def unauthenticated(request: Request, exc: AuthenticationError) -> Response:
        return _error_page(request, 401, str(exc))

    @app.exception_handler(RateLimitedError)
    async def limited(request: Request, exc: RateLimitedError) -> Response:
        return _error_page(request, 429, str(exc), {"Retry-After": str(exc.retry_after_s)})

    @app.exception_handler(InvalidInputError)
    async def invalid(request: Request, exc: InvalidInputError) -> Response:
        return _error_page(request, 422, str(exc))

    @app.exception_handler(ConflictError)
    async def conflict(request: Request, exc: ConflictError) -> Response:
        return _error_page(request, 409, str(exc))

    @app.exception_handler(UserError)
    async def user_error(request: Request, exc: UserError) -> Response:
        return _error_page(request, 422, str(exc))

    @app.exception_handler(StorageError)
    async def storage(request: Request, exc: StorageError) -> Response:
        log.error("web: storage error on %s: %s", request.url.path, type(exc).__name__)
        return _error_page(request, 503, "The database could not be reached; try again shortly.")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return _error_page(request, 404, _NOT_FOUND)
        if exc.status_code == 405:
            message = (
                "This address cannot be used that way; use the links and buttons on the pages."
            )
        elif exc.status_code == 400:
            message = "The form could not be read. Go back, reload the page and try again."
        else:
            message = str(exc.detail)
        return _error_page(request, exc.status_code, message, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        return _error_page(
            request, 422, "The address has a value that is not valid; use the links on the pages."
        )

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        log.error("web: unexpected %s on %s", type(exc).__name__, request.url.path)
        return HTMLResponse(_CRASH_PAGE, status_code=500)


def create_web(services: Services) -> FastAPI:
    """Return the web app (pages at ``/``, static files at ``/static``).

    Parameters
    ----------
    services : Services
        Built by :func:`myoscope.bootstrap.build_services`; the session key is
        ``services.settings.secret_key``.

    Returns
    -------
    fastapi.FastAPI
        The app; :func:`myoscope.server.create_app` mounts the API on it.
    """
    app = FastAPI(
        title="Myoscope",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.services = services
    app.state.templates = _templates()
    app.add_middleware(SessionMiddleware, secret_key=services.settings.secret_key)
    static = files("myoscope.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    # The generic record routes (/d/{id}/{kind}/...) come last, after the named pages.
    for module in (
        auth,
        today,
        history,
        medications,
        profile,
        options,
        insights,
        settings,
        admin,
        recordings,
        report,
        records,
    ):
        app.include_router(module.router)
    _install_error_pages(app)
    return app
