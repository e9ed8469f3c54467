"""Accounts: creating them, signing in (with lockout and rate limits), and API tokens.

Passwords are hashed with Argon2 (pwdlib). A wrong e-mail address and a wrong password get the
same message and cost the same time, so sign-in does not reveal which accounts exist.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from myoscope.diary.repository import DiaryRepository
from myoscope.domain.diary import Account, AccountIn, Role
from myoscope.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
)

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "AccountService",
    "Argon2Hasher",
    "LockoutPolicy",
    "RateLimiter",
    "TokenSigner",
    "check_password",
]

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256


def check_password(password: str) -> None:
    """Refuse a password that is too short or too long.

    Raises
    ------
    InvalidInputError
        With the rule that was broken.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInputError(
            f"The password is too short ({len(password)} characters); use at least "
            f"{MIN_PASSWORD_LENGTH}. A few unrelated words make a strong password.",
            field="password",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInputError(
            f"The password is too long; use at most {MAX_PASSWORD_LENGTH} characters.",
            field="password",
        )


@dataclass(frozen=True)
class LockoutPolicy:
    """How many failed sign-ins lock an account, and for how long.

    Parameters
    ----------
    max_failures : int
        Consecutive failed sign-ins that lock the account.
    lock_minutes : int
        How long the lock lasts, in minutes (an administrator can lift it earlier).
    """

    max_failures: int = 5
    lock_minutes: int = 15


@dataclass
class RateLimiter:
    """A sliding-window limit on attempts per key (for example per client address).

    Parameters
    ----------
    max_attempts : int
        Attempts allowed within ``window_s``.
    window_s : float
        Window length in seconds.
    clock : callable
        Monotonic clock in seconds (replaceable in tests).
    """

    max_attempts: int = 10
    window_s: float = 60.0
    clock: Callable[[], float] = time.monotonic
    _hits: dict[str, deque[float]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def hit(self, key: str) -> None:
        """Count one attempt for ``key``.

        Raises
        ------
        RateLimitedError
            When the key has used up its attempts; says how long to wait.
        """
        now = self.clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window_s:
                hits.popleft()
            if len(hits) >= self.max_attempts:
                wait = max(1, int(hits[0] + self.window_s - now) + 1)
                raise RateLimitedError(
                    f"Too many sign-in attempts from here; wait {wait} seconds and try again.",
                    retry_after_s=wait,
                )
            hits.append(now)
            if len(self._hits) > 10_000:  # forget idle keys so memory stays bounded
                for stale in [k for k, v in self._hits.items() if not v or v[-1] < now - 60]:
                    del self._hits[stale]


class TokenSigner:
    """Signed, expiring bearer tokens for the API (no server-side state).

    Parameters
    ----------
    secret_key : str
        The server's secret key.
    max_age_s : int
        Token lifetime in seconds.
    """

    def __init__(self, secret_key: str, *, max_age_s: int = 8 * 3600) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="myoscope-api-token")
        self.max_age_s = max_age_s

    def issue(self, account: Account) -> str:
        """Return a token for ``account`` (valid until it expires or the account's sessions end)."""
        return self._serializer.dumps({"sub": account.id, "v": account.session_epoch})

    def verify(self, token: str) -> tuple[str, int]:
        """Return the account id a token was issued to and the session epoch it carries.

        Raises
        ------
        AuthenticationError
            When the token is malformed, forged or expired.
        """
        try:
            data = self._serializer.loads(token, max_age=self.max_age_s)
        except SignatureExpired:
            raise AuthenticationError(
                "Your access token has expired; request a new one at POST /api/v1/auth/token."
            ) from None
        except BadSignature:
            raise AuthenticationError(
                "The access token is not valid; request one at POST /api/v1/auth/token."
            ) from None
        if (
            not isinstance(data, dict)
            or not isinstance(data.get("sub"), str)
            or not isinstance(data.get("v"), int)
        ):
            raise AuthenticationError("The access token is not valid; request a new one.")
        return str(data["sub"]), int(data["v"])


class AccountService:
    """Create accounts, sign in, lock and unlock.

    Parameters
    ----------
    repository : DiaryRepository
        Where accounts are stored.
    clock : callable
        Returns the current UTC time.
    lockout : LockoutPolicy
        Failed sign-ins allowed before an account locks.
    hasher : Argon2Hasher, optional
        The Argon2 parameters; pwdlib's defaults unless given (tests pass cheaper ones).
    """

    def __init__(
        self,
        repository: DiaryRepository,
        clock: Callable[[], datetime],
        lockout: LockoutPolicy | None = None,
        hasher: Argon2Hasher | None = None,
    ) -> None:
        self.repository = repository
        self.clock = clock
        self.lockout = lockout or LockoutPolicy()
        self._hasher = PasswordHash((hasher or Argon2Hasher(),))
        self._dummy_hash = self._hasher.hash("not a real password, used to even out timing")

    # -- creating ----------------------------------------------------------------------------
    def create(self, data: AccountIn, password: str) -> Account:
        """Create an account.

        Raises
        ------
        InvalidInputError
            A weak password.
        ConflictError
            The e-mail address is already used.
        """
        check_password(password)
        if self.repository.accounts.get_by_email(data.email) is not None:
            raise ConflictError(
                f"An account with the e-mail address {data.email} already exists; sign in, or "
                "use another address."
            )
        account = Account(
            email=data.email,
            role=data.role,
            display_name=data.display_name,
            timezone=data.timezone,
            created_at=self.clock(),
        )
        self.repository.accounts.add(account, self._hasher.hash(password))
        return account

    def setup_needed(self) -> bool:
        """Return True while no account exists (the first-run setup page is open)."""
        return self.repository.accounts.count() == 0

    def create_first(self, data: AccountIn, password: str) -> Account:
        """Create the first account; refused once any account exists.

        Raises
        ------
        PermissionDeniedError
            Setup was already done.
        """
        if not self.setup_needed():
            raise PermissionDeniedError(
                "Setup is already done; sign in, or ask an administrator for an account."
            )
        return self.create(data, password)

    # -- signing in --------------------------------------------------------------------------
    def authenticate(self, email: str, password: str) -> Account:
        """Return the account for a correct e-mail address and password.

        Raises
        ------
        AuthenticationError
            Wrong address or password (the same message for both), or a locked account.
        """
        now = self.clock()
        account = self.repository.accounts.get_by_email(email.strip().lower())
        stored = self.repository.accounts.password_hash(account.id) if account else None
        if account is None or stored is None:
            self._hasher.verify(password, self._dummy_hash)
            raise AuthenticationError(_WRONG)
        if account.locked_until is not None and account.locked_until > now:
            raise AuthenticationError(_locked_message(account.locked_until))
        valid, new_hash = self._hasher.verify_and_update(password, stored)
        if not valid:
            failures = account.failed_logins + 1
            locked = None
            if failures >= self.lockout.max_failures:
                locked = now + timedelta(minutes=self.lockout.lock_minutes)
                failures = 0
            self.repository.accounts.set_login_state(
                account.id, failed_logins=failures, locked_until=locked
            )
            raise AuthenticationError(_locked_message(locked) if locked else _WRONG)
        if account.failed_logins or account.locked_until is not None:
            self.repository.accounts.set_login_state(account.id, failed_logins=0, locked_until=None)
        if new_hash is not None:
            self.repository.accounts.set_password_hash(account.id, new_hash)
        return account

    def get(self, account_id: str, *, epoch: int | None = None) -> Account:
        """Return an account by id, checking the session epoch a session or token carries.

        Parameters
        ----------
        account_id : str
            The account's id.
        epoch : int, optional
            The session epoch the session or token was issued under.

        Raises
        ------
        AuthenticationError
            The account no longer exists, or its sessions were ended (signed out, or the
            password changed) after the session or token was issued.
        """
        account = self.repository.accounts.get(account_id)
        if account is None or (epoch is not None and epoch != account.session_epoch):
            raise AuthenticationError(
                "Your session has ended (signed out, or the password was changed); sign in again."
            )
        return account

    def end_sessions(self, account: Account) -> Account:
        """End every web session and API token of the account (sign out everywhere).

        Returns
        -------
        Account
            The account with its new session epoch (sign the current session in with it).
        """
        epoch = self.repository.accounts.end_sessions(account.id)
        return account.model_copy(update={"session_epoch": epoch})

    def change_password(self, account: Account, current: str, new: str) -> Account:
        """Change the password after checking the current one; end every other session.

        Returns
        -------
        Account
            The account with its new session epoch (sign the current session in with it).

        Raises
        ------
        AuthenticationError
            The current password is wrong.
        """
        stored = self.repository.accounts.password_hash(account.id)
        if stored is None or not self._hasher.verify(current, stored):
            raise AuthenticationError("The current password is not correct.")
        check_password(new)
        with self.repository.transaction():
            self.repository.accounts.set_password_hash(account.id, self._hasher.hash(new))
            return self.end_sessions(account)

    def update_details(
        self, account: Account, *, display_name: str | None, timezone: str
    ) -> Account:
        """Change the display name and time zone.

        Raises
        ------
        InvalidInputError
            An unknown time zone.
        """
        try:
            checked = AccountIn(
                email=account.email,
                role=account.role,
                display_name=display_name or None,
                timezone=timezone,
            )
        except ValueError as exc:
            raise InvalidInputError(_first_error(exc), field="timezone") from None
        updated = account.model_copy(
            update={"display_name": checked.display_name, "timezone": checked.timezone}
        )
        self.repository.accounts.update(updated)
        return updated

    # -- administration ----------------------------------------------------------------------
    def list_all(self, actor: Account) -> list[Account]:
        """Return every account (administrators only).

        Raises
        ------
        NotFoundError
            The actor is not an administrator (the list is not shown to others).
        """
        _require_admin(actor)
        return self.repository.accounts.all()

    def unlock(self, actor: Account, account_id: str) -> Account:
        """Lift a sign-in lock (administrators only).

        Raises
        ------
        NotFoundError
            No such account, or the actor is not an administrator.
        """
        _require_admin(actor)
        account = self.repository.accounts.get(account_id)
        if account is None:
            raise NotFoundError(f"No account with id '{account_id}'.")
        self.repository.accounts.set_login_state(account.id, failed_logins=0, locked_until=None)
        return account.model_copy(update={"failed_logins": 0, "locked_until": None})


_WRONG = "The e-mail address or password is not correct."


def _locked_message(until: datetime) -> str:
    return (
        "This account is locked after too many failed sign-ins. Try again after "
        f"{until:%H:%M} UTC, or ask an administrator to unlock it."
    )


def _require_admin(actor: Account) -> None:
    if actor.role is not Role.ADMIN:
        raise NotFoundError("This page is for administrators.")


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        return str(first.get("msg", exc)).removeprefix("Value error, ")
    return str(exc)
