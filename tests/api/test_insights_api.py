"""``GET /insights``: the insights document, for the owner and shares only, with clear errors."""

from __future__ import annotations

from .conftest import User
from .helpers import assert_problem, checkin, episode, medication


def _diary(alice: User) -> None:
    for day in range(1, 29):
        stamp = f"2024-05-{day:02d}"
        assert alice.client.post("/checkins", json=checkin(day=stamp)).status_code == 201
        for hour in (9, 15):
            body = episode(started_at=f"{stamp}T{hour:02d}:00:00+01:00", count=10 + day % 5)
            assert alice.client.post("/episodes", json=body).status_code == 201
    started = medication(drug="levetiracetam", started_on="2024-05-15")
    assert alice.client.post("/medications", json=started).status_code == 201


def test_the_owner_gets_the_document(alice: User) -> None:
    _diary(alice)
    response = alice.client.get("/insights", params={"to": "2024-05-28"})
    assert response.status_code == 200, response.text
    doc = response.json()
    assert {"period", "burden", "responses", "tolerance", "triggers", "adherence"} <= doc.keys()
    assert doc["period"] == {
        "from": "2024-05-01",
        "to": "2024-05-28",
        "days": 28,
        "days_with_entries": 28,
        "timezone": "Europe/London",
    }
    assert doc["burden"]["daily"][0]["date"] == "2024-05-01"
    (response_to_change,) = doc["responses"]
    assert response_to_change["change"]["drug"] == "levetiracetam"
    assert response_to_change["enough_data"] is False  # 14 days before, 6 after the delay
    assert response_to_change["reason"]
    assert "not medical advice" in doc["disclaimer"]


def test_a_share_may_read_and_others_get_404(alice: User, bob: User, clinician: User) -> None:
    _diary(alice)
    grant = {"email": clinician.account.email, "access": "read"}
    assert alice.client.post("/shares", json=grant).status_code == 201
    shared = clinician.client.get("/insights", params={"patient_id": alice.id})
    assert shared.status_code == 200
    assert shared.json()["period"]["days_with_entries"] == 28
    other = bob.client.get("/insights", params={"patient_id": alice.id})
    assert_problem(other, 404)


def test_an_empty_diary_says_there_is_not_enough(alice: User) -> None:
    doc = alice.client.get("/insights").json()
    assert doc["period"]["days_with_entries"] == 0
    assert doc["responses"] == []
    assert doc["burden"]["last_episode"] is None


def test_bad_dates_are_422(alice: User) -> None:
    body = assert_problem(alice.client.get("/insights", params={"from": "May"}), 422)
    assert body["errors"][0]["field"] == "from"
    body = assert_problem(
        alice.client.get("/insights", params={"from": "2024-06-01", "to": "2024-05-01"}),
        422,
    )
    assert "after it ends" in body["detail"]


def test_dates_outside_the_calendar_are_422(alice: User) -> None:
    for params in ({"to": "9999-12-31"}, {"from": "0001-01-01"}):
        body = assert_problem(alice.client.get("/insights", params=params), 422)
        assert "outside the diary's calendar" in body["detail"]
