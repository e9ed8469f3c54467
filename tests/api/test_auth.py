"""Tokens, sign-in rate limits, lockout, and who may use the administration endpoints."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from myoscope.bootstrap import Services

from .conftest import User
from .helpers import PASSWORD, Response, assert_problem


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> Response:
    return client.post("/auth/token", data={"username": email, "password": password})


def test_the_password_flow_gives_a_bearer_token_that_works(
    anonymous: TestClient, alice: User
) -> None:
    response = sign_in(anonymous, "Alice@Example.org")
    assert response.status_code == 200, response.text
    token = response.json()
    assert token["token_type"] == "bearer"
    assert token["expires_in"] > 0
    me = anonymous.get("/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.json()["id"] == alice.id


def test_me_shows_no_sign_in_state_or_password(alice: User) -> None:
    me = alice.client.get("/me").json()
    assert set(me) == {"id", "email", "role", "display_name", "timezone", "created_at"}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic YWxpY2U6cGFzc3dvcmQ="},
    ],
    ids=["missing", "empty", "forged", "basic"],
)
def test_missing_or_invalid_tokens_are_401_problems(
    anonymous: TestClient, headers: dict[str, str]
) -> None:
    response = anonymous.get("/episodes", headers=headers)
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_token_signed_with_another_key_is_401(anonymous: TestClient, alice: User) -> None:
    from myoscope.services.accounts import TokenSigner

    forged = TokenSigner("y" * 40).issue(alice.account)
    body = assert_problem(anonymous.get("/me", headers={"Authorization": f"Bearer {forged}"}), 401)
    assert "not valid" in body["detail"]


def test_an_expired_token_is_401_and_says_so(
    anonymous: TestClient, alice: User, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    issued_at = time.time() - services.settings.token_max_age_s - 60
    with monkeypatch.context() as patch:
        patch.setattr(time, "time", lambda: issued_at)
        token = services.tokens.issue(alice.account)
    response = anonymous.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert "expired" in assert_problem(response, 401)["detail"]


def test_a_wrong_password_or_unknown_address_is_the_same_401(
    anonymous: TestClient, alice: User
) -> None:
    wrong = assert_problem(sign_in(anonymous, "alice@example.org", "not the password"), 401)
    unknown = assert_problem(sign_in(anonymous, "nobody@example.org"), 401)
    assert wrong == unknown


def test_missing_form_fields_are_422_naming_them(anonymous: TestClient) -> None:
    body = assert_problem(anonymous.post("/auth/token", data={"username": "a@b.c"}), 422)
    assert [e["field"] for e in body["errors"]] == ["password"]


def test_sign_in_attempts_are_rate_limited_per_address(
    anonymous: TestClient, alice: User, services: Services
) -> None:
    allowed = services.login_limiter.max_attempts
    for _ in range(allowed):
        assert sign_in(anonymous, "nobody@example.org").status_code == 401
    limited = sign_in(anonymous, "alice@example.org")  # even the right password
    body = assert_problem(limited, 429)
    assert int(limited.headers["retry-after"]) >= 1
    assert "wait" in body["detail"]


def test_an_account_locks_after_five_failures_even_for_the_right_password(
    anonymous: TestClient, alice: User, admin: User
) -> None:
    for _ in range(4):
        assert (
            "not correct"
            in assert_problem(sign_in(anonymous, "alice@example.org", "nope nope"), 401)["detail"]
        )
    fifth = assert_problem(sign_in(anonymous, "alice@example.org", "nope nope"), 401)
    assert "locked" in fifth["detail"]
    right = assert_problem(sign_in(anonymous, "alice@example.org"), 401)
    assert "locked" in right["detail"]
    assert "administrator" in right["detail"]

    state = admin.client.get(f"/accounts/{alice.id}").json()
    assert state["locked_until"] is not None
    unlocked = admin.client.post(f"/accounts/{alice.id}/unlock")
    assert unlocked.status_code == 200
    assert unlocked.json()["locked_until"] is None
    assert sign_in(anonymous, "alice@example.org").status_code == 200


def test_administrators_list_and_create_accounts(
    admin: User, alice: User, anonymous: TestClient
) -> None:
    listed = admin.client.get("/accounts").json()
    assert {a["email"] for a in listed["items"]} == {"admin@example.org", "alice@example.org"}
    assert "password_hash" not in listed["items"][0]
    assert "failed_logins" in listed["items"][0]

    created = admin.client.post(
        "/accounts",
        json={"email": "New@Example.org", "role": "clinician", "password": "a long password"},
    )
    assert created.status_code == 201, created.text
    assert created.headers["location"] == f"/api/v1/accounts/{created.json()['id']}"
    assert created.json()["email"] == "new@example.org"
    assert "password" not in created.json()
    assert sign_in(anonymous, "new@example.org", "a long password").status_code == 200

    again = admin.client.post(
        "/accounts", json={"email": "new@example.org", "role": "patient", "password": "another one"}
    )
    assert_problem(again, 409)
    weak = admin.client.post(
        "/accounts", json={"email": "weak@example.org", "role": "patient", "password": "short"}
    )
    assert assert_problem(weak, 422)["errors"][0]["field"] == "password"
    zone = admin.client.post(
        "/accounts",
        json={
            "email": "z@example.org",
            "role": "patient",
            "password": "long enough",
            "timezone": "Mars/Base",
        },
    )
    assert "time zone" in assert_problem(zone, 422)["detail"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/accounts"),
        ("POST", "/accounts"),
        ("GET", "/accounts/x"),
        ("POST", "/accounts/x/unlock"),
    ],
)
def test_administration_is_404_for_everyone_else(
    alice: User, clinician: User, method: str, path: str
) -> None:
    body = {"email": "x@example.org", "role": "patient", "password": "long enough"}
    for user in (alice, clinician):
        response = user.client.request(method, path, json=body if method == "POST" else None)
        assert_problem(response, 404)


def test_a_token_stops_working_when_the_sessions_end(alice: User, services: Services) -> None:
    assert alice.client.get("/me").status_code == 200
    services.accounts.end_sessions(alice.account)
    response = alice.client.get("/me")
    assert_problem(response, 401)
    assert "session has ended" in response.json()["detail"]
