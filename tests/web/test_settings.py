"""Settings: account, export and import, deleting the diary, sharing, the access log, admin."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from myoscope.bootstrap import Services
from myoscope.domain.diary import Role
from myoscope.services.diary import EPISODES

from .conftest import PASSWORD, Browser
from .test_pages import assert_page_basics


def test_account_details_and_time_zone_are_changed(alice: Browser, services: Services) -> None:
    response = alice.post(
        "/settings/account", {"display_name": "Alice A.", "timezone": "America/New_York"}
    )
    assert response.status_code == 303
    assert alice.account is not None
    account = services.accounts.get(alice.account.id)
    assert (account.display_name, account.timezone) == ("Alice A.", "America/New_York")
    alice.post(alice.d("today/episode"), {"intensity": "5", "count_band": "1"})
    assert "Mon 15 Jun 2026, 08:00" in alice.get(alice.d("history")).text  # 12:00 UTC in New York
    bad = alice.post("/settings/account", {"display_name": "x", "timezone": "Mars/Olympus"})
    assert bad.status_code == 422
    assert "unknown time zone" in bad.text


def test_the_password_is_changed_after_checking_the_current_one(
    alice: Browser, make_browser: Any
) -> None:
    wrong = alice.post(
        "/settings/password",
        {
            "current_password": "nope",
            "new_password": "new password 1",
            "new_password_again": "new password 1",
        },
    )
    assert wrong.status_code == 422
    assert "current password is not correct" in wrong.text
    mismatch = alice.post(
        "/settings/password",
        {
            "current_password": PASSWORD,
            "new_password": "new password 1",
            "new_password_again": "other",
        },
    )
    assert "not the same" in mismatch.text
    short = alice.post(
        "/settings/password",
        {"current_password": PASSWORD, "new_password": "short", "new_password_again": "short"},
    )
    assert "too short" in short.text
    ok = alice.post(
        "/settings/password",
        {
            "current_password": PASSWORD,
            "new_password": "new password 1",
            "new_password_again": "new password 1",
        },
    )
    assert ok.status_code == 303
    other = make_browser()
    assert other.sign_in("alice@example.org", "new password 1").status_code == 303


def test_export_import_and_delete_round_trip(alice: Browser, services: Services) -> None:
    alice.post(alice.d("today/episode"), {"intensity": "5", "count_band": "2-10"})
    alice.post(alice.d("checkins"), {"day": "2026-06-15", "severity": "4"})
    exported = alice.get("/settings/export?format=json")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("application/json")
    assert "attachment" in exported.headers["content-disposition"]
    document = exported.json()
    assert len(document["episodes"]) == 1
    archive = alice.get("/settings/export?format=csv")
    assert archive.headers["content-type"] == "application/zip"
    assert "episodes.csv" in zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    refused = alice.post("/settings/delete", {"confirm": "yes"})
    assert refused.status_code == 422
    assert "nothing was deleted" in refused.text
    assert alice.post("/settings/delete", {"confirm": "delete"}).status_code == 303
    assert alice.account is not None
    assert services.diaries.all(services.diaries.open(alice.account), EPISODES) == []
    upload = alice.client.post(
        "/settings/import",
        data={"csrf_token": alice.token},
        files={"file": ("diary.json", json.dumps(document).encode(), "application/json")},
        follow_redirects=False,
    )
    assert upload.status_code == 303
    assert len(services.diaries.all(services.diaries.open(alice.account), EPISODES)) == 1
    from_zip = alice.client.post(
        "/settings/import",
        data={"csrf_token": alice.token},
        files={"file": ("diary.zip", archive.content, "application/zip")},
        follow_redirects=False,
    )
    assert from_zip.status_code == 303
    assert "Imported 2 entries." in alice.get("/settings/data").text


def test_a_bad_import_file_is_refused_with_a_message(alice: Browser) -> None:
    response = alice.client.post(
        "/settings/import",
        data={"csrf_token": alice.token},
        files={"file": ("notes.txt", b"hello", "text/plain")},
    )
    assert response.status_code == 422
    assert "neither a Myoscope JSON export" in response.text
    empty = alice.client.post("/settings/import", data={"csrf_token": alice.token})
    assert empty.status_code == 422
    assert "Choose a file" in empty.text


def test_sharing_is_granted_listed_and_revoked(
    alice: Browser, make_browser: Any, services: Services
) -> None:
    carer = make_browser("carer@example.org", Role.CARER, display_name="Carol")
    unknown = alice.post("/settings/sharing", {"email": "ghost@example.org", "access": "read"})
    assert unknown.status_code == 422
    assert "No account uses the e-mail address" in unknown.text
    assert 'value="ghost@example.org"' in unknown.text
    granted = alice.post(
        "/settings/sharing", {"email": "carer@example.org", "access": "read-write"}
    )
    assert granted.status_code == 303
    page = alice.get("/settings/sharing")
    assert "Carol" in page.text
    assert "Read and write" in page.text
    assert carer.get(alice.d("history")).status_code == 200
    share_id = page.text.split("/settings/sharing/")[1].split("/revoke")[0]
    assert alice.post(f"/settings/sharing/{share_id}/revoke").status_code == 303
    assert carer.get(alice.d("history")).status_code == 404
    assert "Earlier shares" in alice.get("/settings/sharing").text
    assert alice.post("/settings/sharing/nope/revoke").status_code == 404


def test_the_access_log_names_who_read_the_diary(
    alice: Browser, make_browser: Any, services: Services
) -> None:
    make_browser("dr@example.org", Role.CLINICIAN, display_name="Dr Who")
    alice.post("/settings/sharing", {"email": "dr@example.org", "access": "read"})
    doctor = make_browser()
    doctor.sign_in("dr@example.org")
    doctor.get(alice.d("history"))
    log = alice.get("/settings/access")
    assert "Dr Who (clinician)" in log.text
    assert "You" in log.text
    assert "list" in log.text
    assert "Mon 15 Jun 2026, 13:00" in log.text


def test_administrators_list_add_and_unlock_accounts(
    make_browser: Any, services: Services, alice: Browser
) -> None:
    admin = make_browser("admin@example.org", Role.ADMIN)
    page = admin.get("/admin/accounts")
    assert "alice@example.org" in page.text
    assert_page_basics(page.text)
    added = admin.post(
        "/admin/accounts",
        {
            "email": "new@example.org",
            "role": "clinician",
            "display_name": "Dr New",
            "timezone": "UTC",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    )
    assert added.status_code == 303
    assert services.repository.accounts.get_by_email("new@example.org") is not None
    duplicate = admin.post(
        "/admin/accounts",
        {
            "email": "new@example.org",
            "role": "clinician",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    )
    assert duplicate.status_code == 422
    assert "already exists" in duplicate.text
    bad_role = admin.post(
        "/admin/accounts",
        {
            "email": "x@example.org",
            "role": "king",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    )
    assert bad_role.status_code == 422
    stranger = make_browser()
    for _ in range(5):
        stranger.sign_in("alice@example.org", "wrong password")
    assert "Locked until" in admin.get("/admin/accounts").text
    assert alice.account is not None
    assert admin.post(f"/admin/accounts/{alice.account.id}/unlock").status_code == 303
    assert stranger.sign_in("alice@example.org").status_code == 303


def test_only_administrators_see_the_accounts_page(alice: Browser) -> None:
    assert alice.get("/admin/accounts").status_code == 404
    assert (
        alice.post("/admin/accounts", {"email": "x@example.org", "role": "admin"}).status_code
        == 404
    )
