"""No one reads, lists, changes, deletes or learns of another person's records without a share.

The operations come from the served OpenAPI document, so an endpoint added later is covered
without changing these tests: a diary endpoint takes ``patient_id``; any other endpoint must be
listed in ``NOT_A_DIARY`` below, and an endpoint with a body needs an example in ``BODIES``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import pytest
from fastapi.testclient import TestClient

from myoscope.bootstrap import Services
from recording_files import write_emg_csv

from .conftest import User
from .helpers import Response, checkin, dose, episode, medication, side_effect

UNKNOWN = "f" * 32
"""An id that exists nowhere."""

NOT_A_DIARY = {
    "auth-token",
    "me-get",
    "diaries-list",
    "accounts-list",
    "accounts-create",
    "accounts-get",
    "accounts-unlock",
}
OWNER_ONLY = {
    "shares-list",
    "shares-create",
    "shares-get",
    "shares-revoke",
    "audit-list",
    "diary-export",
    "diary-import",
    "diary-delete",
}
PROFILE = {"age_years": 40, "sex": "female"}


def bodies(ids: Ids) -> dict[str, Any]:
    """A valid body for every operation that takes one."""
    return {
        "episodes-create": episode(),
        "episodes-replace": episode(intensity=1),
        "checkins-create": checkin(day="2024-06-01"),
        "checkins-replace": checkin(severity=1),
        "medications-create": medication(drug="clonazepam"),
        "medications-replace": medication(dose_amount=250),
        "medications-change": {"on": "2024-06-01", "dose_amount": 750},
        "doses-create": dose(),
        "doses-replace": dose(status="late"),
        "side-effects-create": side_effect(),
        "side-effects-replace": side_effect(severity="moderate"),
        "profile-replace": PROFILE,
        "shares-create": {"email": "other.dr@example.org", "access": "read"},
        "diary-import": ids.export,
        "diary-delete": {"confirm": "delete"},
        "auth-token": None,
        "accounts-create": {"email": "x@example.org", "role": "patient", "password": "long enough"},
        "recordings-create": recording_file(),
        "recordings-review": {"review": "confirmed"},
    }


@cache
def recording_file() -> bytes:
    """A short simulated EMG recording (CSV) with one group of jerks."""
    with TemporaryDirectory() as folder:
        path = write_emg_csv(Path(folder) / "night.csv", duration_s=30.0, bursts=(5.0, 9.0))
        return path.read_bytes()


@dataclass
class Ids:
    """Alice's records, by path parameter and tag, and her export."""

    alice: str
    records: dict[str, str]
    share: str
    export: dict[str, Any]

    def path_value(self, name: str, tag: str) -> str:
        if name == "record_id":
            return self.records[tag]
        if name == "share_id":
            return self.share
        if name == "account_id":
            return self.alice
        if name == "recording_id":
            return self.records["recordings"]
        if name == "group_id":
            return self.records["recording-groups"]
        raise AssertionError(f"no test value for the path parameter '{name}': add one to Ids")


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    tag: str
    path_params: tuple[str, ...]
    diary: bool
    has_body: bool

    @property
    def reads(self) -> bool:
        return self.method == "GET"

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.operation_id})"


def operations(document: dict[str, Any]) -> list[Operation]:
    found = []
    for path, item in document["paths"].items():
        for method, op in item.items():
            params = op.get("parameters", [])
            found.append(
                Operation(
                    operation_id=op["operationId"],
                    method=method.upper(),
                    path=path,
                    tag=op["tags"][0],
                    path_params=tuple(p["name"] for p in params if p["in"] == "path"),
                    diary=any(p["name"] == "patient_id" and p["in"] == "query" for p in params),
                    has_body="requestBody" in op,
                )
            )
    return found


@pytest.fixture
def ops(openapi_document: dict[str, Any]) -> list[Operation]:
    return operations(openapi_document)


@pytest.fixture
def ids(alice: User, make_user: Any, services: Services) -> Ids:
    """Alice's diary with every kind of record, a recording, a profile and a share."""
    make_user("other.dr@example.org", role="clinician")
    client = alice.client
    regimen = client.post("/medications", json=medication()).json()["id"]
    records = {
        "episodes": client.post("/episodes", json=episode(note="ALICE-SECRET-NOTE")).json()["id"],
        "checkins": client.post("/checkins", json=checkin(note="ALICE-SECRET-NOTE")).json()["id"],
        "medications": regimen,
        "doses": client.post("/doses", json=dose(regimen_id=regimen)).json()["id"],
        "side-effects": client.post("/side-effects", json=side_effect(regimen_id=regimen)).json()[
            "id"
        ],
    }
    uploaded = client.post("/recordings", files={"file": ("night.csv", recording_file())})
    records["recordings"] = uploaded.json()["id"]
    services.recordings.run_pending()
    groups = client.get(f"/recordings/{records['recordings']}").json()["groups"]
    records["recording-groups"] = groups[0]["id"]
    client.put("/profile", json=PROFILE | {"allergies": ["ALICE-SECRET-ALLERGY"]})
    share = client.post("/shares", json={"email": "other.dr@example.org"}).json()["id"]
    return Ids(alice.id, records, share, client.get("/export").json())


def call(
    client: TestClient, op: Operation, ids: Ids, *, patient_id: str | None, **overrides: str
) -> Response:
    path = op.path
    for name in op.path_params:
        path = path.replace("{" + name + "}", overrides.get(name, ids.path_value(name, op.tag)))
    params = {"patient_id": patient_id} if patient_id is not None else {}
    body = bodies(ids).get(op.operation_id) if op.has_body else None
    if op.operation_id == "auth-token":
        return client.post(path, data={"username": "alice@example.org", "password": "wrong"})
    if op.operation_id == "recordings-create":  # a multipart upload
        return client.post(path, params=params, files={"file": ("night.csv", body)})
    return client.request(op.method, path, params=params, json=body)


def same_apart_from_ids(a: Response, b: Response, ids_a: list[str], ids_b: list[str]) -> bool:
    text_a, text_b = a.text, b.text
    for mine, theirs in zip(ids_a, ids_b, strict=True):
        text_a, text_b = text_a.replace(mine, "<id>"), text_b.replace(theirs, "<id>")
    return (a.status_code, a.headers.get("content-type"), text_a) == (
        b.status_code,
        b.headers.get("content-type"),
        text_b,
    )


def alice_export(alice: User) -> dict[str, Any]:
    document = alice.client.get("/export").json()
    document.pop("exported_at")
    return dict(document)


def test_every_operation_is_a_diary_operation_or_listed(ops: list[Operation]) -> None:
    others = {op.operation_id for op in ops if not op.diary}
    assert others == NOT_A_DIARY, (
        "An operation that does not act on a diary must be listed in NOT_A_DIARY (and checked "
        f"here for isolation): {others ^ NOT_A_DIARY}"
    )
    with_body = {op.operation_id for op in ops if op.has_body}
    dummy = Ids("a", {}, "s", {})
    missing = with_body - set(bodies(dummy))
    assert not missing, f"Add a valid example body for {missing} to bodies()"


def test_operation_ids_are_stable_and_tagged(ops: list[Operation]) -> None:
    for op in ops:
        assert op.operation_id.startswith(op.tag + "-"), op


@pytest.fixture(params=["patient", "clinician"])
def outsider(request: pytest.FixtureRequest, bob: User, clinician: User) -> User:
    """Someone with no share of Alice's diary: another patient, or a clinician."""
    return bob if request.param == "patient" else clinician


def test_an_outsider_gets_for_alices_diary_exactly_what_a_diary_that_does_not_exist_gets(
    outsider: User, alice: User, ids: Ids, ops: list[Operation]
) -> None:
    before = alice_export(alice)
    failures = []
    for op in (op for op in ops if op.diary):
        theirs = call(outsider.client, op, ids, patient_id=alice.id)
        nowhere = call(outsider.client, op, ids, patient_id=UNKNOWN)
        if theirs.status_code != 404:
            failures.append(f"{op}: {theirs.status_code} {theirs.text[:200]}")
        elif not same_apart_from_ids(theirs, nowhere, [alice.id], [UNKNOWN]):
            failures.append(
                f"{op}: differs from a diary that does not exist:\n{theirs.text}\n{nowhere.text}"
            )
    assert not failures, "\n".join(failures)
    assert alice_export(alice) == before


def test_alices_record_ids_in_an_outsiders_own_diary_are_like_ids_that_do_not_exist(
    bob: User, alice: User, ids: Ids, ops: list[Operation]
) -> None:
    before = alice_export(alice)
    failures = []
    for op in (op for op in ops if op.diary and op.path_params):
        theirs = call(bob.client, op, ids, patient_id=None)
        unknown = dict.fromkeys(op.path_params, UNKNOWN)
        nowhere = call(bob.client, op, ids, patient_id=None, **unknown)
        used = [ids.path_value(name, op.tag) for name in op.path_params]
        if theirs.status_code != 404:
            failures.append(f"{op}: {theirs.status_code} {theirs.text[:200]}")
        elif not same_apart_from_ids(theirs, nowhere, used, [UNKNOWN] * len(used)):
            failures.append(f"{op}: differs from an unknown id:\n{theirs.text}\n{nowhere.text}")
    assert not failures, "\n".join(failures)
    assert alice_export(alice) == before


def test_nothing_an_outsider_reads_mentions_alice_or_her_records(
    bob: User, clinician: User, alice: User, ids: Ids, ops: list[Operation]
) -> None:
    secrets = [alice.id, alice.account.email, "ALICE-SECRET", *ids.records.values(), ids.share]
    for user in (bob, clinician):
        for op in (op for op in ops if op.reads and not op.path_params):
            response = call(user.client, op, ids, patient_id=None)
            leaked = [s for s in secrets if s in response.text]
            assert not leaked, f"{op} shows {leaked} to {user.account.email}"


def test_an_outsider_cannot_link_its_records_to_alices(bob: User, ids: Ids) -> None:
    regimen = ids.records["medications"]
    nowhere = bob.client.post("/doses", json=dose(regimen_id=UNKNOWN))
    for kind, payload in [
        ("doses", dose(regimen_id=regimen)),
        ("side-effects", side_effect(regimen_id=regimen)),
    ]:
        response = bob.client.post(f"/{kind}", json=payload)
        assert response.status_code == 404
        assert response.json()["detail"].replace(regimen, "<id>") == nowhere.json()[
            "detail"
        ].replace(UNKNOWN, "<id>")
    change = bob.client.post(f"/medications/{regimen}/change", json={"on": "2024-06-01"})
    assert change.status_code == 404


def test_importing_alices_ids_into_another_diary_reveals_nothing(
    bob: User, alice: User, ids: Ids
) -> None:
    before = alice_export(alice)
    theirs = bob.client.post("/import", json=ids.export)
    assert theirs.status_code == 200, theirs.text
    assert alice_export(alice) == before


def test_the_diary_list_shows_only_diaries_shared_with_the_caller(
    bob: User, clinician: User, alice: User
) -> None:
    assert [d["patient_id"] for d in bob.client.get("/diaries").json()] == [bob.id]
    assert clinician.client.get("/diaries").json() == []
    alice.client.post("/shares", json={"email": clinician.account.email})
    shared = clinician.client.get("/diaries").json()
    assert shared == [{"patient_id": alice.id, "name": "Alice", "access": "read", "own": False}]


def share(alice: User, user: User, access: str) -> str:
    response = alice.client.post("/shares", json={"email": user.account.email, "access": access})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def diary_ops_in_safe_order(ops: list[Operation]) -> Iterator[Operation]:
    """Reads, then writes, then deletions (so each operation finds the records it names)."""
    rank = {"GET": 0, "PUT": 1, "POST": 1, "DELETE": 2}
    diary_ops = [op for op in ops if op.diary]
    yield from sorted(diary_ops, key=lambda op: (rank[op.method], op.operation_id))


def test_a_read_share_can_read_but_not_write_and_owner_only_operations_stay_owners(
    clinician: User, alice: User, ids: Ids, ops: list[Operation]
) -> None:
    share(alice, clinician, "read")
    before = alice_export(alice)
    failures = []
    for op in diary_ops_in_safe_order(ops):
        response = call(clinician.client, op, ids, patient_id=alice.id)
        expected = {403} if op.operation_id in OWNER_ONLY or not op.reads else {200}
        if response.status_code not in expected:
            failures.append(
                f"{op}: {response.status_code}, expected {expected}: {response.text[:200]}"
            )
    assert not failures, "\n".join(failures)
    assert alice_export(alice) == before


def test_a_read_write_share_can_write_but_owner_only_operations_stay_owners(
    carer: User, alice: User, ids: Ids, ops: list[Operation]
) -> None:
    share(alice, carer, "read-write")
    failures = []
    refused = set()
    for op in diary_ops_in_safe_order(ops):
        response = call(carer.client, op, ids, patient_id=alice.id)
        if response.status_code == 403:
            refused.add(op.operation_id)
        # 409: the change reached the rules of the diary (a regimen with doses is not deleted).
        # 202: an upload accepted for analysis in the background.
        elif response.status_code not in {200, 201, 202, 204, 409}:
            failures.append(f"{op}: {response.status_code}: {response.text[:200]}")
    assert not failures, "\n".join(failures)
    assert refused == OWNER_ONLY
    episodes = alice.client.get("/episodes").json()["items"]
    assert any(e["intensity"] == 6 and e["note"] == "spilled my tea" for e in episodes)  # created


def test_revoking_a_share_makes_the_diary_vanish_again(
    clinician: User, carer: User, alice: User, ids: Ids, ops: list[Operation]
) -> None:
    shares = [share(alice, clinician, "read"), share(alice, carer, "read-write")]
    assert clinician.client.get("/episodes", params={"patient_id": alice.id}).status_code == 200
    for share_id in shares:
        assert alice.client.delete(f"/shares/{share_id}").status_code == 204
    listed = {s["id"]: s for s in alice.client.get("/shares").json()["items"]}
    assert all(not listed[s]["active"] and listed[s]["revoked_at"] for s in shares)

    for user in (clinician, carer):
        assert all(d["patient_id"] != alice.id for d in user.client.get("/diaries").json())
        failures = []
        for op in (op for op in ops if op.diary):
            theirs = call(user.client, op, ids, patient_id=alice.id)
            nowhere = call(user.client, op, ids, patient_id=UNKNOWN)
            if (
                not same_apart_from_ids(theirs, nowhere, [alice.id], [UNKNOWN])
                or theirs.status_code != 404
            ):
                failures.append(f"{op}: {theirs.status_code} {theirs.text[:200]}")
        assert not failures, "\n".join(failures)


def test_revoking_twice_or_someone_elses_share_is_404(
    alice: User, bob: User, clinician: User
) -> None:
    share_id = share(alice, clinician, "read")
    assert alice.client.delete(f"/shares/{share_id}").status_code == 204
    assert alice.client.delete(f"/shares/{share_id}").status_code == 404
    other = share(alice, bob, "read")
    assert bob.client.delete(f"/shares/{other}").status_code == 404  # in Bob's own diary
    assert json.loads(alice.client.get(f"/shares/{other}").text)["active"] is True
