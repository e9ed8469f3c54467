"""Helpers shared by the diary, API and web tests: services on an in-memory database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from myoscope.bootstrap import Services, build_services
from myoscope.domain.diary import Account, AccountIn, Role
from myoscope.services.accounts import Argon2Hasher
from myoscope.settings import Settings

PASSWORD = "correct horse battery"
FAST_HASHER = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)


class Clock:
    """A settable clock (UTC), starting at 2026-06-15 12:00."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 6, 15, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def make_services(url: str = "sqlite://", clock: Clock | None = None) -> Services:
    settings = Settings(database_url=url, secret_key="s" * 48, secret_key_configured=True)
    return build_services(settings, clock=clock or Clock(), password_hasher=FAST_HASHER)


def add_account(
    services: Services, email: str, role: Role = Role.PATIENT, **fields: str
) -> Account:
    return services.accounts.create(AccountIn(email=email, role=role, **fields), PASSWORD)


def services_fixture(url: str = "sqlite://") -> Iterator[Services]:
    services = make_services(url)
    try:
        yield services
    finally:
        services.close()
