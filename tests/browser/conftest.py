"""A real server (uvicorn in a thread, SQLite file) and Debian Chromium driven by Playwright.

The tests skip, saying why, when ``/usr/bin/chromium`` is missing (``.ci/run`` installs the
Debian ``chromium`` package; ``MYOSCOPE_TEST_CHROMIUM`` names another binary). Playwright's own
browser downloads are never used.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pwdlib.hashers.argon2 import Argon2Hasher

from myoscope.bootstrap import Services, build_services
from myoscope.domain.diary import Account, AccountIn, Role
from myoscope.server import create_app
from myoscope.settings import Settings

CHROMIUM = Path(os.environ.get("MYOSCOPE_TEST_CHROMIUM", "/usr/bin/chromium"))
PASSWORD = "correct horse battery staple"

MISSING = f"Debian Chromium is not installed at {CHROMIUM} (.ci/run installs it: apt-get install chromium)"


@dataclass
class LiveServer:
    """The running server and its services."""

    url: str
    services: Services


@dataclass
class Patient:
    """A patient account of the live server, with an empty diary."""

    server: LiveServer
    account: Account

    def diary(self, page: str = "today") -> str:
        return f"{self.server.url}/d/{self.account.id}/{page}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="package")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    import uvicorn

    database = tmp_path_factory.mktemp("browser") / "myoscope.db"
    settings = Settings(
        database_url=f"sqlite:///{database}", secret_key="b" * 48, secret_key_configured=True
    )
    services = build_services(
        settings, password_hasher=Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    port = _free_port()
    config = uvicorn.Config(
        create_app(services), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="myoscope-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", services)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        services.close()


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(MISSING)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox"], headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    """Open pages in fresh contexts (no shared cookies); console errors fail the test."""
    contexts: list[Any] = []
    errors: list[str] = []

    def make(**options: Any) -> Any:
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        return page

    yield make
    for context in contexts:
        context.close()
    assert errors == [], f"the browser reported errors: {errors}"


@pytest.fixture
def patient(live_server: LiveServer, request: pytest.FixtureRequest) -> Patient:
    """A new patient in London, one per test, so that tests do not see each other's entries."""
    email = f"{request.node.name[:40].lower().replace('_', '-')}@example.org"
    account = live_server.services.accounts.create(
        AccountIn(email=email, role=Role.PATIENT, display_name="Pat", timezone="Europe/London"),
        PASSWORD,
    )
    return Patient(live_server, account)


def sign_in(page: Any, patient: Patient) -> None:
    page.goto(f"{patient.server.url}/login")
    page.get_by_label("E-mail address").fill(patient.account.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(patient.diary())
