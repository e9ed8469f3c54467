"""``GET /fhir`` (the diary as a FHIR R4 Bundle) and FHIR Bundles through ``POST /import``."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.bundle import Bundle

from .conftest import User
from .helpers import assert_problem, checkin, dose, episode, medication, side_effect

FHIR_JSON = "application/fhir+json"


def fill(user: User) -> dict[str, str]:
    client = user.client
    regimen = client.post("/medications", json=medication()).json()["id"]
    ids = {
        "medication": regimen,
        "episode": client.post("/episodes", json=episode(note="ALICE-NOTE")).json()["id"],
        "checkin": client.post("/checkins", json=checkin()).json()["id"],
        "dose": client.post("/doses", json=dose(regimen_id=regimen)).json()["id"],
        "side_effect": client.post("/side-effects", json=side_effect(regimen_id=regimen)).json()[
            "id"
        ],
    }
    client.put("/profile", json={"age_years": 40, "sex": "female", "conditions": ["depression"]})
    return ids


def export(user: User, **params: Any) -> dict[str, Any]:
    response = user.client.get("/fhir", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(FHIR_JSON)
    assert "attachment" in response.headers["content-disposition"]
    bundle: dict[str, Any] = response.json()
    return bundle


def test_the_export_is_a_valid_bundle_of_the_diary(alice: User) -> None:
    ids = fill(alice)
    bundle = export(alice, validate="true")
    Bundle.model_validate(bundle)
    assert bundle["type"] == "collection"
    found = {e["resource"]["id"] for e in bundle["entry"]}
    assert set(ids.values()) <= found
    assert alice.id in found
    kinds = sorted({e["resource"]["resourceType"] for e in bundle["entry"]})
    assert kinds == [
        "AdverseEvent",
        "Condition",
        "MedicationAdministration",
        "MedicationStatement",
        "Observation",
        "Patient",
    ]


def test_a_read_share_may_export_and_an_outsider_gets_404(
    alice: User, bob: User, clinician: User
) -> None:
    fill(alice)
    alice.client.post("/shares", json={"email": clinician.account.email, "access": "read"})
    shared = export(clinician, patient_id=alice.id)
    assert len(shared["entry"]) == len(export(alice)["entry"])
    assert_problem(bob.client.get("/fhir", params={"patient_id": alice.id}), 404)
    audit = alice.client.get("/audit").json()["items"]
    assert any(
        e["action"] == "export" and e["resource"] == "fhir" and e["actor_id"] == clinician.id
        for e in audit
    )


def test_a_bundle_imports_through_post_import_and_round_trips(alice: User, bob: User) -> None:
    fill(alice)
    bundle = export(alice)
    response = bob.client.post("/import", json=bundle)
    assert response.status_code == 200, response.text
    assert response.json()["imported"] == {
        "medications": 1,
        "episodes": 1,
        "checkins": 1,
        "doses": 1,
        "side-effects": 1,
    }
    episodes = bob.client.get("/episodes").json()["items"]
    assert [e["note"] for e in episodes] == ["ALICE-NOTE"]
    assert bob.client.get("/profile").json()["stored"]["conditions"] == ["depression"]
    again = export(bob)
    assert len(again["entry"]) == len(bundle["entry"])


def test_an_invalid_bundle_is_422_naming_the_entry_and_field_and_changes_nothing(
    alice: User, bob: User
) -> None:
    fill(alice)
    bundle = export(alice)
    observation = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"
    )
    observation["component"][0]["valueInteger"] = "many"
    index = next(i for i, e in enumerate(bundle["entry"]) if e["resource"] is observation)
    body = assert_problem(bob.client.post("/import", json=bundle), 422)
    assert f"entry[{index}]" in body["detail"]
    assert "component.0.valueInteger" in body["detail"]
    assert bob.client.get("/episodes").json()["items"] == []
    assert bob.client.get("/medications").json()["items"] == []


def test_only_the_owner_imports_a_bundle(alice: User, carer: User) -> None:
    fill(alice)
    alice.client.post("/shares", json={"email": carer.account.email, "access": "read-write"})
    bundle = export(alice)
    assert_problem(carer.client.post("/import", params={"patient_id": alice.id}, json=bundle), 403)
