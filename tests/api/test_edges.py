"""Inputs at the edges (found by fuzzing) get a 2xx or a 4xx problem, never a server error."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest

from .conftest import User
from .helpers import assert_problem, checkin, episode, medication


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("POST", "/episodes", {"json": episode(started_at="0001-01-01T00:00:00+01:00")}, 422),
        ("POST", "/episodes", {"json": episode(started_at="9999-12-31T23:59:59-05:00")}, 422),
        (
            "POST",
            "/episodes",
            {"json": episode(started_at="0001-01-01T00:00:00Z")},
            422,
        ),  # outside the diary's years (1900-2199)
        (
            "POST",
            "/episodes",
            {"json": episode(started_at="9999-12-31T23:59:59Z")},
            422,
        ),  # outside the diary's years (1900-2199)
        (
            "POST",
            "/checkins",
            {"json": checkin(day="9999-12-31")},
            422,
        ),  # outside the diary's years (1900-2199)
        (
            "POST",
            "/checkins",
            {"json": checkin(day="0001-01-01")},
            422,
        ),  # outside the diary's years (1900-2199)
        (
            "POST",
            "/medications",
            {"json": medication(started_on="9999-12-31")},
            422,
        ),  # outside the diary's years (1900-2199)
        ("GET", "/checkins", {"params": {"since": "9999-12-31T23:59:59Z"}}, 200),
        ("GET", "/medications", {"params": {"until": "9999-12-31T23:59:59Z"}}, 200),
        ("GET", "/episodes", {"params": {"since": "0001-01-01T00:00:00+14:00"}}, 422),
        ("GET", "/episodes", {"params": {"until": "9999-12-31T23:59:59-12:00"}}, 422),
        ("GET", "/episodes", {"params": {"offset": 10**12}}, 422),
        ("GET", "/episodes", {"params": {"limit": 10**30}}, 422),
        ("GET", "/episodes", {"params": {"patient_id": "x" * 65}}, 422),
        ("GET", "/episodes", {"params": {"patient_id": "\x00"}}, 404),
        ("GET", f"/episodes/{'x' * 65}", {}, 422),
        ("POST", "/episodes", {"json": episode(note="\x00 nul")}, 422),
        ("POST", "/episodes", {"json": episode(note="emoji \U0001f600 and\nlines")}, 201),
        ("POST", "/episodes", {"json": episode(count=10**40)}, 422),
        (
            "POST",
            "/episodes",
            {"content": b'{"note": "\\ud800"}', "headers": {"content-type": "application/json"}},
            422,
        ),
        (
            "POST",
            "/episodes",
            {"content": b'{"count": NaN}', "headers": {"content-type": "application/json"}},
            422,
        ),
        ("PUT", "/profile", {"json": {"age_years": 1e308, "sex": "male"}}, 422),
        ("PUT", "/profile", {"json": [1, 2]}, 422),
        ("GET", "/assessment", {"params": {"audience": "nobody"}}, 422),
        (
            "POST",
            "/import",
            {
                "content": b"PK\x03\x04" + b"\x00" * 40,
                "headers": {"content-type": "application/zip"},
            },
            422,
        ),
        (
            "POST",
            "/import",
            {"content": b"\xff" * 10, "headers": {"content-type": "application/octet-stream"}},
            422,
        ),
        (
            "POST",
            "/import",
            {"content": b"--x\r\n", "headers": {"content-type": "multipart/form-data; boundary=x"}},
            422,
        ),
        ("POST", "/shares", {"json": {"email": "x" * 254}}, 404),
        ("POST", "/auth/token", {"data": {"username": "\x00", "password": ""}}, 422),
    ],
)
def test_edge_inputs_are_answered_without_a_server_error(
    alice: User, method: str, path: str, kwargs: dict[str, Any], status: int
) -> None:
    response = alice.client.request(method, path, **kwargs)
    assert response.status_code == status, response.text
    if status >= 400:
        assert_problem(response, status)


MANIFEST = json.dumps({"format": "myoscope-diary", "version": 1})


def zipped(files: dict[str, str], method: int = zipfile.ZIP_DEFLATED) -> bytearray:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return bytearray(buffer.getvalue())


def oversized_csv_field() -> bytes:
    return bytes(zipped({"manifest.json": MANIFEST, "episodes.csv": "id,note\na," + "x" * 200_000}))


def corrupt_deflate() -> bytes:
    data = zipped({"manifest.json": MANIFEST * 50})
    start = data.index(b"manifest.json") + len("manifest.json")
    for i in range(start, start + 20):
        data[i] ^= 0x55
    return bytes(data)


def flagged_encrypted() -> bytes:
    data = zipped({"manifest.json": MANIFEST})
    data[6] |= 1  # local header: general purpose flag, bit 0 = encrypted
    data[data.rindex(b"PK\x01\x02") + 8] |= 1  # central directory: the same flag
    return bytes(data)


def unknown_compression() -> bytes:
    data = zipped({"manifest.json": MANIFEST}, zipfile.ZIP_STORED)
    data[8] = 99  # local header: compression method
    data[data.rindex(b"PK\x01\x02") + 10] = 99  # central directory: the same
    return bytes(data)


@pytest.mark.parametrize(
    "content",
    [oversized_csv_field(), corrupt_deflate(), flagged_encrypted(), unknown_compression()],
    ids=["oversized-csv-field", "corrupt-deflate", "encrypted", "unknown-compression"],
)
def test_broken_zip_exports_are_422(alice: User, content: bytes) -> None:
    response = alice.client.post(
        "/import", content=content, headers={"content-type": "application/zip"}
    )
    assert "ZIP" in assert_problem(response, 422)["detail"]
