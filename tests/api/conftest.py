"""Fixtures of the API tests: in-memory services, the API mounted at /api/v1, signed-in clients.

Test-only hook, never used in production: ``fast_password_hashing`` makes Argon2 cheap (1 MiB,
one pass) for the tests by swapping the hasher class that ``AccountService`` builds. Production
keeps pwdlib's recommended parameters; the hashes are still Argon2 and verified the same way.

Every response with an error status that any test receives is checked for the problem+json shape
(``problem_shape_hook``), so the error shape is asserted on every error path the tests reach.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pwdlib.hashers.argon2 import Argon2Hasher

import myoscope.services.accounts as accounts_module
from myoscope.api import API_PREFIX, create_api
from myoscope.bootstrap import Services, build_services
from myoscope.domain.diary import Account, AccountIn, Role
from myoscope.settings import Settings
from myoscope.storage import open_repository

from .helpers import PASSWORD, problem_shape_hook


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        accounts_module,
        "Argon2Hasher",
        functools.partial(Argon2Hasher, time_cost=1, memory_cost=1024, parallelism=1),
    )


@pytest.fixture(scope="session")
def openapi_document() -> dict[str, Any]:
    """The OpenAPI document as served at /api/v1/openapi.json (built once; it holds no data)."""
    settings = Settings(database_url="sqlite://", secret_key="x" * 40, secret_key_configured=True)
    services = build_services(settings, repository=open_repository(settings.database_url))
    outer = FastAPI()
    outer.mount(API_PREFIX, create_api(services))
    with TestClient(outer) as client:
        document: dict[str, Any] = client.get(f"{API_PREFIX}/openapi.json").json()
    services.close()
    return document


@pytest.fixture
def settings() -> Settings:
    return Settings(database_url="sqlite://", secret_key="x" * 40, secret_key_configured=True)


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    built = build_services(settings, repository=open_repository(settings.database_url))
    yield built
    built.close()


@pytest.fixture
def api(services: Services) -> FastAPI:
    return create_api(services)


@pytest.fixture
def server(api: FastAPI) -> FastAPI:
    """The API mounted at /api/v1, as ``myoscope serve`` mounts it."""
    outer = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    outer.mount(API_PREFIX, api)
    return outer


def make_client(server: FastAPI, token: str | None = None) -> TestClient:
    client = TestClient(server, base_url=f"http://testserver{API_PREFIX}/")
    client.event_hooks["response"].append(problem_shape_hook)
    if token:
        client.headers["Authorization"] = f"Bearer {token}"
    return client


@pytest.fixture
def anonymous(server: FastAPI) -> Iterator[TestClient]:
    with make_client(server) as client:
        yield client


@dataclass
class User:
    """An account and a client signed in as it."""

    account: Account
    client: TestClient

    @property
    def id(self) -> str:
        return self.account.id


MakeUser = Callable[..., User]


@pytest.fixture
def make_user(services: Services, server: FastAPI) -> Iterator[MakeUser]:
    clients: list[TestClient] = []

    def make(email: str, role: Role = Role.PATIENT, **fields: Any) -> User:
        account = services.accounts.create(AccountIn(email=email, role=role, **fields), PASSWORD)
        token = services.tokens.issue(account)
        client = make_client(server, token)
        clients.append(client)
        return User(account, client)

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def alice(make_user: MakeUser) -> User:
    """A patient with her own diary."""
    return make_user("alice@example.org", display_name="Alice", timezone="Europe/London")


@pytest.fixture
def bob(make_user: MakeUser) -> User:
    """Another patient, who must never see Alice's diary without a share."""
    return make_user("bob@example.org", display_name="Bob")


@pytest.fixture
def clinician(make_user: MakeUser) -> User:
    return make_user("dr.c@example.org", Role.CLINICIAN, display_name="Dr C")


@pytest.fixture
def carer(make_user: MakeUser) -> User:
    return make_user("carer@example.org", Role.CARER, display_name="Carol")


@pytest.fixture
def admin(make_user: MakeUser) -> User:
    return make_user("admin@example.org", Role.ADMIN)
