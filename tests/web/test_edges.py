"""Inputs found by hands-on testing that once gave a server error: each now gets a clear answer."""

from __future__ import annotations

import pytest

from .conftest import Browser


@pytest.mark.parametrize("path", ["/api/", "/api/foo", "/api/v2/episodes"])
def test_paths_under_api_outside_v1_are_not_found(alice: Browser, path: str) -> None:
    response = alice.client.get(path, follow_redirects=False)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "page",
    [
        "history/calendar?month=9999-12",
        "history/calendar?month=0001-01",
        "history/calendar?month=2199-12",
        "history?to=9999-12-31",
        "history?from=0001-01-01&to=9999-12-31",
    ],
)
def test_dates_at_the_calendar_limits_are_ignored(alice: Browser, page: str) -> None:
    assert alice.client.get(alice.d(page)).status_code == 200


def test_a_deeply_nested_import_file_is_refused_with_a_message(alice: Browser) -> None:
    nested = b"[" * 100_000 + b"]" * 100_000
    response = alice.post(
        "/settings/import", files={"file": ("export.json", nested, "application/json")}
    )
    assert response.status_code == 422
    assert "neither a Myoscope JSON export" in response.text
