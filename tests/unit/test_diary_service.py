"""The diary services: access, records, check-ins, regimens, profile, sharing, audit, transfer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from myoscope.bootstrap import Services
from myoscope.domain.diary import Access, AuditAction, Role
from myoscope.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
)
from myoscope.services.accounts import RateLimiter, TokenSigner
from myoscope.services.diary import CHECKINS, DOSES, EPISODES, REGIMENS, SIDE_EFFECTS
from services_helpers import PASSWORD, Clock, add_account, make_services


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def services(clock: Clock) -> Iterator[Services]:
    services = make_services(clock=clock)
    yield services
    services.close()


EPISODE = {"started_at": "2026-06-15T09:30:00+01:00", "count": 12, "intensity": 4}


def test_own_diary_and_strangers(services: Services) -> None:
    alice = add_account(services, "alice@example.org")
    bob = add_account(services, "bob@example.org")
    diary = services.diaries.open(alice)
    episode = services.diaries.add(diary, EPISODES, EPISODE)
    assert episode.count_band == "11-50"
    assert episode.started_at == datetime(2026, 6, 15, 8, 30, tzinfo=UTC)
    with pytest.raises(NotFoundError) as stranger:
        services.diaries.open(bob, alice.id)
    with pytest.raises(NotFoundError) as missing:
        services.diaries.open(bob, "0" * 32)
    assert str(stranger.value).replace(alice.id, "X") == str(missing.value).replace("0" * 32, "X")
    with pytest.raises(NotFoundError):
        services.diaries.get(services.diaries.open(bob), EPISODES, episode.id)


def test_clinician_has_no_own_diary(services: Services) -> None:
    doctor = add_account(services, "doc@example.org", Role.CLINICIAN)
    with pytest.raises(NotFoundError, match="no diary of its own"):
        services.diaries.open(doctor)
    assert services.diaries.diaries_for(doctor) == []


def test_sharing_read_then_read_write_then_revoked(services: Services) -> None:
    alice = add_account(services, "alice@example.org")
    doctor = add_account(services, "doc@example.org", Role.CLINICIAN)
    carer = add_account(services, "carer@example.org", Role.CARER)
    own = services.diaries.open(alice)
    episode = services.diaries.add(own, EPISODES, EPISODE)
    share = services.diaries.grant(own, "DOC@example.org")
    assert share.access is Access.READ
    seen = services.diaries.open(doctor, alice.id)
    assert services.diaries.get(seen, EPISODES, episode.id) == episode
    with pytest.raises(PermissionDeniedError, match="read only"):
        services.diaries.add(seen, EPISODES, EPISODE)
    with pytest.raises(PermissionDeniedError):
        services.diaries.grant(seen, "carer@example.org")
    assert services.diaries.grant(own, "carer@example.org").access is Access.READ_WRITE
    helper = services.diaries.open(carer, alice.id)
    services.diaries.add(helper, EPISODES, EPISODE)
    services.diaries.revoke(own, share.id)
    with pytest.raises(NotFoundError):
        services.diaries.open(doctor, alice.id)
    log = services.diaries.audit(own, limit=100)
    actors = {(e.actor_id, e.action) for e in log.items}
    assert (doctor.id, AuditAction.READ) in actors
    assert (carer.id, AuditAction.CREATE) in actors
    assert (alice.id, AuditAction.REVOKE) in actors


def test_grant_errors(services: Services) -> None:
    alice = add_account(services, "alice@example.org")
    own = services.diaries.open(alice)
    with pytest.raises(NotFoundError, match="No account uses"):
        services.diaries.grant(own, "nobody@example.org")
    with pytest.raises(InvalidInputError, match="your own diary"):
        services.diaries.grant(own, "alice@example.org")


def test_invalid_record_names_the_field(services: Services) -> None:
    diary = services.diaries.open(add_account(services, "alice@example.org"))
    with pytest.raises(InvalidInputError, match="'intensity'") as error:
        services.diaries.add(diary, EPISODES, EPISODE | {"intensity": 11})
    assert error.value.field == "intensity"
    with pytest.raises(InvalidInputError, match="count"):
        services.diaries.add(diary, EPISODES, {"started_at": EPISODE["started_at"], "intensity": 1})
    with pytest.raises(InvalidInputError, match="not a field"):
        services.diaries.add(diary, EPISODES, EPISODE | {"intesity": 3})
    with pytest.raises(InvalidInputError, match="limit"):
        services.diaries.page(diary, EPISODES, limit=0)


def test_checkin_per_day_is_replaced(services: Services) -> None:
    diary = services.diaries.open(add_account(services, "alice@example.org"))
    first = services.diaries.add(diary, CHECKINS, {"day": "2026-06-15", "severity": 3})
    second = services.diaries.add(diary, CHECKINS, {"day": "2026-06-15", "severity": 5})
    assert second.id == first.id
    assert services.diaries.page(diary, CHECKINS).total == 1
    other = services.diaries.add(diary, CHECKINS, {"day": "2026-06-14", "severity": 1})
    with pytest.raises(ConflictError, match="already a check-in"):
        services.diaries.update(diary, CHECKINS, other.id, {"day": "2026-06-15", "severity": 1})


def test_regimen_change_dose_defaults_and_profile(services: Services, clock: Clock) -> None:
    alice = add_account(services, "alice@example.org")
    diary = services.diaries.open(alice)
    keppra = services.diaries.add(
        diary,
        REGIMENS,
        {"drug": "Keppra", "dose_amount": 500, "times_per_day": 2, "started_on": "2026-01-10"},
    )
    assert keppra.drug_id == "drug:levetiracetam"
    dose = services.diaries.add(
        diary, DOSES, {"regimen_id": keppra.id, "taken_at": "2026-06-15T08:00:00Z"}
    )
    assert (dose.drug, dose.amount, dose.unit) == ("Keppra", 500, "mg")
    raised = services.diaries.change_regimen(
        diary, keppra.id, on=date(2026, 6, 1), dose_amount=1000, times_per_day=2, reason="jerks"
    )
    assert raised.replaces_id == keppra.id
    old = services.diaries.get(diary, REGIMENS, keppra.id)
    assert old.stopped_on == date(2026, 6, 1)
    with pytest.raises(ConflictError, match="linked"):
        services.diaries.delete(diary, REGIMENS, keppra.id)
    services.diaries.add(
        diary,
        REGIMENS,
        {
            "drug": "clonazepam",
            "dose_amount": 1,
            "started_on": "2025-01-01",
            "stopped_on": "2025-06-01",
            "outcome": "not-tolerated",
            "stop_reason": "too drowsy",
        },
    )
    view = services.profiles.view(diary)
    assert view.effective is None  # nothing stored yet: age and sex are needed
    view = services.profiles.save(diary, {"age_years": 58, "sex": "female"})
    assert view.effective is not None
    meds = {m.name: m for m in view.effective.medications}
    assert meds["Keppra"].dose_mg_per_day == 2000
    assert meds["Keppra"].recently_started is True
    assert [p.outcome for p in view.effective.previous_treatments] == ["not-tolerated"]
    _, assessment = services.profiles.assess(diary)
    assert assessment is not None
    with pytest.raises(InvalidInputError, match="medication list"):
        services.profiles.save(
            diary, {"age_years": 58, "sex": "female", "medications": [{"name": "x"}]}
        )
    with pytest.raises(InvalidInputError, match="sex"):
        services.profiles.save(diary, {"age_years": 58, "sex": "femal"})


def test_side_effect_links_only_to_own_regimen(services: Services) -> None:
    alice = services.diaries.open(add_account(services, "alice@example.org"))
    bob = services.diaries.open(add_account(services, "bob@example.org"))
    theirs = services.diaries.add(bob, REGIMENS, {"drug": "clonazepam", "started_on": "2026-01-01"})
    with pytest.raises(NotFoundError):
        services.diaries.add(
            alice,
            SIDE_EFFECTS,
            {
                "effect": "drowsy",
                "severity": "mild",
                "started_at": "2026-06-01T10:00:00Z",
                "regimen_id": theirs.id,
            },
        )


def test_export_delete_import_round_trip(services: Services) -> None:
    alice = add_account(services, "alice@example.org")
    diary = services.diaries.open(alice)
    services.profiles.save(diary, {"age_years": 40, "sex": "male", "conditions": ["depression"]})
    reg = services.diaries.add(
        diary, REGIMENS, {"drug": "levetiracetam", "dose_amount": 250.5, "started_on": "2026-01-01"}
    )
    services.diaries.add(
        diary,
        EPISODES,
        EPISODE
        | {
            "body_areas": ["left-arm", "face"],
            "triggers": ["noise"],
            "fell": True,
            "note": 'a "quoted", note;\nline',
        },
    )
    services.diaries.add(
        diary,
        EPISODES,
        {
            "started_at": "2026-06-14T22:00:00Z",
            "count_band": "continuous",
            "intensity": 0,
            "kind": "negative",
        },
    )
    services.diaries.add(
        diary,
        CHECKINS,
        {"day": "2026-06-15", "severity": 2, "walking": 1, "sleep_hours": 6.5, "mood": 4},
    )
    services.diaries.add(
        diary, DOSES, {"regimen_id": reg.id, "taken_at": "2026-06-15T08:00:00Z", "status": "late"}
    )
    services.diaries.add(
        diary,
        DOSES,
        {
            "drug": "clobazam",
            "amount": 5,
            "unit": "mg",
            "taken_at": "2026-06-15T08:00:00Z",
            "as_needed": True,
        },
    )
    services.diaries.add(
        diary,
        SIDE_EFFECTS,
        {
            "effect": "irritable",
            "severity": "moderate",
            "started_at": "2026-06-02T10:00:00Z",
            "regimen_id": reg.id,
        },
    )
    before = services.transfer.export_json(diary)
    archive = services.transfer.export_csv(diary)
    text = json.dumps(before).encode()
    for content in (text, archive):
        deleted = services.transfer.delete_all(diary)
        assert deleted["episodes"] == 2
        assert services.transfer.export_json(diary)["episodes"] == []
        services.transfer.import_bytes(diary, content)
        after = services.transfer.export_json(diary)
        strip = lambda d: {k: v for k, v in d.items() if k != "exported_at"}  # noqa: E731
        assert strip(after) == strip(before)
    # importing twice replaces instead of duplicating
    services.transfer.import_bytes(diary, text)
    assert services.diaries.page(diary, EPISODES).total == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe", "neither"),
        (b"[]", "not a Myoscope diary export"),
        (b'{"format": "myoscope-diary", "version": 9}', "version 9"),
        (b'{"format": "myoscope-diary", "version": 1, "episodes": [{"intensity": 1}]}', "episodes"),
        (b"PK\x03\x04broken", "ZIP"),
    ],
)
def test_bad_imports_change_nothing(services: Services, content: bytes, message: str) -> None:
    diary = services.diaries.open(add_account(services, "alice@example.org"))
    services.diaries.add(diary, EPISODES, EPISODE)
    with pytest.raises(InvalidInputError, match=message):
        services.transfer.import_bytes(diary, content)
    assert services.diaries.page(diary, EPISODES).total == 1


def test_sign_in_lockout_and_reset(services: Services, clock: Clock) -> None:
    add_account(services, "alice@example.org")
    assert (
        services.accounts.authenticate("ALICE@example.org ", PASSWORD).email == "alice@example.org"
    )
    with pytest.raises(AuthenticationError, match="not correct") as unknown:
        services.accounts.authenticate("nobody@example.org", PASSWORD)
    for _ in range(4):
        with pytest.raises(AuthenticationError) as wrong:
            services.accounts.authenticate("alice@example.org", "wrong password")
        assert str(wrong.value) == str(unknown.value)
    with pytest.raises(AuthenticationError, match="locked"):
        services.accounts.authenticate("alice@example.org", "wrong password")
    with pytest.raises(AuthenticationError, match="locked"):
        services.accounts.authenticate("alice@example.org", PASSWORD)
    clock.advance(minutes=16)
    assert services.accounts.authenticate("alice@example.org", PASSWORD)


def test_admin_unlock_and_account_rules(services: Services) -> None:
    admin = add_account(services, "admin@example.org", Role.ADMIN)
    alice = add_account(services, "alice@example.org")
    with pytest.raises(NotFoundError):
        services.accounts.list_all(alice)
    assert len(services.accounts.list_all(admin)) == 2
    assert services.accounts.unlock(admin, alice.id).failed_logins == 0
    with pytest.raises(ConflictError):
        add_account(services, "Alice@Example.org")
    with pytest.raises(InvalidInputError, match="too short"):
        services.accounts.create(alice.model_copy(update={"email": "x@example.org"}), "short")  # type: ignore[arg-type]
    with pytest.raises(PermissionDeniedError):
        services.accounts.create_first(alice, PASSWORD)  # type: ignore[arg-type]


def test_rate_limiter_and_tokens() -> None:
    now = [0.0]
    limiter = RateLimiter(max_attempts=2, window_s=60, clock=lambda: now[0])
    limiter.hit("a")
    limiter.hit("a")
    limiter.hit("b")
    with pytest.raises(RateLimitedError) as error:
        limiter.hit("a")
    assert error.value.retry_after_s > 0
    now[0] = 61
    limiter.hit("a")
    signer = TokenSigner("k" * 40)
    services = make_services()
    account = add_account(services, "t@example.org")
    assert signer.verify(signer.issue(account)) == (account.id, 0)
    with pytest.raises(AuthenticationError, match="not valid"):
        TokenSigner("other" * 10).verify(signer.issue(account))
    with pytest.raises(AuthenticationError, match="expired"):
        TokenSigner("k" * 40, max_age_s=-1).verify(signer.issue(account))
    services.close()


def test_import_of_another_diarys_ids_gets_new_ids_and_keeps_links(services: Services) -> None:
    alice = services.diaries.open(add_account(services, "alice@example.org"))
    bob = services.diaries.open(add_account(services, "bob@example.org"))
    reg = services.diaries.add(alice, REGIMENS, {"drug": "clonazepam", "started_on": "2026-01-01"})
    services.diaries.add(alice, DOSES, {"regimen_id": reg.id, "taken_at": "2026-06-15T08:00:00Z"})
    exported = services.transfer.export_json(alice)
    services.transfer.import_document(bob, exported)
    imported = services.transfer.export_json(bob)
    assert imported["medications"][0]["id"] != reg.id
    assert imported["doses"][0]["regimen_id"] == imported["medications"][0]["id"]
    assert services.transfer.export_json(alice)["medications"] == exported["medications"]


def test_import_refuses_broken_links_and_bad_profiles(services: Services) -> None:
    diary = services.diaries.open(add_account(services, "alice@example.org"))
    base = {"format": "myoscope-diary", "version": 1}
    dose = {
        "id": "d" * 32,
        "regimen_id": "r" * 32,
        "drug": "x",
        "taken_at": "2026-06-15T08:00:00Z",
        "created_at": "2026-06-15T08:00:00Z",
        "updated_at": "2026-06-15T08:00:00Z",
    }
    with pytest.raises(InvalidInputError, match="points at medication"):
        services.transfer.import_document(diary, base | {"doses": [dose]})
    with pytest.raises(InvalidInputError, match="sex"):
        services.transfer.import_document(diary, base | {"profile": {"age_years": 3, "sex": "?"}})
    with pytest.raises(InvalidInputError, match="version"):
        services.transfer.import_document(diary, base | {"version": True})
    with pytest.raises(InvalidInputError, match="twice"):
        services.transfer.import_document(diary, base | {"doses": [dose, dose]})


def test_signing_out_everywhere_and_password_change_end_sessions(services: Services) -> None:
    account = add_account(services, "alice@example.org")
    account_id, epoch = services.tokens.verify(services.tokens.issue(account))
    assert services.accounts.get(account_id, epoch=epoch) == account
    ended = services.accounts.end_sessions(account)
    assert ended.session_epoch == 1
    with pytest.raises(AuthenticationError, match="session has ended"):
        services.accounts.get(account_id, epoch=epoch)
    renewed = services.accounts.change_password(ended, PASSWORD, "another long passphrase")
    assert renewed.session_epoch == 2
    with pytest.raises(AuthenticationError, match="session has ended"):
        services.accounts.get(account_id, epoch=1)
    assert services.accounts.authenticate("alice@example.org", "another long passphrase")


def test_csv_export_defuses_spreadsheet_formulas_and_round_trips(services: Services) -> None:
    import io
    import zipfile

    diary = services.diaries.open(add_account(services, "alice@example.org"))
    notes = ["=cmd|' /C calc'!A0", "'quoted", "+1", "@sum", "plain"]
    for note in notes:
        services.diaries.add(diary, EPISODES, EPISODE | {"note": note})
    archive = services.transfer.export_csv(diary)
    text = zipfile.ZipFile(io.BytesIO(archive)).read("episodes.csv").decode()
    assert "'=cmd" in text
    assert "\n=" not in text
    assert ",=" not in text
    services.transfer.delete_all(diary)
    services.transfer.import_bytes(diary, archive)
    assert sorted(e.note for e in services.diaries.all(diary, EPISODES)) == sorted(notes)


def test_a_form_cannot_overwrite_a_days_check_in_unnoticed(services: Services) -> None:
    diary = services.diaries.open(add_account(services, "alice@example.org"))
    services.diaries.add(diary, CHECKINS, {"day": "2026-06-15", "severity": 3, "walking": 2})
    with pytest.raises(ConflictError, match="already a check-in"):
        services.diaries.add(
            diary, CHECKINS, {"day": "2026-06-15", "severity": 4}, replace_day=False
        )
    assert services.diaries.all(diary, CHECKINS)[0].walking == 2


def test_diary_dates_stay_within_the_years_every_time_zone_can_show(services: Services) -> None:
    diary = services.diaries.open(add_account(services, "alice@example.org"))
    with pytest.raises(InvalidInputError, match="outside the diary's range"):
        services.diaries.add(diary, EPISODES, EPISODE | {"started_at": "9999-12-31T23:59:00Z"})
    with pytest.raises(InvalidInputError, match="outside the diary's range"):
        services.diaries.add(diary, CHECKINS, {"day": "0001-01-01", "severity": 1})


def test_true_or_false_is_not_a_number(services: Services) -> None:
    diary = services.diaries.open(add_account(services, "alice@example.org"))
    with pytest.raises(InvalidInputError, match="'intensity' must be a number, not true"):
        services.diaries.add(diary, EPISODES, EPISODE | {"intensity": True})
    with pytest.raises(InvalidInputError, match="'mood' must be a number"):
        services.diaries.add(diary, CHECKINS, {"day": "2026-06-15", "severity": 1, "mood": False})


def test_the_access_log_can_show_other_people_only(services: Services) -> None:
    alice = add_account(services, "alice@example.org")
    add_account(services, "doc@example.org", Role.CLINICIAN)
    own = services.diaries.open(alice)
    services.diaries.add(own, EPISODES, EPISODE)
    services.diaries.grant(own, "doc@example.org")
    doctor = services.accounts.repository.accounts.get_by_email("doc@example.org")
    assert doctor is not None
    services.diaries.page(services.diaries.open(doctor, alice.id), EPISODES)
    others = services.diaries.audit(own, others_only=True)
    assert [(e.actor_id, e.action) for e in others.items] == [(doctor.id, AuditAction.LIST)]
    assert services.diaries.audit(own).total > others.total
