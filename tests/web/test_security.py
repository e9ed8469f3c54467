"""Sessions, CSRF, sign-in (same message, lockout, rate limit), setup, headers and cookies."""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute

from myoscope.bootstrap import Services
from myoscope.domain.diary import Role

from .conftest import PASSWORD, Browser, csrf_of

WRONG = "The e-mail address or password is not correct."


def web_post_routes() -> list[str]:
    from myoscope.web.routes import (
        admin,
        auth,
        history,
        medications,
        options,
        profile,
        recordings,
        records,
        settings,
        today,
    )

    modules = (
        admin,
        auth,
        history,
        medications,
        options,
        profile,
        recordings,
        records,
        settings,
        today,
    )
    return [
        r.path
        for module in modules
        for r in module.router.routes
        if isinstance(r, APIRoute) and "POST" in (r.methods or set())
    ]


def test_every_form_refuses_a_missing_or_wrong_csrf_token(alice: Browser) -> None:
    paths = web_post_routes()
    assert len(paths) >= 19
    for path in paths:
        url = re.sub(r"\{patient_id\}", alice.id, path)
        url = re.sub(r"\{kind\}", "episodes", url)
        url = re.sub(r"\{[a-z_]+\}", "x" * 32, url)
        for data, csrf in (({}, False), ({"csrf_token": "forged"}, False)):
            response = alice.post(url, data, csrf=csrf)
            assert response.status_code == 403, (url, response.status_code)
            assert "did not come from this site" in response.text
            assert "Traceback" not in response.text


def test_a_token_from_another_session_is_refused(alice: Browser, bob: Browser) -> None:
    response = alice.post(
        alice.d("today/episode"),
        {"intensity": "5", "count_band": "1", "csrf_token": bob.token},
        csrf=False,
    )
    assert response.status_code == 403


def test_the_session_cookie_is_httponly_and_samesite_lax_over_http(
    alice: Browser, anonymous: Browser
) -> None:
    response = anonymous.client.get("/login")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("myoscope_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_the_session_cookie_is_secure_over_https(make_browser: Any) -> None:
    browser = make_browser("secure@example.org", base_url="https://testserver")
    response = browser.client.get("/settings")
    assert response.status_code == 200
    assert "; Secure" in response.headers["set-cookie"]


def test_pages_carry_security_headers(alice: Browser) -> None:
    headers = alice.get(alice.d("today")).headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["cache-control"] == "no-store"


def test_the_api_is_mounted_and_keeps_its_own_responses(alice: Browser) -> None:
    response = alice.client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "set-cookie" not in response.headers
    # a web session is not an API credential
    assert alice.client.get("/api/v1/me").status_code == 401


def test_a_wrong_password_and_an_unknown_email_get_the_same_message(
    alice: Browser, anonymous: Browser
) -> None:
    wrong = anonymous.sign_in("alice@example.org", "not the password")
    unknown = anonymous.sign_in("nobody@example.org", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert WRONG in wrong.text
    assert WRONG in unknown.text
    assert 'value="nobody@example.org"' in unknown.text  # what was typed is kept


def test_an_account_locks_after_repeated_failures(
    alice: Browser, anonymous: Browser, services: Services
) -> None:
    for _ in range(4):
        assert WRONG in anonymous.sign_in("alice@example.org", "wrong password").text
    locked = anonymous.sign_in("alice@example.org", "wrong password")
    assert "locked" in locked.text
    assert "locked" in anonymous.sign_in("alice@example.org", PASSWORD).text
    assert anonymous.get("/settings").url.path == "/login"


def test_sign_in_attempts_are_rate_limited_per_client(
    make_browser: Any, services: Services
) -> None:
    browser = make_browser()
    services.login_limiter.max_attempts = 3
    for _ in range(3):
        browser.sign_in("someone@example.org", "x")
    limited = browser.sign_in("someone@example.org", "x")
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    assert "Too many sign-in attempts" in limited.text


def test_sign_in_goes_to_a_local_next_page_only(make_browser: Any, services: Services) -> None:
    patient = make_browser("p@example.org")
    patient.post("/logout")
    patient.get("/login")
    ok = patient.post(
        "/login", {"email": "p@example.org", "password": PASSWORD, "next": "/settings/data"}
    )
    assert ok.headers["location"] == "/settings/data"
    for evil in (
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
    ):
        patient.post("/logout")
        patient.get("/login")
        response = patient.post(
            "/login", {"email": "p@example.org", "password": PASSWORD, "next": evil}
        )
        assert response.headers["location"] == patient.d(), evil


def test_signing_out_ends_the_session(alice: Browser) -> None:
    response = alice.post("/logout")
    assert response.headers["location"] == "/login"
    assert alice.client.get(alice.d(), follow_redirects=False).status_code == 303


def test_a_cookie_replayed_after_signing_out_is_refused(alice: Browser) -> None:
    replayed = alice.client.cookies.get("myoscope_session")
    assert alice.post("/logout").headers["location"] == "/login"
    alice.client.cookies.clear()
    alice.client.cookies.set("myoscope_session", replayed)
    response = alice.client.get(alice.d(), follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_changing_the_password_ends_other_sessions(make_browser: Any) -> None:
    here = make_browser("p@example.org")
    elsewhere = make_browser()
    assert elsewhere.sign_in("p@example.org").status_code == 303
    elsewhere.d = here.d
    changed = here.post(
        "/settings/password",
        {
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase",
            "new_password_again": "a brand new passphrase",
        },
    )
    assert changed.status_code == 303, changed.text
    assert here.client.get(here.d(), follow_redirects=False).status_code == 200
    assert elsewhere.client.get(elsewhere.d(), follow_redirects=False).status_code == 303


def test_a_tampered_cookie_counts_as_signed_out(alice: Browser) -> None:
    cookie = alice.client.cookies.get("myoscope_session")
    assert cookie
    alice.client.cookies.clear()
    alice.client.cookies.set("myoscope_session", cookie[:-3] + "abc")
    response = alice.client.get(alice.d(), follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_a_session_of_a_deleted_account_ends(
    alice: Browser, services: Services, monkeypatch: Any
) -> None:
    from myoscope.errors import AuthenticationError

    def gone(account_id: str, **_: Any) -> Any:
        raise AuthenticationError("Your session has ended; sign in again.")

    monkeypatch.setattr(services.accounts, "get", gone)
    assert alice.client.get("/settings", follow_redirects=False).headers["location"] == (
        "/login?next=/settings"
    )


def test_first_run_setup_creates_the_first_account_then_closes(
    anonymous: Browser, services: Services
) -> None:
    assert anonymous.client.get("/", follow_redirects=False).headers["location"] == "/setup"
    assert anonymous.client.get("/login", follow_redirects=False).headers["location"] == "/setup"
    page = anonymous.get("/setup")
    assert page.status_code == 200
    mismatch = anonymous.post(
        "/setup",
        {
            "email": "first@example.org",
            "display_name": "Fay",
            "role": "patient",
            "timezone": "Europe/Paris",
            "password": PASSWORD,
            "password_again": "other",
        },
    )
    assert mismatch.status_code == 422
    assert "not the same" in mismatch.text
    assert 'value="first@example.org"' in mismatch.text
    assert 'value="Fay"' in mismatch.text
    short = anonymous.post(
        "/setup",
        {
            "email": "first@example.org",
            "role": "patient",
            "password": "short",
            "password_again": "short",
        },
    )
    assert short.status_code == 422
    assert "too short" in short.text
    bad_email = anonymous.post(
        "/setup",
        {
            "email": "not-an-email",
            "role": "patient",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    )
    assert "Enter an e-mail address" in bad_email.text
    created = anonymous.post(
        "/setup",
        {
            "email": "first@example.org",
            "display_name": "Fay",
            "role": "patient",
            "timezone": "Europe/Paris",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    )
    assert created.status_code == 303
    account = services.repository.accounts.get_by_email("first@example.org")
    assert account is not None
    assert account.role is Role.PATIENT
    assert account.timezone == "Europe/Paris"
    assert created.headers["location"] == f"/d/{account.id}/profile"
    assert anonymous.get(created.headers["location"]).status_code == 200
    assert anonymous.client.get("/setup", follow_redirects=False).headers["location"] == "/login"
    again = anonymous.post(
        "/setup",
        {
            "email": "second@example.org",
            "role": "admin",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    )
    assert again.status_code == 303
    assert services.repository.accounts.count() == 1


def test_setup_can_create_an_administrator(anonymous: Browser, services: Services) -> None:
    anonymous.get("/setup")
    response = anonymous.post(
        "/setup",
        {
            "email": "admin@example.org",
            "role": "admin",
            "timezone": "UTC",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    )
    assert response.headers["location"] == "/admin/accounts"
    assert anonymous.get("/admin/accounts").status_code == 200


def test_the_login_form_token_is_the_session_token(anonymous: Browser) -> None:
    page = anonymous.client.get("/login")
    assert csrf_of(page.text) == csrf_of(anonymous.client.get("/login").text)


def test_an_unexpected_error_shows_a_friendly_page_without_a_traceback(
    alice: Browser, services: Services, monkeypatch: Any
) -> None:
    from fastapi.testclient import TestClient

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret detail that must not be shown")

    monkeypatch.setattr(services.profiles, "assess", broken)
    client = TestClient(alice.client.app, raise_server_exceptions=False)
    client.cookies = alice.client.cookies
    response = client.get(alice.d("options"))
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert "secret detail" not in response.text
    assert "Traceback" not in response.text


def test_static_files_are_served_with_security_headers_and_no_session(anonymous: Browser) -> None:
    response = anonymous.client.get("/static/style.css")
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "set-cookie" not in response.headers
    assert anonymous.client.get("/static/app.js").status_code == 200
