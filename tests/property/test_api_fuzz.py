"""Fuzz every operation of the API from its OpenAPI document: no input gives a server error.

Schemathesis generates valid and invalid requests (wrong types, missing fields, boundary values,
odd strings) for every operation of ``/api/v1/openapi.json`` and calls the API in process, signed
in as a patient with a diary and as an administrator. The seed is fixed and the search is
deterministic, with few examples per operation, so the run is quick and repeatable.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from pwdlib.hashers.argon2 import Argon2Hasher
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

import myoscope.services.accounts as accounts_module
from myoscope.api import API_PREFIX, create_api
from myoscope.api.routes import TAGS
from myoscope.bootstrap import Services, build_services
from myoscope.domain.diary import AccountIn, Role
from myoscope.settings import Settings
from myoscope.storage import open_repository

TAG_NAMES = [tag["name"] for tag in TAGS]
SEED = 20240501
EXAMPLES_PER_OPERATION = 8
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def fuzzed_services(monkeypatch: pytest.MonkeyPatch) -> Iterator[Services]:
    # Test-only: cheap Argon2 parameters (see tests/api/conftest.py); production is unchanged.
    monkeypatch.setattr(
        accounts_module,
        "Argon2Hasher",
        functools.partial(Argon2Hasher, time_cost=1, memory_cost=1024, parallelism=1),
    )
    config = Settings(database_url="sqlite://", secret_key="x" * 40, secret_key_configured=True)
    services = build_services(config, repository=open_repository(config.database_url))
    yield services
    services.close()


def _signed_in(services: Services, role: Role) -> tuple[Any, dict[str, str]]:
    account = services.accounts.create(
        AccountIn(email=f"{role}@example.org", role=role), "correct horse battery staple"
    )
    server = FastAPI()
    server.mount(API_PREFIX, create_api(services))
    schema = schemathesis.openapi.from_asgi(
        f"{API_PREFIX}/openapi.json", server, config=schemathesis.Config(seed=SEED)
    )
    return schema, {"Authorization": f"Bearer {services.tokens.issue(account)}"}


def fuzz(schema: Any, headers: dict[str, str], tag: str) -> list[str]:
    """Fuzz the operations with ``tag``; return a description of every server error."""
    failures: list[str] = []
    operations = [r.ok() for r in schema.get_all_operations() if tag in (r.ok().tags or [])]
    assert operations, f"no operation has the tag {tag!r}"
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @FUZZ_SETTINGS
            @given(case=operation.as_strategy(generation_mode=mode))
            def call(case: Any) -> None:
                case.call_and_validate(headers=headers, checks=[not_a_server_error])

            try:
                call()
            except Unsatisfiable:  # nothing to make invalid (an operation without inputs)
                continue
            except Exception as exc:  # report every operation, not only the first failure
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    return failures


def test_every_operation_has_a_documented_tag(fuzzed_services: Services) -> None:
    schema, _ = _signed_in(fuzzed_services, Role.PATIENT)
    for result in schema.get_all_operations():
        assert set(result.ok().tags or []) <= set(TAG_NAMES), result.ok().label


@pytest.mark.parametrize("tag", [t for t in TAG_NAMES if t != "accounts"])
def test_no_input_gives_a_server_error_to_a_patient(fuzzed_services: Services, tag: str) -> None:
    schema, headers = _signed_in(fuzzed_services, Role.PATIENT)
    failures = fuzz(schema, headers, tag)
    assert not failures, "\n\n".join(failures)


def test_no_input_gives_a_server_error_to_an_administrator(fuzzed_services: Services) -> None:
    schema, headers = _signed_in(fuzzed_services, Role.ADMIN)
    failures = fuzz(schema, headers, "accounts")
    assert not failures, "\n\n".join(failures)
