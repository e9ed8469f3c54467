"""The insights service: knowledge-base delays, audit, the demo's planted findings, sensor counts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from myoscope.bootstrap import Services
from myoscope.domain.diary import AuditAction
from myoscope.services.demo import seed_demo
from myoscope.services.insights import drug_knowledge
from recording_files import write_emg_csv
from services_helpers import Clock, add_account, make_services

TODAY = date(2026, 6, 15)


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Services, str]]:
    services = make_services()
    accounts = seed_demo(services.accounts, services.diaries, services.profiles, today=TODAY)
    yield services, accounts.patient.id
    services.close()


def test_delays_come_from_the_knowledge_base(demo: tuple[Services, str]) -> None:
    services, _ = demo
    known = drug_knowledge(services.kb)
    assert known.delays_days["drug:levetiracetam"] == 14  # titration step interval
    assert known.delays_days["drug:clonazepam"] == 3
    assert "loss of effect" in known.tolerance_notes["drug:clonazepam"].lower()


def test_the_demo_shows_the_planted_findings(demo: tuple[Services, str]) -> None:
    services, patient = demo
    diary = services.diaries.open(services.accounts.get(patient))
    doc = services.insights.insights(diary, period_to=TODAY)
    clear = [r for r in doc["responses"] if r["enough_data"] and r["ci95"][1] < 1]
    assert {r["change"]["drug"] for r in clear} == {"levetiracetam", "clonazepam"}
    tolerance = [t for t in doc["tolerance"] if t["ci95"] and t["ci95"][0] > 1]
    assert [t["drug"] for t in tolerance] == ["clonazepam"]
    assert "possible tolerance" in tolerance[0]["verdict"]
    assert "loss of effect" in tolerance[0]["verdict"].lower()  # the knowledge base's text
    found = {(t["trigger"], t["lag_days"]) for t in doc["triggers"] if t["ci95"][0] > 1}
    # planted: a short night and a stressful day (ticked on the check-in) on the same day, a
    # skipped dose on the next; an evening drink, also ticked, has no planted effect
    assert found == {("sleep-loss", 0), ("stress", 0), ("missed-dose", 1)}
    assert {t["trigger"] for t in doc["triggers"]} >= {"alcohol", "stress"}
    assert doc["knowledge"]["delay_before_effect"]["levetiracetam"]["delay_days"] == 14
    assert "not medical advice" in doc["disclaimer"]


def test_reading_insights_is_audited_once(demo: tuple[Services, str]) -> None:
    services, patient = demo
    owner = services.accounts.get(patient)
    diary = services.diaries.open(owner)
    before = services.repository.list_audit(patient, limit=1).total
    services.insights.insights(diary)
    page = services.repository.list_audit(patient, limit=5)
    assert page.total == before + 1
    newest = page.items[0]  # newest first
    assert (newest.action, newest.resource) == (AuditAction.READ, "insights")


def test_confirmed_sensor_counts_appear_apart(tmp_path: Path) -> None:
    clock = Clock(datetime(2026, 6, 15, 12, tzinfo=UTC))
    services = make_services(clock=clock)
    try:
        owner = add_account(services, "s@example.org", timezone="Europe/London")
        diary = services.diaries.open(owner)
        path = write_emg_csv(tmp_path / "rec.csv")
        with path.open("rb") as stream:
            recording = services.recordings.upload(
                diary, "rec.csv", stream, started_at=datetime(2026, 6, 14, 21, tzinfo=UTC)
            )
        done = services.recordings.analyse_now(diary, recording.id)
        assert done.status == "done"
        groups = services.recordings.episodes(diary, recording.id)
        services.recordings.review(diary, recording.id, groups[0].id, "confirmed")
        doc = services.insights.insights(diary)
        sensor = doc["sensor"]
        assert sensor["recordings"] == 1
        assert sensor["confirmed_jerks_per_hour_median"] > 0
        (day,) = sensor["daily"]
        assert day["date"] == "2026-06-14"
        assert day["confirmed"] == groups[0].count
        assert day["recorded_h"] == pytest.approx(120 / 3600, abs=1e-3)
        # sensor episodes are not mixed with self-reports
        assert doc["period"]["days_with_entries"] == 0
    finally:
        services.close()
