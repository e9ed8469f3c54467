"""The DiaryRepository contract, on every backend (see storage_backends.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from storage_backends import BACKENDS, ReusableSchema, backend_url

from myoscope.diary.repository import DiaryRepository, TimeRange
from myoscope.domain.diary import (
    Access,
    Account,
    AuditAction,
    AuditEvent,
    CheckIn,
    Dose,
    Episode,
    Regimen,
    Role,
    Share,
    SideEffect,
    new_id,
)
from myoscope.errors import ConflictError, InvalidInputError, NotFoundError
from myoscope.storage import SqlDiaryRepository, open_repository

T0 = datetime(2024, 3, 1, tzinfo=UTC)
D0 = T0.date()
CREATED = datetime(2024, 6, 1, 9, 30, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def postgres_tables() -> Iterator[ReusableSchema]:
    schema = ReusableSchema()
    yield schema
    schema.drop()


@pytest.fixture
def repo(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[SqlDiaryRepository]:
    reusable = request.getfixturevalue("postgres_tables") if backend == "postgres" else None
    with backend_url(backend, tmp_path, reusable) as url:
        repository = open_repository(url)
        try:
            yield repository
        finally:
            repository.close()


def make_account(repo: SqlDiaryRepository, email: str, role: Role = Role.PATIENT) -> Account:
    account = Account(email=email, role=role, created_at=CREATED)
    repo.accounts.add(account, "hash:" + email)
    return account


@pytest.fixture
def alice(repo: SqlDiaryRepository) -> str:
    return make_account(repo, "alice@example.org").id


@pytest.fixture
def bob(repo: SqlDiaryRepository) -> str:
    return make_account(repo, "bob@example.org").id


def _bookkeeping(patient_id: str, record_id: str | None) -> dict[str, Any]:
    return {
        "id": record_id or new_id(),
        "patient_id": patient_id,
        "created_at": CREATED,
        "updated_at": CREATED,
    }


def make_episode(patient_id: str, i: int, record_id: str | None = None) -> Episode:
    return Episode(
        **_bookkeeping(patient_id, record_id),
        started_at=T0 + timedelta(days=i, hours=8),
        ended_at=T0 + timedelta(days=i, hours=8, minutes=5),
        count=3 + i,
        intensity=4,
        body_areas=["face", "left-arm"],
        triggers=["noise", "stress"],
        fell=i % 2 == 0,
        note=f"episode {i} — ünïcode",
    )


def make_checkin(patient_id: str, i: int, record_id: str | None = None) -> CheckIn:
    return CheckIn(
        **_bookkeeping(patient_id, record_id),
        day=D0 + timedelta(days=i),
        severity=5,
        walking=2,
        eating=0,
        sleep_hours=7.25,
        mood=3,
    )


def make_regimen(patient_id: str, i: int, record_id: str | None = None) -> Regimen:
    return Regimen(
        **_bookkeeping(patient_id, record_id),
        drug="levetiracetam",
        drug_id="drug:levetiracetam",
        dose_amount=250.5,
        dose_unit="mg",
        times_per_day=2,
        started_on=D0 + timedelta(days=i),
        start_reason="action myoclonus",
    )


def make_dose(patient_id: str, i: int, record_id: str | None = None) -> Dose:
    return Dose(
        **_bookkeeping(patient_id, record_id),
        drug="clonazepam",
        amount=0.5,
        unit="mg",
        status="late",
        taken_at=T0 + timedelta(days=i, hours=8),
        scheduled_at=T0 + timedelta(days=i, hours=7),
    )


def make_side_effect(patient_id: str, i: int, record_id: str | None = None) -> SideEffect:
    return SideEffect(
        **_bookkeeping(patient_id, record_id),
        effect="drowsiness",
        severity="moderate",
        started_at=T0 + timedelta(days=i, hours=8),
        regimen_id=new_id(),
    )


Factory = Callable[..., Any]
KINDS: dict[str, Factory] = {
    "episodes": make_episode,
    "checkins": make_checkin,
    "regimens": make_regimen,
    "doses": make_dose,
    "side_effects": make_side_effect,
}


@pytest.fixture(params=list(KINDS))
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def store(repo: SqlDiaryRepository, kind: str) -> Any:
    return getattr(repo, kind)


def fill(repo: SqlDiaryRepository, kind: str, patient_id: str, days: range) -> list[Any]:
    records = [KINDS[kind](patient_id, i) for i in days]
    for record in records:
        store(repo, kind).add(record)
    return records


def ids(records: list[Any]) -> list[str]:
    return [record.id for record in records]


def test_the_repository_satisfies_the_port(repo: SqlDiaryRepository) -> None:
    port: DiaryRepository = repo
    assert port.accounts.count() == 0


# ---------------------------------------------------------------------------------------------
# Diary records (every kind)


def test_added_record_comes_back_equal(repo: SqlDiaryRepository, kind: str, alice: str) -> None:
    record = KINDS[kind](alice, 1)
    store(repo, kind).add(record)
    got = store(repo, kind).get(alice, record.id)
    assert got == record
    assert type(got) is type(record)


def test_datetimes_come_back_in_utc(repo: SqlDiaryRepository, alice: str) -> None:
    record = make_episode(alice, 0).model_copy(
        update={"started_at": datetime(2024, 3, 1, 10, tzinfo=timezone(timedelta(hours=2)))}
    )
    repo.episodes.add(record)
    got = repo.episodes.get(alice, record.id)
    assert got is not None
    assert got.started_at == datetime(2024, 3, 1, 8, tzinfo=UTC)
    assert got.started_at.utcoffset() == timedelta(0)
    assert got.created_at.tzinfo is not None


def test_get_of_a_missing_record_is_none(repo: SqlDiaryRepository, kind: str, alice: str) -> None:
    assert store(repo, kind).get(alice, new_id()) is None


def test_adding_an_existing_id_is_a_conflict(
    repo: SqlDiaryRepository, kind: str, alice: str
) -> None:
    record = KINDS[kind](alice, 1)
    store(repo, kind).add(record)
    again = KINDS[kind](alice, 2, record.id)
    with pytest.raises(ConflictError, match=record.id):
        store(repo, kind).add(again)
    assert store(repo, kind).get(alice, record.id) == record


def test_a_record_needs_an_existing_diary(repo: SqlDiaryRepository, kind: str) -> None:
    with pytest.raises(NotFoundError, match="nobody"):
        store(repo, kind).add(KINDS[kind]("nobody", 1))


def test_replace_stores_every_field(repo: SqlDiaryRepository, kind: str, alice: str) -> None:
    record = KINDS[kind](alice, 1)
    store(repo, kind).add(record)
    changed = KINDS[kind](alice, 3, record.id).model_copy(
        update={"updated_at": CREATED + timedelta(hours=1)}
    )
    assert store(repo, kind).replace(changed) is True
    assert store(repo, kind).get(alice, record.id) == changed


def test_replace_of_a_missing_record_is_false(
    repo: SqlDiaryRepository, kind: str, alice: str
) -> None:
    assert store(repo, kind).replace(KINDS[kind](alice, 1)) is False
    assert store(repo, kind).all(alice) == []


def test_replace_never_moves_a_record_to_another_diary(
    repo: SqlDiaryRepository, kind: str, alice: str, bob: str
) -> None:
    record = KINDS[kind](alice, 1)
    store(repo, kind).add(record)
    assert store(repo, kind).replace(KINDS[kind](bob, 2, record.id)) is False
    assert store(repo, kind).get(alice, record.id) == record
    assert store(repo, kind).get(bob, record.id) is None


def test_delete(repo: SqlDiaryRepository, kind: str, alice: str, bob: str) -> None:
    record, other = fill(repo, kind, alice, range(2))
    assert store(repo, kind).delete(bob, record.id) is False
    assert store(repo, kind).delete(alice, record.id) is True
    assert store(repo, kind).delete(alice, record.id) is False
    assert store(repo, kind).get(alice, record.id) is None
    assert store(repo, kind).all(alice) == [other]


def test_records_of_one_diary_are_never_returned_for_another(
    repo: SqlDiaryRepository, kind: str, alice: str, bob: str
) -> None:
    (record,) = fill(repo, kind, alice, range(1))
    assert store(repo, kind).get(bob, record.id) is None
    assert store(repo, kind).page(bob).items == []
    assert store(repo, kind).page(bob).total == 0
    assert store(repo, kind).all(bob) == []
    assert store(repo, kind).delete_all(bob) == 0
    assert store(repo, kind).all(alice) == [record]


def test_page_is_newest_first_then_by_id(repo: SqlDiaryRepository, kind: str, alice: str) -> None:
    records = fill(repo, kind, alice, range(4))
    same_time = [KINDS[kind](alice, 2, record_id) for record_id in ("b" * 32, "a" * 32)]
    if kind != "checkins":  # one check-in per day
        for record in same_time:
            store(repo, kind).add(record)
        expected = [records[3].id, *sorted([records[2].id, *ids(same_time)], reverse=True)]
        expected += [records[1].id, records[0].id]
    else:
        expected = ids(records)[::-1]
    assert ids(store(repo, kind).page(alice).items) == expected
    assert ids(store(repo, kind).all(alice)) == expected[::-1]


def test_page_period_is_half_open(repo: SqlDiaryRepository, kind: str, alice: str) -> None:
    records = fill(repo, kind, alice, range(7))
    period = TimeRange(since=T0 + timedelta(days=2), until=T0 + timedelta(days=5))
    page = store(repo, kind).page(alice, period=period)
    assert ids(page.items) == ids(records[2:5])[::-1]
    assert page.total == 3
    assert store(repo, kind).page(alice, period=TimeRange(until=T0)).total == 0
    open_end = store(repo, kind).page(alice, period=TimeRange(since=T0 + timedelta(days=5)))
    assert ids(open_end.items) == ids(records[5:])[::-1]
    open_start = store(repo, kind).page(alice, period=TimeRange(until=T0 + timedelta(days=1)))
    assert ids(open_start.items) == [records[0].id]


def test_page_limit_offset_and_total(
    repo: SqlDiaryRepository, kind: str, alice: str, bob: str
) -> None:
    records = fill(repo, kind, alice, range(10))
    fill(repo, kind, bob, range(3))
    page = store(repo, kind).page(alice, limit=3, offset=2)
    assert ids(page.items) == ids(records)[::-1][2:5]
    assert (page.total, page.limit, page.offset) == (10, 3, 2)
    beyond = store(repo, kind).page(alice, limit=3, offset=20)
    assert (beyond.items, beyond.total) == ([], 10)
    counted = store(repo, kind).page(alice, limit=0)
    assert (counted.items, counted.total) == ([], 10)


def test_page_refuses_negative_limits_and_naive_bounds(
    repo: SqlDiaryRepository, kind: str, alice: str
) -> None:
    with pytest.raises(InvalidInputError, match="limit"):
        store(repo, kind).page(alice, limit=-1)
    with pytest.raises(InvalidInputError, match="offset"):
        store(repo, kind).page(alice, offset=-1)
    with pytest.raises(InvalidInputError, match="since"):
        store(repo, kind).page(alice, period=TimeRange(since=datetime(2024, 1, 1)))


def test_delete_all_deletes_only_this_diary(
    repo: SqlDiaryRepository, kind: str, alice: str, bob: str
) -> None:
    fill(repo, kind, alice, range(4))
    kept = fill(repo, kind, bob, range(2))
    assert store(repo, kind).delete_all(alice) == 4
    assert store(repo, kind).all(alice) == []
    assert store(repo, kind).delete_all(alice) == 0
    assert store(repo, kind).all(bob) == kept


def test_owners_names_the_diary_of_each_existing_id(
    repo: SqlDiaryRepository, kind: str, alice: str, bob: str
) -> None:
    mine = fill(repo, kind, alice, range(2))
    theirs = fill(repo, kind, bob, range(1))
    asked = [r.id for r in mine + theirs] + ["f" * 32]
    assert store(repo, kind).owners(asked) == {
        mine[0].id: alice,
        mine[1].id: alice,
        theirs[0].id: bob,
    }
    assert store(repo, kind).owners([]) == {}


@pytest.mark.parametrize("kind_", ["checkins", "regimens"])
def test_day_fields_count_from_midnight_in_the_bound_time_zone(
    repo: SqlDiaryRepository, kind_: str, alice: str
) -> None:
    records = fill(repo, kind_, alice, range(3))
    new_york = timezone(timedelta(hours=-5))
    since = datetime(D0.year, D0.month, D0.day + 1, tzinfo=new_york)  # 1 day after D0, local
    assert (
        ids(store(repo, kind_).page(alice, period=TimeRange(since=since)).items)
        == ids(records[1:])[::-1]
    )
    after_midnight = T0 + timedelta(days=1, minutes=1)  # day 1 started before this moment
    page = store(repo, kind_).page(alice, period=TimeRange(since=after_midnight))
    assert ids(page.items) == [records[2].id]


def test_one_checkin_per_day(repo: SqlDiaryRepository, alice: str, bob: str) -> None:
    repo.checkins.add(make_checkin(alice, 0))
    with pytest.raises(ConflictError, match=D0.isoformat()):
        repo.checkins.add(make_checkin(alice, 0))
    repo.checkins.add(make_checkin(bob, 0))
    day = TimeRange(since=T0, until=T0 + timedelta(days=1))
    assert repo.checkins.page(alice, period=day).total == 1


def test_lists_come_back_in_full(repo: SqlDiaryRepository, alice: str) -> None:
    record = make_episode(alice, 0).model_copy(update={"body_areas": [], "triggers": []})
    repo.episodes.add(record)
    assert repo.episodes.get(alice, record.id) == record
    dose = Dose(
        **_bookkeeping(alice, None),
        regimen_id=new_id(),
        status="skipped",
        taken_at=T0,
        as_needed=True,
    )
    repo.doses.add(dose)
    assert repo.doses.get(alice, dose.id) == dose


# ---------------------------------------------------------------------------------------------
# Accounts


def test_account_round_trip_and_lookups(repo: SqlDiaryRepository) -> None:
    account = Account(
        email="Carol@Example.org",
        role=Role.CLINICIAN,
        display_name="Dr Carol",
        timezone="Europe/London",
        created_at=CREATED,
    )
    repo.accounts.add(account, "argon2-hash")
    stored = account.model_copy(update={"email": "carol@example.org"})
    assert repo.accounts.get(account.id) == stored
    assert repo.accounts.get_by_email("CAROL@example.ORG") == stored
    assert repo.accounts.get_by_email("other@example.org") is None
    assert repo.accounts.get("missing") is None
    assert repo.accounts.password_hash(account.id) == "argon2-hash"
    assert repo.accounts.password_hash("missing") is None


def test_an_email_address_is_unique_in_any_case(repo: SqlDiaryRepository) -> None:
    make_account(repo, "dave@example.org")
    with pytest.raises(ConflictError, match="e-mail address already exists"):
        repo.accounts.add(
            Account(email="DAVE@example.org", role=Role.CARER, created_at=CREATED), "h"
        )
    assert repo.accounts.count() == 1


def test_an_account_id_is_unique(repo: SqlDiaryRepository) -> None:
    first = make_account(repo, "erin@example.org")
    twin = Account(id=first.id, email="frank@example.org", role=Role.PATIENT, created_at=CREATED)
    with pytest.raises(ConflictError, match=first.id):
        repo.accounts.add(twin, "h")


def test_password_login_state_and_details_change(repo: SqlDiaryRepository) -> None:
    account = make_account(repo, "gina@example.org")
    repo.accounts.set_password_hash(account.id, "new-hash")
    assert repo.accounts.password_hash(account.id) == "new-hash"
    until = datetime(2024, 5, 1, 12, tzinfo=UTC)
    repo.accounts.set_login_state(account.id, failed_logins=5, locked_until=until)
    locked = repo.accounts.get(account.id)
    assert locked is not None
    assert (locked.failed_logins, locked.locked_until) == (5, until)
    repo.accounts.set_login_state(account.id, failed_logins=0, locked_until=None)
    repo.accounts.update(
        account.model_copy(update={"display_name": "Gina", "timezone": "Asia/Tokyo"})
    )
    assert repo.accounts.get(account.id) == account.model_copy(
        update={"display_name": "Gina", "timezone": "Asia/Tokyo"}
    )


def test_changing_a_missing_account_is_not_found(repo: SqlDiaryRepository) -> None:
    with pytest.raises(NotFoundError):
        repo.accounts.set_password_hash("missing", "h")
    with pytest.raises(NotFoundError):
        repo.accounts.set_login_state("missing", failed_logins=1, locked_until=None)


def test_all_accounts_by_email_and_count(repo: SqlDiaryRepository) -> None:
    for email in ("zoe@example.org", "adam@example.org", "mia@example.org"):
        make_account(repo, email)
    assert [a.email for a in repo.accounts.all()] == [
        "adam@example.org",
        "mia@example.org",
        "zoe@example.org",
    ]
    assert repo.accounts.count() == 3


# ---------------------------------------------------------------------------------------------
# Profiles


def test_profile_put_get_replace_delete(repo: SqlDiaryRepository, alice: str, bob: str) -> None:
    assert repo.get_profile(alice) is None
    document = {"age_years": 40, "conditions": ["condition:x"], "notes": {"ü": [1.5, None]}}
    repo.put_profile(alice, document, CREATED)
    assert repo.get_profile(alice) == document
    assert repo.get_profile(bob) is None
    repo.put_profile(alice, {"age_years": 41}, CREATED + timedelta(days=1))
    assert repo.get_profile(alice) == {"age_years": 41}
    assert repo.delete_profile(alice) is True
    assert repo.delete_profile(alice) is False
    assert repo.get_profile(alice) is None


def test_a_profile_needs_an_account(repo: SqlDiaryRepository) -> None:
    with pytest.raises(NotFoundError):
        repo.put_profile("nobody", {}, CREATED)


# ---------------------------------------------------------------------------------------------
# Shares


def make_share(patient_id: str, grantee_id: str, hours: int, access: Access = Access.READ) -> Share:
    return Share(
        patient_id=patient_id,
        grantee_id=grantee_id,
        access=access,
        created_at=CREATED + timedelta(hours=hours),
    )


def test_shares(repo: SqlDiaryRepository, alice: str, bob: str) -> None:
    carol = make_account(repo, "carol@example.org", Role.CLINICIAN).id
    assert repo.active_share(alice, carol) is None
    first = make_share(alice, carol, 1)
    second = make_share(alice, bob, 2, Access.READ_WRITE)
    theirs = make_share(bob, carol, 3)
    for share in (first, second, theirs):
        repo.add_share(share)
    assert repo.get_share(first.id) == first
    assert repo.get_share("missing") is None
    assert repo.active_share(alice, carol) == first
    assert repo.active_share(carol, alice) is None
    assert repo.shares_of(alice) == [second, first]
    assert repo.shares_with(carol) == [theirs, first]

    revoked_at = CREATED + timedelta(days=1)
    assert repo.revoke_share(first.id, revoked_at) is True
    assert repo.revoke_share(first.id, revoked_at + timedelta(hours=1)) is False
    assert repo.revoke_share("missing", revoked_at) is False
    assert repo.active_share(alice, carol) is None
    assert repo.shares_with(carol) == [theirs]
    assert repo.shares_of(alice) == [second, first.model_copy(update={"revoked_at": revoked_at})]


def test_a_share_needs_both_accounts(repo: SqlDiaryRepository, alice: str) -> None:
    with pytest.raises(NotFoundError):
        repo.add_share(make_share(alice, "nobody", 0))
    share = make_share(alice, alice, 0)
    repo.add_share(share)
    with pytest.raises(ConflictError):
        repo.add_share(share)


# ---------------------------------------------------------------------------------------------
# Audit


def audit(patient_id: str, minutes: int, action: AuditAction = AuditAction.READ) -> AuditEvent:
    return AuditEvent(
        at=T0 + timedelta(minutes=minutes),
        actor_id="actor",
        patient_id=patient_id,
        action=action,
        resource="episodes",
        record_id=new_id() if minutes % 2 else None,
    )


def test_audit_append_and_list(repo: SqlDiaryRepository, alice: str, bob: str) -> None:
    events = [audit(alice, m) for m in (5, 1, 3, 3)]
    for event in [*events, audit(bob, 2)]:
        repo.append_audit(event)
    page = repo.list_audit(alice)
    # newest first; the two at minute 3 in reverse order of appending
    assert page.items == [events[0], events[3], events[2], events[1]]
    assert page.total == 4
    period = TimeRange(since=T0 + timedelta(minutes=1), until=T0 + timedelta(minutes=5))
    assert repo.list_audit(alice, period=period).items == [events[3], events[2], events[1]]
    limited = repo.list_audit(alice, limit=1, offset=1)
    assert (limited.items, limited.total) == ([events[3]], 4)
    assert repo.list_audit("nobody").total == 0


def test_audit_list_can_leave_out_one_actor(repo: SqlDiaryRepository, alice: str) -> None:
    mine = audit(alice, 1)
    theirs = audit(alice, 2).model_copy(update={"actor_id": "someone-else"})
    repo.append_audit(mine)
    repo.append_audit(theirs)
    page = repo.list_audit(alice, exclude_actor="actor")
    assert (page.items, page.total) == ([theirs], 1)


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_events SET action = 'delete'", "DELETE FROM audit_events"]
)
def test_the_audit_log_is_append_only_in_the_database(
    repo: SqlDiaryRepository, alice: str, statement: str
) -> None:
    repo.append_audit(audit(alice, 1))
    engine = repo._database.engine
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text(statement))
    assert repo.list_audit(alice).total == 1


def test_the_audit_log_cannot_be_truncated_on_postgres(
    repo: SqlDiaryRepository, backend: str, alice: str
) -> None:
    if backend != "postgres":
        pytest.skip("TRUNCATE is PostgreSQL's")
    repo.append_audit(audit(alice, 1))
    with pytest.raises(DBAPIError, match="append-only"), repo._database.engine.begin() as c:
        c.execute(text("TRUNCATE audit_events"))
    assert repo.list_audit(alice).total == 1


# ---------------------------------------------------------------------------------------------
# Transactions and integrity


def test_an_exception_in_a_transaction_rolls_back_every_change(
    repo: SqlDiaryRepository, alice: str
) -> None:
    episode = make_episode(alice, 0)
    seen: list[Episode | None] = []

    def fail() -> None:
        with repo.transaction():
            repo.episodes.add(episode)
            repo.append_audit(audit(alice, 1, AuditAction.CREATE))
            seen.append(repo.episodes.get(alice, episode.id))  # sees its own writes
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail()
    assert seen == [episode]
    assert repo.episodes.get(alice, episode.id) is None
    assert repo.list_audit(alice).total == 0


def test_a_failed_write_in_a_transaction_rolls_back_the_earlier_ones(
    repo: SqlDiaryRepository, alice: str
) -> None:
    existing = make_episode(alice, 0)
    repo.episodes.add(existing)

    def clash() -> None:
        with repo.transaction():
            repo.append_audit(audit(alice, 1, AuditAction.CREATE))
            repo.episodes.add(existing)

    with pytest.raises(ConflictError):
        clash()
    assert repo.list_audit(alice).total == 0


def test_a_transaction_commits_and_nested_ones_join_it(
    repo: SqlDiaryRepository, alice: str
) -> None:
    first, second = make_episode(alice, 0), make_episode(alice, 1)
    with repo.transaction():
        repo.episodes.add(first)
        with repo.transaction():
            repo.episodes.add(second)
    assert repo.episodes.page(alice).total == 2

    third = make_episode(alice, 2)

    def fail_after_inner() -> None:
        with repo.transaction():
            with repo.transaction():
                repo.episodes.add(third)
            raise RuntimeError("after the inner block")

    with pytest.raises(RuntimeError):
        fail_after_inner()
    assert repo.episodes.get(alice, third.id) is None


def test_concurrent_writers_and_readers(repo: SqlDiaryRepository, alice: str) -> None:
    errors: list[BaseException] = []
    written: list[str] = []
    lock = threading.Lock()

    def write(worker: int) -> None:
        try:
            for i in range(50):
                episode = make_episode(alice, worker * 50 + i)
                with repo.transaction():
                    repo.episodes.add(episode)
                    repo.append_audit(audit(alice, i, AuditAction.CREATE))
                with lock:
                    written.append(episode.id)
                if i % 10 == 0:
                    repo.episodes.page(alice, limit=5)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(ids(repo.episodes.all(alice))) == sorted(written)
    assert len(written) == 1000
    assert repo.list_audit(alice, limit=0).total == 1000


def test_a_file_database_keeps_its_data_after_reopening(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'again.db'}"
    with open_repository(url) as repository:
        account = make_account(repository, "hana@example.org")
        episode = make_episode(account.id, 0)
        repository.episodes.add(episode)
    with open_repository(url) as repository:
        assert repository.episodes.get(account.id, episode.id) == episode


def test_year_of_episodes_lists_in_one_page(repo: SqlDiaryRepository, alice: str) -> None:
    with repo.transaction():
        for i in range(1500):
            repo.episodes.add(
                Episode(
                    **_bookkeeping(alice, None),
                    started_at=T0 + timedelta(hours=6 * i),
                    count_band="2-10",
                    intensity=i % 11,
                )
            )
    page = repo.episodes.page(alice, limit=2000)
    assert page.total == len(page.items) == 1500
    starts = [e.started_at for e in page.items]
    assert starts == sorted(starts, reverse=True)


def test_a_record_that_skipped_validation_is_refused(repo: SqlDiaryRepository, alice: str) -> None:
    # model_copy(update=...) does not validate; such a row could not be read back
    broken = make_episode(alice, 0).model_copy(update={"intensity": 11})
    with pytest.raises(InvalidInputError, match="intensity"):
        repo.episodes.add(broken)
    record = make_episode(alice, 0)
    repo.episodes.add(record)
    with pytest.raises(InvalidInputError, match="ended_at"):
        repo.episodes.replace(record.model_copy(update={"ended_at": T0 - timedelta(days=1)}))
    assert repo.episodes.all(alice) == [record]


def test_episode_facts_match_the_episodes(repo: SqlDiaryRepository, alice: str, bob: str) -> None:
    from myoscope.domain.diary import CountBand, EpisodeSource, JerkKind, Review, Trigger

    stored = [make_episode(alice, i) for i in (3, 1, 2)]
    stored.append(
        make_episode(alice, 4).model_copy(
            update={
                "count": None,
                "count_band": CountBand.SEVERAL,
                "triggers": [],
                "kind": JerkKind.NEGATIVE,
            }
        )
    )
    sensor = make_episode(alice, 5).model_copy(
        update={
            "source": EpisodeSource.SENSOR,
            "recording_id": "rec1",
            "review": Review.CONFIRMED,
            "triggers": [],
        }
    )
    for episode in [*stored, sensor, make_episode(bob, 0)]:
        repo.episodes.add(episode)
    facts = repo.episode_facts(alice)
    assert [f.started_at for f in facts] == sorted(e.started_at for e in [*stored, sensor])
    by_time = {e.started_at: e for e in [*stored, sensor]}
    for fact in facts:
        episode = by_time[fact.started_at]
        assert fact.started_at.utcoffset() == timedelta(0)
        for name in (
            "count",
            "count_band",
            "intensity",
            "kind",
            "source",
            "recording_id",
            "review",
        ):
            assert getattr(fact, name) == getattr(episode, name), name
        assert fact.triggers == tuple(episode.triggers)
        assert all(isinstance(t, Trigger) for t in fact.triggers)
    own = repo.episode_facts(alice, source=EpisodeSource.SELF)
    assert len(own) == len(stored)
    (only,) = repo.episode_facts(alice, source=EpisodeSource.SENSOR)
    assert only.review is Review.CONFIRMED
    assert repo.episode_facts("nobody") == []
