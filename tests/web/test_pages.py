"""Every page renders for its owner, and nobody else learns that a diary exists."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from myoscope.bootstrap import Services
from myoscope.domain.diary import Access, Role
from myoscope.services.diary import CHECKINS, DOSES, EPISODES, REGIMENS, SIDE_EFFECTS

from .conftest import Browser

DIARY_PAGES = [
    "today",
    "history",
    "history/calendar",
    "medications",
    "doses",
    "side-effects",
    "profile",
    "options",
    "episodes/new",
    "checkins/new",
    "medications/new",
    "doses/new",
    "side-effects/new",
]
ACCOUNT_PAGES = ["/settings", "/settings/data", "/settings/sharing", "/settings/access", "/shared"]


def seed(services: Services, browser: Browser) -> dict[str, str]:
    """One record of each kind in the browser's diary; returns their ids by kind."""
    assert browser.account is not None
    diary = services.diaries.open(browser.account)
    regimen = services.diaries.add(
        diary,
        REGIMENS,
        {
            "drug": "levetiracetam",
            "dose_amount": 500,
            "times_per_day": 2,
            "started_on": "2026-06-01",
        },
    )
    episode = services.diaries.add(
        diary,
        EPISODES,
        {"started_at": "2026-06-15T08:00:00Z", "count_band": "2-10", "intensity": 6},
    )
    checkin = services.diaries.add(diary, CHECKINS, {"day": "2026-06-14", "severity": 4})
    dose = services.diaries.add(
        diary, DOSES, {"regimen_id": regimen.id, "taken_at": "2026-06-15T07:00:00Z"}
    )
    effect = services.diaries.add(
        diary,
        SIDE_EFFECTS,
        {
            "effect": "drowsy",
            "severity": "mild",
            "started_at": "2026-06-10T09:00:00Z",
            "regimen_id": regimen.id,
        },
    )
    return {
        "medications": regimen.id,
        "episodes": episode.id,
        "checkins": checkin.id,
        "doses": dose.id,
        "side-effects": effect.id,
    }


class _Controls(HTMLParser):
    """Collects form controls and the ids that labels point at."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.labelled: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "label" and found.get("for"):
            self.labelled.add(str(found["for"]))
        if tag in ("input", "select", "textarea") and found.get("type") not in ("hidden", "submit"):
            self.controls.append(found)


def assert_every_control_is_labelled(html: str) -> None:
    parser = _Controls()
    parser.feed(html)
    for control in parser.controls:
        named = control.get("aria-label") or control.get("id") in parser.labelled
        assert named, f"a form control has no label: {control}"


def assert_page_basics(html: str) -> None:
    assert_every_control_is_labelled(html)
    assert '<html lang="en">' in html
    assert re.search(r"<title>[^<]+ · Myoscope</title>", html)
    assert 'class="skip-link" href="#main"' in html
    assert '<main id="main"' in html
    assert "Traceback" not in html


def test_every_diary_page_renders_for_its_owner(alice: Browser, services: Services) -> None:
    seed(services, alice)
    for page in DIARY_PAGES:
        response = alice.get(alice.d(page))
        assert response.status_code == 200, (page, response.text)
        assert_page_basics(response.text)


def test_edit_and_delete_pages_render_for_each_kind(alice: Browser, services: Services) -> None:
    ids = seed(services, alice)
    for kind, record_id in ids.items():
        for action in ("edit", "delete"):
            response = alice.get(alice.d(f"{kind}/{record_id}/{action}"))
            assert response.status_code == 200, (kind, action, response.text)
            assert_page_basics(response.text)
    for action in ("change", "stop"):
        response = alice.get(alice.d(f"medications/{ids['medications']}/{action}"))
        assert response.status_code == 200
        assert_page_basics(response.text)


def test_every_account_page_renders(alice: Browser) -> None:
    for page in ACCOUNT_PAGES:
        response = alice.get(page)
        assert response.status_code == 200, (page, response.text)
        assert_page_basics(response.text)


def test_start_page_sends_each_role_to_its_home(make_browser: Any) -> None:
    patient = make_browser("p@example.org")
    assert patient.client.get("/", follow_redirects=False).headers["location"] == patient.d()
    clinician = make_browser("c@example.org", Role.CLINICIAN)
    assert clinician.client.get("/", follow_redirects=False).headers["location"] == "/shared"
    admin = make_browser("a@example.org", Role.ADMIN)
    assert admin.client.get("/", follow_redirects=False).headers["location"] == "/admin/accounts"


def test_a_stranger_gets_the_same_404_as_for_a_diary_that_does_not_exist(
    alice: Browser, bob: Browser, services: Services
) -> None:
    ids = seed(services, alice)
    urls = [alice.d(p) for p in DIARY_PAGES]
    urls += [alice.d(f"{kind}/{rid}/edit") for kind, rid in ids.items()]
    for url in urls:
        mine = bob.get(url)
        missing = bob.get(url.replace(alice.id, "0" * 32))
        assert mine.status_code == 404, url
        assert missing.status_code == 404
        assert mine.text == missing.text
        assert "Alice" not in mine.text
        assert "alice@example.org" not in mine.text
    posted = bob.post(alice.d("today/episode"), {"intensity": "5", "count_band": "1"})
    assert posted.status_code == 404
    assert services.diaries.page(services.diaries.open(alice.account), EPISODES).total == 1  # type: ignore[arg-type]


def test_a_record_of_another_diary_is_not_found_through_ones_own_diary(
    alice: Browser, bob: Browser, services: Services
) -> None:
    ids = seed(services, alice)
    assert bob.get(bob.d(f"episodes/{ids['episodes']}/edit")).status_code == 404
    response = bob.post(bob.d(f"episodes/{ids['episodes']}/delete"))
    assert response.status_code == 404


def test_a_clinician_with_a_read_share_sees_the_diary_but_no_edit_controls(
    alice: Browser, make_browser: Any, services: Services
) -> None:
    ids = seed(services, alice)
    doctor = make_browser("dr@example.org", Role.CLINICIAN, display_name="Dr Who")
    assert doctor.get(alice.d("history")).status_code == 404
    services.diaries.grant(services.diaries.open(alice.account), "dr@example.org", Access.READ)  # type: ignore[arg-type]
    listing = doctor.get("/shared")
    assert "Alice" in listing.text
    assert alice.d() in listing.text
    for page in [
        "today",
        "history",
        "history/calendar",
        "medications",
        "doses",
        "side-effects",
        "profile",
        "options",
    ]:
        response = doctor.get(alice.d(page))
        assert response.status_code == 200, page
        assert "read only" in response.text
        assert "/edit" not in response.text, page
        assert "/delete" not in response.text, page
        assert 'method="post" action="/d/' not in response.text, page
    refused = [
        doctor.post(alice.d("today/episode"), {"intensity": "5", "count_band": "1"}),
        doctor.post(
            alice.d("episodes"),
            {"started_at": "2026-06-15T10:00", "intensity": "3", "count_band": "1"},
        ),
        doctor.post(alice.d(f"episodes/{ids['episodes']}/delete")),
        doctor.post(alice.d("profile"), {"age_years": "40", "sex": "male"}),
        doctor.post(
            alice.d(f"medications/{ids['medications']}/stop"), {"stopped_on": "2026-06-15"}
        ),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert "read only" in refused[0].text
    for url in ("/settings/data", "/settings/sharing", "/settings/access"):
        assert doctor.get(url).status_code == 404


def test_a_carer_with_read_write_records_in_the_shared_diary(
    alice: Browser, make_browser: Any, services: Services
) -> None:
    carer = make_browser("carer@example.org", Role.CARER)
    share = services.diaries.grant(services.diaries.open(alice.account), "carer@example.org")  # type: ignore[arg-type]
    assert share.access is Access.READ_WRITE
    response = carer.post(alice.d("today/episode"), {"intensity": "8", "count_band": "11-50"})
    assert response.status_code == 303
    page = carer.get(alice.d("history"))
    assert "intensity 8/10" in page.text
    assert "/edit" in page.text
    services.diaries.revoke(services.diaries.open(alice.account), share.id)  # type: ignore[arg-type]
    assert carer.get(alice.d("history")).status_code == 404
    assert "Alice" not in carer.get("/shared").text


def test_signed_out_visitors_are_sent_to_sign_in_with_a_local_next(
    anonymous: Browser, alice: Browser
) -> None:
    response = anonymous.client.get(alice.d("history") + "?kind=episodes", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/d/")
    assert anonymous.client.get("/settings", follow_redirects=False).headers["location"] == (
        "/login?next=/settings"
    )


def test_error_pages_are_friendly(alice: Browser) -> None:
    missing = alice.get("/no/such/page")
    assert missing.status_code == 404
    assert "Page not found" in missing.text
    assert_page_basics(missing.text)
    wrong_method = alice.client.put("/settings")
    assert wrong_method.status_code == 405
    assert "<h1>" in wrong_method.text
    unknown_kind = alice.get(alice.d("nonsense/new"))
    assert unknown_kind.status_code == 404


def test_a_patient_with_a_diary_shared_with_them_finds_it(
    alice: Browser, bob: Browser, services: Services
) -> None:
    assert "/shared" not in bob.get(bob.d()).text
    assert alice.account is not None
    services.diaries.grant(services.diaries.open(alice.account), "bob@example.org", Access.READ)
    assert 'href="/shared"' in bob.get(bob.d()).text
    listing = bob.get("/shared")
    assert "Your own diary" in listing.text
    assert "Alice" in listing.text
