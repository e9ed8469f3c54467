"""Database connections: URLs, engines, SQLite settings, write serialisation and error messages.

SQLite runs in WAL mode with foreign keys on and ``synchronous=FULL`` (an acknowledged write
survives a power cut). SQLite allows one writer at a time, so writers in this process take a lock
and start with ``BEGIN IMMEDIATE``: concurrent threads queue instead of failing with "database is
locked". Readers do not wait for writers (WAL). PostgreSQL needs neither.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, DataError, DBAPIError, IntegrityError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

from myoscope.errors import ConflictError, InvalidInputError, MyoscopeError, StorageError

__all__ = [
    "Database",
    "Synchronous",
    "integrity_kind",
    "open_database",
    "safe_url",
    "sqlite_url",
]

Synchronous = Literal["FULL", "NORMAL"]

URL_FORMS = "sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST:PORT/DATABASE"
LOCK_TIMEOUT_S = 60.0
BUSY_TIMEOUT_MS = 30_000
CONNECT_TIMEOUT_S = 10


def sqlite_url(path: str | Path) -> str:
    """Return the SQLAlchemy URL of a SQLite database file.

    Parameters
    ----------
    path : str or Path
        The database file; relative paths are made absolute.

    Returns
    -------
    str
        A ``sqlite:///`` URL.
    """
    return URL.create("sqlite", database=str(Path(path).expanduser().resolve())).render_as_string(
        hide_password=False
    )


def safe_url(url: URL) -> str:
    """Return the URL as text without its password, for messages."""
    return url._replace(password=None).render_as_string(hide_password=False)


def _parse(url: str) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InvalidInputError(
            f"The database URL could not be read; use {URL_FORMS}.", field="db"
        ) from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend in ("postgresql", "postgres"):
        if driver not in ("", "psycopg"):
            raise InvalidInputError(
                f"The PostgreSQL driver '{driver}' is not supported; use "
                "postgresql+psycopg://USER:PASSWORD@HOST:PORT/DATABASE.",
                field="db",
                received=parsed.drivername,
                allowed=("postgresql+psycopg",),
            )
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite" and driver in ("", "pysqlite"):
        return parsed
    raise InvalidInputError(
        f"The database '{parsed.drivername}' is not supported; use {URL_FORMS}.",
        field="db",
        received=parsed.drivername,
        allowed=("sqlite", "postgresql+psycopg"),
    )


def _is_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"


@dataclass(eq=False)
class Database:
    """An engine with the locking and error translation the repository needs.

    Parameters
    ----------
    engine : Engine
        The SQLAlchemy engine.
    url : URL
        The (normalised) URL.
    """

    engine: Engine
    url: URL
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.url.get_backend_name()

    @property
    def memory(self) -> bool:
        """Whether this is an in-memory SQLite database (one shared connection)."""
        return self.dialect == "sqlite" and _is_memory(self.url)

    @property
    def where(self) -> str:
        """The URL without its password, for messages."""
        return safe_url(self.url)

    def _guard(self, write: bool) -> Any:
        # In-memory SQLite has a single shared connection: every use is serialised. A SQLite
        # file has one writer at a time: writers are serialised here rather than by SQLite's
        # busy handler, which is slower and can still time out under load.
        if self.dialect != "sqlite" or not (write or self.memory):
            return nullcontext()
        return self._locked()

    @contextmanager
    def _locked(self) -> Iterator[None]:
        if not self._lock.acquire(timeout=LOCK_TIMEOUT_S):
            raise StorageError(
                f"The database at {self.where} stayed busy for {LOCK_TIMEOUT_S:.0f} s; "
                "try again, and check that no long-running task holds it."
            )
        try:
            yield
        finally:
            self._lock.release()

    @contextmanager
    def begin(self, *, write: bool) -> Iterator[Connection]:
        """Open a connection in a new transaction, committed when the block ends.

        Parameters
        ----------
        write : bool
            Whether the transaction may write (SQLite then takes the writer lock).

        Yields
        ------
        Connection
            The connection; database errors raised in the block become Myoscope errors.
        """
        with self._guard(write):
            try:
                connection = self.engine.connect()
            except DBAPIError as exc:
                raise self.connect_error(exc) from None
            with connection:
                if write:
                    connection.execution_options(myoscope_write=True)
                try:
                    with connection.begin():
                        yield connection
                except DBAPIError as exc:
                    raise self.translate(exc) from exc

    def connect_error(self, exc: DBAPIError) -> StorageError:
        """Return the error for a database that cannot be reached or opened."""
        reason = self._reason(exc)
        if self.dialect == "sqlite":
            return StorageError(
                f"Cannot open the SQLite database at {self.url.database}: {reason}. Check that "
                "the folder exists and that you may write to it and to the file."
            )
        user = f", user '{self.url.username}'" if self.url.username else ""
        return StorageError(
            f"Cannot connect to the PostgreSQL server at {self.url.host or 'localhost'}:"
            f"{self.url.port or 5432} (database '{self.url.database}'{user}): {reason}. Check "
            "that the server is running and reachable from here, that the host, port and "
            "database name are right, and that the user name and password in the URL are right."
        )

    def translate(self, exc: DBAPIError) -> MyoscopeError:
        """Return the Myoscope error for a database error (never quoting stored values).

        Parameters
        ----------
        exc : DBAPIError
            The error SQLAlchemy raised.

        Returns
        -------
        MyoscopeError
            A ``ConflictError`` for constraint violations, an ``InvalidInputError`` for values
            the database refuses, and a ``StorageError`` otherwise.
        """
        if isinstance(exc, IntegrityError):
            return ConflictError(
                "The change clashes with data already stored (a duplicate or a missing "
                "reference); reload and try again."
            )
        if isinstance(exc, DataError):
            return InvalidInputError(
                "The database refused a value (text may not contain NUL characters, and "
                "numbers must be in range); correct it and try again."
            )
        if exc.connection_invalidated:
            return StorageError(
                f"The connection to the database at {self.where} was lost: {self._reason(exc)}. "
                "Check that the server is running, then try again."
            )
        return StorageError(
            f"The database at {self.where} failed: {self._reason(exc)}. Check that it is "
            "reachable and has free space, then try again."
        )

    def _reason(self, exc: DBAPIError) -> str:
        text = str(exc.orig).strip().splitlines()
        reason = text[0] if text else type(exc.orig).__name__
        if self.url.password:
            reason = reason.replace(str(self.url.password), "***")
        return reason.rstrip(".")


def _sqlite_events(engine: Engine, *, memory: bool, synchronous: Synchronous) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (see the SQLAlchemy SQLite transaction notes): the
        # sqlite3 module otherwise starts transactions late and never for SELECT or DDL.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if not memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        write = connection.get_execution_options().get("myoscope_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def open_database(url: str, *, sqlite_synchronous: Synchronous = "FULL") -> Database:
    """Create the engine for a database URL (no connection is made yet).

    Parameters
    ----------
    url : str
        ``sqlite:///PATH``, ``sqlite://`` (in memory) or
        ``postgresql+psycopg://USER:PASSWORD@HOST:PORT/DATABASE``.
    sqlite_synchronous : {"FULL", "NORMAL"}
        SQLite's ``synchronous`` setting; FULL keeps every acknowledged write through a power
        cut, NORMAL may lose the last ones.

    Returns
    -------
    Database
        The engine with its lock and error translation.
    """
    parsed = _parse(url)
    options: dict[str, Any] = {"hide_parameters": True}
    if parsed.get_backend_name() == "sqlite":
        memory = _is_memory(parsed)
        if memory:
            options.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
        else:
            Path(str(parsed.database)).expanduser().parent.mkdir(parents=True, exist_ok=True)
            options.update(
                pool_size=10,
                max_overflow=20,
                connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
            )
        engine = create_engine(parsed, **options)
        _sqlite_events(engine, memory=memory, synchronous=sqlite_synchronous)
    else:
        connect_args = (
            {} if "connect_timeout" in parsed.query else {"connect_timeout": CONNECT_TIMEOUT_S}
        )
        try:
            engine = create_engine(
                parsed,
                pool_pre_ping=True,
                pool_size=10,
                max_overflow=20,
                connect_args=connect_args,
                **options,
            )
        except (ModuleNotFoundError, NoSuchModuleError):
            raise StorageError(
                "PostgreSQL support is not installed; install it with "
                "pip install 'myoscope[postgres]' (or uv sync --extra postgres)."
            ) from None
    return Database(engine=engine, url=parsed)


_SQLSTATE_UNIQUE = "23505"
_SQLSTATE_FOREIGN_KEY = "23503"


def integrity_kind(exc: IntegrityError) -> tuple[Literal["unique", "foreign-key", "other"], str]:
    """Return which kind of constraint failed and its name or columns (never the values).

    Parameters
    ----------
    exc : IntegrityError
        The error from SQLite or PostgreSQL.

    Returns
    -------
    tuple
        ``("unique" | "foreign-key" | "other", constraint)``, where ``constraint`` is the
        constraint name (PostgreSQL) or the columns (SQLite), possibly empty.
    """
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is not None:
        diag = getattr(orig, "diag", None)
        name = str(getattr(diag, "constraint_name", "") or "")
        if sqlstate == _SQLSTATE_UNIQUE:
            return "unique", name
        if sqlstate == _SQLSTATE_FOREIGN_KEY:
            return "foreign-key", name
        return "other", name
    message = str(orig)
    match = re.match(r"UNIQUE constraint failed: (.*)", message)
    if match:
        return "unique", match.group(1)
    if message.startswith("FOREIGN KEY constraint failed"):
        return "foreign-key", ""
    return "other", ""
