"""The RecordingStore contract and sensor episodes, on every backend (see storage_backends.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from storage_backends import BACKENDS, ReusableSchema, backend_url

from myoscope.domain.diary import Account, Episode, EpisodeSource, Review, Role, new_id
from myoscope.domain.recordings import Recording, RecordingStatus, StartSource
from myoscope.errors import ConflictError, InvalidInputError, NotFoundError
from myoscope.storage import SqlDiaryRepository, open_repository

T0 = datetime(2024, 3, 1, 22, 0, tzinfo=UTC)


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


def account(repo: SqlDiaryRepository, email: str) -> str:
    made = Account(email=email, role=Role.PATIENT, created_at=T0)
    repo.accounts.add(made, "hash")
    return made.id


def recording(patient_id: str, minutes: int = 0, **fields: object) -> Recording:
    values: dict[str, object] = {
        "id": new_id(),
        "patient_id": patient_id,
        "created_at": T0 + timedelta(minutes=minutes),
        "updated_at": T0 + timedelta(minutes=minutes),
        "file_name": "night 1.edf",
        "format": "edf",
        "size_bytes": 5_000_000_000,  # beyond 32 bits: BIGINT
        "sha256": "ab" * 32,
    }
    return Recording.model_validate(values | fields)


def test_a_recording_round_trips_with_every_field(repo: SqlDiaryRepository) -> None:
    alice = account(repo, "alice@example.org")
    done = recording(
        alice,
        started_at=T0 - timedelta(hours=8),
        started_at_source=StartSource.HEADER,
        duration_s=28_800.5,
        modality="emg",
        status=RecordingStatus.DONE,
        progress=1.0,
        message="note — ünïcode",
        summary={"jerks": 12, "per_hour": 1.5, "quality": [{"channel": "EDC", "issue": "flat"}]},
        uploaded_by=alice,
    )
    repo.recordings.add(done)
    assert repo.recordings.get(alice, done.id) == done
    assert repo.recordings.all(alice) == [done]
    changed = done.model_copy(update={"status": RecordingStatus.FAILED, "summary": None})
    assert repo.recordings.replace(changed)
    assert repo.recordings.get(alice, done.id) == changed


def test_recordings_are_scoped_to_their_diary(repo: SqlDiaryRepository) -> None:
    alice, bob = account(repo, "alice@example.org"), account(repo, "bob@example.org")
    hers = recording(alice)
    repo.recordings.add(hers)
    assert repo.recordings.get(bob, hers.id) is None
    assert not repo.recordings.delete(bob, hers.id)
    assert not repo.recordings.replace(hers.model_copy(update={"patient_id": bob}))
    assert repo.recordings.page(bob).total == 0
    assert repo.recordings.owners([hers.id, "f" * 32]) == {hers.id: alice}
    assert repo.recordings.delete_all(bob) == 0
    assert repo.recordings.delete_all(alice) == 1
    assert repo.recordings.get(alice, hers.id) is None


def test_pages_are_newest_upload_first(repo: SqlDiaryRepository) -> None:
    alice = account(repo, "alice@example.org")
    made = [recording(alice, minutes=i) for i in range(5)]
    for r in made:
        repo.recordings.add(r)
    page = repo.recordings.page(alice, limit=2, offset=1)
    assert page.total == 5
    assert [r.id for r in page.items] == [made[3].id, made[2].id]
    assert [r.id for r in repo.recordings.all(alice)] == [r.id for r in made]


def test_add_refuses_a_duplicate_an_unknown_diary_and_an_invalid_recording(
    repo: SqlDiaryRepository,
) -> None:
    alice = account(repo, "alice@example.org")
    first = recording(alice)
    repo.recordings.add(first)
    with pytest.raises(ConflictError):
        repo.recordings.add(first)
    with pytest.raises(NotFoundError):
        repo.recordings.add(recording("nobody"))
    with pytest.raises(InvalidInputError, match="progress"):
        repo.recordings.add(first.model_copy(update={"id": new_id(), "progress": 2.0}))


def test_the_worker_claims_the_oldest_queued_recording_once(repo: SqlDiaryRepository) -> None:
    alice, bob = account(repo, "alice@example.org"), account(repo, "bob@example.org")
    older, newer = recording(bob, minutes=0), recording(alice, minutes=5)
    repo.recordings.add(newer)
    repo.recordings.add(older)
    repo.recordings.add(recording(alice, minutes=1, status=RecordingStatus.DONE))
    now = T0 + timedelta(hours=1)
    first = repo.recordings.claim_next(now)
    assert first is not None
    assert first.id == older.id
    assert first.status is RecordingStatus.RUNNING
    assert first.updated_at == now
    second = repo.recordings.claim_next(now)
    assert second is not None
    assert second.id == newer.id
    assert repo.recordings.claim_next(now) is None


def test_two_threads_never_claim_the_same_recording(repo: SqlDiaryRepository, backend: str) -> None:
    if backend == "sqlite-memory":
        pytest.skip("an in-memory database has one connection; threads take turns anyway")
    alice = account(repo, "alice@example.org")
    for i in range(20):
        repo.recordings.add(recording(alice, minutes=i))
    claimed: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        while (found := repo.recordings.claim_next(T0)) is not None:
            with lock:
                claimed.append(found.id)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == sorted(r.id for r in repo.recordings.all(alice))


def test_progress_is_kept_only_while_running_and_restart_requeues(
    repo: SqlDiaryRepository,
) -> None:
    alice = account(repo, "alice@example.org")
    queued = recording(alice)
    repo.recordings.add(queued)
    assert not repo.recordings.set_progress(alice, queued.id, 0.5, T0)  # not running yet
    running = repo.recordings.claim_next(T0)
    assert running is not None
    assert repo.recordings.set_progress(alice, queued.id, 1.7, T0)  # clamped
    stored = repo.recordings.get(alice, queued.id)
    assert stored is not None
    assert stored.progress == 1.0
    assert repo.recordings.requeue_running(T0) == 1
    stored = repo.recordings.get(alice, queued.id)
    assert stored is not None
    assert (stored.status, stored.progress) == (RecordingStatus.QUEUED, 0.0)


def test_sensor_episodes_keep_their_source_recording_and_review(repo: SqlDiaryRepository) -> None:
    alice = account(repo, "alice@example.org")
    sensor = Episode(
        patient_id=alice,
        created_at=T0,
        updated_at=T0,
        started_at=T0,
        ended_at=T0 + timedelta(seconds=30),
        count=7,
        intensity=0,
        source=EpisodeSource.SENSOR,
        recording_id="r" * 32,
        review=Review.PENDING,
    )
    own = Episode(
        patient_id=alice, created_at=T0, updated_at=T0, started_at=T0, count=1, intensity=3
    )
    repo.episodes.add(sensor)
    repo.episodes.add(own)
    assert repo.episodes.get(alice, sensor.id) == sensor
    assert repo.episodes.get(alice, own.id) == own
    stored = repo.episodes.get(alice, own.id)
    assert stored is not None
    assert stored.source is EpisodeSource.SELF
    assert stored.review is None
    confirmed = sensor.model_copy(update={"review": Review.CONFIRMED})
    assert repo.episodes.replace(confirmed)
    assert repo.episodes.get(alice, sensor.id) == confirmed


def test_the_episodes_of_a_recording_are_listed_in_time_order_within_one_diary(
    repo: SqlDiaryRepository,
) -> None:
    alice, bob = account(repo, "alice@example.org"), account(repo, "bob@example.org")
    rec = "r" * 32

    def sensor(patient_id: str, minutes: int, recording_id: str = rec) -> Episode:
        return Episode(
            patient_id=patient_id,
            created_at=T0,
            updated_at=T0,
            started_at=T0 + timedelta(minutes=minutes),
            count=2,
            intensity=0,
            source=EpisodeSource.SENSOR,
            recording_id=recording_id,
            review=Review.PENDING,
        )

    later, earlier = sensor(alice, 5), sensor(alice, 1)
    for episode in (later, earlier, sensor(alice, 3, "s" * 32), sensor(bob, 2)):
        repo.episodes.add(episode)
    assert [e.id for e in repo.recordings.episodes(alice, rec)] == [earlier.id, later.id]
    assert len(repo.recordings.episodes(bob, rec)) == 1
    assert repo.recordings.episodes(alice, "t" * 32) == []
