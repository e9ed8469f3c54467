"""Helpers of the API tests: request payloads and the problem+json shape check."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


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
    def json(self) -> Any: ...
    def read(self) -> bytes: ...


PASSWORD = "correct horse battery staple"
PROBLEM_KEYS = {"type", "title", "status", "detail", "errors"}


def assert_problem(response: Response, status: int | None = None) -> dict[str, Any]:
    """Assert that ``response`` is an RFC 9457 problem (with ``status``) and return its body."""
    if status is not None:
        assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), (
        response.headers["content-type"],
        response.text,
    )
    body = response.json()
    assert set(body) >= PROBLEM_KEYS, body
    assert body["status"] == response.status_code
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert isinstance(body["errors"], list)
    for error in body["errors"]:
        assert set(error) == {"field", "message"}, error
    return dict(body)


def problem_shape_hook(response: Response) -> None:
    """httpx response hook: every error response must be a problem."""
    if response.status_code >= 400:
        response.read()
        assert_problem(response)


# -- payloads -------------------------------------------------------------------------------------


def episode(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "started_at": "2024-05-01T09:30:00+01:00",
        "count": 12,
        "intensity": 6,
        "body_areas": ["left-arm", "trunk"],
        "triggers": ["action", "stress"],
        "note": "spilled my tea",
    }
    return data | fields


def checkin(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "day": "2024-05-01",
        "severity": 5,
        "walking": 1,
        "eating": 2,
        "sleep_hours": 6.5,
        "mood": 3,
    }
    return data | fields


def medication(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "drug": "levetiracetam",
        "dose_amount": 500,
        "dose_unit": "mg",
        "times_per_day": 2,
        "started_on": "2024-03-01",
    }
    return data | fields


def dose(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "drug": "levetiracetam",
        "amount": 500,
        "taken_at": "2024-05-01T08:00:00Z",
    }
    return data | fields


def side_effect(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "effect": "drowsiness",
        "severity": "mild",
        "started_at": "2024-05-01T12:00:00Z",
    }
    return data | fields


PAYLOADS = {
    "episodes": episode,
    "checkins": checkin,
    "medications": medication,
    "doses": dose,
    "side-effects": side_effect,
}
