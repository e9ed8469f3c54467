"""Export, import and deletion of a whole diary.

Two formats carry the same content and round-trip without loss:

- JSON: one document, ``{"format": "myoscope-diary", "version": 1, "profile": ..., "episodes":
  [...], "checkins": [...], "medications": [...], "doses": [...], "side-effects": [...],
  "recordings": [...]}``;
- CSV: a ZIP archive with one CSV file per kind of record (lists joined with ``;``), plus
  ``profile.json``, ``recordings.json`` and ``manifest.json``.

Recordings travel as metadata (file name, size, checksum, start, status, summary); the files
themselves stay on the server. A recording imported without its file keeps its summary and
its sensor episodes; one that was still waiting for analysis is marked failed, saying so.

Import merges: a record whose id is already in the diary is replaced, others are added, all in one
transaction, so a failed import changes nothing.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
import zlib
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from myoscope.diary.repository import DiaryRepository
from myoscope.domain.diary import AuditAction, new_id
from myoscope.domain.recordings import Recording, RecordingStatus
from myoscope.errors import InvalidInputError
from myoscope.knowledge import KnowledgeBase
from myoscope.rules.facts import resolve_profile
from myoscope.services.diary import (
    KINDS,
    DiaryAccess,
    DiaryService,
    RecordKind,
    validation_message,
)
from myoscope.services.profiles import parse_profile

if TYPE_CHECKING:
    from myoscope.services.diary_recordings import RecordingService

__all__ = ["EXPORT_FORMAT", "EXPORT_VERSION", "TransferService", "counts"]

EXPORT_FORMAT = "myoscope-diary"
EXPORT_VERSION = 1
_ORDER = ("medications", "episodes", "checkins", "doses", "side-effects")  # regimens first
_MAX_IMPORT_BYTES = 50 * 1024 * 1024


def counts(document: dict[str, Any]) -> dict[str, int]:
    """Return how many records of each kind an export document holds."""
    return {name: len(document.get(name, [])) for name in _ORDER}


class TransferService:
    """Export, import and delete a diary (owner only).

    Parameters
    ----------
    diaries : DiaryService
        The diary service.
    recordings : RecordingService, optional
        Where recording files are kept (deleting a diary removes them).
    """

    def __init__(
        self, diaries: DiaryService, *, recordings: RecordingService | None = None
    ) -> None:
        self.diaries = diaries
        self.recordings = recordings

    # -- export ------------------------------------------------------------------------------
    def export_json(self, diary: DiaryAccess) -> dict[str, Any]:
        """Return the whole diary as a JSON-ready document."""
        self.diaries.require_owner(diary)
        repository = self.diaries.repository
        with repository.transaction():
            document: dict[str, Any] = {
                "format": EXPORT_FORMAT,
                "version": EXPORT_VERSION,
                "exported_at": self.diaries.clock().isoformat(),
                "timezone": diary.owner.timezone,
                "profile": repository.get_profile(diary.patient_id),
            }
            for name in _ORDER:
                records = self.diaries.all(diary, KINDS[name])
                document[name] = [
                    r.model_dump(mode="json", exclude={"patient_id"}) for r in records
                ]
            document["recordings"] = [
                r.model_dump(mode="json", exclude={"patient_id"})
                for r in repository.recordings.all(diary.patient_id)
            ]
            self.diaries.record_audit(diary, AuditAction.EXPORT, "diary")
        return document

    def export_csv(self, diary: DiaryAccess) -> bytes:
        """Return the whole diary as a ZIP of CSV files (one per kind of record)."""
        document = self.export_json(diary)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            manifest = {k: document[k] for k in ("format", "version", "exported_at", "timezone")}
            archive.writestr("manifest.json", json.dumps(manifest, indent=2))
            archive.writestr("profile.json", json.dumps(document["profile"], indent=2))
            for name in _ORDER:
                archive.writestr(f"{name}.csv", _to_csv(KINDS[name], document[name]))
            archive.writestr("recordings.json", json.dumps(document["recordings"], indent=2))
        return buffer.getvalue()

    # -- import ------------------------------------------------------------------------------
    def import_bytes(self, diary: DiaryAccess, content: bytes) -> dict[str, int]:
        """Import a JSON export, a CSV ZIP export or a FHIR R4 Bundle (detected from the content).

        Returns
        -------
        dict
            How many records of each kind were imported.

        Raises
        ------
        InvalidInputError
            A file that is not a Myoscope export, or a record that is not valid (with its place).
        """
        if len(content) > _MAX_IMPORT_BYTES:
            raise InvalidInputError(
                f"The file is larger than {_MAX_IMPORT_BYTES // 2**20} MB; split the export."
            )
        if content[:2] == b"PK":
            return self.import_document(diary, _from_zip(content))
        try:
            document = json.loads(content.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            raise InvalidInputError(
                "This file is neither a Myoscope JSON export nor a CSV export (ZIP); export your "
                "diary from Settings and import that file."
            ) from None
        if isinstance(document, dict) and document.get("resourceType") == "Bundle":
            from myoscope.services.fhir_exchange import import_bundle  # a FHIR R4 Bundle

            return import_bundle(self, diary, document).imported
        return self.import_document(diary, document)

    def import_document(self, diary: DiaryAccess, document: Any) -> dict[str, int]:
        """Import a JSON export document into the diary (owner only), in one transaction.

        Raises
        ------
        InvalidInputError
            Not a Myoscope export, an unsupported version, or an invalid record.
        """
        self.diaries.require_owner(diary)
        _check_header(document)
        repository = self.diaries.repository
        now = self.diaries.clock()
        profile = _profile(document.get("profile"), self.diaries.kb)
        records = {name: _records(KINDS[name], document, diary.patient_id) for name in _ORDER}
        recordings = _recordings(document, diary.patient_id)
        with repository.transaction():
            _give_new_ids_to_foreign(repository, records, diary.patient_id)
            recordings = _new_recording_ids(repository, records, recordings, diary.patient_id)
            for recording in recordings:
                if self.recordings is not None:
                    recording = _without_file(recording, self.recordings)
                if repository.recordings.get(diary.patient_id, recording.id) is not None:
                    repository.recordings.replace(recording)
                else:
                    repository.recordings.add(recording)
            _check_links(records, {r.id for r in self.diaries.all(diary, KINDS["medications"])})
            if profile is not None:
                repository.put_profile(diary.patient_id, profile, now)
            for name in _ORDER:
                store = KINDS[name].store(repository)
                for record in records[name]:
                    if store.get(diary.patient_id, record.id) is not None:
                        store.replace(record)
                    else:
                        store.add(record)
            self.diaries.record_audit(diary, AuditAction.IMPORT, "diary")
        return counts(document)

    # -- delete ------------------------------------------------------------------------------
    def delete_all(self, diary: DiaryAccess) -> dict[str, int]:
        """Delete every record and the profile of the diary (owner only).

        The account, its shares and the audit log stay; the deletion is itself audited.

        Returns
        -------
        dict
            How many records of each kind were deleted.
        """
        self.diaries.require_owner(diary)
        repository = self.diaries.repository
        deleted = {}
        with repository.transaction():
            for name in reversed(_ORDER):  # doses and side effects before their regimens
                deleted[name] = KINDS[name].store(repository).delete_all(diary.patient_id)
            deleted_recordings = repository.recordings.delete_all(diary.patient_id)
            repository.delete_profile(diary.patient_id)
            self.diaries.record_audit(diary, AuditAction.DELETE, "diary")
        if self.recordings is not None:
            self.recordings.remove_all_files(diary.patient_id)
        if deleted_recordings:
            deleted["recordings"] = deleted_recordings
        return deleted


def _profile(profile: Any, kb: KnowledgeBase) -> dict[str, Any] | None:
    if profile is None:
        return None
    if not isinstance(profile, dict):
        raise InvalidInputError("'profile' in the file must be a mapping of fields.")
    checked = parse_profile(profile, source="profile in the file")
    resolve_profile(checked, kb)  # refuses what the assessment could not read
    return checked.model_dump(mode="json", exclude_none=True, exclude={"medications"})


def _records(kind: RecordKind[Any, Any], document: dict[str, Any], patient_id: str) -> list[Any]:
    rows = document.get(kind.name) or []
    if not isinstance(rows, list):
        raise InvalidInputError(f"'{kind.name}' in the file must be a list of records.")
    records = [_record(kind, row, patient_id, f"{kind.name}[{i}]") for i, row in enumerate(rows)]
    seen: set[str] = set()
    for index, record in enumerate(records):
        if record.id in seen:
            raise InvalidInputError(
                f"{kind.name}[{index}]: the id '{record.id}' appears twice in the file; each "
                "record needs its own id."
            )
        seen.add(record.id)
    return records


def _recordings(document: dict[str, Any], patient_id: str) -> list[Recording]:
    rows = document.get("recordings") or []
    if not isinstance(rows, list):
        raise InvalidInputError("'recordings' in the file must be a list of recordings.")
    found: list[Recording] = []
    seen: set[str] = set()
    for index, row in enumerate(rows):
        where = f"recordings[{index}]"
        if not isinstance(row, dict):
            raise InvalidInputError(f"{where}: a recording must be a mapping of fields.")
        try:
            recording = Recording.model_validate(row | {"patient_id": patient_id})
        except ValidationError as exc:
            raise InvalidInputError(
                f"{where}: " + validation_message(exc, what="recording")
            ) from None
        if recording.id in seen:
            raise InvalidInputError(
                f"{where}: the id '{recording.id}' appears twice in the file; each recording "
                "needs its own id."
            )
        seen.add(recording.id)
        found.append(recording)
    return found


def _new_recording_ids(
    repository: DiaryRepository,
    records: dict[str, list[Any]],
    recordings: list[Recording],
    patient_id: str,
) -> list[Recording]:
    """Give new ids to recordings whose id another diary uses; their episodes follow."""
    owners = repository.recordings.owners([r.id for r in recordings])
    renamed = {rid: new_id() for rid, owner in owners.items() if owner != patient_id}
    if not renamed:
        return recordings
    records["episodes"] = [
        e.model_copy(update={"recording_id": renamed[e.recording_id]})
        if e.recording_id in renamed
        else e
        for e in records["episodes"]
    ]
    return [
        r.model_copy(update={"id": renamed[r.id]}) if r.id in renamed else r for r in recordings
    ]


def _without_file(recording: Recording, service: RecordingService) -> Recording:
    """Mark a recording failed when it waits for an analysis but its file is not here."""
    waiting = recording.status in (RecordingStatus.QUEUED, RecordingStatus.RUNNING)
    if not waiting or service.file_path(recording).is_file():
        return recording
    return recording.model_copy(
        update={
            "status": RecordingStatus.FAILED,
            "message": "Imported without its file; upload the file again to analyse it.",
        }
    )


def _give_new_ids_to_foreign(
    repository: DiaryRepository, records: dict[str, list[Any]], patient_id: str
) -> None:
    """Give new ids to records whose id another diary uses (links follow), saying nothing."""
    renamed: dict[str, str] = {}
    for name in _ORDER:
        owners = KINDS[name].store(repository).owners([r.id for r in records[name]])
        foreign = {rid for rid, owner in owners.items() if owner != patient_id}
        if name == "medications":
            renamed = {rid: new_id() for rid in foreign}
        records[name] = [
            r.model_copy(update={"id": renamed.get(r.id) or new_id()}) if r.id in foreign else r
            for r in records[name]
        ]
    if not renamed:
        return
    for name, field in (
        ("medications", "replaces_id"),
        ("doses", "regimen_id"),
        ("side-effects", "regimen_id"),
    ):
        records[name] = [
            r.model_copy(update={field: renamed[getattr(r, field)]})
            if getattr(r, field) in renamed
            else r
            for r in records[name]
        ]


def _check_links(records: dict[str, list[Any]], existing_regimens: set[str]) -> None:
    regimens = existing_regimens | {r.id for r in records["medications"]}
    for name, field in (
        ("medications", "replaces_id"),
        ("doses", "regimen_id"),
        ("side-effects", "regimen_id"),
    ):
        for index, record in enumerate(records[name]):
            target = getattr(record, field)
            if target is not None and target not in regimens:
                raise InvalidInputError(
                    f"{name}[{index}]: '{field}' points at medication '{target}', which is "
                    "neither in the file nor in your diary; export the diary again, complete."
                )


def _check_header(document: Any) -> None:
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise InvalidInputError(
            "This is not a Myoscope diary export (its 'format' is not 'myoscope-diary'); export "
            "your diary from Settings and import that file."
        )
    version = document.get("version")
    if isinstance(version, bool) or version != EXPORT_VERSION:
        raise InvalidInputError(
            f"This export has version {version!r}; this Myoscope reads version "
            f"{EXPORT_VERSION}. Update Myoscope to import it."
        )


def _record(kind: RecordKind[Any, Any], row: Any, patient_id: str, where: str) -> Any:
    if not isinstance(row, dict):
        raise InvalidInputError(f"{where}: a record must be a mapping of fields.")
    try:
        record = kind.record_model.model_validate(row | {"patient_id": patient_id})
    except ValidationError as exc:
        raise InvalidInputError(f"{where}: " + validation_message(exc, what=kind.label)) from None
    return record


# -- CSV -----------------------------------------------------------------------------------------


def _columns(kind: RecordKind[Any, Any]) -> list[str]:
    return [f for f in kind.record_model.model_fields if f != "patient_id"]


def _list_fields(kind: RecordKind[Any, Any]) -> set[str]:
    return {
        name
        for name, info in kind.record_model.model_fields.items()
        if getattr(info.annotation, "__origin__", None) is list
        or str(info.annotation).startswith("list[")
    }


def _bool_fields(kind: RecordKind[Any, Any]) -> set[str]:
    return {
        name for name, info in kind.record_model.model_fields.items() if info.annotation is bool
    }


def _to_csv(kind: RecordKind[Any, Any], rows: list[dict[str, Any]]) -> str:
    columns = _columns(kind)
    lists = _list_fields(kind)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c), c in lists) for c in columns])
    return out.getvalue()


_FORMULA = ("=", "+", "-", "@", "\t", "\r", "'")


def _cell(value: Any, is_list: bool) -> str:
    if value is None:
        return ""
    if is_list:
        return ";".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA):
        # A spreadsheet would run "=..." as a formula: a leading apostrophe keeps it text, and
        # import removes it again (an apostrophe of the original is doubled, so nothing is lost).
        return "'" + value
    return str(value)


def _from_zip(content: bytes) -> dict[str, Any]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        names = set(archive.namelist())
        if "manifest.json" not in names:
            raise InvalidInputError(
                "This ZIP file is not a Myoscope CSV export (it has no manifest.json)."
            )
        if sum(info.file_size for info in archive.infolist()) > _MAX_IMPORT_BYTES * 4:
            raise InvalidInputError(
                f"The ZIP file unpacks to more than {_MAX_IMPORT_BYTES * 4 // 2**20} MB; this is "
                "not a Myoscope export."
            )
        document: dict[str, Any] = json.loads(archive.read("manifest.json"))
        if not isinstance(document, dict):
            raise InvalidInputError("manifest.json in the ZIP file is not a mapping.")
        document["profile"] = (
            json.loads(archive.read("profile.json")) if "profile.json" in names else None
        )
        for name in _ORDER:
            if f"{name}.csv" in names:
                text = archive.read(f"{name}.csv").decode("utf-8")
                document[name] = _from_csv(KINDS[name], text)
        if "recordings.json" in names:
            document["recordings"] = json.loads(archive.read("recordings.json"))
    except (
        zipfile.BadZipFile,
        RecursionError,
        UnicodeDecodeError,
        json.JSONDecodeError,
        KeyError,
        # API fuzz: a corrupt, encrypted or oddly compressed member, or an oversized CSV field
        csv.Error,
        zlib.error,
        EOFError,
        NotImplementedError,
        RuntimeError,
    ) as exc:
        raise InvalidInputError(
            f"The ZIP file could not be read as a Myoscope CSV export ({type(exc).__name__}); "
            "export your diary again and import the new file."
        ) from None
    return document


def _from_csv(kind: RecordKind[Any, Any], text: str) -> list[dict[str, Any]]:
    lists = _list_fields(kind)
    bools = _bool_fields(kind)
    rows = []
    for row in csv.DictReader(io.StringIO(text)):
        parsed: dict[str, Any] = {}
        for column, value in row.items():
            if column is None:
                raise InvalidInputError(f"{kind.name}.csv has more cells than columns in a row.")
            if column in lists:
                parsed[column] = [v for v in value.split(";") if v] if value else []
            elif value == "":
                parsed[column] = None
            elif column in bools and value in ("true", "false"):
                parsed[column] = value == "true"
            elif value.startswith("'"):
                parsed[column] = value[1:]
            else:
                parsed[column] = value
        rows.append(parsed)
    return rows
