"""The demo diary: synthetic, deterministic, six months long, and telling a plausible story."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from myoscope.bootstrap import Services, build_services
from myoscope.domain.diary import Access, DoseStatus, JerkKind, Role, Trigger
from myoscope.errors import ConflictError
from myoscope.services.demo import DEMO_DAYS, DEMO_PASSWORD, DemoAccounts, seed_demo
from myoscope.services.diary import (
    CHECKINS,
    DOSES,
    EPISODES,
    KINDS,
    REGIMENS,
    SIDE_EFFECTS,
    DiaryAccess,
)
from myoscope.settings import Settings

TODAY = date(2025, 3, 31)  # a daylight-saving change (30 March) falls inside the diary


def build() -> Services:
    return build_services(Settings(database_url="sqlite://"))


@pytest.fixture(scope="module")
def seeded() -> Iterator[tuple[Services, DemoAccounts]]:
    services = build()
    accounts = seed_demo(services.accounts, services.diaries, services.profiles, today=TODAY)
    yield services, accounts
    services.close()


@pytest.fixture(scope="module")
def services(seeded: tuple[Services, DemoAccounts]) -> Services:
    return seeded[0]


@pytest.fixture(scope="module")
def demo(seeded: tuple[Services, DemoAccounts]) -> DemoAccounts:
    return seeded[1]


@pytest.fixture(scope="module")
def diary(services: Services, demo: DemoAccounts) -> DiaryAccess:
    return services.diaries.open(services.accounts.get(demo.patient.id))


def content(services: Services, diary: DiaryAccess) -> dict[str, list[dict[str, Any]]]:
    """Every record without ids and bookkeeping times (those differ between runs), sorted."""
    skip = {"id", "patient_id", "created_at", "updated_at", "regimen_id", "replaces_id"}
    return {
        name: sorted(
            (r.model_dump(exclude=skip) for r in services.diaries.all(diary, kind)), key=repr
        )
        for name, kind in KINDS.items()
    }


def per_day(services: Services, diary: DiaryAccess, first: date, last: date) -> float:
    episodes = services.diaries.all(diary, EPISODES)
    inside = [e for e in episodes if first <= e.started_at.date() < last]
    return len(inside) / (last - first).days


def test_the_accounts_are_obviously_invented_and_can_sign_in(
    services: Services, demo: DemoAccounts
) -> None:
    assert [a.role for a in demo] == [Role.PATIENT, Role.CARER, Role.CLINICIAN, Role.ADMIN]
    assert demo.patient.email == "demo@example.org"
    assert demo.patient.name == "Alex Demo"
    for account in demo:
        assert account.email.endswith("@example.org")  # a reserved domain: nobody's address
        assert "Demo" in account.name
        assert account.password == DEMO_PASSWORD
        assert services.accounts.authenticate(account.email, account.password).id == account.id
    assert services.accounts.get(demo.patient.id).timezone == "Europe/London"


def test_the_diary_covers_six_months_ending_today(services: Services, diary: DiaryAccess) -> None:
    first = TODAY - timedelta(days=DEMO_DAYS - 1)
    spans = {
        "episodes": [e.started_at.date() for e in services.diaries.all(diary, EPISODES)],
        "doses": [d.taken_at.date() for d in services.diaries.all(diary, DOSES)],
        "checkins": [c.day for c in services.diaries.all(diary, CHECKINS)],
    }
    for name, days in spans.items():
        assert min(days) >= first - timedelta(days=1)  # UTC dates of London times
        assert max(days) <= TODAY
        # doses start with levetiracetam, five weeks into the diary (five weeks "before")
        assert (max(days) - min(days)).days >= (145 if name == "doses" else 170), name
    checkins = services.diaries.all(diary, CHECKINS)
    assert 0.75 * DEMO_DAYS <= len(checkins) < DEMO_DAYS  # most days, not every day


def test_two_medication_changes_leave_both_medicines_current(
    services: Services, diary: DiaryAccess
) -> None:
    regimens = sorted(services.diaries.all(diary, REGIMENS), key=lambda r: r.started_on)
    assert [(r.drug, r.dose_amount, r.times_per_day) for r in regimens] == [
        ("levetiracetam", 500, 2),
        ("levetiracetam", 1000, 2),
        ("clonazepam", 0.5, 1),
    ]
    first, increased, added = regimens
    assert first.drug_id == "drug:levetiracetam"
    assert added.drug_id == "drug:clonazepam"
    assert first.stopped_on == increased.started_on  # change 1, through change_regimen
    assert increased.replaces_id == first.id
    assert first.started_on < increased.started_on < added.started_on < TODAY  # change 2
    assert 140 <= (TODAY - first.started_on).days <= 185  # five weeks before treatment
    assert 45 <= (TODAY - added.started_on).days <= 75
    current = services.diaries.active_regimens(diary, TODAY)
    assert {r.id for r in current} == {increased.id, added.id}


def test_the_effective_profile_lists_the_current_medicines_and_can_be_assessed(
    services: Services, diary: DiaryAccess
) -> None:
    view = services.profiles.view(diary)
    assert view.effective is not None
    medicines = {m.name: m.dose_mg_per_day for m in view.effective.medications}
    assert medicines == {"levetiracetam": 2000, "clonazepam": 0.5}
    assert view.effective.age_years == 58
    assert view.effective.egfr_ml_min == 75
    myoclonus = view.effective.myoclonus
    assert (myoclonus.physiology, myoclonus.etiology) == ("cortical", "post-hypoxic-chronic")
    assert {o.value for o in myoclonus.occurs_at} == {"action", "stimulus"}
    _, assessment = services.profiles.assess(diary, audience="clinician")
    assert assessment is not None
    assert assessment.options


def test_jerks_become_fewer_and_milder_after_each_change(
    services: Services, diary: DiaryAccess
) -> None:
    regimens = sorted(services.diaries.all(diary, REGIMENS), key=lambda r: r.started_on)
    starts = [r.started_on for r in regimens] + [TODAY]
    # the last four weeks before each change (and before today)
    rates = [per_day(services, diary, day - timedelta(days=28), day) for day in starts[1:]]
    assert rates[0] > rates[1] > rates[2]
    episodes = services.diaries.all(diary, EPISODES)
    early = [e.intensity for e in episodes if e.started_at.date() < starts[1]]
    late = [e.intensity for e in episodes if e.started_at.date() >= starts[2]]
    assert sum(early) / len(early) > sum(late) / len(late) + 1
    assert 1 <= rates[2] <= 3  # still a few a day


def test_episodes_have_triggers_falls_and_negative_myoclonus(
    services: Services, diary: DiaryAccess
) -> None:
    episodes = services.diaries.all(diary, EPISODES)
    triggers = {t for e in episodes for t in e.triggers}
    assert {Trigger.ACTION, Trigger.NOISE, Trigger.STRESS, Trigger.SLEEP_LOSS} <= triggers
    assert Trigger.MISSED_DOSE in triggers
    falls = [e for e in episodes if e.fell]
    assert 0 < len(falls) < len(episodes) / 50  # rare
    negative = [e for e in episodes if e.kind is JerkKind.NEGATIVE]
    assert 0.05 < len(negative) / len(episodes) < 0.25


def test_doses_are_mostly_taken(services: Services, diary: DiaryAccess) -> None:
    doses = services.diaries.all(diary, DOSES)
    statuses = [d.status for d in doses]
    taken = statuses.count(DoseStatus.TAKEN) / len(statuses)
    assert 0.85 <= taken <= 0.95
    assert DoseStatus.LATE in statuses
    assert DoseStatus.SKIPPED in statuses
    assert all(d.regimen_id is not None and d.amount is not None for d in doses)


def test_side_effects_are_linked_to_the_medicines(services: Services, diary: DiaryAccess) -> None:
    regimens = {r.id: r.drug for r in services.diaries.all(diary, REGIMENS)}
    effects = services.diaries.all(diary, SIDE_EFFECTS)
    linked = {(s.effect, regimens[s.regimen_id]) for s in effects if s.regimen_id}
    assert ("drowsiness", "clonazepam") in linked
    assert ("irritability", "levetiracetam") in linked
    assert {s.severity for s in effects} == {"mild", "moderate"}


def test_the_diary_is_shared_with_the_clinician_and_the_carer(
    services: Services, demo: DemoAccounts, diary: DiaryAccess
) -> None:
    shares = {
        account.role: share.access for share, account in services.diaries.shares(diary) if account
    }
    assert shares == {Role.CLINICIAN: Access.READ, Role.CARER: Access.READ_WRITE}
    clinician = services.accounts.get(demo.clinician.id)
    assert [d.owner.id for d in services.diaries.diaries_for(clinician)] == [demo.patient.id]
    assert not services.diaries.open(clinician, demo.patient.id).can_write
    carer = services.accounts.get(demo.carer.id)
    assert services.diaries.open(carer, demo.patient.id).can_write
    admin = services.accounts.get(demo.admin.id)
    assert services.diaries.diaries_for(admin) == []


def test_the_audit_log_shows_entries_and_the_clinician_reading(
    services: Services, demo: DemoAccounts, diary: DiaryAccess
) -> None:
    log = services.diaries.audit(diary, limit=1000)
    actors = {event.actor_id for event in log.items}
    assert demo.clinician.id in actors
    assert demo.carer.id in actors  # the carer recorded the falls
    assert log.total > sum(demo.counts.values())


def test_counts_match_what_is_stored(
    services: Services, demo: DemoAccounts, diary: DiaryAccess
) -> None:
    stored = {name: len(services.diaries.all(diary, kind)) for name, kind in KINDS.items()}
    assert demo.counts == stored | {"shares": 2}


def test_notes_contain_no_identifiers(services: Services, diary: DiaryAccess) -> None:
    texts = [
        str(value)
        for records in content(services, diary).values()
        for record in records
        for key, value in record.items()
        if key.endswith(("note", "reason")) and value
    ]
    assert texts
    for text in texts:
        assert not re.search(r"@|\d{4,}|https?:", text), text


def test_the_same_seed_and_day_give_the_same_diary(services: Services, diary: DiaryAccess) -> None:
    again = build()
    try:
        demo = seed_demo(again.accounts, again.diaries, again.profiles, today=TODAY)
        other = again.diaries.open(again.accounts.get(demo.patient.id))
        assert content(again, other) == content(services, diary)
    finally:
        again.close()


def test_another_seed_gives_another_diary(services: Services, diary: DiaryAccess) -> None:
    again = build()
    try:
        demo = seed_demo(again.accounts, again.diaries, again.profiles, today=TODAY, seed=8)
        other = again.diaries.open(again.accounts.get(demo.patient.id))
        assert content(again, other)["episodes"] != content(services, diary)["episodes"]
    finally:
        again.close()


def test_seeding_twice_is_refused(services: Services) -> None:
    with pytest.raises(ConflictError, match="already exists"):
        seed_demo(services.accounts, services.diaries, services.profiles, today=TODAY)


def test_the_demo_can_hold_an_analysed_partly_reviewed_recording() -> None:
    from myoscope.domain.diary import Review

    again = build()
    try:
        demo = seed_demo(
            again.accounts, again.diaries, again.profiles, today=TODAY, recordings=again.recordings
        )
        assert demo.counts["recordings"] == 1
        diary = again.diaries.open(again.accounts.get(demo.patient.id))
        (recording,) = again.recordings.page(diary).items
        assert recording.status == "done"
        reviews = [e.review for e in again.recordings.episodes(diary, recording.id)]
        assert Review.CONFIRMED in reviews
        assert Review.FALSE_ALARM in reviews
        assert reviews[-1] is Review.PENDING
        sensor = again.insights.insights(diary, period_to=TODAY)["sensor"]
        assert sensor["recordings"] == 1
        assert sensor["confirmed_jerks_per_hour_median"] > 0
    finally:
        again.close()
