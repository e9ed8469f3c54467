"""Settings of the server and the database, read from options and ``MYOSCOPE_*`` variables.

Only the composition root (:mod:`myoscope.bootstrap`) and the adapters read settings; the core
and the services receive what they need as arguments.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path

from myoscope.errors import InvalidInputError

__all__ = ["LOCAL_HOSTS", "Settings", "data_dir", "default_database_url"]

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
MIN_SECRET_LENGTH = 32


def data_dir() -> Path:
    """Return the user's Myoscope data directory (``MYOSCOPE_DATA_DIR`` overrides it)."""
    override = os.environ.get("MYOSCOPE_DATA_DIR")
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir("myoscope", appauthor=False))


def default_database_url() -> str:
    """Return the default database: a SQLite file in the user's data directory."""
    return f"sqlite:///{data_dir() / 'myoscope.db'}"


def _is_local(host: str) -> bool:
    if host in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Settings:
    """Server and database settings.

    Parameters
    ----------
    database_url : str
        SQLAlchemy URL: ``sqlite:///path.db`` (default: in the user data directory) or
        ``postgresql+psycopg://user:password@host/db``.
    host : str
        Interface to bind; ``127.0.0.1`` unless told otherwise.
    port : int
        TCP port.
    secret_key : str
        Signs session cookies, CSRF tokens and API tokens. Required (32+ characters) to bind
        to a non-local interface; locally a random key is generated and kept in the data
        directory, so sessions survive a restart.
    secret_key_configured : bool
        Whether the key came from the configuration rather than being generated.
    token_max_age_s : int
        Lifetime of API tokens, in seconds.
    login_attempts_per_minute : int
        Sign-in attempts allowed per client address per minute.
    recordings_dir : pathlib.Path, optional
        Where uploaded recordings are kept; by default ``recordings`` beside a SQLite
        database file, or in the data directory (``MYOSCOPE_RECORDINGS_DIR``).
    recording_max_bytes : int
        The largest recording accepted, in bytes (1 GiB).
    """

    database_url: str = field(default_factory=default_database_url)
    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(48), repr=False)
    secret_key_configured: bool = False
    token_max_age_s: int = 8 * 3600
    login_attempts_per_minute: int = 10
    recordings_dir: Path | None = None
    recording_max_bytes: int = 1024 * 1024 * 1024

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Build settings from ``MYOSCOPE_*`` environment variables, then ``overrides``.

        Variables: ``MYOSCOPE_DATABASE_URL``, ``MYOSCOPE_HOST``, ``MYOSCOPE_PORT``,
        ``MYOSCOPE_SECRET_KEY``, ``MYOSCOPE_RECORDINGS_DIR``. Overrides that are None are
        ignored.
        """
        values: dict[str, object] = {}
        env = os.environ
        if env.get("MYOSCOPE_DATABASE_URL"):
            values["database_url"] = env["MYOSCOPE_DATABASE_URL"]
        if env.get("MYOSCOPE_HOST"):
            values["host"] = env["MYOSCOPE_HOST"]
        if env.get("MYOSCOPE_PORT"):
            try:
                values["port"] = int(env["MYOSCOPE_PORT"])
            except ValueError:
                raise InvalidInputError(
                    f"MYOSCOPE_PORT must be a whole number; got '{env['MYOSCOPE_PORT']}'."
                ) from None
        if env.get("MYOSCOPE_RECORDINGS_DIR"):
            values["recordings_dir"] = Path(env["MYOSCOPE_RECORDINGS_DIR"])
        if env.get("MYOSCOPE_SECRET_KEY"):
            values["secret_key"] = env["MYOSCOPE_SECRET_KEY"]
            values["secret_key_configured"] = True
        values |= {k: v for k, v in overrides.items() if v is not None}
        if "secret_key" in overrides and overrides["secret_key"] is not None:
            values["secret_key_configured"] = True
        return cls(**values)  # type: ignore[arg-type]

    @property
    def is_local(self) -> bool:
        """Whether the server binds to a loopback interface only."""
        return _is_local(self.host)

    def checked(self) -> Settings:
        """Return the settings after refusing unsafe combinations.

        A non-local interface needs a configured secret key of at least 32 characters; a
        local server without one gets a key kept in the data directory.

        Raises
        ------
        InvalidInputError
            With what to set.
        """
        if not 1 <= self.port <= 65535:
            raise InvalidInputError(f"The port must be between 1 and 65535; got {self.port}.")
        if self.secret_key_configured and len(self.secret_key) < MIN_SECRET_LENGTH:
            raise InvalidInputError(
                f"The secret key is too short ({len(self.secret_key)} characters); use at "
                f"least {MIN_SECRET_LENGTH}, for example the output of "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))'."
            )
        if not self.is_local and not self.secret_key_configured:
            raise InvalidInputError(
                f"Refusing to serve on {self.host} without a configured secret key: set "
                "MYOSCOPE_SECRET_KEY to a random string of 32+ characters (for example from "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))'), and put the "
                "server behind HTTPS."
            )
        return self

    def with_local_secret(self) -> Settings:
        """Return the settings with a secret key kept in the data directory (local use only)."""
        if self.secret_key_configured:
            return self
        path = data_dir() / "secret_key"
        try:
            if path.exists():
                key = path.read_text(encoding="utf-8").strip()
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                key = secrets.token_urlsafe(48)
                path.touch(mode=0o600)
                path.write_text(key, encoding="utf-8")
        except OSError:
            return self  # a fresh random key: sessions end when the server stops
        return replace(self, secret_key=key) if len(key) >= MIN_SECRET_LENGTH else self
