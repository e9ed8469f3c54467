"""FHIR R4 export and import: the mapping, validation by the library, and the round trip."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from myoscope.domain.diary import (
    Account,
    CheckIn,
    CheckInIn,
    Dose,
    DoseIn,
    Episode,
    EpisodeIn,
    Regimen,
    RegimenIn,
    Role,
    SideEffect,
    SideEffectIn,
)
from myoscope.errors import InvalidInputError, PermissionDeniedError
from myoscope.fhir import bundle_to_records, diary_to_bundle, validate_resource
from myoscope.fhir import codes as c
from myoscope.services.demo import seed_demo
from myoscope.services.fhir_exchange import export_fhir, import_fhir
from services_helpers import Clock, add_account, make_services

TODAY = date(2026, 6, 15)


@pytest.fixture(scope="module")
def demo() -> Any:
    """The demo diary (six months) in an in-memory database, and its FHIR export."""
    services = make_services(clock=Clock())
    accounts = seed_demo(services.accounts, services.diaries, services.profiles, today=TODAY)
    patient = services.repository.accounts.get(accounts.patient.id)
    assert patient is not None
    bundle = export_fhir(services.diaries, patient)
    yield services, patient, bundle, accounts
    services.close()


def resources(bundle: dict[str, Any], kind: str | None = None) -> list[dict[str, Any]]:
    found = [e["resource"] for e in bundle["entry"]]
    return [r for r in found if kind is None or r["resourceType"] == kind]


def codes_of(concept: dict[str, Any]) -> set[tuple[str, str]]:
    return {(x["system"], x["code"]) for x in concept.get("coding", [])}


# -- the export ----------------------------------------------------------------------------------


def test_the_demo_export_is_a_collection_bundle_the_library_accepts(demo: Any) -> None:
    services, patient, bundle, _ = demo
    assert bundle["resourceType"] == "Bundle"
    assert bundle["type"] == "collection"
    Bundle.model_validate(bundle)  # the whole Bundle, every resource included
    for index, entry in enumerate(bundle["entry"]):
        validate_resource(entry["resource"], where=f"entry[{index}]")
    kinds = {r["resourceType"] for r in resources(bundle)}
    assert kinds == {
        "Patient",
        "Condition",
        "MedicationStatement",
        "Observation",
        "MedicationAdministration",
        "AdverseEvent",
    }
    checked = export_fhir(services.diaries, patient, validate=True)
    assert len(checked["entry"]) == len(bundle["entry"])


def test_every_reference_resolves_inside_the_bundle(demo: Any) -> None:
    _, _, bundle, _ = demo
    urls = {e["fullUrl"] for e in bundle["entry"]}
    assert len(urls) == len(bundle["entry"])
    text = json.dumps(bundle)
    references = set(re.findall(r'"reference": "([^"]+)"', text))
    assert references
    assert references <= urls


def test_the_patient_carries_the_id_the_name_and_the_profile(demo: Any) -> None:
    _, patient, bundle, _ = demo
    (person,) = resources(bundle, "Patient")
    assert person["identifier"] == [{"system": c.IDENTIFIER_SYSTEM, "value": patient.id}]
    assert person["name"] == [{"text": patient.display_name}]
    assert person["gender"] == "male"
    stored = json.loads(person["extension"][0]["valueString"])
    assert stored["myoclonus"]["etiology"] == "post-hypoxic-chronic"


def test_a_patient_without_a_display_name_has_no_name(demo: Any) -> None:
    services = demo[0]
    account = Account(
        id="a" * 32, email="x@example.org", role=Role.PATIENT, created_at=datetime.now(UTC)
    )
    bundle = diary_to_bundle(account, kb=services.kb)
    assert "name" not in resources(bundle, "Patient")[0]


def test_myoclonus_is_coded_in_snomed_ct_and_icd_10(demo: Any) -> None:
    _, _, bundle, _ = demo
    conditions = resources(bundle, "Condition")
    myoclonus = conditions[0]
    assert (c.SNOMED, "17450006") in codes_of(myoclonus["code"])
    assert (c.ICD10, "G25.3") in codes_of(myoclonus["code"])
    assert "Physiology: cortical" in myoclonus["note"][0]["text"]
    cause = conditions[1]
    assert (c.CS_ETIOLOGY, "post-hypoxic-chronic") in codes_of(cause["code"])
    assert not {s for s, _ in codes_of(cause["code"])} & {c.SNOMED}  # no invented codes


def test_episodes_carry_components_with_local_and_snomed_body_site_codes(demo: Any) -> None:
    _, _, bundle, accounts = demo
    observations = [
        r
        for r in resources(bundle, "Observation")
        if r["code"]["coding"][0]["code"] == "myoclonus-episode"
    ]
    assert len(observations) == accounts.counts["episodes"]
    areas: dict[str, set[tuple[str, str]]] = {}
    for obs in observations:
        assert obs["subject"] == obs["performer"][0]
        assert "effectiveDateTime" in obs or "start" in obs["effectivePeriod"]
        for component in obs["component"]:
            if component["code"]["coding"][0]["code"] == "body-area":
                concept = component["valueCodeableConcept"]
                local = next(x["code"] for x in concept["coding"] if x["system"] == c.CS_BODY_AREA)
                areas.setdefault(local, set()).update(codes_of(concept))
    assert (c.SNOMED, "22943007") in areas["trunk"]
    assert (c.SNOMED, "89545001") in areas["face"]
    assert (c.SNOMED, "45048000") in areas["neck"]
    for lateral in ("left-arm", "right-arm", "left-leg", "right-leg", "eyes"):
        assert {s for s, _ in areas[lateral]} == {c.CS_BODY_AREA}, lateral


def test_medicines_doses_and_side_effects(demo: Any) -> None:
    _, _, bundle, _ = demo
    statements = resources(bundle, "MedicationStatement")
    levetiracetam = next(
        s for s in statements if s["medicationCodeableConcept"]["text"] == "levetiracetam"
    )
    assert (c.RXNORM, "114477") in codes_of(levetiracetam["medicationCodeableConcept"])
    dosage = levetiracetam["dosage"][0]
    assert dosage["doseAndRate"][0]["doseQuantity"]["system"] == c.UCUM
    assert dosage["timing"]["repeat"]["periodUnit"] == "d"
    assert {s["status"] for s in statements} <= {"active", "completed", "stopped"}
    replaced = [
        s for s in statements if any(e["url"] == c.EXT_REPLACES for e in s.get("extension", []))
    ]
    for statement in replaced:
        assert statement["effectivePeriod"]["start"]
    doses = resources(bundle, "MedicationAdministration")
    statuses = {d["status"] for d in doses}
    assert statuses == {"completed", "not-done"}
    for dose in doses:
        recorded = next(e["valueCode"] for e in dose["extension"] if e["url"] == c.EXT_DOSE_STATUS)
        assert (dose["status"] == "not-done") == (recorded == "skipped")
    effects = resources(bundle, "AdverseEvent")
    assert effects
    assert all(e["actuality"] == "actual" for e in effects)
    assert all(
        codes_of(e["severity"])
        <= {(c.ADVERSE_EVENT_SEVERITY, s) for s in ("mild", "moderate", "severe")}
        for e in effects
    )
    statement_urls = {
        e["fullUrl"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "MedicationStatement"
    }
    suspects = [
        e["suspectEntity"][0]["instance"]["reference"] for e in effects if "suspectEntity" in e
    ]
    assert suspects
    assert set(suspects) <= statement_urls


def test_checkins_carry_sleep_in_ucum_hours(demo: Any) -> None:
    _, _, bundle, accounts = demo
    checkins = [
        r
        for r in resources(bundle, "Observation")
        if r["code"]["coding"][0]["code"] == "daily-checkin"
    ]
    assert len(checkins) == accounts.counts["checkins"]
    sleep = [
        x["valueQuantity"]
        for obs in checkins
        for x in obs["component"]
        if x["code"]["coding"][0]["code"] == "sleep-hours"
    ]
    assert sleep
    assert all(q["system"] == c.UCUM and q["code"] == "h" for q in sleep)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", obs["effectiveDateTime"]) for obs in checkins)


def test_every_diary_field_has_a_mapping_or_travels_in_the_generic_extension() -> None:
    """A field added to a model later still round-trips (diary-field); this lists the mapped."""
    bookkeeping = {"id", "patient_id", "created_at", "updated_at"}
    mapped = {
        Episode: {x.field for x in c.EPISODE_COMPONENTS}
        | {"started_at", "ended_at", "note", "source"},
        CheckIn: {x.field for x in c.CHECKIN_COMPONENTS} | {"day", "note"},
    }
    generic = {Episode: {"recording_id"}, CheckIn: set()}  # docs/fhir.md: the diary-field list
    for model, fields in mapped.items():
        assert set(model.model_fields) - bookkeeping == fields | generic[model], model
    for model in (RegimenIn, DoseIn, SideEffectIn, EpisodeIn, CheckInIn):
        assert model.model_fields  # the In models are what the import validates


# -- the round trip ----------------------------------------------------------------------------------


def normalised(bundle: dict[str, Any], patient_id: str) -> dict[str, Any]:
    """The Bundle without its timestamp, with the Patient's id and fullUrl replaced."""
    text = json.dumps({k: v for k, v in bundle.items() if k != "timestamp"}, sort_keys=True)
    from myoscope.fhir import full_url

    text = text.replace(full_url("Patient", patient_id), "urn:uuid:PATIENT")
    for entry in bundle["entry"]:  # Conditions have ids (and so fullUrls) made from the Patient's
        if entry["resource"]["resourceType"] == "Condition":
            text = text.replace(entry["fullUrl"], "urn:uuid:" + entry["resource"]["id"])
    return dict(json.loads(text.replace(patient_id, "PATIENT")))


def test_export_import_export_in_a_fresh_database_gives_the_same_bundle(demo: Any) -> None:
    _, patient, bundle, accounts = demo
    fresh = make_services(clock=Clock())
    try:
        account = add_account(fresh, "copy@example.org", display_name=patient.display_name or "")
        report = import_fhir(fresh.transfer, account, None, copy.deepcopy(bundle))
        assert report.warnings == []
        assert report.profile is True
        assert report.imported == {
            k: accounts.counts[k]
            for k in ("medications", "episodes", "checkins", "doses", "side-effects")
        }
        again = export_fhir(fresh.diaries, account)
    finally:
        fresh.close()
    assert normalised(again, account.id) == normalised(bundle, patient.id)


def test_importing_into_another_diary_of_the_same_database_renames_ids_and_keeps_content(
    demo: Any,
) -> None:
    services, patient, bundle, accounts = demo
    other = add_account(services, "second@example.org", display_name=patient.display_name or "")
    report = import_fhir(services.transfer, other, None, bundle)
    assert (
        sum(report.imported.values()) == sum(accounts.counts.values()) - accounts.counts["shares"]
    )
    again = export_fhir(services.diaries, other)

    def content(b: dict[str, Any]) -> list[str]:
        ids = [e["resource"]["id"] for e in b["entry"]]
        text = json.dumps([e["resource"] for e in b["entry"]], sort_keys=True)
        for ident in ids:
            text = text.replace(ident, "ID")
        text = re.sub(r"urn:uuid:[0-9a-f-]{36}", "URL", text)
        return sorted(json.dumps(r, sort_keys=True) for r in json.loads(text))

    assert content(again) == content(bundle)
    mine = {e["resource"]["id"] for e in bundle["entry"]}
    theirs = {e["resource"]["id"] for e in again["entry"]}
    assert not (mine & theirs) - {f"{patient.id}-myoclonus"}  # every record got a new id


def test_a_sensor_episode_keeps_its_source_review_and_recording() -> None:
    services = make_services(clock=Clock())
    try:
        account = add_account(services, "s@example.org")
        when = datetime(2026, 6, 1, 10, tzinfo=UTC)
        episode = Episode(
            id="e" * 32,
            patient_id=account.id,
            created_at=when,
            updated_at=when,
            started_at=when,
            count=12,
            intensity=0,
            source="sensor",
            recording_id="r" * 32,
            review="confirmed",
        )
        bundle = diary_to_bundle(account, episodes=[episode], kb=services.kb, validate=True)
        obs = resources(bundle, "Observation")[0]
        assert codes_of(obs["method"]) == {(c.CS_EPISODE_SOURCE, "sensor")}
        records = bundle_to_records(bundle, services.kb, today=TODAY)
        parsed = records.episodes[0]
        assert parsed.extra == {"source": "sensor", "review": "confirmed", "recording_id": "r" * 32}
    finally:
        services.close()


# -- bundles from elsewhere ------------------------------------------------------------------------


def foreign_bundle() -> dict[str, Any]:
    """A Bundle as another system writes it from docs/fhir.md: urn:uuid links, no meta."""
    patient = "urn:uuid:11111111-1111-4111-8111-111111111111"
    statement = "urn:uuid:22222222-2222-4222-8222-222222222222"
    diary = c.CS_DIARY
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": patient,
                "resource": {
                    "resourceType": "Patient",
                    "id": "p1",
                    "gender": "female",
                    "birthDate": "1970-08-01",
                },
            },
            {
                "fullUrl": "urn:uuid:33333333-3333-4333-8333-333333333333",
                "resource": {
                    "resourceType": "Condition",
                    "id": "c1",
                    "code": {"text": "Lance-Adams syndrome"},
                    "subject": {"reference": patient},
                },
            },
            {
                "fullUrl": "urn:uuid:44444444-4444-4444-8444-444444444444",
                "resource": {
                    "resourceType": "Condition",
                    "id": "c2",
                    "code": {"text": "Chronic wibbles"},
                    "subject": {"reference": patient},
                },
            },
            {
                "fullUrl": statement,
                "resource": {
                    "resourceType": "MedicationStatement",  # no id: linked by its fullUrl
                    "status": "active",
                    "medicationCodeableConcept": {
                        "coding": [{"system": c.RXNORM, "code": "114477"}]
                    },
                    "subject": {"reference": patient},
                    "effectivePeriod": {"start": "2026-01-10"},
                    "dosage": [
                        {
                            "doseAndRate": [
                                {"doseQuantity": {"value": 500, "system": c.UCUM, "code": "mg"}}
                            ],
                            "timing": {"repeat": {"frequency": 1, "period": 12, "periodUnit": "h"}},
                        }
                    ],
                },
            },
            {
                "resource": {
                    "resourceType": "Observation",
                    "id": "o1",
                    "status": "final",
                    "code": {"coding": [{"system": diary, "code": "myoclonus-episode"}]},
                    "subject": {"reference": patient},
                    "effectiveDateTime": "2026-06-01T08:30:00+02:00",
                    "extension": [{"url": "https://example.org/x", "valueString": "kept?"}],
                    "component": [
                        {
                            "code": {"coding": [{"system": diary, "code": "jerk-count"}]},
                            "valueInteger": 7,
                        },
                        {
                            "code": {"coding": [{"system": diary, "code": "intensity"}]},
                            "valueInteger": 4,
                        },
                        {
                            "code": {"coding": [{"system": diary, "code": "body-area"}]},
                            "valueCodeableConcept": {
                                "coding": [{"system": c.SNOMED, "code": "22943007"}]
                            },
                        },
                        {
                            "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
                            "valueQuantity": {"value": 80, "unit": "/min"},
                        },
                    ],
                },
            },
            {
                "resource": {
                    "resourceType": "Observation",
                    "id": "o2",
                    "status": "final",
                    "code": {"coding": [{"system": "http://loinc.org", "code": "62238-1"}]},
                    "subject": {"reference": patient},
                    "effectiveDateTime": "2026-05-01",
                    "valueQuantity": {"value": 42, "unit": "mL/min/{1.73_m2}"},
                },
            },
            {
                "resource": {
                    "resourceType": "MedicationAdministration",
                    "id": "d1",
                    "status": "not-done",
                    "medicationCodeableConcept": {"text": "Keppra"},
                    "subject": {"reference": patient},
                    "effectiveDateTime": "2026-06-01T08:00:00Z",
                    "extension": [
                        {"url": c.EXT_REGIMEN, "valueReference": {"reference": statement}}
                    ],
                },
            },
            {
                "resource": {
                    "resourceType": "AdverseEvent",
                    "id": "a1",
                    "actuality": "actual",
                    "event": {"text": "dizziness"},
                    "subject": {"reference": patient},
                    "date": "2026-06-02T09:00:00Z",
                    "severity": {"coding": [{"system": c.ADVERSE_EVENT_SEVERITY, "code": "mild"}]},
                    "suspectEntity": [{"instance": {"reference": statement}}],
                },
            },
            {"resource": {"resourceType": "Practitioner", "id": "dr"}},
        ],
    }


def test_a_bundle_from_another_system_imports_with_warnings_for_what_has_no_place() -> None:
    services = make_services(clock=Clock())
    try:
        account = add_account(services, "f@example.org")
        report = import_fhir(services.transfer, account, None, foreign_bundle())
        assert report.imported == {
            "medications": 1,
            "episodes": 1,
            "checkins": 0,
            "doses": 1,
            "side-effects": 1,
        }
        joined = "\n".join(report.warnings)
        assert "https://example.org/x" in joined  # an unknown extension is reported
        assert "8867-4" in joined  # an unknown component is reported
        assert "Practitioner" in joined
        assert "Chronic wibbles" in joined
        diary = services.diaries.open(account)
        (regimen,) = services.diaries.all(diary, _kind("medications"))
        assert (regimen.drug, regimen.drug_id, regimen.dose_amount, regimen.times_per_day) == (
            "levetiracetam",
            "drug:levetiracetam",
            500.0,
            2,
        )
        (dose,) = services.diaries.all(diary, _kind("doses"))
        assert dose.status == "skipped"
        assert dose.regimen_id == regimen.id
        (episode,) = services.diaries.all(diary, _kind("episodes"))
        assert episode.started_at == datetime(2026, 6, 1, 6, 30, tzinfo=UTC)
        assert episode.body_areas == ["trunk"]
        assert episode.count_band == "2-10"
        (effect,) = services.diaries.all(diary, _kind("side-effects"))
        assert effect.regimen_id == regimen.id
        stored = services.repository.get_profile(account.id)
        assert stored is not None
        assert stored["age_years"] == 55
        assert stored["sex"] == "female"
        assert stored["egfr_ml_min"] == 42
        assert stored["myoclonus"]["etiology"] == "post-hypoxic-chronic"
        assert stored["conditions"] == ["Chronic wibbles"]
    finally:
        services.close()


def _kind(name: str) -> Any:
    from myoscope.services.diary import KINDS

    return KINDS[name]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda b: b.update(resourceType="Patient"), "not a FHIR Bundle"),
        (
            lambda b: b["entry"][4]["resource"]["component"][0].update(valueInteger="seven"),
            "entry[4] (Observation 'o1') is not valid FHIR R4: 'component.0.valueInteger'",
        ),
        (
            lambda b: b["entry"][4]["resource"].update(effectiveDateTime="2026-06-01"),
            "entry[4] (Observation 'o1'): invalid episode: 'started_at'",
        ),
        (
            lambda b: b["entry"][8]["resource"].update(resourceType="Nonsense"),
            "entry[8]: 'Nonsense' is not a FHIR R4 resource type",
        ),
        (
            lambda b: b["entry"][6]["resource"]["extension"][0]["valueReference"].update(
                reference="urn:uuid:99999999-9999-4999-8999-999999999999"
            ),
            "entry[6] (MedicationAdministration 'd1'): the regimen",
        ),
        (
            lambda b: b["entry"][7]["resource"].pop("severity"),
            "give 'severity'",
        ),
        (
            lambda b: b["entry"][3]["resource"]["dosage"][0]["doseAndRate"][0][
                "doseQuantity"
            ].update(code="[iU]"),
            "the dose unit '[iU]' is not one Myoscope records",
        ),
    ],
)
def test_a_bad_bundle_is_refused_naming_the_entry_and_changes_nothing(
    change: Any, expected: str
) -> None:
    services = make_services(clock=Clock())
    try:
        account = add_account(services, "bad@example.org")
        bundle = foreign_bundle()
        change(bundle)
        with pytest.raises(InvalidInputError) as caught:
            import_fhir(services.transfer, account, None, bundle)
        assert expected in str(caught.value)
        assert "Traceback" not in str(caught.value)
        diary = services.diaries.open(account)
        assert all(not services.diaries.all(diary, _kind(k)) for k in ("medications", "episodes"))
        assert services.repository.get_profile(account.id) is None
    finally:
        services.close()


def test_only_the_owner_imports_and_an_outsider_cannot_export(demo: Any) -> None:
    services, patient, bundle, accounts = demo
    carer = services.repository.accounts.get(accounts.carer.id)
    assert carer is not None
    with pytest.raises(PermissionDeniedError):
        import_fhir(services.transfer, carer, patient.id, bundle)
    clinician = services.repository.accounts.get(accounts.clinician.id)
    assert clinician is not None
    shared = export_fhir(services.diaries, clinician, patient.id)  # a read share may export
    assert len(shared["entry"]) == len(bundle["entry"])
    stranger = add_account(services, "stranger@example.org")
    from myoscope.errors import NotFoundError

    with pytest.raises(NotFoundError):
        export_fhir(services.diaries, stranger, patient.id)


def test_export_and_import_are_audited(demo: Any) -> None:
    services, patient, _, _ = demo
    diary = services.diaries.open(patient)
    actions = {(e.action, e.resource) for e in services.diaries.audit(diary, limit=1000).items}
    assert ("export", "fhir") in actions


def test_regimen_and_record_models_are_the_ones_exported() -> None:
    """The exporter takes stored records (with ids and times), not input models."""
    for model in (Episode, CheckIn, Regimen, Dose, SideEffect):
        assert {"id", "created_at", "updated_at"} <= set(model.model_fields)


def _mutations(seed: int) -> dict[str, Any]:
    """The foreign Bundle with one random value replaced or key removed, deep inside."""
    import random

    rng = random.Random(seed)
    bundle = foreign_bundle()
    node: Any = bundle
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            return bundle
        key = rng.choice(keys)
        child = node[key]
        if isinstance(child, dict | list) and child and rng.random() < 0.75:
            node = child
            continue
        if isinstance(node, dict) and rng.random() < 0.3:
            del node[key]
        else:
            node[key] = rng.choice([None, 0, -1, 3.5, True, "", "x", [], {}, "2026-13-45", [1]])
        return bundle


@pytest.mark.parametrize("seed", range(150))
def test_a_damaged_bundle_is_read_or_refused_with_a_message_never_a_crash(seed: int) -> None:
    from myoscope.knowledge import load_knowledge_base

    try:
        bundle_to_records(_mutations(seed), load_knowledge_base(), today=TODAY)
    except InvalidInputError as exc:
        message = str(exc)
    else:
        message = "read"
    assert message
    assert "Traceback" not in message
