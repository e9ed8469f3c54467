"""Export (JSON and CSV), delete, import: the same diary comes back; and the access log."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest

from .conftest import User
from .helpers import assert_problem, checkin, dose, episode, medication, side_effect


@pytest.fixture
def full_diary(alice: User) -> dict[str, Any]:
    """A diary with every kind of record, links between them, a dose change and a profile."""
    client = alice.client
    regimen = client.post("/medications", json=medication(start_reason="jerks at work")).json()
    changed = client.post(
        f"/medications/{regimen['id']}/change",
        json={"on": "2024-04-01", "dose_amount": 750, "times_per_day": 2, "reason": "more jerks"},
    ).json()
    client.post(
        "/medications",
        json=medication(
            drug="clonazepam",
            dose_amount=0.5,
            started_on="2023-01-01",
            stopped_on="2023-06-01",
            outcome="not-tolerated",
            stop_reason="too drowsy; could not work",
        ),
    )
    client.post(
        "/medications",
        json=medication(drug="Made-up drug, with comma", as_needed=True, dose_unit="drop"),
    )
    client.post("/episodes", json=episode())
    client.post(
        "/episodes",
        json=episode(
            started_at="2024-05-02T22:15:00-04:00",
            ended_at="2024-05-02T22:45:00-04:00",
            count=None,
            count_band="continuous",
            kind="negative",
            fell=True,
            body_areas=[],
            triggers=["other"],
            note='a "quoted", multi-line\nnote; with semicolons',
        ),
    )
    client.post("/checkins", json=checkin())
    client.post("/checkins", json=checkin(day="2024-05-02", walking=None, note="ok day"))
    client.post(
        "/doses",
        json=dose(regimen_id=changed["id"], status="late", scheduled_at="2024-05-01T07:00:00Z"),
    )
    client.post(
        "/doses", json=dose(drug="clonazepam", amount=None, status="skipped", as_needed=True)
    )
    client.post(
        "/side-effects", json=side_effect(regimen_id=changed["id"], ended_at="2024-05-03T12:00:00Z")
    )
    client.post("/side-effects", json=side_effect(effect="rash", severity="severe", note="arms"))
    client.put(
        "/profile",
        json={
            "age_years": 40,
            "sex": "female",
            "weight_kg": 61.5,
            "egfr_ml_min": 80,
            "myoclonus": {
                "distribution": "multifocal",
                "occurs_at": ["action"],
                "physiology": "cortical",
            },
            "conditions": ["depression"],
            "allergies": ["penicillin"],
            "previous_treatments": [{"name": "valproate", "outcome": "ineffective"}],
        },
    )
    return export(alice)


def export(user: User) -> dict[str, Any]:
    response = user.client.get("/export", params={"format": "json"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-disposition"].startswith("attachment;")
    document = response.json()
    document.pop("exported_at")
    return dict(document)


def delete_everything(user: User) -> None:
    response = user.client.request("DELETE", "/diary", json={"confirm": "delete"})
    assert response.status_code == 200, response.text
    assert sum(response.json()["deleted"].values()) > 0
    emptied = export(user)
    assert emptied["profile"] is None
    assert all(
        emptied[k] == [] for k in ("episodes", "checkins", "medications", "doses", "side-effects")
    )


def test_the_export_has_every_kind_of_record(full_diary: dict[str, Any]) -> None:
    counts = {
        k: len(full_diary[k])
        for k in ("episodes", "checkins", "medications", "doses", "side-effects")
    }
    assert counts == {"episodes": 2, "checkins": 2, "medications": 4, "doses": 2, "side-effects": 2}
    assert full_diary["profile"]["age_years"] == 40


def test_json_export_delete_import_gives_back_the_same_diary(
    alice: User, full_diary: dict[str, Any]
) -> None:
    document = alice.client.get("/export").json()
    delete_everything(alice)
    imported = alice.client.post("/import", json=document)
    assert imported.status_code == 200, imported.text
    assert imported.json()["imported"] == {
        "medications": 4,
        "episodes": 2,
        "checkins": 2,
        "doses": 2,
        "side-effects": 2,
    }
    assert export(alice) == full_diary


@pytest.mark.parametrize("how", ["upload", "body"])
def test_csv_export_delete_import_gives_back_the_same_diary(
    alice: User, full_diary: dict[str, Any], how: str
) -> None:
    response = alice.client.get("/export", params={"format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].endswith('.zip"')
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert {
            "episodes.csv",
            "checkins.csv",
            "medications.csv",
            "doses.csv",
            "side-effects.csv",
        } <= set(archive.namelist())
    delete_everything(alice)
    if how == "upload":
        imported = alice.client.post(
            "/import", files={"file": ("diary.zip", response.content, "application/zip")}
        )
    else:
        imported = alice.client.post(
            "/import", content=response.content, headers={"content-type": "application/zip"}
        )
    assert imported.status_code == 200, imported.text
    assert export(alice) == full_diary


def test_importing_twice_replaces_rather_than_duplicates(
    alice: User, full_diary: dict[str, Any]
) -> None:
    document = alice.client.get("/export").json()
    assert alice.client.post("/import", json=document).status_code == 200
    assert export(alice) == full_diary


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"json": {"format": "something else"}}, "not a Myoscope diary export"),
        ({"json": {"format": "myoscope-diary", "version": 99}}, "version"),
        (
            {"content": b"PK\x03\x04 broken zip", "headers": {"content-type": "application/zip"}},
            "ZIP",
        ),
        ({"files": {"wrong": ("a.txt", b"x", "text/plain")}}, "'file'"),
        ({"content": b""}, "neither"),
    ],
    ids=["not-an-export", "version", "broken-zip", "no-file-field", "empty"],
)
def test_files_that_are_not_exports_are_422_and_change_nothing(
    alice: User, full_diary: dict[str, Any], kwargs: dict[str, Any], expected: str
) -> None:
    response = alice.client.post("/import", **kwargs)
    assert expected in assert_problem(response, 422)["detail"]
    assert export(alice) == full_diary


def test_an_import_with_one_bad_record_changes_nothing(
    alice: User, full_diary: dict[str, Any]
) -> None:
    document = alice.client.get("/export").json()
    document["episodes"][1]["intensity"] = 99
    body = assert_problem(alice.client.post("/import", json=document), 422)
    assert "episodes[1]" in body["detail"]
    assert export(alice) == full_diary


def test_deleting_the_diary_needs_the_confirmation(alice: User, full_diary: dict[str, Any]) -> None:
    for body in (None, {}, {"confirm": "yes"}):
        response = alice.client.request("DELETE", "/diary", json=body)
        assert_problem(response, 422)
    assert export(alice) == full_diary


def test_an_unknown_export_format_is_422(alice: User) -> None:
    assert (
        assert_problem(alice.client.get("/export", params={"format": "xml"}), 422)["errors"][0][
            "field"
        ]
        == "format"
    )


def test_reads_and_changes_by_a_clinician_and_a_carer_appear_in_the_owners_audit(
    alice: User, clinician: User, carer: User
) -> None:
    record = alice.client.post("/episodes", json=episode()).json()
    alice.client.put("/profile", json={"age_years": 40, "sex": "female"})
    alice.client.post("/shares", json={"email": clinician.account.email, "access": "read-write"})
    alice.client.post("/shares", json={"email": carer.account.email, "access": "read-write"})
    mine = {"patient_id": alice.id}
    clinician.client.get(f"/episodes/{record['id']}", params=mine)
    clinician.client.get("/episodes", params=mine)
    clinician.client.get("/assessment", params=mine | {"audience": "clinician"})
    added = carer.client.post("/doses", params=mine, json=dose()).json()
    changed = clinician.client.put(
        f"/episodes/{record['id']}", params=mine, json=episode(fell=True)
    )
    assert changed.status_code == 200, changed.text

    audit = alice.client.get("/audit", params={"limit": 1000}).json()
    seen = {(e["actor"], e["action"], e["resource"], e["record_id"]) for e in audit["items"]}
    assert ("Dr C (clinician)", "read", "episodes", record["id"]) in seen
    assert ("Dr C (clinician)", "list", "episodes", None) in seen
    assert ("Dr C (clinician)", "assess", "assessment", None) in seen
    assert ("Dr C (clinician)", "update", "episodes", record["id"]) in seen
    assert ("Carol (carer)", "create", "doses", added["id"]) in seen
    assert ("Alice (patient)", "create", "episodes", record["id"]) in seen
    actors = {e["actor_id"] for e in audit["items"]}
    assert actors == {alice.id, clinician.id, carer.id}
    assert audit["total"] == len(audit["items"])

    # Newest first, paged, and limited by time.
    page = alice.client.get("/audit", params={"limit": 2, "offset": 1}).json()
    assert [e["at"] for e in page["items"]] == sorted(
        (e["at"] for e in page["items"]), reverse=True
    )
    assert (page["limit"], page["offset"], len(page["items"])) == (2, 1, 2)
    future = alice.client.get("/audit", params={"since": "2999-01-01T00:00:00Z"}).json()
    assert future["items"] == []
