"""Recordings in the diary: grouping, start times, the service, the worker, access and transfer."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from myoscope.bootstrap import Services, build_services
from myoscope.domain.diary import Access, EpisodeSource, JerkKind, Review, Role
from myoscope.domain.recordings import (
    Recording,
    RecordingStatus,
    StartSource,
    recording_format,
    safe_file_name,
)
from myoscope.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from myoscope.services.diary import EPISODES
from myoscope.services.diary_recordings import (
    GROUP_GAP_S,
    SENSOR_INTENSITY,
    group_detections,
    recording_start,
)
from myoscope.settings import Settings
from recording_files import write_emg_csv, write_emg_edf
from services_helpers import FAST_HASHER, Clock, add_account

# -- grouping ------------------------------------------------------------------------------------


def _result(jerks: list[float], negatives: tuple[tuple[float, str], ...] = ()) -> dict[str, Any]:
    events = [
        {"channel": "A", "kind": "positive", "onset_s": t, "offset_s": t + 0.05} for t in jerks
    ] + [
        {"channel": ch, "kind": "negative", "onset_s": t, "offset_s": t + 0.2}
        for t, ch in negatives
    ]
    return {"jerks": [{"onset_s": t, "channels": ["A"]} for t in jerks], "events": events}


def test_jerks_less_than_the_gap_apart_form_one_group() -> None:
    groups = group_detections(_result([1.0, 20.0, 20.0 + GROUP_GAP_S - 0.1, 200.0]))
    assert [(g.start_s, g.count) for g in groups] == [(1.0, 3), (200.0, 1)]
    assert groups[0].end_s == pytest.approx(20.0 + GROUP_GAP_S - 0.1 + 0.05)
    assert groups[0].onsets_s == (1.0, 20.0, 20.0 + GROUP_GAP_S - 0.1)
    assert all(g.kind is JerkKind.POSITIVE for g in groups)


def test_a_pause_of_exactly_the_gap_starts_a_new_group() -> None:
    groups = group_detections(_result([0.0, GROUP_GAP_S]))
    assert [g.count for g in groups] == [1, 1]


def test_a_group_spans_at_most_the_longest_span() -> None:
    jerks = [float(t) for t in range(0, 300, 10)]
    groups = group_detections(_result(jerks), max_span_s=100.0)
    assert [g.count for g in groups] == [11, 11, 8]
    assert all(g.end_s - g.start_s <= 100.05 + 1e-9 for g in groups)


def test_lapses_of_tone_are_merged_across_channels_and_kept_apart_from_jerks() -> None:
    result = _result([10.0, 11.0], negatives=((10.5, "A"), (10.52, "B"), (30.0, "A")))
    groups = group_detections(result)
    kinds = [(g.kind, g.count, g.channels) for g in groups]
    assert kinds == [
        (JerkKind.POSITIVE, 2, ("A",)),
        (JerkKind.NEGATIVE, 2, ("A", "B")),
    ]


def test_no_detections_no_groups_and_bad_parameters_are_refused() -> None:
    assert group_detections({"jerks": [], "events": []}) == []
    with pytest.raises(InvalidInputError):
        group_detections(_result([1.0]), gap_s=0)


# -- start time ----------------------------------------------------------------------------------

UPLOADED = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def test_the_header_start_wins_then_the_given_one_then_the_upload_time() -> None:
    header = datetime(2026, 6, 14, 22, 0, tzinfo=UTC)
    given = datetime(2026, 6, 14, 21, 0, tzinfo=UTC)
    kw: dict[str, Any] = {"uploaded_at": UPLOADED, "duration_s": 3600.0}
    assert recording_start(header=header, given=given, **kw) == (header, StartSource.HEADER)
    assert recording_start(header=None, given=given, **kw) == (given, StartSource.USER)
    assert recording_start(header=None, given=None, **kw) == (
        UPLOADED - timedelta(hours=1),
        StartSource.UPLOAD,
    )


def test_file_names_are_sanitised_and_types_recognised() -> None:
    assert safe_file_name("C:\\data\\night 1.EDF") == "night 1.EDF"
    assert safe_file_name("../../etc/passwd") == "passwd"
    assert safe_file_name("<script>x.csv") == "_script_x.csv"
    assert safe_file_name("..") == "recording"
    assert len(safe_file_name("a" * 300 + ".edf")) <= 120
    assert safe_file_name("a" * 300 + ".edf").endswith(".edf")
    assert recording_format("night 1.EDF") == "edf"
    assert recording_format("notes.txt") is None
    assert recording_format("noextension") is None


# -- the service ---------------------------------------------------------------------------------


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 6, 15, 12, 0, tzinfo=UTC))


@pytest.fixture
def services(tmp_path: Path, clock: Clock) -> Iterator[Services]:
    settings = Settings(
        database_url="sqlite://",
        secret_key="s" * 48,
        secret_key_configured=True,
        recordings_dir=tmp_path / "recordings",
        recording_max_bytes=20 * 1024 * 1024,
    )
    built = build_services(settings, clock=clock, password_hasher=FAST_HASHER)
    yield built
    built.close()


@pytest.fixture(scope="module")
def emg_csv(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return write_emg_csv(tmp_path_factory.mktemp("emg") / "night.csv").read_bytes()


def _upload(
    services: Services, diary: Any, content: bytes, name: str = "night.csv", **kw: Any
) -> Recording:
    return services.recordings.upload(diary, name, io.BytesIO(content), **kw)


def test_an_upload_is_kept_queued_then_analysed_into_pending_sensor_episodes(
    services: Services, emg_csv: bytes
) -> None:
    alice = add_account(services, "alice@example.org", timezone="Europe/London")
    diary = services.diaries.open(alice)
    queued = _upload(services, diary, emg_csv, name="C:\\Users\\me\\night.csv")
    assert (queued.status, queued.progress, queued.file_name) == (
        RecordingStatus.QUEUED,
        0.0,
        "night.csv",
    )
    kept = services.recordings.file_path(queued)
    assert kept.read_bytes() == emg_csv
    assert kept.name == f"{queued.id}.csv"
    assert alice.id in kept.parts

    assert services.recordings.run_pending() == 1
    done = services.recordings.get(diary, queued.id)
    assert done.status is RecordingStatus.DONE
    assert done.progress == 1.0
    assert done.duration_s == pytest.approx(120.0, abs=0.01)
    assert done.started_at_source is StartSource.UPLOAD
    assert done.started_at == queued.created_at - timedelta(seconds=done.duration_s or 0)
    assert done.summary is not None
    assert done.summary["jerks"] == 5
    assert done.summary["groups"] == 2
    assert "events" not in done.summary

    episodes = services.recordings.episodes(diary, queued.id)
    assert [e.count for e in episodes] == [3, 2]
    for episode in episodes:
        assert episode.source is EpisodeSource.SENSOR
        assert episode.review is Review.PENDING
        assert episode.intensity == SENSOR_INTENSITY
        assert "intensity not rated" in (episode.note or "")
    assert done.started_at is not None
    offset = (episodes[0].started_at - done.started_at).total_seconds()
    assert offset == pytest.approx(5.0, abs=0.01)  # the first burst, 5 s in
    assert services.recordings.run_pending() == 0


def test_the_start_comes_from_the_edf_header_in_the_owners_time_zone(
    services: Services, tmp_path: Path
) -> None:
    alice = add_account(services, "alice@example.org", timezone="Europe/Paris")
    diary = services.diaries.open(alice)
    edf = write_emg_edf(tmp_path / "night.edf", datetime(2026, 3, 1, 22, 30))
    given = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
    recording = _upload(services, diary, edf.read_bytes(), name="night.edf", started_at=given)
    services.recordings.run_pending()
    done = services.recordings.get(diary, recording.id)
    assert done.started_at == datetime(2026, 3, 1, 21, 30, tzinfo=UTC)  # 22:30 in Paris
    assert done.started_at_source is StartSource.HEADER


def test_without_a_header_date_the_given_start_is_used(services: Services, tmp_path: Path) -> None:
    alice = add_account(services, "alice@example.org")
    diary = services.diaries.open(alice)
    edf = write_emg_edf(tmp_path / "anonymous.edf", None)
    given = datetime(2026, 6, 1, 23, 0, tzinfo=UTC)
    recording = _upload(services, diary, edf.read_bytes(), name="anonymous.edf", started_at=given)
    services.recordings.run_pending()
    done = services.recordings.get(diary, recording.id)
    assert (done.started_at, done.started_at_source) == (given, StartSource.USER)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.txt", b"hello", "not a recording type"),
        ("empty.csv", b"", "empty"),
        ("huge.csv", b"x" * (20 * 1024 * 1024 + 1), "larger than 20 MB"),
    ],
)
def test_bad_uploads_are_refused_and_leave_nothing_behind(
    services: Services, name: str, content: bytes, message: str
) -> None:
    alice = add_account(services, "alice@example.org")
    diary = services.diaries.open(alice)
    with pytest.raises(InvalidInputError, match=message):
        _upload(services, diary, content, name=name)
    assert services.recordings.page(diary).total == 0
    folder = services.recordings.root / alice.id
    assert not folder.exists() or list(folder.iterdir()) == []


def test_a_naive_start_is_refused(services: Services, emg_csv: bytes) -> None:
    diary = services.diaries.open(add_account(services, "alice@example.org"))
    with pytest.raises(InvalidInputError, match="time zone"):
        _upload(services, diary, emg_csv, started_at=datetime(2026, 1, 1))


def test_a_corrupt_file_fails_with_a_human_message_and_the_file_is_kept(
    services: Services,
) -> None:
    diary = services.diaries.open(add_account(services, "alice@example.org"))
    recording = _upload(services, diary, b"\x00\x01 not an EDF file at all", name="broken.edf")
    services.recordings.run_pending()
    failed = services.recordings.get(diary, recording.id)
    assert failed.status is RecordingStatus.FAILED
    assert failed.message
    assert "\n" not in failed.message
    assert "broken.edf" in failed.message
    assert recording.id not in failed.message
    assert services.recordings.file_path(recording).is_file()
    assert services.recordings.episodes(diary, recording.id) == []


def test_an_unexpected_error_fails_the_recording_not_the_worker(
    services: Services, emg_csv: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    import myoscope.services.recordings as analysis

    def explode(*_: object, **__: object) -> dict[str, Any]:
        raise MemoryError

    diary = services.diaries.open(add_account(services, "alice@example.org"))
    recording = _upload(services, diary, emg_csv)
    monkeypatch.setattr(analysis, "analyse_recording", explode)
    services.recordings.run_pending()
    failed = services.recordings.get(diary, recording.id)
    assert failed.status is RecordingStatus.FAILED
    assert failed.message is not None
    assert "MemoryError" in failed.message
    assert "file is kept" in failed.message


def test_a_missing_file_fails_the_recording(services: Services, emg_csv: bytes) -> None:
    diary = services.diaries.open(add_account(services, "alice@example.org"))
    recording = _upload(services, diary, emg_csv)
    services.recordings.file_path(recording).unlink()
    services.recordings.run_pending()
    assert services.recordings.get(diary, recording.id).status is RecordingStatus.FAILED


def test_a_restart_puts_interrupted_recordings_back_in_the_queue(
    services: Services, emg_csv: bytes
) -> None:
    diary = services.diaries.open(add_account(services, "alice@example.org"))
    recording = _upload(services, diary, emg_csv)
    claimed = services.repository.recordings.claim_next(services.clock())
    assert claimed is not None
    assert claimed.status is RecordingStatus.RUNNING
    # the server stopped here; the next start requeues it and the worker analyses it
    worker = services.recordings.worker
    worker.start()
    try:
        deadline = time.monotonic() + 120
        while services.recordings.lookup(diary, recording.id).status is not RecordingStatus.DONE:
            assert time.monotonic() < deadline, "the worker did not analyse the recording"
            time.sleep(0.05)
    finally:
        worker.stop()
    assert not worker.running


def test_stopping_the_worker_mid_analysis_requeues_the_recording(
    services: Services, emg_csv: bytes
) -> None:
    diary = services.diaries.open(add_account(services, "alice@example.org"))
    recording = _upload(services, diary, emg_csv)
    claimed = services.repository.recordings.claim_next(services.clock())
    assert claimed is not None
    cancel = threading.Event()
    cancel.set()
    back = services.recordings.process(claimed, cancel=cancel)
    assert (back.status, back.progress) == (RecordingStatus.QUEUED, 0.0)
    assert services.recordings.lookup(diary, recording.id).status is RecordingStatus.QUEUED


def test_progress_is_reported_to_a_foreground_caller(services: Services, emg_csv: bytes) -> None:
    diary = services.diaries.open(add_account(services, "alice@example.org"))
    recording = _upload(services, diary, emg_csv)
    seen: list[float] = []
    done = services.recordings.analyse_now(diary, recording.id, progress=seen.append)
    assert done.status is RecordingStatus.DONE
    assert seen[0] < seen[-1] == 1.0
    assert seen == sorted(seen)
    with pytest.raises(NotFoundError, match="not waiting"):
        services.recordings.analyse_now(diary, recording.id)


# -- access, review, deletion ----------------------------------------------------------------------


def _shared(services: Services, owner: Any, email: str, role: Role, access: Access) -> Any:
    other = add_account(services, email, role)
    services.diaries.grant(services.diaries.open(owner), email, access)
    return services.diaries.open(other, owner.id)


def test_who_may_upload_review_view_or_see_nothing(services: Services, emg_csv: bytes) -> None:
    alice = add_account(services, "alice@example.org")
    own = services.diaries.open(alice)
    reader = _shared(services, alice, "dr@example.org", Role.CLINICIAN, Access.READ)
    carer = _shared(services, alice, "carer@example.org", Role.CARER, Access.READ_WRITE)
    bob = services.diaries.open(add_account(services, "bob@example.org"))

    uploaded = _upload(services, carer, emg_csv)  # a read-write share may upload
    services.recordings.run_pending()
    group = services.recordings.episodes(own, uploaded.id)[0]

    assert services.recordings.get(reader, uploaded.id).status is RecordingStatus.DONE
    with pytest.raises(PermissionDeniedError):
        _upload(services, reader, emg_csv)
    with pytest.raises(PermissionDeniedError):
        services.recordings.review(reader, uploaded.id, group.id, Review.CONFIRMED)
    with pytest.raises(PermissionDeniedError):
        services.recordings.delete(reader, uploaded.id)

    reviewed = services.recordings.review(carer, uploaded.id, group.id, "confirmed")
    assert reviewed.review is Review.CONFIRMED

    for attempt in (
        lambda: services.recordings.get(bob, uploaded.id),
        lambda: services.recordings.review(bob, uploaded.id, group.id, "confirmed"),
        lambda: services.recordings.delete(bob, uploaded.id),
        lambda: services.recordings.result(bob, uploaded),
    ):
        with pytest.raises(NotFoundError):
            attempt()
    assert services.recordings.page(bob).total == 0


def test_review_checks_the_group_belongs_to_the_recording(
    services: Services, emg_csv: bytes
) -> None:
    diary = services.diaries.open(add_account(services, "alice@example.org"))
    first, second = _upload(services, diary, emg_csv), _upload(services, diary, emg_csv)
    services.recordings.run_pending()
    group = services.recordings.episodes(diary, first.id)[0]
    own = services.diaries.add(
        diary, EPISODES, {"started_at": "2026-06-15T09:30:00Z", "count": 2, "intensity": 3}
    )
    with pytest.raises(NotFoundError):
        services.recordings.review(diary, second.id, group.id, "confirmed")
    with pytest.raises(NotFoundError):
        services.recordings.review(diary, first.id, own.id, "confirmed")
    with pytest.raises(InvalidInputError, match="not a review"):
        services.recordings.review(diary, first.id, group.id, "maybe")


def test_editing_a_sensor_episode_keeps_it_a_sensor_episode(
    services: Services, emg_csv: bytes
) -> None:
    diary = services.diaries.open(add_account(services, "alice@example.org"))
    recording = _upload(services, diary, emg_csv)
    services.recordings.run_pending()
    group = services.recordings.episodes(diary, recording.id)[0]
    edited = services.diaries.update(
        diary,
        EPISODES,
        group.id,
        {"started_at": group.started_at.isoformat(), "count": 4, "intensity": 5, "note": "me"},
    )
    assert (edited.source, edited.recording_id, edited.review) == (
        EpisodeSource.SENSOR,
        recording.id,
        Review.PENDING,
    )


def test_deleting_a_recording_keeps_confirmed_groups_and_removes_its_files(
    services: Services, emg_csv: bytes
) -> None:
    diary = services.diaries.open(add_account(services, "alice@example.org"))
    recording = _upload(services, diary, emg_csv)
    services.recordings.run_pending()
    first, second = services.recordings.episodes(diary, recording.id)
    services.recordings.review(diary, recording.id, first.id, "confirmed")
    services.recordings.review(diary, recording.id, second.id, "false-alarm")
    cache = services.recordings.cache_path(recording, "trace-x.png")
    cache.write_bytes(b"png")
    assert services.recordings.delete(diary, recording.id) == 1
    remaining = services.diaries.all(diary, EPISODES)
    assert [e.id for e in remaining] == [first.id]
    assert list((services.recordings.root / diary.patient_id).iterdir()) == []
    with pytest.raises(NotFoundError):
        services.recordings.get(diary, recording.id)


def test_sensor_counts_per_day_by_review_with_the_recorded_time(
    services: Services, clock: Clock
) -> None:
    alice = add_account(services, "alice@example.org", timezone="Europe/London")
    diary = services.diaries.open(alice)
    content = write_emg_csv(
        services.recordings.root.parent / "night.csv", duration_s=120.0
    ).read_bytes()
    # the recording starts at 23:59 London time on 14 June: one minute that day, one the next
    start = datetime(2026, 6, 14, 22, 59, tzinfo=UTC)
    recording = _upload(services, diary, content, started_at=start)
    services.recordings.run_pending()
    groups = services.recordings.episodes(diary, recording.id)
    services.recordings.review(diary, recording.id, groups[0].id, "confirmed")
    days = services.recordings.sensor_counts(diary)
    assert [(d.day, d.confirmed, d.pending, d.false_alarm) for d in days] == [
        (date(2026, 6, 14), 3, 0, 0),
        (date(2026, 6, 15), 0, 2, 0),
    ]
    assert [d.recorded_s for d in days] == pytest.approx([60.0, 60.0], abs=0.01)
    assert services.recordings.sensor_counts(diary, since=date(2026, 6, 15))[0].day == date(
        2026, 6, 15
    )


# -- export, import, delete ---------------------------------------------------------------------


def _comparable(document: dict[str, Any]) -> dict[str, Any]:
    document = dict(document)
    document.pop("exported_at")
    return document


@pytest.mark.parametrize("form", ["json", "csv"])
def test_export_and_import_carry_recordings_and_sensor_episodes_without_loss(
    services: Services, emg_csv: bytes, form: str
) -> None:
    alice = add_account(services, "alice@example.org")
    diary = services.diaries.open(alice)
    recording = _upload(services, diary, emg_csv)
    services.recordings.run_pending()
    group = services.recordings.episodes(diary, recording.id)[0]
    services.recordings.review(diary, recording.id, group.id, "confirmed")
    before = services.transfer.export_json(diary)
    assert [r["id"] for r in before["recordings"]] == [recording.id]
    assert {e["source"] for e in before["episodes"]} == {"sensor"}

    exported = services.transfer.export_csv(diary) if form == "csv" else json.dumps(before).encode()
    deleted = services.transfer.delete_all(diary)
    assert deleted["recordings"] == 1
    assert not (services.recordings.root / alice.id).exists()
    services.transfer.import_bytes(diary, exported)
    after = services.transfer.export_json(diary)
    assert _comparable(after) == _comparable(before)


def test_an_imported_recording_waiting_for_analysis_without_its_file_is_marked_failed(
    services: Services, emg_csv: bytes
) -> None:
    diary = services.diaries.open(add_account(services, "alice@example.org"))
    recording = _upload(services, diary, emg_csv)
    document = services.transfer.export_json(diary)
    services.transfer.delete_all(diary)
    services.transfer.import_document(diary, document)
    imported = services.recordings.get(diary, recording.id)
    assert imported.status is RecordingStatus.FAILED
    assert imported.message is not None
    assert "upload the file again" in imported.message
    assert services.recordings.run_pending() == 0


def test_importing_another_diarys_recording_ids_gives_new_ids(
    services: Services, emg_csv: bytes
) -> None:
    alice = services.diaries.open(add_account(services, "alice@example.org"))
    bob = services.diaries.open(add_account(services, "bob@example.org"))
    recording = _upload(services, alice, emg_csv)
    services.recordings.run_pending()
    document = services.transfer.export_json(alice)
    services.transfer.import_document(bob, document)
    mine = services.recordings.page(bob).items
    assert len(mine) == 1
    assert mine[0].id != recording.id
    sensor = [e for e in services.diaries.all(bob, EPISODES) if e.source is EpisodeSource.SENSOR]
    assert sensor
    assert {e.recording_id for e in sensor} == {mine[0].id}
    assert services.recordings.get(alice, recording.id).patient_id == alice.patient_id


def test_the_sensor_summary_gives_the_median_confirmed_jerks_per_hour(
    services: Services, emg_csv: bytes
) -> None:
    diary = services.diaries.open(add_account(services, "alice@example.org"))
    assert services.recordings.sensor_summary(diary) is None
    first, second = _upload(services, diary, emg_csv), _upload(services, diary, emg_csv)
    services.recordings.run_pending()
    for group in services.recordings.episodes(diary, first.id):
        services.recordings.review(diary, first.id, group.id, "confirmed")
    # 5 confirmed jerks in 2 minutes (150 an hour), and none in the other: median 75
    assert services.recordings.sensor_summary(diary) == {
        "recordings": 2,
        "confirmed_jerks_per_hour_median": 75.0,
    }
    later = datetime(2030, 1, 1, tzinfo=UTC)
    assert services.recordings.sensor_summary(diary, since=later) is None
    assert second.id != first.id


def test_an_imported_recording_id_cannot_name_a_path(services: Services, emg_csv: bytes) -> None:
    diary = services.diaries.open(add_account(services, "alice@example.org"))
    _upload(services, diary, emg_csv)
    document = services.transfer.export_json(diary)
    document["recordings"][0]["id"] = "../../escape"
    with pytest.raises(InvalidInputError, match=r"recordings\[0\]"):
        services.transfer.import_document(diary, document)
