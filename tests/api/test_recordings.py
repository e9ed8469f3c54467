"""``/recordings``: upload (202 and Location), status and progress, groups, review, delete."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import pytest

from myoscope.bootstrap import Services
from recording_files import write_emg_csv

from .conftest import User
from .helpers import assert_problem


@cache
def emg_csv() -> bytes:
    with TemporaryDirectory() as folder:
        return write_emg_csv(Path(folder) / "night.csv").read_bytes()


def upload(user: User, content: bytes | None = None, name: str = "night.csv", **kw: Any) -> Any:
    return user.client.post(
        "/recordings", files={"file": (name, content or emg_csv(), "text/csv")}, **kw
    )


def test_an_upload_answers_202_with_the_queued_recording_and_its_location(alice: User) -> None:
    response = upload(alice, data={"started_at": "2026-06-14T22:00:00+02:00"})
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "queued"
    assert body["progress"] == 0.0
    assert body["file_name"] == "night.csv"
    assert body["format"] == "csv"
    assert body["started_at"] == "2026-06-14T20:00:00Z"
    assert body["started_at_source"] == "user"
    assert len(body["sha256"]) == 64
    assert response.headers["Location"] == f"/api/v1/recordings/{body['id']}"
    assert "path" not in response.text.lower()
    got = alice.client.get(response.headers["Location"].removeprefix("/api/v1"))
    assert got.status_code == 200
    assert got.json()["groups"] == []


def test_after_the_analysis_the_recording_has_its_summary_and_groups_to_review(
    alice: User, services: Services
) -> None:
    created = upload(alice).json()
    assert services.recordings.run_pending() == 1
    body = alice.client.get(f"/recordings/{created['id']}").json()
    assert body["status"] == "done"
    assert body["progress"] == 1.0
    assert body["summary"]["jerks"] == 5
    assert body["summary"]["groups"] == 2
    assert "events" not in body["summary"]
    groups = body["groups"]
    assert [(g["count"], g["kind"], g["review"]) for g in groups] == [
        (3, "positive", "pending"),
        (2, "positive", "pending"),
    ]
    listed = alice.client.get("/recordings").json()
    assert listed["total"] == 1
    assert listed["items"][0]["id"] == created["id"]

    reviewed = alice.client.post(
        f"/recordings/{created['id']}/groups/{groups[0]['id']}/review",
        json={"review": "confirmed"},
    )
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["review"] == "confirmed"
    episode = alice.client.get(f"/episodes/{groups[0]['id']}").json()
    assert (episode["source"], episode["recording_id"], episode["review"]) == (
        "sensor",
        created["id"],
        "confirmed",
    )
    own = alice.client.get("/episodes").json()["items"]
    assert {e["source"] for e in own} == {"sensor"}


def test_a_file_that_cannot_be_analysed_fails_with_a_message_not_a_server_error(
    alice: User, services: Services
) -> None:
    created = upload(alice, b"time_s,EDC\nnot,numbers\n", name="broken.csv").json()
    services.recordings.run_pending()
    body = alice.client.get(f"/recordings/{created['id']}").json()
    assert body["status"] == "failed"
    assert "broken.csv" in body["message"]


@pytest.mark.parametrize(
    ("name", "content", "status", "field"),
    [
        ("notes.txt", b"hello", 422, "file"),
        ("empty.csv", b"", 422, "file"),
    ],
)
def test_bad_uploads_are_problems(
    alice: User, name: str, content: bytes, status: int, field: str
) -> None:
    response = alice.client.post("/recordings", files={"file": (name, content, "text/plain")})
    problem = assert_problem(response, status)
    assert problem["errors"][0]["field"] == field
    assert alice.client.get("/recordings").json()["total"] == 0


def test_a_json_body_or_a_missing_file_or_a_naive_start_is_refused(alice: User) -> None:
    assert_problem(alice.client.post("/recordings", json={"file": "x"}), 422)
    assert_problem(alice.client.post("/recordings", data={"started_at": "x"}), 422)
    naive = upload(alice, data={"started_at": "2026-06-14T22:00:00"})
    assert "offset" in assert_problem(naive, 422)["detail"]


def test_a_file_over_the_limit_is_413(alice: User, services: Services) -> None:
    object.__setattr__(services.recordings, "max_bytes", 1000)
    problem = assert_problem(upload(alice, b"1" * 5000, name="big.csv"), 413)
    assert "larger than" in problem["detail"]


def test_unknown_ids_are_404(alice: User) -> None:
    assert_problem(alice.client.get("/recordings/" + "f" * 32), 404)
    assert_problem(alice.client.delete("/recordings/" + "f" * 32), 404)
    created = upload(alice).json()
    review = alice.client.post(
        f"/recordings/{created['id']}/groups/{'f' * 32}/review", json={"review": "confirmed"}
    )
    assert_problem(review, 404)
    bad = alice.client.post(
        f"/recordings/{created['id']}/groups/{'f' * 32}/review", json={"review": "maybe"}
    )
    assert_problem(bad, 422)


def test_delete_removes_the_recording_and_unconfirmed_groups(
    alice: User, services: Services
) -> None:
    created = upload(alice).json()
    services.recordings.run_pending()
    groups = alice.client.get(f"/recordings/{created['id']}").json()["groups"]
    alice.client.post(
        f"/recordings/{created['id']}/groups/{groups[1]['id']}/review",
        json={"review": "confirmed"},
    )
    assert alice.client.delete(f"/recordings/{created['id']}").status_code == 204
    assert_problem(alice.client.get(f"/recordings/{created['id']}"), 404)
    left = alice.client.get("/episodes").json()["items"]
    assert [e["id"] for e in left] == [groups[1]["id"]]


def test_another_persons_recording_is_404_like_one_that_does_not_exist(
    alice: User, bob: User, services: Services
) -> None:
    created = upload(alice).json()
    services.recordings.run_pending()
    group = alice.client.get(f"/recordings/{created['id']}").json()["groups"][0]["id"]
    theirs = bob.client.get(f"/recordings/{created['id']}")
    nowhere = bob.client.get("/recordings/" + "f" * 32)
    assert theirs.status_code == nowhere.status_code == 404
    assert theirs.json()["detail"].replace(created["id"], "X") == nowhere.json()["detail"].replace(
        "f" * 32, "X"
    )
    review = bob.client.post(
        f"/recordings/{created['id']}/groups/{group}/review", json={"review": "false-alarm"}
    )
    assert_problem(review, 404)
    assert_problem(bob.client.delete(f"/recordings/{created['id']}"), 404)
    assert alice.client.get(f"/recordings/{created['id']}").json()["groups"][0]["review"] == (
        "pending"
    )
