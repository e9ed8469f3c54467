"""Request logging and the last line of defence against unexpected errors.

One log line per request on the ``myoscope.api`` logger: method, route template (never the
concrete path, query or body), status, duration and the account id. Diary contents, notes, names
and e-mail addresses are never logged.

An exception no handler knows becomes a 500 problem+json response without internals. Its log
entry has the exception class and the stack frames but not the message, which could quote a
stored value.
"""

from __future__ import annotations

import logging
import time
import traceback
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from myoscope.api.errors import INTERNAL, INTERNAL_MESSAGE, problem_response, route_template

__all__ = ["ObserveMiddleware"]

logger = logging.getLogger("myoscope.api")


class ObserveMiddleware:
    """ASGI middleware: log each request, and answer 500 problems for unexpected exceptions.

    Parameters
    ----------
    app : ASGI application
        The application to wrap.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        except Exception as exc:
            _log_unexpected(scope, exc)
            if status:  # the response has begun; nothing more can be sent
                return
            status = INTERNAL.status
            await problem_response(INTERNAL, INTERNAL_MESSAGE)(scope, receive, send)
        finally:
            _log_request(scope, status, time.perf_counter() - started)


def _account_id(scope: Scope) -> Any:
    state = scope.get("state")
    return state.get("account_id", "-") if isinstance(state, dict) else "-"


def _log_request(scope: Scope, status: int, seconds: float) -> None:
    if logger.isEnabledFor(logging.INFO):
        logger.info(
            "%s %s %d %.1fms account=%s",
            scope.get("method", "?"),
            route_template(scope),
            status,
            seconds * 1000,
            _account_id(scope),
        )


def _log_unexpected(scope: Scope, exc: Exception) -> None:
    frames = "".join(traceback.format_tb(exc.__traceback__))
    logger.error(
        "%s %s raised %s (message withheld: it may quote diary contents)\n%s",
        scope.get("method", "?"),
        route_template(scope),
        type(exc).__name__,
        frames,
    )
