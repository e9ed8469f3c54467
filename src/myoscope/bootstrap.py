"""The composition root: settings -> storage -> services.

This is the only module that knows the concrete storage adapter. The API, the web app and the
command line call :func:`build_services` and use the services it returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from myoscope.diary.repository import DiaryRepository
from myoscope.knowledge import KnowledgeBase, load_knowledge_base
from myoscope.services.accounts import AccountService, Argon2Hasher, RateLimiter, TokenSigner
from myoscope.services.diary import DiaryService
from myoscope.services.diary_profile import ProfileService
from myoscope.services.transfer import TransferService
from myoscope.settings import Settings

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

    def close(self) -> None:
        """Release the database connections."""
        self.repository.close()


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
    return Services(
        settings=settings,
        repository=repository,
        kb=kb,
        accounts=AccountService(repository, clock, hasher=password_hasher),
        diaries=diaries,
        profiles=ProfileService(diaries),
        transfer=TransferService(diaries),
        tokens=TokenSigner(settings.secret_key, max_age_s=settings.token_max_age_s),
        login_limiter=RateLimiter(max_attempts=settings.login_attempts_per_minute),
        clock=clock,
    )
