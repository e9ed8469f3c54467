"""One error body everywhere: RFC 9457 ``application/problem+json``.

Every error the API returns has the keys ``type``, ``title``, ``status``, ``detail`` and
``errors`` (a list of ``{"field", "message"}``, empty when no single field is at fault). This module
holds the one mapping from Myoscope's exceptions to HTTP statuses:

=========================  ======  =============================================
exception                  status  notes
=========================  ======  =============================================
InvalidInputError          422     ``errors`` names the field
request validation         422     every field named (``limit``, ``started_at``)
NotFoundError              404     also for diaries the caller may not see
ConflictError              409
AuthenticationError        401     with ``WWW-Authenticate: Bearer``
PermissionDeniedError      403
RateLimitedError           429     with ``Retry-After``
other UserError            400
StorageError               503     a human message; the cause is not shown
anything else              500     no internals (see :mod:`myoscope.api.observe`)
=========================  ======  =============================================
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from myoscope.api.schemas import FieldProblem, ProblemPublic
from myoscope.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    KnowledgeBaseError,
    MyoscopeError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    StorageError,
    UserError,
)

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "ProblemResponse",
    "ProblemType",
    "document_problems",
    "install_error_handlers",
    "problem_for",
    "problem_response",
    "route_template",
    "validation_problems",
]

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:myoscope:problem:"
"""Problem ``type`` URIs are stable URNs such as ``urn:myoscope:problem:not-found``."""

_LOCATIONS = frozenset({"body", "query", "path", "header", "cookie"})
_MAX_LISTED = 10

logger = logging.getLogger("myoscope.api")


class ProblemResponse(JSONResponse):
    """A JSON response with the ``application/problem+json`` media type."""

    media_type = PROBLEM_MEDIA_TYPE


@dataclass(frozen=True)
class ProblemType:
    """The status, title and ``type`` URI of one kind of problem.

    Parameters
    ----------
    status : int
        The HTTP status.
    slug : str
        The last part of the ``type`` URI.
    title : str
        A short summary that does not change from one occurrence to the next.
    """

    status: int
    slug: str
    title: str

    @property
    def uri(self) -> str:
        """The ``type`` member of the problem."""
        return TYPE_PREFIX + self.slug


INVALID_INPUT = ProblemType(422, "invalid-input", "Invalid input")
NOT_FOUND = ProblemType(404, "not-found", "Not found")
CONFLICT = ProblemType(409, "conflict", "Conflict with stored data")
NOT_AUTHENTICATED = ProblemType(401, "not-authenticated", "Not signed in")
PERMISSION_DENIED = ProblemType(403, "permission-denied", "Not allowed")
RATE_LIMITED = ProblemType(429, "rate-limited", "Too many attempts")
BAD_REQUEST = ProblemType(400, "bad-request", "Bad request")
UNAVAILABLE = ProblemType(503, "unavailable", "Service unavailable")
INTERNAL = ProblemType(500, "internal-error", "Internal error")

_BY_EXCEPTION: Mapping[type[MyoscopeError], ProblemType] = {
    InvalidInputError: INVALID_INPUT,
    NotFoundError: NOT_FOUND,
    ConflictError: CONFLICT,
    AuthenticationError: NOT_AUTHENTICATED,
    PermissionDeniedError: PERMISSION_DENIED,
    RateLimitedError: RATE_LIMITED,
    KnowledgeBaseError: UNAVAILABLE,
    UserError: BAD_REQUEST,
    StorageError: UNAVAILABLE,
    MyoscopeError: INTERNAL,
}

STORAGE_MESSAGE = (
    "The diary database is not available right now, so nothing was read or changed; try again in "
    "a minute. If it keeps happening, ask whoever runs this Myoscope server to check the database."
)
KNOWLEDGE_BASE_MESSAGE = (
    "The knowledge base of this server is invalid, so options cannot be assessed now; ask whoever "
    "runs this Myoscope server to run 'myoscope kb check'."
)
INTERNAL_MESSAGE = (
    "Something went wrong on the server; nothing about your diary is shown here. Try again, and "
    "if it keeps happening, report the time of the request to whoever runs this server."
)


def problem_for(exc: MyoscopeError) -> ProblemType:
    """Return the kind of problem an exception is (the closest class in the mapping)."""
    for cls in type(exc).__mro__:
        if cls in _BY_EXCEPTION:
            return _BY_EXCEPTION[cls]
    return INTERNAL  # pragma: no cover - MyoscopeError is in the mapping


def problem_response(
    kind: ProblemType,
    detail: str,
    *,
    errors: Sequence[FieldProblem] = (),
    headers: Mapping[str, str] | None = None,
    status: int | None = None,
    title: str | None = None,
) -> ProblemResponse:
    """Return a problem+json response.

    Parameters
    ----------
    kind : ProblemType
        The status, title and type.
    detail : str
        What happened this time, and what to do next.
    errors : sequence of FieldProblem
        The fields at fault.
    headers : mapping, optional
        Extra headers (``WWW-Authenticate``, ``Retry-After``, ``Allow``).
    status, title : optional
        Override the kind's status and title (for plain HTTP errors).
    """
    body = ProblemPublic(
        type=kind.uri,
        title=title or kind.title,
        status=status or kind.status,
        detail=detail,
        errors=list(errors),
    )
    return ProblemResponse(
        body.model_dump(mode="json"), status_code=body.status, headers=dict(headers or {})
    )


async def _myoscope_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, MyoscopeError)
    kind = problem_for(exc)
    headers: dict[str, str] = {}
    errors: list[FieldProblem] = []
    detail = str(exc)
    if isinstance(exc, InvalidInputError) and exc.field:
        errors.append(FieldProblem(field=exc.field, message=detail))
    elif isinstance(exc, AuthenticationError):
        headers["WWW-Authenticate"] = "Bearer"
    elif isinstance(exc, RateLimitedError):
        headers["Retry-After"] = str(exc.retry_after_s)
    if kind is UNAVAILABLE or kind is INTERNAL:
        # The cause may quote stored values; log its class only and never show it.
        logger.error(
            "%s %s failed: %s", request.method, route_template(request.scope), type(exc).__name__
        )
        if isinstance(exc, KnowledgeBaseError):
            detail = KNOWLEDGE_BASE_MESSAGE
        else:
            detail = STORAGE_MESSAGE if kind is UNAVAILABLE else INTERNAL_MESSAGE
    return problem_response(kind, detail, errors=errors, headers=headers)


def validation_problems(errors: Sequence[Any]) -> list[FieldProblem]:
    """Turn pydantic/FastAPI validation errors into field problems.

    The location prefix (``body``, ``query`` ...) is dropped, so a field is named as the client
    wrote it: ``limit``, ``started_at``, ``body_areas.0``. An error about the whole body (a
    missing or malformed body, or a rule that ties fields together) is reported for ``body``.
    """
    problems = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        where = loc[0] if loc else "body"
        if loc and loc[0] in _LOCATIONS:
            loc = loc[1:]
        kind = str(error.get("type", ""))
        named = bool(loc) and kind != "json_invalid"
        field = ".".join(loc) if named else where
        problems.append(FieldProblem(field=field, message=_message(error, kind, named)))
    return problems


def _message(error: Mapping[str, Any], kind: str, named: bool) -> str:
    message = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
    if kind == "json_invalid":
        reason = (error.get("ctx") or {}).get("error", "")
        return f"the request body is not valid JSON ({reason}); send a JSON object"
    if kind == "extra_forbidden":
        return "is not a field here; check the spelling against the API documentation"
    if kind == "missing":
        return "is required" if named else "a request body is required"
    return message


async def _validation_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RequestValidationError)
    problems = validation_problems(exc.errors())
    listed = "; ".join(f"'{p.field}': {p.message.rstrip('.')}" for p in problems[:_MAX_LISTED])
    more = f" (and {len(problems) - _MAX_LISTED} more)" if len(problems) > _MAX_LISTED else ""
    detail = f"The request is not valid: {listed}{more}. Correct the field(s) and send it again."
    return problem_response(INVALID_INPUT, detail, errors=problems)


async def _http_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    headers = dict(exc.headers or {})
    phrase = _phrase(status)
    if status == 404:
        detail = (
            f"There is no endpoint at {request.url.path}; the endpoints are listed at "
            f"{request.scope.get('root_path', '')}/docs."
        )
        kind = NOT_FOUND
    elif status == 405:
        allowed = headers.get("Allow") or headers.get("allow") or ""
        detail = f"{request.method} is not allowed here; use {allowed or 'another method'}."
        kind = ProblemType(405, "method-not-allowed", phrase)
    else:
        detail = exc.detail if isinstance(exc.detail, str) else phrase
        kind = ProblemType(status, _slug(phrase), phrase)
    return problem_response(kind, detail, headers=headers, status=status, title=kind.title)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _slug(phrase: str) -> str:
    return phrase.lower().replace(" ", "-").replace("'", "")


def route_template(scope: Mapping[str, Any]) -> str:
    """Return the matched route's template (``/api/v1/episodes/{record_id}``) or ``<no route>``.

    Logs name routes by template, never by the concrete path, query or body.
    """
    path = getattr(scope.get("route"), "path", None)
    return f"{scope.get('root_path', '')}{path}" if path else "<no route>"


def install_error_handlers(app: FastAPI) -> None:
    """Register the problem+json handlers on ``app``.

    Unexpected exceptions are turned into a 500 problem by
    :class:`myoscope.api.observe.ObserveMiddleware`, which also logs them without their message.
    """
    app.add_exception_handler(MyoscopeError, _myoscope_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)


# -- the OpenAPI document ----------------------------------------------------------------------

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_DROPPED_SCHEMAS = ("HTTPValidationError", "ValidationError")


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Describe every error response of an OpenAPI document as ``application/problem+json``.

    FastAPI documents its own validation error shape; this replaces it (and the ``application/
    json`` content FastAPI gives additional responses) by the :class:`ProblemPublic` schema. The
    function is idempotent, so it can run on a cached document.
    """
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    definitions = ProblemPublic.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in definitions.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components.setdefault("Problem", definitions)
    for name in _DROPPED_SCHEMAS:
        components.pop(name, None)
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            for status, response in operation.get("responses", {}).items():
                if status[:1] in ("4", "5"):
                    response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": dict(_PROBLEM_REF)}}
                    response.setdefault("description", "Error")
    return schema
