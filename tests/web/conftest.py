"""Fixtures of the web tests: in-memory services, the whole server, signed-in browsers.

Argon2 runs with cheap parameters (``password_hasher``) so that creating and signing in accounts
is fast; production keeps the library's defaults.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pwdlib.hashers.argon2 import Argon2Hasher

from myoscope.bootstrap import Services, build_services
from myoscope.domain.diary import Account, AccountIn, Role
from myoscope.server import create_app
from myoscope.settings import Settings
from myoscope.storage import open_repository

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Response(Protocol):
    """What the tests use of a test client's response (httpx or httpx2)."""

    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def text(self) -> str: ...
    @property
    def content(self) -> bytes: ...
    @property
    def url(self) -> Any: ...
    def json(self) -> Any: ...


class Clock:
    """A settable UTC clock, starting on Monday 15 June 2026 at 12:00 UTC (13:00 in London)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def services(clock: Clock) -> Iterator[Services]:
    settings = Settings(database_url="sqlite://", secret_key="w" * 48, secret_key_configured=True)
    built = build_services(
        settings,
        repository=open_repository("sqlite://"),
        clock=clock,
        password_hasher=Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),
    )
    yield built
    built.close()


@pytest.fixture
def app(services: Services) -> FastAPI:
    return create_app(services)


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


@dataclass
class Browser:
    """A TestClient with a session: signs in, reads the CSRF token, posts forms."""

    client: TestClient
    account: Account | None = None
    token: str = ""
    pages: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        assert self.account is not None
        return self.account.id

    def d(self, page: str = "today", patient_id: str | None = None) -> str:
        """URL of a page of a diary (the own one by default)."""
        return f"/d/{patient_id or self.id}/{page}"

    def get(self, url: str, **kwargs: Any) -> Response:
        response: Response = self.client.get(url, **kwargs)
        if "csrf_token" in response.text:
            self.token = csrf_of(response.text)
        return response

    def post(
        self, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kwargs: Any
    ) -> Response:
        if csrf and not self.token:
            self.get("/login")
        body = dict(data or {})
        if csrf:
            body.setdefault("csrf_token", self.token)
        kwargs.setdefault("follow_redirects", False)
        response: Response = self.client.post(url, data=body, **kwargs)
        if "csrf_token" in response.text:
            self.token = csrf_of(response.text)
        return response

    def sign_in(self, email: str, password: str = PASSWORD) -> Response:
        self.get("/login")
        response = self.post("/login", {"email": email, "password": password})
        if response.status_code == 303:
            self.get("/settings")  # the session changed: pick up the new CSRF token
        return response


MakeBrowser = Callable[..., Browser]


@pytest.fixture
def make_browser(app: FastAPI, services: Services) -> Iterator[MakeBrowser]:
    clients: list[TestClient] = []

    def make(
        email: str | None = None,
        role: Role = Role.PATIENT,
        *,
        base_url: str = "http://testserver",
        **fields: Any,
    ) -> Browser:
        client = TestClient(app, base_url=base_url)
        clients.append(client)
        browser = Browser(client)
        if email is not None:
            browser.account = services.accounts.create(
                AccountIn(email=email, role=role, **fields), PASSWORD
            )
            response = browser.sign_in(email)
            assert response.status_code == 303, response.text
        return browser

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def alice(make_browser: MakeBrowser) -> Browser:
    """A patient in London (UTC+1 in June), signed in."""
    return make_browser("alice@example.org", display_name="Alice", timezone="Europe/London")


@pytest.fixture
def bob(make_browser: MakeBrowser) -> Browser:
    """Another patient, who must never see Alice's diary without a share."""
    return make_browser("bob@example.org", display_name="Bob")


@pytest.fixture
def anonymous(make_browser: MakeBrowser) -> Browser:
    return make_browser()
