"""``GET /api/v1/report``: the clinician report as ``application/pdf``, for the diary's readers."""

from __future__ import annotations

import io
from typing import Any

import pypdf

from .conftest import User
from .helpers import episode, medication


def text_of(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(p.extract_text() for p in reader.pages).split())


def fill(user: User) -> None:
    user.client.post("/medications", json=medication(started_on="2024-04-01"))
    for day in range(1, 15):
        user.client.post(
            "/episodes",
            json=episode(started_at=f"2024-05-{day:02d}T09:30:00+01:00", count=5 + day),
        )


def test_the_report_is_a_pdf_attachment(alice: User) -> None:
    fill(alice)
    response = alice.client.get("/report", params={"from": "2024-05-01", "to": "2024-05-31"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        'attachment; filename="myoscope-report-2024-05-01-to-2024-05-31.pdf"'
    )
    text = text_of(response.content)
    assert "Alice" in text
    assert "levetiracetam" in text
    assert "Period: 2024-05-01 to 2024-05-31" in text
    assert len(pypdf.PdfReader(io.BytesIO(response.content)).pages) <= 2


def test_another_account_gets_404_and_a_share_gets_the_report(
    alice: User, bob: User, clinician: User
) -> None:
    fill(alice)
    for params in ({"patient_id": alice.id}, {}):
        refused = bob.client.get("/report", params=params | {"to": "2024-05-31"})
        if params:
            assert refused.status_code == 404
            assert refused.headers["content-type"] == "application/problem+json"
        else:  # Bob's own, empty diary: a valid report saying there is not enough data
            assert refused.status_code == 200
            assert "Not enough data" in text_of(refused.content)
            assert "Alice" not in text_of(refused.content)
    assert clinician.client.get("/report", params={"patient_id": alice.id}).status_code == 404
    alice.client.post("/shares", json={"email": "dr.c@example.org", "access": "read"})
    shared = clinician.client.get("/report", params={"patient_id": alice.id, "to": "2024-05-31"})
    assert shared.status_code == 200
    assert shared.content.startswith(b"%PDF-")


def test_bad_dates_are_422_problems(alice: User) -> None:
    for params in ({"from": "May"}, {"from": "2024-06-01", "to": "2024-05-01"}):
        response = alice.client.get("/report", params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"


def test_the_openapi_document_declares_a_pdf(openapi_document: dict[str, Any]) -> None:
    operation = openapi_document["paths"]["/report"]["get"]
    assert operation["operationId"] == "insights-report"
    assert "application/pdf" in operation["responses"]["200"]["content"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"patient_id", "from", "to"} <= names
