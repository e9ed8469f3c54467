"""``/d/{id}/report.pdf``: the clinician report as a download, for the owner and shares only."""

from __future__ import annotations

import io

import pypdf
import pytest

from myoscope.bootstrap import Services
from myoscope.domain.diary import Role
from myoscope.services.diary import EPISODES, REGIMENS

from .conftest import Browser, MakeBrowser


def text_of(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(p.extract_text() for p in reader.pages).split())


@pytest.fixture
def alice_diary(services: Services, alice: Browser) -> Browser:
    """Alice with a medicine and a few episodes in June 2026."""
    assert alice.account is not None
    diary = services.diaries.open(alice.account)
    services.diaries.add(
        diary,
        REGIMENS,
        {"drug": "levetiracetam", "dose_amount": 500, "dose_unit": "mg", "times_per_day": 2,
         "started_on": "2026-06-01"},
    )  # fmt: skip
    for day in range(2, 14):
        services.diaries.add(
            diary,
            EPISODES,
            {"started_at": f"2026-06-{day:02d}T09:30:00+01:00", "count": 20 - day, "intensity": 5},
        )
    return alice


def test_the_owner_downloads_the_report_as_a_pdf_attachment(alice_diary: Browser) -> None:
    response = alice_diary.get(alice_diary.d("report.pdf"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="myoscope-report-')
    assert disposition.endswith('.pdf"')
    assert response.headers["cache-control"] == "no-store"
    text = text_of(response.content)
    assert "Alice" in text
    assert "levetiracetam" in text


def test_a_period_can_be_chosen(alice_diary: Browser) -> None:
    response = alice_diary.get(alice_diary.d("report.pdf") + "?from=2026-06-05&to=2026-06-10")
    assert response.status_code == 200
    assert (
        'filename="myoscope-report-2026-06-05-to-2026-06-10.pdf"'
        in (response.headers["content-disposition"])
    )
    assert "Period: 2026-06-05 to 2026-06-10" in text_of(response.content)


def test_a_date_that_is_not_a_date_gets_a_friendly_page(alice_diary: Browser) -> None:
    response = alice_diary.get(alice_diary.d("report.pdf") + "?from=05/06/2026")
    assert response.status_code == 422
    assert "text/html" in response.headers["content-type"]
    assert "YYYY-MM-DD" in response.text


def test_someone_else_gets_not_found(alice_diary: Browser, bob: Browser) -> None:
    response = bob.get(bob.d("report.pdf", alice_diary.id))
    assert response.status_code == 404
    assert "application/pdf" not in response.headers["content-type"]


def test_a_clinician_the_diary_is_shared_with_can_download_it(
    services: Services, alice_diary: Browser, make_browser: MakeBrowser
) -> None:
    doctor = make_browser("dr@example.org", Role.CLINICIAN, display_name="Dr D")
    assert alice_diary.account is not None
    services.diaries.grant(services.diaries.open(alice_diary.account), "dr@example.org")
    response = doctor.get(doctor.d("report.pdf", alice_diary.id))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")


def test_signed_out_visitors_are_sent_to_sign_in(alice_diary: Browser, anonymous: Browser) -> None:
    response = anonymous.client.get(
        anonymous.d("report.pdf", alice_diary.id), follow_redirects=False
    )
    assert response.status_code in (303, 307)
    assert "/login" in response.headers["location"]
