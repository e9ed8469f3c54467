"""Signed-cookie sessions, CSRF tokens and security headers for the web app.

The session lives in one cookie signed with the server's secret key (itsdangerous): the signed-in
account id, the CSRF token every form must echo, and a one-shot message shown after a redirect.
Nothing else about the person is kept in it. The cookie is HttpOnly, SameSite=Lax, and Secure when
the request came over HTTPS. Paths under ``/api/v1`` (the JSON API, which uses bearer tokens)
pass through untouched (other paths under ``/api/`` are ordinary not-found pages); ``/static/``
files get the security headers but no session.
"""

from __future__ import annotations

import hmac
import secrets
from http.cookies import CookieError, SimpleCookie
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "COOKIE_NAME",
    "SECURITY_HEADERS",
    "Session",
    "SessionMiddleware",
    "csrf_matches",
    "get_session",
]

COOKIE_NAME = "myoscope_session"
SESSION_MAX_AGE_S = 12 * 3600
"""A session ends after this many seconds without a request (each page view renews it)."""

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
_SCOPE_KEY = "myoscope.session"
_API = "/api/v1"
_STATIC = "/static/"


class Session:
    """The data of one browser session.

    Parameters
    ----------
    data : dict
        The decoded cookie contents (``a``: account id, ``e``: the account's session epoch at
        sign-in, ``c``: CSRF token, ``f``: message).
    """

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = {k: v for k, v in data.items() if isinstance(v, str)}
        self.modified = False
        if "c" not in self._data:
            self._data["c"] = secrets.token_urlsafe(32)
            self.modified = True

    @property
    def account_id(self) -> str | None:
        """The signed-in account's id, or None."""
        return self._data.get("a")

    @property
    def epoch(self) -> int:
        """The account's session epoch when this session signed in (-1 when unknown)."""
        value = self._data.get("e", "")
        return int(value) if value.isdigit() else -1

    @property
    def csrf_token(self) -> str:
        """The token every form of this session must send back."""
        return self._data["c"]

    def sign_in(self, account_id: str, epoch: int) -> None:
        """Start a fresh session for an account (a new CSRF token, no leftover message).

        Parameters
        ----------
        account_id : str
            The account signing in.
        epoch : int
            The account's session epoch; the session ends when the epoch is raised.
        """
        self._data = {"a": account_id, "e": str(epoch), "c": secrets.token_urlsafe(32)}
        self.modified = True

    def sign_out(self) -> None:
        """End the session, keeping only a new CSRF token for the sign-in form."""
        self._data = {"c": secrets.token_urlsafe(32)}
        self.modified = True

    def flash(self, message: str) -> None:
        """Keep a short message to show on the next page (after a redirect)."""
        self._data["f"] = message[:300]
        self.modified = True

    def pop_flash(self) -> str | None:
        """Return and forget the message kept by :meth:`flash`."""
        message = self._data.pop("f", None)
        if message is not None:
            self.modified = True
        return message

    def to_dict(self) -> dict[str, str]:
        """Return the data to sign into the cookie."""
        return dict(self._data)


def csrf_matches(session: Session, sent: object) -> bool:
    """Compare a submitted CSRF token with the session's, in constant time."""
    if not isinstance(sent, str) or not sent:
        return False
    return hmac.compare_digest(sent.encode(), session.csrf_token.encode())


def get_session(scope: Scope) -> Session:
    """Return the session the middleware attached to the request."""
    session = scope.get(_SCOPE_KEY)
    if not isinstance(session, Session):  # pragma: no cover - the middleware always runs first
        raise RuntimeError("SessionMiddleware is not installed")
    return session


def _with_headers(send: Send, extra: dict[str, str]) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            for name, value in extra.items():
                headers.setdefault(name, value)
        await send(message)

    return sending


class SessionMiddleware:
    """Load the session from its signed cookie, store it back, and add security headers.

    Parameters
    ----------
    app : ASGI app
        The application to wrap.
    secret_key : str
        Signs the cookie.
    max_age_s : int
        Idle lifetime of a session in seconds.
    """

    def __init__(self, app: ASGIApp, secret_key: str, max_age_s: int = SESSION_MAX_AGE_S) -> None:
        self.app = app
        self.max_age_s = max_age_s
        self._serializer = URLSafeTimedSerializer(secret_key, salt="myoscope-web-session")

    def _load(self, scope: Scope) -> tuple[Session, bool]:
        raw = None
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                cookie: SimpleCookie = SimpleCookie()
                try:
                    cookie.load(value.decode("latin-1"))
                except CookieError:  # a garbled cookie header is ignored
                    continue
                if COOKIE_NAME in cookie:
                    raw = cookie[COOKIE_NAME].value
        if raw is None:
            return Session({}), False
        try:
            data = self._serializer.loads(raw, max_age=self.max_age_s)
        except BadSignature:  # tampered, foreign or expired: start afresh
            return Session({}), False
        return Session(data if isinstance(data, dict) else {}), True

    def _cookie(self, session: Session, secure: bool) -> str:
        value = self._serializer.dumps(session.to_dict())
        flags = f"Path=/; Max-Age={self.max_age_s}; HttpOnly; SameSite=Lax"
        return f"{COOKIE_NAME}={value}; {flags}" + ("; Secure" if secure else "")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one request."""
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or path == _API or path.startswith(_API + "/"):
            await self.app(scope, receive, send)
            return
        if path.startswith(_STATIC):
            await self.app(scope, receive, _with_headers(send, SECURITY_HEADERS))
            return
        session, had_cookie = self._load(scope)
        scope[_SCOPE_KEY] = session
        secure = scope.get("scheme") == "https"

        async def send_with_session(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                headers.setdefault("Cache-Control", "no-store")
                if session.modified or not had_cookie or session.account_id is not None:
                    headers.append("Set-Cookie", self._cookie(session, secure))
            await send(message)

        await self.app(scope, receive, send_with_session)
