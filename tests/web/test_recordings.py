"""The Recordings pages: upload, progress, the review page with traces, History's sensor badge."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import pytest

from myoscope.bootstrap import Services
from myoscope.domain.diary import Access, Role
from recording_files import write_emg_csv

from .conftest import Browser


@cache
def emg_csv() -> bytes:
    with TemporaryDirectory() as folder:
        return write_emg_csv(Path(folder) / "night.csv").read_bytes()


def upload(
    browser: Browser, content: bytes | None = None, name: str = "night.csv", **data: Any
) -> Any:
    browser.get(browser.d("recordings"))
    return browser.post(
        browser.d("recordings"), data, files={"file": (name, content or emg_csv(), "text/csv")}
    )


def analysed(browser: Browser, services: Services) -> str:
    """Upload, analyse, and return the recording's id."""
    assert upload(browser).status_code == 303
    services.recordings.run_pending()
    return services.recordings.page(services.diaries.open(browser.account)).items[0].id  # type: ignore[arg-type]


def test_the_page_is_in_the_menu_and_lists_the_accepted_types_and_the_limit(
    alice: Browser,
) -> None:
    page = alice.get(alice.d("recordings"))
    assert page.status_code == 200
    assert f'href="{alice.d("recordings")}"' in alice.get(alice.d()).text
    assert 'enctype="multipart/form-data"' in page.text
    for ext in ("edf", "bdf", "csv", "cwa", "gt3x", "bin"):
        assert ext in page.text
    assert "At most 1024 MB" in page.text
    assert "No recordings yet." in page.text


def test_an_upload_is_queued_with_visible_progress_then_reviewed(
    alice: Browser, services: Services
) -> None:
    response = upload(alice)
    assert response.status_code == 303
    assert response.headers["location"] == alice.d("recordings")
    listing = alice.get(alice.d("recordings")).text
    assert "night.csv" in listing
    assert "Waiting to be analysed" in listing
    assert "<progress" in listing
    assert "/static/recordings.js" in listing
    recording = services.recordings.page(services.diaries.open(alice.account)).items[0]  # type: ignore[arg-type]
    status = alice.get(alice.d(f"recordings/{recording.id}/status")).json()
    assert status == {
        "id": recording.id,
        "status": "queued",
        "status_text": "Waiting to be analysed",
        "progress": 0.0,
        "groups": None,
        "message": None,
    }

    services.recordings.run_pending()
    status = alice.get(alice.d(f"recordings/{recording.id}/status")).json()
    assert (status["status"], status["progress"], status["groups"]) == ("done", 1.0, 2)
    listing = alice.get(alice.d("recordings")).text
    assert "5 jerks, 2 groups to review" in listing

    review = alice.get(alice.d(f"recordings/{recording.id}")).text
    assert "Group 1: 3 jerks" in review
    assert "Group 2: 2 jerks" in review
    assert "2 to review, 0 confirmed, 0 false alarms" in review
    assert "not a diagnosis" in review or "never a diagnosis" in review
    assert "estimated: the upload time minus the length" in review
    assert review.count(">Confirm<") == 2
    assert review.count(">False alarm<") == 2


def test_the_trace_of_a_group_is_drawn_once_and_cached(alice: Browser, services: Services) -> None:
    recording_id = analysed(alice, services)
    diary = services.diaries.open(alice.account)  # type: ignore[arg-type]
    group = services.recordings.episodes(diary, recording_id)[0]
    url = alice.d(f"recordings/{recording_id}/groups/{group.id}/trace.png")
    first = alice.get(url)
    assert first.status_code == 200
    assert first.headers["content-type"] == "image/png"
    assert first.content.startswith(b"\x89PNG")
    recording = services.recordings.lookup(diary, recording_id)
    cached = services.recordings.cache_path(recording, f"trace-{group.id}.png")
    assert cached.is_file()
    assert alice.get(url).content == first.content
    assert (
        alice.get(alice.d(f"recordings/{recording_id}/groups/{'f' * 32}/trace.png")).status_code
        == 404
    )


def test_confirm_and_false_alarm_are_one_click_each_and_show_in_history(
    alice: Browser, services: Services
) -> None:
    recording_id = analysed(alice, services)
    diary = services.diaries.open(alice.account)  # type: ignore[arg-type]
    first, second = services.recordings.episodes(diary, recording_id)
    alice.get(alice.d(f"recordings/{recording_id}"))
    base = alice.d(f"recordings/{recording_id}/groups")
    confirmed = alice.post(f"{base}/{first.id}/review", {"review": "confirmed"})
    assert confirmed.status_code == 303
    assert confirmed.headers["location"].endswith(f"#group-{first.id}")
    assert alice.post(f"{base}/{second.id}/review", {"review": "false-alarm"}).status_code == 303
    review = alice.get(alice.d(f"recordings/{recording_id}")).text
    assert "0 to review, 1 confirmed, 1 false alarms" in review

    alice.post(
        alice.d("episodes/new"),
        {"started_at": "2026-06-15T10:00", "count": "2", "intensity": "4"},
    )
    history = alice.get(alice.d("history")).text
    assert "sensor · confirmed" in history
    assert "sensor · false alarm" in history
    assert "intensity not rated" in history
    sensor_only = alice.get(alice.d("history") + "?source=sensor").text
    assert "2 entries" in sensor_only
    own_only = alice.get(alice.d("history") + "?source=self").text
    assert "sensor ·" not in own_only


def test_a_read_only_share_can_view_but_not_upload_or_review(
    alice: Browser, make_browser: Any, services: Services
) -> None:
    recording_id = analysed(alice, services)
    diary = services.diaries.open(alice.account)  # type: ignore[arg-type]
    group = services.recordings.episodes(diary, recording_id)[0]
    doctor = make_browser("dr@example.org", Role.CLINICIAN)
    services.diaries.grant(diary, "dr@example.org", Access.READ)
    page = doctor.get(doctor.d(f"recordings/{recording_id}", alice.id))
    assert page.status_code == 200
    assert ">Confirm<" not in page.text
    assert 'id="upload-heading"' not in doctor.get(doctor.d("recordings", alice.id)).text
    refused = doctor.post(
        doctor.d(f"recordings/{recording_id}/groups/{group.id}/review", alice.id),
        {"review": "confirmed"},
    )
    assert refused.status_code == 403
    upload_refused = doctor.post(
        doctor.d("recordings", alice.id), {}, files={"file": ("x.csv", emg_csv(), "text/csv")}
    )
    assert upload_refused.status_code == 403


def test_a_read_write_carer_can_review(
    alice: Browser, make_browser: Any, services: Services
) -> None:
    recording_id = analysed(alice, services)
    diary = services.diaries.open(alice.account)  # type: ignore[arg-type]
    group = services.recordings.episodes(diary, recording_id)[0]
    carer = make_browser("carer@example.org", Role.CARER)
    services.diaries.grant(diary, "carer@example.org", Access.READ_WRITE)
    carer.get(carer.d(f"recordings/{recording_id}", alice.id))
    done = carer.post(
        carer.d(f"recordings/{recording_id}/groups/{group.id}/review", alice.id),
        {"review": "confirmed"},
    )
    assert done.status_code == 303


def test_someone_elses_recording_is_a_404(alice: Browser, bob: Browser, services: Services) -> None:
    recording_id = analysed(alice, services)
    diary = services.diaries.open(alice.account)  # type: ignore[arg-type]
    group = services.recordings.episodes(diary, recording_id)[0]
    for url in (
        bob.d(f"recordings/{recording_id}", alice.id),
        bob.d(f"recordings/{recording_id}/status", alice.id),
        bob.d(f"recordings/{recording_id}/groups/{group.id}/trace.png", alice.id),
        bob.d(f"recordings/{recording_id}"),  # Alice's id in Bob's own diary
        bob.d(f"recordings/{recording_id}/status"),
    ):
        assert bob.get(url).status_code == 404, url
    bob.get(bob.d("recordings"))
    assert (
        bob.post(
            bob.d(f"recordings/{recording_id}/groups/{group.id}/review"), {"review": "confirmed"}
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("name", "content", "status", "message"),
    [
        ("notes.txt", b"hello", 422, "is not a recording type"),
        ("empty.csv", b"", 422, "The file is empty"),
    ],
)
def test_bad_uploads_get_the_form_back_with_a_clear_message(
    alice: Browser, name: str, content: bytes, status: int, message: str
) -> None:
    browser_response = alice.post(
        alice.d("recordings"), {}, files={"file": (name, content, "text/plain")}
    )
    assert browser_response.status_code == status
    assert message in browser_response.text
    assert "No recordings yet." in browser_response.text


def test_an_upload_over_the_limit_is_413_with_the_limit(alice: Browser, services: Services) -> None:
    object.__setattr__(services.recordings, "max_bytes", 2 * 1024 * 1024)
    response = upload(alice, b"1" * (4 * 1024 * 1024), name="big.csv")
    assert response.status_code == 413
    assert "larger than 2 MB" in response.text


def test_an_upload_without_a_file_or_the_csrf_token_is_refused(alice: Browser) -> None:
    alice.get(alice.d("recordings"))
    assert alice.post(alice.d("recordings"), {}).status_code == 422
    forged = alice.post(
        alice.d("recordings"),
        {"csrf_token": "forged"},
        csrf=False,
        files={"file": ("night.csv", b"1,2\n", "text/csv")},
    )
    assert forged.status_code == 403


def test_a_failed_analysis_shows_its_message(alice: Browser, services: Services) -> None:
    upload(alice, b"\x00 not an EDF", name="broken.edf")
    services.recordings.run_pending()
    listing = alice.get(alice.d("recordings")).text
    assert "Could not be analysed" in listing
    assert "broken.edf" in listing


def test_deleting_a_recording_needs_the_box_ticked(alice: Browser, services: Services) -> None:
    recording_id = analysed(alice, services)
    alice.get(alice.d(f"recordings/{recording_id}"))
    assert alice.post(alice.d(f"recordings/{recording_id}/delete"), {}).status_code == 422
    deleted = alice.post(alice.d(f"recordings/{recording_id}/delete"), {"confirm": "yes"})
    assert deleted.status_code == 303
    assert "No recordings yet." in alice.get(alice.d("recordings")).text


def test_the_calendar_counts_self_reports_and_says_sensor_episodes_are_apart(
    alice: Browser, services: Services
) -> None:
    recording_id = analysed(alice, services)
    diary = services.diaries.open(alice.account)  # type: ignore[arg-type]
    month = services.recordings.episodes(diary, recording_id)[0].started_at.strftime("%Y-%m")
    page = alice.get(alice.d("history/calendar") + f"?month={month}").text
    assert ": 0 episodes." in page
    assert "2 sensor episodes from recordings are not counted here" in page
