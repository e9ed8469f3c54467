"""The JSON REST API (adapter): ``create_api(services)`` is mounted at ``/api/v1``.

Handlers are thin: they parse the request, call one service, and return a ``*Public`` schema.
Every error is an RFC 9457 ``application/problem+json`` body (see :mod:`myoscope.api.errors`).
"""

from __future__ import annotations

from myoscope.api.app import API_PREFIX, create_api

__all__ = ["API_PREFIX", "create_api"]
