"""One error body everywhere (RFC 9457 problem+json), and no internals in server errors.

Besides the cases here, ``problem_shape_hook`` checks the shape of every error response any API
test receives.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from myoscope.bootstrap import Services
from myoscope.errors import KnowledgeBaseError, Problem, StorageError, UserError

from .conftest import User, make_client
from .helpers import assert_problem, episode


def test_an_unknown_route_is_a_404_problem_pointing_at_the_docs(
    alice: User, anonymous: TestClient
) -> None:
    for client in (alice.client, anonymous):
        body = assert_problem(client.get("/no-such-thing"), 404)
        assert "/api/v1/docs" in body["detail"]


def test_a_wrong_method_is_a_405_problem_with_allow(alice: User) -> None:
    response = alice.client.patch("/episodes")
    body = assert_problem(response, 405)
    assert "GET" in response.headers["allow"]
    assert "PATCH" in body["detail"]


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"", b"[1, 2]", b'"text"', b"null", b"\xff\xfe"],
    ids=["malformed", "empty", "array", "string", "null", "not-utf8"],
)
def test_bodies_that_are_not_a_json_object_are_422_for_body(alice: User, content: bytes) -> None:
    response = alice.client.post(
        "/episodes", content=content, headers={"content-type": "application/json"}
    )
    body = assert_problem(response, 422)
    assert body["errors"][0]["field"] == "body"


def test_a_deep_error_names_the_whole_path(alice: User) -> None:
    response = alice.client.post("/episodes", json=episode(triggers=["noise", "moonlight"]))
    assert assert_problem(response, 422)["errors"][0]["field"] == "triggers.1"


def test_a_json_body_sent_as_a_form_is_422(alice: User) -> None:
    response = alice.client.post("/episodes", data={"intensity": "3"})
    assert_problem(response, 422)


def test_a_read_only_share_writing_is_a_403_problem(alice: User, clinician: User) -> None:
    alice.client.post("/shares", json={"email": clinician.account.email, "access": "read"})
    response = clinician.client.post("/episodes", params={"patient_id": alice.id}, json=episode())
    assert "read only" in assert_problem(response, 403)["detail"]


def test_sharing_with_an_unknown_address_is_404_and_with_oneself_422(alice: User) -> None:
    assert_problem(alice.client.post("/shares", json={"email": "nobody@example.org"}), 404)
    assert_problem(alice.client.post("/shares", json={"email": "alice@example.org"}), 422)


@pytest.fixture
def broken_list(services: Services, monkeypatch: pytest.MonkeyPatch) -> Any:
    def set_error(error: Exception) -> None:
        def broken(*args: Any, **kwargs: Any) -> Any:
            raise error

        monkeypatch.setattr(services.diaries, "page", broken)

    return set_error


def test_a_storage_error_is_a_503_problem_without_the_cause(
    broken_list: Any, alice: User, caplog: pytest.LogCaptureFixture
) -> None:
    broken_list(StorageError("connection to 10.0.0.5 failed; note='ALICE-SECRET'"))
    with caplog.at_level(logging.INFO, logger="myoscope.api"):
        body = assert_problem(alice.client.get("/episodes"), 503)
    assert "try again" in body["detail"]
    assert "10.0.0.5" not in body["detail"]
    assert "ALICE-SECRET" not in caplog.text
    assert "StorageError" in caplog.text


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (UserError("A plain user error."), 400),
        (KnowledgeBaseError([Problem("x.yaml", "", "bad")]), 503),
    ],
)
def test_other_myoscope_errors_are_problems(
    broken_list: Any, alice: User, error: Exception, status: int
) -> None:
    broken_list(error)
    assert_problem(alice.client.get("/episodes"), status)


def test_an_unexpected_exception_is_a_500_problem_without_internals(
    broken_list: Any, server: FastAPI, alice: User, caplog: pytest.LogCaptureFixture
) -> None:
    broken_list(ZeroDivisionError("note='ALICE-SECRET' in row 7"))
    client = TestClient(server, base_url="http://testserver/api/v1/", raise_server_exceptions=False)
    client.headers["Authorization"] = alice.client.headers["Authorization"]
    with caplog.at_level(logging.INFO, logger="myoscope.api"):
        response = client.get("/episodes")
    body = assert_problem(response, 500)
    assert "ALICE-SECRET" not in response.text
    assert "ZeroDivisionError" not in response.text
    assert "ALICE-SECRET" not in caplog.text
    assert "ZeroDivisionError" in caplog.text  # the class and the frames are logged
    assert body["type"] == "urn:myoscope:problem:internal-error"


def test_logs_name_routes_and_ids_but_never_contents(
    alice: User, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="myoscope.api"):
        created = alice.client.post("/episodes", json=episode(note="ALICE-SECRET-NOTE")).json()
        alice.client.get(f"/episodes/{created['id']}", params={"since": "ALICE-SECRET-QUERY"})
        alice.client.post("/shares", json={"email": "nobody.secret@example.org"})
    assert "ALICE-SECRET" not in caplog.text
    assert "alice@example.org" not in caplog.text
    assert "nobody.secret" not in caplog.text
    assert "POST /api/v1/episodes 201" in caplog.text
    assert "GET /api/v1/episodes/{record_id} 200" in caplog.text
    assert f"account={alice.id}" in caplog.text


def test_the_openapi_document_describes_every_error_as_a_problem(
    openapi_document: dict[str, Any],
) -> None:
    assert openapi_document["servers"][0]["url"] == "/api/v1"
    assert "HTTPValidationError" not in openapi_document["components"]["schemas"]
    problem = openapi_document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) >= {"type", "title", "status", "detail"}
    for path, item in openapi_document["paths"].items():
        for method, op in item.items():
            errors = {s: r for s, r in op["responses"].items() if s[0] in "45"}
            assert "401" in errors or op["operationId"] == "auth-token", (method, path)
            for response in errors.values():
                assert list(response["content"]) == ["application/problem+json"], (method, path)


def test_the_docs_and_the_document_are_served_under_the_mount(anonymous: TestClient) -> None:
    document = anonymous.get("/openapi.json")
    assert document.status_code == 200
    assert document.json()["info"]["title"] == "Myoscope API"
    assert "not medical advice" in document.json()["info"]["description"]
    token_url = document.json()["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"][
        "password"
    ]["tokenUrl"]
    assert token_url == "/api/v1/auth/token"
    docs = anonymous.get("/docs")
    assert docs.status_code == 200
    assert "/api/v1/openapi.json" in docs.text


def test_a_token_for_an_account_that_no_longer_exists_is_401(
    services: Services, server: FastAPI
) -> None:
    from myoscope.domain.diary import Account, Role

    ghost = Account(email="ghost@example.org", role=Role.PATIENT, created_at="2024-01-01T00:00:00Z")
    with make_client(server, services.tokens.issue(ghost)) as client:
        assert "sign in again" in assert_problem(client.get("/me"), 401)["detail"]
