"""The five record resources: create, list (time range and page), get, replace, delete."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import User
from .helpers import PAYLOADS, assert_problem, checkin, dose, episode, medication, side_effect

KINDS = sorted(PAYLOADS)

# Each kind's time field, and three values for it (oldest first) that a list can be cut between.
TIMES: dict[str, tuple[str, list[str]]] = {
    "episodes": (
        "started_at",
        ["2024-01-01T10:00:00Z", "2024-02-01T10:00:00Z", "2024-03-01T10:00:00Z"],
    ),
    "checkins": ("day", ["2024-01-01", "2024-02-01", "2024-03-01"]),
    "medications": ("started_on", ["2024-01-01", "2024-02-01", "2024-03-01"]),
    "doses": ("taken_at", ["2024-01-01T10:00:00Z", "2024-02-01T10:00:00Z", "2024-03-01T10:00:00Z"]),
    "side-effects": (
        "started_at",
        ["2024-01-01T10:00:00Z", "2024-02-01T10:00:00Z", "2024-03-01T10:00:00Z"],
    ),
}

# A field to change in a full replacement, and its new value as returned.
CHANGES: dict[str, tuple[str, Any]] = {
    "episodes": ("intensity", 2),
    "checkins": ("severity", 9),
    "medications": ("dose_amount", 750.0),
    "doses": ("status", "late"),
    "side-effects": ("severity", "severe"),
}


@pytest.mark.parametrize("kind", KINDS)
def test_create_answers_201_with_location_and_the_record(alice: User, kind: str) -> None:
    response = alice.client.post(f"/{kind}", json=PAYLOADS[kind]())
    assert response.status_code == 201, response.text
    record = response.json()
    assert response.headers["location"] == f"/api/v1/{kind}/{record['id']}"
    assert record["patient_id"] == alice.id
    assert {"id", "created_at", "updated_at"} <= set(record)
    # The Location header is the record's address.
    assert alice.client.get(response.headers["location"].removeprefix("/api/v1")).json() == record


@pytest.mark.parametrize("kind", KINDS)
def test_get_replace_delete(alice: User, kind: str) -> None:
    client = alice.client
    created = client.post(f"/{kind}", json=PAYLOADS[kind]()).json()
    url = f"/{kind}/{created['id']}"
    assert client.get(url).json() == created

    field, value = CHANGES[kind]
    replaced = client.put(url, json=PAYLOADS[kind](**{field: value}))
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()[field] == value
    assert replaced.json()["id"] == created["id"]
    assert replaced.json()["created_at"] == created["created_at"]
    assert client.get(url).json()[field] == value

    deleted = client.delete(url)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_problem(client.get(url), 404)
    assert_problem(client.delete(url), 404)
    assert_problem(client.put(url, json=PAYLOADS[kind]()), 404)


@pytest.mark.parametrize("kind", KINDS)
def test_list_filters_by_time_and_pages(alice: User, kind: str) -> None:
    client = alice.client
    field, times = TIMES[kind]
    ids = [client.post(f"/{kind}", json=PAYLOADS[kind](**{field: t})).json()["id"] for t in times]

    everything = client.get(f"/{kind}").json()
    assert [item["id"] for item in everything["items"]] == ids[::-1]  # newest first
    assert (everything["total"], everything["limit"], everything["offset"]) == (3, 100, 0)

    window = client.get(
        f"/{kind}", params={"since": "2024-01-15T00:00:00Z", "until": "2024-03-01T00:00:00Z"}
    ).json()
    assert [item["id"] for item in window["items"]] == [ids[1]]
    assert window["total"] == 1

    page = client.get(f"/{kind}", params={"limit": 1, "offset": 1}).json()
    assert [item["id"] for item in page["items"]] == [ids[1]]
    assert (page["total"], page["limit"], page["offset"]) == (3, 1, 1)

    beyond = client.get(f"/{kind}", params={"offset": 10}).json()
    assert beyond["items"] == []
    assert beyond["total"] == 3


def test_a_time_without_an_offset_is_read_as_utc(alice: User) -> None:
    alice.client.post("/episodes", json=episode(started_at="2024-01-01T10:00:00Z"))
    assert (
        alice.client.get("/episodes", params={"since": "2024-01-01T10:00:00"}).json()["total"] == 1
    )
    assert (
        alice.client.get("/episodes", params={"since": "2024-01-01T10:00:01"}).json()["total"] == 0
    )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"offset": -1}, "offset"),
        ({"since": "yesterday"}, "since"),
        ({"until": "2024-13-01"}, "until"),
        ({"since": "2024-02-01T00:00:00Z", "until": "2024-01-01T00:00:00Z"}, "since"),
        ({"since": "0001-01-01T00:00:00+05:00"}, "since"),
        ({"patient_id": ""}, "patient_id"),
    ],
)
def test_bad_list_parameters_are_422_naming_the_parameter(
    alice: User, params: dict[str, Any], field: str
) -> None:
    body = assert_problem(alice.client.get("/episodes", params=params), 422)
    assert field in [error["field"] for error in body["errors"]], body


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (episode(intensity=11), "intensity"),
        (episode(body_areas=["tail"]), "body_areas.0"),
        (episode(intesity=3), "intesity"),
        (checkin(mood=9), "mood"),
        (medication(dose_unit="spoonful"), "dose_unit"),
        (dose(taken_at="2024-05-01T08:00:00"), "taken_at"),
        (side_effect(severity="awful"), "severity"),
    ],
)
def test_invalid_records_are_422_naming_the_field(
    alice: User, payload: dict[str, Any], field: str
) -> None:
    kind = {
        "intensity": "episodes",
        "body_areas.0": "episodes",
        "intesity": "episodes",
        "mood": "checkins",
        "dose_unit": "medications",
        "taken_at": "doses",
        "severity": "side-effects",
    }[field]
    body = assert_problem(alice.client.post(f"/{kind}", json=payload), 422)
    assert [error["field"] for error in body["errors"]] == [field]
    assert field in body["detail"]


def test_a_rule_across_fields_is_422_with_the_reason(alice: User) -> None:
    payload = episode(ended_at="2024-05-01T07:00:00Z")
    body = assert_problem(alice.client.post("/episodes", json=payload), 422)
    assert "ended_at is before started_at" in body["detail"]


def test_a_second_check_in_for_the_same_day_replaces_the_first(alice: User) -> None:
    first = alice.client.post("/checkins", json=checkin(severity=3))
    again = alice.client.post("/checkins", json=checkin(severity=7))
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["location"] == first.headers["location"]
    listed = alice.client.get("/checkins").json()
    assert listed["total"] == 1
    assert listed["items"][0]["severity"] == 7


def test_moving_a_check_in_onto_another_day_with_one_is_409(alice: User) -> None:
    alice.client.post("/checkins", json=checkin(day="2024-05-01"))
    other = alice.client.post("/checkins", json=checkin(day="2024-05-02")).json()
    response = alice.client.put(f"/checkins/{other['id']}", json=checkin(day="2024-05-01"))
    assert "2024-05-01" in assert_problem(response, 409)["detail"]


def test_changing_a_dose_stops_the_regimen_and_starts_a_new_one(alice: User) -> None:
    old = alice.client.post("/medications", json=medication()).json()
    response = alice.client.post(
        f"/medications/{old['id']}/change",
        json={"on": "2024-04-01", "dose_amount": 750, "times_per_day": 2, "reason": "more jerks"},
    )
    assert response.status_code == 201, response.text
    new = response.json()
    assert response.headers["location"] == f"/api/v1/medications/{new['id']}"
    assert (new["replaces_id"], new["dose_amount"], new["started_on"]) == (
        old["id"],
        750.0,
        "2024-04-01",
    )
    stopped = alice.client.get(f"/medications/{old['id']}").json()
    assert stopped["stopped_on"] == "2024-04-01"


def test_a_change_before_the_start_is_422_naming_on(alice: User) -> None:
    old = alice.client.post("/medications", json=medication(started_on="2024-03-01")).json()
    response = alice.client.post(f"/medications/{old['id']}/change", json={"on": "2024-01-01"})
    assert assert_problem(response, 422)["errors"][0]["field"] == "on"


def test_a_dose_links_to_a_regimen_and_copies_its_drug(alice: User) -> None:
    regimen = alice.client.post("/medications", json=medication()).json()
    linked = alice.client.post(
        "/doses", json={"regimen_id": regimen["id"], "taken_at": "2024-05-01T08:00:00Z"}
    ).json()
    assert (linked["drug"], linked["amount"], linked["unit"]) == ("levetiracetam", 500.0, "mg")
    # A regimen with doses is stopped, not deleted, so the history stays whole.
    assert (
        "stop date"
        in assert_problem(alice.client.delete(f"/medications/{regimen['id']}"), 409)["detail"]
    )


def test_a_link_to_a_regimen_that_does_not_exist_is_404(alice: User) -> None:
    response = alice.client.post("/doses", json=dose(regimen_id="0" * 32))
    assert_problem(response, 404)
    response = alice.client.post("/side-effects", json=side_effect(regimen_id="0" * 32))
    assert_problem(response, 404)


def test_non_patients_have_no_diary_of_their_own(clinician: User) -> None:
    body = assert_problem(clinician.client.get("/episodes"), 404)
    assert "shared with you" in body["detail"]
