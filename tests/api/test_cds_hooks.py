"""CDS Hooks 2.0 at /cds-services: discovery, the patient-view service, errors, CORS.

The request and response examples live in tests/data/cds_hooks/; the test checks that the
documented response is the one the service gives (MYOSCOPE_WRITE_EXAMPLES=1 rewrites it).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from myoscope.bootstrap import Services, build_services
from myoscope.fhir import codes as c
from myoscope.fhir.cds import DISCLAIMER, SERVICE_ID
from myoscope.server import create_app
from myoscope.services.accounts import Argon2Hasher
from myoscope.settings import Settings
from myoscope.storage import open_repository

from .helpers import assert_problem

DATA = Path(__file__).parent.parent / "data" / "cds_hooks"
SERVICE = f"/cds-services/{SERVICE_ID}"


class FixedClock:
    def __call__(self) -> Any:
        from datetime import UTC, datetime

        return datetime(2026, 6, 15, 12, tzinfo=UTC)


@pytest.fixture
def services() -> Iterator[Services]:
    settings = Settings(database_url="sqlite://", secret_key="c" * 48, secret_key_configured=True)
    built = build_services(
        settings,
        repository=open_repository("sqlite://"),
        clock=FixedClock(),
        password_hasher=Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),
    )
    yield built
    built.close()


@pytest.fixture
def client(services: Services) -> TestClient:
    return TestClient(create_app(services))


def example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return data


def test_discovery_lists_the_patient_view_service_with_its_prefetch(client: TestClient) -> None:
    response = client.get("/cds-services")
    assert response.status_code == 200
    (service,) = response.json()["services"]
    assert service["id"] == SERVICE_ID
    assert service["hook"] == "patient-view"
    assert service["title"]
    assert DISCLAIMER in service["description"]
    assert service["prefetch"] == {
        "patient": "Patient/{{context.patientId}}",
        "medications": "MedicationStatement?patient={{context.patientId}}",
        "conditions": "Condition?patient={{context.patientId}}",
    }


def test_the_example_request_gets_the_engines_alerts_as_cards(client: TestClient) -> None:
    response = client.post(SERVICE, json=example("patient-view-request.json"))
    assert response.status_code == 200, response.text
    cards = response.json()["cards"]
    stored = DATA / "patient-view-response.json"
    if os.environ.get("MYOSCOPE_WRITE_EXAMPLES"):
        stored.write_text(
            json.dumps(response.json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    assert json.loads(stored.read_text(encoding="utf-8")) == response.json(), (
        "the documented example response is stale (the knowledge base changed?): rerun with "
        "MYOSCOPE_WRITE_EXAMPLES=1 and check the new cards"
    )
    for card in cards:
        assert len(card["summary"]) < 140
        assert card["indicator"] in {"info", "warning", "critical"}
        assert card["source"]["label"] == "Myoscope"
        assert DISCLAIMER in card["detail"]
        assert len(card["uuid"]) == 36
    by_rule = {card["source"].get("topic", {}).get("code"): card for card in cards}
    interaction = by_rule["benzodiazepine-opioid"]  # clonazepam by RxNorm 2598 + tramadol by name
    assert interaction["indicator"] == "critical"
    assert "Sources:" in interaction["detail"]
    assert "dailymed" in interaction["detail"]
    assert by_rule["benzodiazepine-older-adult"]["indicator"] == "warning"  # born 1954: 72
    # the eGFR Observation (24 mL/min) reached the kidney dose checks
    assert any("kidney" in card["summary"].lower() for card in cards)
    unknown = cards[-1]
    assert unknown["indicator"] == "info"
    assert "Zyxofen" in unknown["detail"]
    assert "not checked" in unknown["detail"]
    assert "(gabapentin)" not in json.dumps(cards)  # a stopped medicine is not taken now


def test_cards_are_the_same_for_the_same_request(client: TestClient) -> None:
    first = client.post(SERVICE, json=example("patient-view-request.json")).json()
    second = client.post(SERVICE, json=example("patient-view-request.json")).json()
    assert first == second


def test_a_request_without_prefetch_is_refused_with_412_saying_what_to_send(
    client: TestClient,
) -> None:
    response = client.post(SERVICE, json=example("patient-view-no-prefetch.json"))
    body = assert_problem(response, 412)
    assert "prefetch" in body["detail"]
    assert "GET /cds-services" in body["detail"]


def test_a_patient_without_birth_date_gets_an_info_card_and_no_checks(client: TestClient) -> None:
    request = example("patient-view-request.json")
    del request["prefetch"]["patient"]["birthDate"]
    cards = client.post(SERVICE, json=request).json()["cards"]
    assert len(cards) == 1
    assert cards[0]["indicator"] == "info"
    assert "birth date" in cards[0]["summary"]


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b"not json", 400, "JSON object"),
        (json.dumps({"hook": "order-select", "prefetch": {}}).encode(), 400, "patient-view"),
        (json.dumps([1, 2]).encode(), 400, "JSON object"),
        (
            json.dumps(
                {"hook": "patient-view", "prefetch": {"patient": {"resourceType": "Practitioner"}}}
            ).encode(),
            400,
            "holds a 'Practitioner'",
        ),
    ],
)
def test_bad_requests_get_a_problem_naming_the_fault(
    client: TestClient, body: bytes, status: int, words: str
) -> None:
    response = client.post(SERVICE, content=body, headers={"Content-Type": "application/json"})
    assert words in assert_problem(response, status)["detail"]


def test_cors_is_open_on_cds_services_only_and_no_session_cookie_is_set(
    client: TestClient,
) -> None:
    preflight = client.options(
        SERVICE,
        headers={
            "Origin": "https://sandbox.cds-hooks.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,authorization",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    answer = client.get("/cds-services", headers={"Origin": "https://sandbox.cds-hooks.org"})
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "set-cookie" not in answer.headers
    page = client.get("/login", headers={"Origin": "https://sandbox.cds-hooks.org"})
    assert "access-control-allow-origin" not in page.headers


def test_the_request_body_is_never_logged(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    request = example("patient-view-request.json")
    client.post(SERVICE, json=request)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in ("Zyxofen", "1954-03-02", "example-patient", "tramadol"):
        assert secret not in logged


def test_conditions_by_icd_10_code_and_the_myoclonus_code_itself(client: TestClient) -> None:
    request = example("patient-view-request.json")
    request["prefetch"]["conditions"]["entry"].append(
        {
            "resource": {
                "resourceType": "Condition",
                "id": "c-3",
                "code": {"coding": [{"system": c.ICD10, "code": "Z99.2"}]},
                "subject": {"reference": "Patient/example-patient"},
            }
        }
    )
    cards = client.post(SERVICE, json=request).json()["cards"]
    text = json.dumps(cards)
    assert "17450006" not in text  # myoclonus itself is the subject, not an unknown condition
    assert "Z99.2" not in text  # dialysis is known by its ICD-10 code


def test_a_prefetch_resource_the_fhir_library_refuses_is_400_naming_it(client: TestClient) -> None:
    request = example("patient-view-request.json")
    request["prefetch"]["medications"]["entry"][1]["resource"]["medicationReference"] = "x"
    body = assert_problem(client.post(SERVICE, json=request), 400)
    assert "prefetch.medications.entry[1] (MedicationStatement 'ms-2')" in body["detail"]
