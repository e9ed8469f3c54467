"""The Settings data page: "Export FHIR (R4)" and the import of a FHIR Bundle."""

from __future__ import annotations

import json

from myoscope.bootstrap import Services
from myoscope.services.diary import EPISODES

from .conftest import Browser


def test_the_data_page_offers_fhir_export_and_import(alice: Browser) -> None:
    page = alice.get("/settings/data").text
    assert "/settings/export?format=fhir" in page
    assert 'action="/settings/import-fhir"' in page


def test_fhir_export_then_import_into_another_diary(
    alice: Browser, bob: Browser, services: Services
) -> None:
    alice.post(alice.d("today/episode"), {"intensity": "5", "count_band": "2-10"})
    exported = alice.get("/settings/export?format=fhir")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("application/fhir+json")
    assert ".fhir.json" in exported.headers["content-disposition"]
    bundle = exported.json()
    assert bundle["resourceType"] == "Bundle"
    bundle["entry"].append({"resource": {"resourceType": "Practitioner", "id": "dr"}})
    bob.get("/settings/data")
    upload = bob.client.post(
        "/settings/import-fhir",
        data={"csrf_token": bob.token},
        files={"fhir_file": ("a.fhir.json", json.dumps(bundle).encode(), "application/json")},
        follow_redirects=False,
    )
    assert upload.status_code == 303, upload.text
    assert bob.account is not None
    assert len(services.diaries.all(services.diaries.open(bob.account), EPISODES)) == 1
    shown = bob.get("/settings/data").text
    assert "Imported 1 entries from the FHIR Bundle" in shown
    assert "Practitioner" in shown


def test_a_bad_fhir_file_is_refused_with_a_message(alice: Browser) -> None:
    alice.get("/settings/data")
    response = alice.client.post(
        "/settings/import-fhir",
        data={"csrf_token": alice.token},
        files={"fhir_file": ("x.json", b'{"resourceType": "Patient"}', "application/json")},
    )
    assert response.status_code == 422
    assert "not a FHIR Bundle" in response.text
    empty = alice.client.post("/settings/import-fhir", data={"csrf_token": alice.token})
    assert empty.status_code == 422
    assert "Choose a FHIR R4 Bundle" in empty.text
