"""The composition root: settings -> storage -> services.

This is the only module that knows the concrete storage adapter. The API, the web app and the
command line call :func:`build_services` and use the services it returns.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from myoscope.diary.repository import DiaryRepository
from myoscope.knowledge import KnowledgeBase, load_knowledge_base
from myoscope.services.accounts import AccountService, Argon2Hasher, RateLimiter, TokenSigner
from myoscope.services.diary import DiaryService
from myoscope.services.diary_profile import ProfileService
from myoscope.services.diary_recordings import RecordingService
from myoscope.services.insights import InsightsService, sensor_from_recordings
from myoscope.services.report import ReportService
from myoscope.services.transfer import TransferService
from myoscope.settings import Settings, data_dir

__all__ = ["Services", "build_services", "utc_now"]


def utc_now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Services:
    """Everything the adapters use, built once per process (or per test)."""

    settings: Settings
    repository: DiaryRepository
    kb: KnowledgeBase
    accounts: AccountService
    diaries: DiaryService
    profiles: ProfileService
    transfer: TransferService
    tokens: TokenSigner
    login_limiter: RateLimiter
    clock: Callable[[], datetime]
    recordings: RecordingService
    insights: InsightsService
    scratch: Path | None = None

    @property
    def report(self) -> ReportService:
        """The clinician report (built on the diary, insights and profile services)."""
        return ReportService(self.diaries, self.insights, self.profiles)

    def close(self) -> None:
        """Stop the recordings worker and release the database connections.

        A scratch folder of recordings (kept beside an in-memory database) is removed.
        """
        self.recordings.worker.stop()
        self.repository.close()
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)


def recordings_folder(settings: Settings) -> tuple[Path, bool]:
    """Return where recording files are kept, and whether it is a scratch folder.

    ``settings.recordings_dir`` when set; else ``recordings`` beside a SQLite database file;
    a new temporary folder for an in-memory database (its files go with it); else
    ``recordings`` in the data folder.
    """
    if settings.recordings_dir is not None:
        return Path(settings.recordings_dir), False
    url = settings.database_url
    if url.startswith("sqlite"):
        from sqlalchemy.engine import make_url

        database = make_url(url).database
        if not database or database == ":memory:" or "mode=memory" in url:
            return Path(tempfile.mkdtemp(prefix="myoscope-recordings-")), True
        return Path(database).expanduser().resolve().parent / "recordings", False
    return data_dir() / "recordings", False


def build_services(
    settings: Settings,
    *,
    repository: DiaryRepository | None = None,
    clock: Callable[[], datetime] = utc_now,
    upgrade: bool = True,
    password_hasher: Argon2Hasher | None = None,
) -> Services:
    """Open the database (upgrading its schema) and build the services.

    Parameters
    ----------
    settings : Settings
        Database URL, secret key and limits.
    repository : DiaryRepository, optional
        An already open repository (tests); by default the one ``settings.database_url`` names.
    clock : callable
        Returns the current UTC time.
    upgrade : bool
        Apply database migrations that have not been applied yet.
    password_hasher : Argon2Hasher, optional
        Argon2 parameters; the library's defaults unless given. Tests pass cheap parameters
        (``Argon2Hasher(time_cost=1, memory_cost=1024)``) so that accounts are quick to create.

    Raises
    ------
    StorageError
        The database cannot be opened or has a schema this version does not know.
    """
    if repository is None:
        from myoscope.storage import open_repository

        repository = open_repository(settings.database_url, upgrade=upgrade)
    kb = load_knowledge_base()
    diaries = DiaryService(repository, kb, clock)
    folder, scratch = recordings_folder(settings)
    recordings = RecordingService(diaries, folder, max_bytes=settings.recording_max_bytes)
    return Services(
        settings=settings,
        repository=repository,
        kb=kb,
        accounts=AccountService(repository, clock, hasher=password_hasher),
        diaries=diaries,
        profiles=ProfileService(diaries),
        transfer=TransferService(diaries, recordings=recordings),
        tokens=TokenSigner(settings.secret_key, max_age_s=settings.token_max_age_s),
        login_limiter=RateLimiter(max_attempts=settings.login_attempts_per_minute),
        clock=clock,
        recordings=recordings,
        insights=InsightsService(diaries, kb, sensor_from_recordings(recordings)),
        scratch=folder if scratch else None,
    )
