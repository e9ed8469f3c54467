"""The SQL implementation of the diary repository (SQLAlchemy Core, SQLite and PostgreSQL).

Rows become the frozen domain models of :mod:`myoscope.domain.diary` here, and only domain
models, plain dicts and numbers leave this module. Each method runs in its own transaction;
inside :meth:`SqlDiaryRepository.transaction` the calls of the same thread share one connection
and one transaction (a :class:`contextvars.ContextVar` holds it).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    DateTime,
    Result,
    Row,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import Executable

import myoscope.storage.migrate as migrate
from myoscope.diary.repository import AccountStore, RecordingStore, RecordStore, TimeRange
from myoscope.domain.diary import (
    Account,
    AuditEvent,
    CheckIn,
    CountBand,
    Dose,
    Episode,
    EpisodeFacts,
    EpisodeSource,
    JerkKind,
    Page,
    Regimen,
    Review,
    Share,
    SideEffect,
    Trigger,
)
from myoscope.errors import ConflictError, InvalidInputError, NotFoundError, StorageError
from myoscope.storage.engine import Database, Synchronous, integrity_kind, open_database
from myoscope.storage.tables import (
    TIME_COLUMNS,
    accounts,
    audit_events,
    checkins,
    doses,
    episodes,
    profiles,
    regimens,
    shares,
    side_effects,
)

__all__ = ["SqlAccountStore", "SqlDiaryRepository", "SqlRecordStore"]

RecordT = TypeVar("RecordT", Episode, CheckIn, Regimen, Dose, SideEffect)
ModelT = TypeVar("ModelT", bound=BaseModel)

_ACCOUNT_COLUMNS = [column for column in accounts.c if column.name != "password_hash"]
_AUDIT_COLUMNS = [column for column in audit_events.c if column.name != "id"]


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _row(model: BaseModel) -> dict[str, Any]:
    """Return a model's fields as column values (enums as their values)."""
    return {name: _plain(value) for name, value in model}


class _Builder(Generic[ModelT]):
    """Build a domain model from a row, validating it (the row may predate today's rules).

    Columns that are NULL where the field defaults to None are left out rather than passed as
    None: the same model results, and pydantic then skips constraints that it would otherwise
    apply to None (``Note`` has ``max_length`` on ``str | None``, which fails on an explicit
    None).
    """

    def __init__(self, model: type[ModelT]) -> None:
        self.model = model
        self.optional = frozenset(
            name
            for name, info in model.model_fields.items()
            if not info.is_required() and info.default is None
        )

    def __call__(self, fetched: _Fetched) -> list[ModelT]:
        names, rows = fetched
        dropped = [name for name in names if name in self.optional]
        validate = self.model.model_validate
        models = []
        for row in rows:
            data = dict(zip(names, row, strict=True))
            for name in dropped:
                if data[name] is None:
                    del data[name]
            models.append(validate(data))
        return models

    def first(self, fetched: _Fetched) -> ModelT | None:
        """Return the model of the first row, or None when there is none."""
        models = self(fetched)
        return models[0] if models else None


_Fetched = tuple[list[str], Sequence[Row[Any]]]


def _fetch(result: Result[Any]) -> _Fetched:
    """Return the column names and rows of a result (names once, not per row: faster)."""
    return list(result.keys()), result.all()


_build_account = _Builder(Account)
_build_share = _Builder(Share)
_build_audit = _Builder(AuditEvent)


def _check_page(limit: int, offset: int) -> None:
    if limit < 0:
        raise InvalidInputError(
            f"limit must be 0 or more; got {limit}.", field="limit", received=limit
        )
    if offset < 0:
        raise InvalidInputError(
            f"offset must be 0 or more; got {offset}.", field="offset", received=offset
        )


def _aware(moment: datetime | None, name: str) -> datetime | None:
    if moment is not None and moment.utcoffset() is None:
        raise InvalidInputError(
            f"'{name}' must include a time zone (such as +00:00); got {moment.isoformat()}.",
            field=name,
            received=moment.isoformat(),
        )
    return moment


def _first_day_from(moment: datetime) -> date:
    """Return the first day whose midnight (in ``moment``'s time zone) is at or after it."""
    day = moment.date()
    midnight = (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0)
    if midnight or day == date.max:  # date.max has no next day (API fuzz: since=9999-12-31T23:59Z)
        return day
    return day + timedelta(days=1)


def _period_conditions(table: Table, column: str, period: TimeRange) -> list[ColumnElement[bool]]:
    """Return the conditions of a half-open range ``[since, until)`` on a time column.

    For a date column, a day is in the range when its midnight, in the time zone of the bound,
    is: ``since=2024-01-01T00:00+01:00`` starts at 1 January, ``since=2024-01-01T08:00Z`` at
    2 January.
    """
    since, until = _aware(period.since, "since"), _aware(period.until, "until")
    target = table.c[column]
    is_date = isinstance(target.type, Date)
    conditions: list[ColumnElement[bool]] = []
    if since is not None:
        conditions.append(target >= (_first_day_from(since) if is_date else since))
    if until is not None:
        conditions.append(target < (_first_day_from(until) if is_date else until))
    return conditions


class _Access:
    """How the stores reach the database: the current transaction or a new one per call."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.current: ContextVar[Connection | None] = ContextVar(
            "myoscope_connection", default=None
        )

    @contextmanager
    def connection(self, *, write: bool) -> Iterator[Connection]:
        current = self.current.get()
        if current is not None:
            yield current
        else:
            with self.database.begin(write=write) as connection:
                yield connection

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self.current.get() is not None:
            yield
            return
        with self.database.begin(write=True) as connection:
            token = self.current.set(connection)
            try:
                yield
            finally:
                self.current.reset(token)


class SqlRecordStore(Generic[RecordT]):
    """One kind of diary record in one table, always scoped to one diary.

    Parameters
    ----------
    access : _Access
        The repository's connection provider.
    table : Table
        The record table.
    model : type
        The domain model of its rows.
    label : str
        The record kind in messages ("episode").
    """

    def __init__(self, access: _Access, table: Table, model: type[RecordT], label: str) -> None:
        self._access = access
        self._table = table
        self._build: _Builder[RecordT] = _Builder(model)
        self._label = label
        self._time = TIME_COLUMNS[table.name]
        column, ident = table.c[self._time], table.c.id
        self._newest_first = (column.desc(), ident.desc())
        self._oldest_first = (column.asc(), ident.asc())

    def _checked(self, record: RecordT) -> dict[str, Any]:
        """Return the record's row, validated again.

        ``model_copy(update=...)`` skips validation, and a stored row that fails validation
        could no longer be read back.
        """
        try:
            valid = self._build.model.model_validate(dict(record))
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(part) for part in problem["loc"]) or self._label
            raise InvalidInputError(
                f"The {self._label} is not valid and was not stored: {where}: {problem['msg']}.",
                field=where if problem["loc"] else None,
            ) from None
        return _row(valid)

    def _key(self, patient_id: str, record_id: str) -> list[ColumnElement[bool]]:
        return [self._table.c.id == record_id, self._table.c.patient_id == patient_id]

    def add(self, record: RecordT) -> None:
        """Insert a new record; its id must be new.

        Raises
        ------
        ConflictError
            When the id exists, or (check-ins) the day already has a check-in.
        NotFoundError
            When no account has the record's ``patient_id``.
        InvalidInputError
            When the record does not pass its model's validation.
        """
        row = self._checked(record)
        with self._access.connection(write=True) as connection:
            try:
                connection.execute(insert(self._table), row)
            except IntegrityError as exc:
                raise self._clash(exc, record) from None

    def _clash(self, exc: IntegrityError, record: RecordT) -> ConflictError | NotFoundError:
        kind, constraint = integrity_kind(exc)
        if kind == "foreign-key":
            return NotFoundError(
                f"No diary with patient id '{record.patient_id}': the {self._label} was not "
                "stored. Create the account first."
            )
        if kind == "unique" and "day" in constraint and isinstance(record, CheckIn):
            return ConflictError(
                f"There is already a check-in for {record.day.isoformat()}; replace it instead "
                "of adding another."
            )
        return ConflictError(
            f"A {self._label} with id '{record.id}' already exists; give a new id, or replace "
            "the existing one."
        )

    def get(self, patient_id: str, record_id: str) -> RecordT | None:
        """Return the record, or None when it does not exist in this diary."""
        with self._access.connection(write=False) as connection:
            fetched = _fetch(
                connection.execute(select(self._table).where(*self._key(patient_id, record_id)))
            )
        return self._build.first(fetched)

    def replace(self, record: RecordT) -> bool:
        """Replace every field of a record (same id and diary); return False when absent."""
        values = self._checked(record)
        del values["id"], values["patient_id"]
        with self._access.connection(write=True) as connection:
            try:
                result = connection.execute(
                    update(self._table)
                    .where(*self._key(record.patient_id, record.id))
                    .values(values)
                )
            except IntegrityError as exc:
                raise self._clash(exc, record) from None
        return result.rowcount > 0

    def delete(self, patient_id: str, record_id: str) -> bool:
        """Delete a record; return False when it does not exist in this diary."""
        with self._access.connection(write=True) as connection:
            result = connection.execute(
                delete(self._table).where(*self._key(patient_id, record_id))
            )
        return result.rowcount > 0

    def page(
        self,
        patient_id: str,
        *,
        period: TimeRange = TimeRange(),  # noqa: B008 - frozen dataclass, immutable
        limit: int = 100,
        offset: int = 0,
    ) -> Page[RecordT]:
        """Return one page of the diary's records in ``period``, newest first, then by id.

        Parameters
        ----------
        patient_id : str
            The diary.
        period : TimeRange
            Half-open ``[since, until)`` on the record's time field; for check-ins (day) and
            regimens (started_on), a day counts from its midnight in the bound's time zone.
        limit, offset : int
            The page (``limit=0`` returns only the total).

        Returns
        -------
        Page
            The records, and ``total``: how many records of the diary are in ``period``.
        """
        _check_page(limit, offset)
        conditions = [
            self._table.c.patient_id == patient_id,
            *_period_conditions(self._table, self._time, period),
        ]
        with self._access.connection(write=False) as connection:
            total = connection.execute(
                select(func.count()).select_from(self._table).where(*conditions)
            ).scalar_one()
            fetched = _fetch(
                connection.execute(
                    select(self._table)
                    .where(*conditions)
                    .order_by(*self._newest_first)
                    .limit(limit)
                    .offset(offset)
                )
            )
        return Page[RecordT](items=self._build(fetched), total=total, limit=limit, offset=offset)

    def all(self, patient_id: str) -> list[RecordT]:
        """Return every record of the diary, oldest first, then by id."""
        with self._access.connection(write=False) as connection:
            fetched = _fetch(
                connection.execute(
                    select(self._table)
                    .where(self._table.c.patient_id == patient_id)
                    .order_by(*self._oldest_first)
                )
            )
        return self._build(fetched)

    def owners(self, record_ids: Collection[str]) -> dict[str, str]:
        """Return the diary (patient id) of each of these record ids that exists, in any diary."""
        found: dict[str, str] = {}
        ids = list(record_ids)
        with self._access.connection(write=False) as connection:
            for start in range(0, len(ids), 500):
                rows = connection.execute(
                    select(self._table.c.id, self._table.c.patient_id).where(
                        self._table.c.id.in_(ids[start : start + 500])
                    )
                )
                found.update({row.id: row.patient_id for row in rows})
        return found

    def delete_all(self, patient_id: str) -> int:
        """Delete every record of this kind in the diary; return how many were deleted."""
        with self._access.connection(write=True) as connection:
            result = connection.execute(
                delete(self._table).where(self._table.c.patient_id == patient_id)
            )
        return result.rowcount


class SqlAccountStore:
    """Accounts and their password hashes; e-mail addresses are stored in lower case.

    Parameters
    ----------
    access : _Access
        The repository's connection provider.
    """

    def __init__(self, access: _Access) -> None:
        self._access = access

    def add(self, account: Account, password_hash: str) -> None:
        """Insert an account.

        Raises
        ------
        ConflictError
            When the e-mail address (in any case) or the id is already used.
        """
        values = _row(account)
        values.update(email=account.email.strip().lower(), password_hash=password_hash)
        with self._access.connection(write=True) as connection:
            try:
                connection.execute(insert(accounts), values)
            except IntegrityError as exc:
                _, constraint = integrity_kind(exc)
                if "email" in constraint:
                    raise ConflictError(
                        "An account with this e-mail address already exists; sign in with it, "
                        "or use another address."
                    ) from None
                raise ConflictError(
                    f"An account with id '{account.id}' already exists; give a new id."
                ) from None

    def _one(self, condition: ColumnElement[bool]) -> Account | None:
        with self._access.connection(write=False) as connection:
            fetched = _fetch(connection.execute(select(*_ACCOUNT_COLUMNS).where(condition)))
        return _build_account.first(fetched)

    def get(self, account_id: str) -> Account | None:
        """Return an account by id, or None."""
        return self._one(accounts.c.id == account_id)

    def get_by_email(self, email: str) -> Account | None:
        """Return an account by e-mail address (compared in lower case), or None."""
        return self._one(accounts.c.email == email.strip().lower())

    def password_hash(self, account_id: str) -> str | None:
        """Return the stored password hash, or None when there is no such account."""
        with self._access.connection(write=False) as connection:
            value = connection.execute(
                select(accounts.c.password_hash).where(accounts.c.id == account_id)
            ).scalar_one_or_none()
        return value

    def _update(self, account_id: str, values: dict[str, Any]) -> None:
        with self._access.connection(write=True) as connection:
            result = connection.execute(
                update(accounts).where(accounts.c.id == account_id).values(values)
            )
        if result.rowcount == 0:
            raise NotFoundError(f"No account with id '{account_id}'; nothing was changed.")

    def set_password_hash(self, account_id: str, password_hash: str) -> None:
        """Store a new password hash.

        Raises
        ------
        NotFoundError
            When there is no such account (also for the other setters).
        """
        self._update(account_id, {"password_hash": password_hash})

    def set_login_state(
        self, account_id: str, *, failed_logins: int, locked_until: datetime | None
    ) -> None:
        """Record the failed-login counter and the lock expiry."""
        _aware(locked_until, "locked_until")
        self._update(account_id, {"failed_logins": failed_logins, "locked_until": locked_until})

    def end_sessions(self, account_id: str) -> int:
        """Raise the account's session epoch by one and return the new value.

        Raises
        ------
        NotFoundError
            When there is no such account.
        """
        with self._access.transaction():
            self._update(account_id, {"session_epoch": accounts.c.session_epoch + 1})
            with self._access.connection(write=True) as connection:
                epoch = connection.execute(
                    select(accounts.c.session_epoch).where(accounts.c.id == account_id)
                ).scalar_one()
        return int(epoch)

    def update(self, account: Account) -> None:
        """Store changed account details: display name and time zone."""
        self._update(
            account.id, {"display_name": account.display_name, "timezone": account.timezone}
        )

    def all(self) -> list[Account]:
        """Return every account, by e-mail address."""
        with self._access.connection(write=False) as connection:
            fetched = _fetch(
                connection.execute(select(*_ACCOUNT_COLUMNS).order_by(accounts.c.email))
            )
        return _build_account(fetched)

    def count(self) -> int:
        """Return how many accounts exist."""
        with self._access.connection(write=False) as connection:
            return connection.execute(select(func.count()).select_from(accounts)).scalar_one()


class SqlDiaryRepository:
    """The diary repository on SQLite or PostgreSQL (implements ``DiaryRepository``).

    Use :func:`myoscope.storage.open_repository`, which also checks and upgrades the schema.

    Parameters
    ----------
    url : str
        ``sqlite:///PATH``, ``sqlite://`` (in memory, for tests) or
        ``postgresql+psycopg://USER:PASSWORD@HOST:PORT/DATABASE``.
    sqlite_synchronous : {"FULL", "NORMAL"}
        SQLite's durability setting (FULL: an acknowledged write survives a power cut).

    Attributes
    ----------
    episodes, checkins, regimens, doses, side_effects : SqlRecordStore
        The diary records.
    recordings : SqlRecordingStore
        Uploaded recordings (metadata and analysis state).
    accounts : SqlAccountStore
        Accounts and password hashes.
    """

    def __init__(self, url: str, *, sqlite_synchronous: Synchronous = "FULL") -> None:
        self._database = open_database(url, sqlite_synchronous=sqlite_synchronous)
        self._access = _Access(self._database)
        self.episodes: RecordStore[Episode] = SqlRecordStore(
            self._access, episodes, Episode, "episode"
        )
        self.checkins: RecordStore[CheckIn] = SqlRecordStore(
            self._access, checkins, CheckIn, "check-in"
        )
        self.regimens: RecordStore[Regimen] = SqlRecordStore(
            self._access, regimens, Regimen, "medication"
        )
        self.doses: RecordStore[Dose] = SqlRecordStore(self._access, doses, Dose, "dose")
        self.side_effects: RecordStore[SideEffect] = SqlRecordStore(
            self._access, side_effects, SideEffect, "side effect"
        )
        self.accounts: AccountStore = SqlAccountStore(self._access)
        from myoscope.storage.recordings_sql import SqlRecordingStore  # it imports this module

        self.recordings: RecordingStore = SqlRecordingStore(self._access)

    def __repr__(self) -> str:
        return f"SqlDiaryRepository({self._database.where!r})"

    def episode_facts(
        self, patient_id: str, *, source: EpisodeSource | None = None
    ) -> list[EpisodeFacts]:
        """Return what the analyses read of every episode of a diary, oldest first.

        One query of nine columns, and no validation per row: the rows were validated when
        they were written (about 40 times faster than :meth:`SqlRecordStore.all`).
        """
        t = episodes
        query = (
            select(
                # raw values, converted below with caches (most rows repeat a few trigger lists)
                type_coerce(t.c.started_at, DateTime()),
                t.c.count,
                t.c.count_band,
                t.c.intensity,
                t.c.kind,
                type_coerce(t.c.triggers, String()),
                t.c.source,
                t.c.recording_id,
                t.c.review,
            )
            .where(t.c.patient_id == patient_id)
            .order_by(t.c.started_at, t.c.id)
        )
        if source is not None:
            query = query.where(t.c.source == source.value)
        bands = {b.value: b for b in CountBand}
        kinds = {k.value: k for k in JerkKind}
        sources = {s.value: s for s in EpisodeSource}
        reviews = {r.value: r for r in Review}
        triggers = {g.value: g for g in Trigger}
        tag_lists: dict[Any, tuple[Trigger, ...]] = {}

        def tags_of(raw: Any) -> tuple[Trigger, ...]:
            key = raw if isinstance(raw, str) else json.dumps(raw)  # PostgreSQL decodes JSON
            found = tag_lists.get(key)
            if found is None:
                names = json.loads(raw) if isinstance(raw, str) else raw
                found = tag_lists[key] = tuple(triggers[g] for g in names or ())
            return found

        def utc(moment: datetime | str) -> datetime:
            if isinstance(moment, str):  # SQLite: UTC as ISO text without an offset
                return datetime.fromisoformat(moment + "+00:00")
            naive = moment.tzinfo is None
            return moment.replace(tzinfo=UTC) if naive else moment.astimezone(UTC)

        with self._access.connection(write=False) as connection:
            # The driver's cursor directly: SQLAlchemy's per-row processing would cost more
            # than everything else here on a long diary.
            compiled = query.compile(dialect=connection.dialect)
            params: Any = (
                [compiled.params[name] for name in compiled.positiontup or ()]
                if compiled.positional
                else compiled.params
            )
            cursor = connection.connection.cursor()
            try:
                cursor.execute(compiled.string, params)
                rows = cursor.fetchall()
            finally:
                cursor.close()
        return [
            EpisodeFacts(
                utc(started_at),
                count,
                None if band is None else bands[band],
                intensity,
                kinds[kind],
                tags_of(tags),
                sources[origin],
                recording_id,
                None if review is None else reviews[review],
            )
            for (
                started_at,
                count,
                band,
                intensity,
                kind,
                tags,
                origin,
                recording_id,
                review,
            ) in rows
        ]

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._database.dialect

    # schema -----------------------------------------------------------------------------------
    def ensure_schema(self, *, upgrade: bool = True) -> str:
        """Check the schema revision, and bring the database up to date when ``upgrade``.

        Parameters
        ----------
        upgrade : bool
            Apply missing migrations; when False, a database that is not up to date is refused.

        Returns
        -------
        str
            The schema revision of the database afterwards.

        Raises
        ------
        StorageError
            When the database has a revision this version does not know (a newer Myoscope wrote
            it), cannot be reached, is out of date and ``upgrade`` is False, or cannot be
            upgraded.
        """
        head = migrate.head_revision()
        where = self._database.where
        with self._database.begin(write=upgrade) as connection:
            revision = migrate.current_revision(connection)
            migrate.check_revision(revision, where)
            if revision == head:
                return head
            if not upgrade:
                state = f"schema revision {revision}" if revision else "no Myoscope schema yet"
                raise StorageError(
                    f"The database at {where} has {state}; this version of Myoscope needs "
                    f"revision {head}. Upgrade it with 'myoscope db upgrade', or open it with "
                    "upgrading allowed."
                )
            try:
                migrate.upgrade(connection)
            except StorageError:
                raise
            except Exception as exc:
                raise StorageError(
                    f"Could not upgrade the database at {where} from revision {revision} to "
                    f"{head}: {type(exc).__name__}. Nothing was changed; check that this "
                    "database belongs to Myoscope and that the account may create tables."
                ) from exc
        return head

    def schema_revision(self) -> str | None:
        """Return the schema revision recorded in the database (None when empty)."""
        with self._database.begin(write=False) as connection:
            return migrate.current_revision(connection)

    # transactions -----------------------------------------------------------------------------
    def transaction(self) -> AbstractContextManager[None]:
        """Group the calls made inside the ``with`` block into one transaction.

        The calls of this thread inside the block share one connection; an exception rolls
        every change back. A nested ``transaction()`` joins the outer one. On SQLite, the block
        holds the database's single writer slot, so keep it short. After a database error
        (such as a ``ConflictError``) leave the block: PostgreSQL refuses further statements in
        a failed transaction.

        Returns
        -------
        contextlib.AbstractContextManager
            The context manager.
        """
        return self._access.transaction()

    def close(self) -> None:
        """Release the database connections (an in-memory database is lost)."""
        self._database.engine.dispose()

    def _connection(self, *, write: bool) -> AbstractContextManager[Connection]:
        return self._access.connection(write=write)

    # profiles ---------------------------------------------------------------------------------
    def get_profile(self, patient_id: str) -> dict[str, Any] | None:
        """Return the stored profile document, or None."""
        with self._connection(write=False) as connection:
            document = connection.execute(
                select(profiles.c.document).where(profiles.c.patient_id == patient_id)
            ).scalar_one_or_none()
        return None if document is None else dict(document)

    def put_profile(self, patient_id: str, profile: dict[str, Any], updated_at: datetime) -> None:
        """Store (insert or replace) the profile document.

        Raises
        ------
        NotFoundError
            When no account has this id.
        """
        _aware(updated_at, "updated_at")
        values = {"patient_id": patient_id, "document": profile, "updated_at": updated_at}
        statement: Executable
        if self.dialect == "postgresql":
            pg = postgresql_insert(profiles).values(values)
            statement = pg.on_conflict_do_update(
                index_elements=[profiles.c.patient_id],
                set_={"document": pg.excluded.document, "updated_at": pg.excluded.updated_at},
            )
        else:
            lite = sqlite_insert(profiles).values(values)
            statement = lite.on_conflict_do_update(
                index_elements=[profiles.c.patient_id],
                set_={"document": lite.excluded.document, "updated_at": lite.excluded.updated_at},
            )
        with self._connection(write=True) as connection:
            try:
                connection.execute(statement)
            except IntegrityError:
                raise NotFoundError(
                    f"No account with id '{patient_id}': the profile was not stored."
                ) from None

    def delete_profile(self, patient_id: str) -> bool:
        """Delete the stored profile; return whether there was one."""
        with self._connection(write=True) as connection:
            result = connection.execute(delete(profiles).where(profiles.c.patient_id == patient_id))
        return result.rowcount > 0

    # shares -----------------------------------------------------------------------------------
    def _shares(self, *conditions: ColumnElement[bool], limit: int | None = None) -> list[Share]:
        query = (
            select(shares)
            .where(*conditions)
            .order_by(shares.c.created_at.desc(), shares.c.id.desc())
            .limit(limit)
        )
        with self._connection(write=False) as connection:
            fetched = _fetch(connection.execute(query))
        return _build_share(fetched)

    def add_share(self, share: Share) -> None:
        """Store a new share.

        Raises
        ------
        ConflictError
            When the share id exists.
        NotFoundError
            When the patient or the grantee account does not exist.
        """
        with self._connection(write=True) as connection:
            try:
                connection.execute(insert(shares), _row(share))
            except IntegrityError as exc:
                kind, _ = integrity_kind(exc)
                if kind == "foreign-key":
                    raise NotFoundError(
                        "The patient or the account to share with does not exist; the share "
                        "was not stored."
                    ) from None
                raise ConflictError(
                    f"A share with id '{share.id}' already exists; give a new id."
                ) from None

    def get_share(self, share_id: str) -> Share | None:
        """Return a share by id, or None."""
        found = self._shares(shares.c.id == share_id)
        return found[0] if found else None

    def active_share(self, patient_id: str, grantee_id: str) -> Share | None:
        """Return the newest active share of this diary with this account, if any."""
        found = self._shares(
            shares.c.patient_id == patient_id,
            shares.c.grantee_id == grantee_id,
            shares.c.revoked_at.is_(None),
            limit=1,
        )
        return found[0] if found else None

    def shares_of(self, patient_id: str) -> list[Share]:
        """Return every share the patient has made, newest first, revoked ones included."""
        return self._shares(shares.c.patient_id == patient_id)

    def shares_with(self, grantee_id: str) -> list[Share]:
        """Return the active shares granted to an account, newest first."""
        return self._shares(shares.c.grantee_id == grantee_id, shares.c.revoked_at.is_(None))

    def revoke_share(self, share_id: str, revoked_at: datetime) -> bool:
        """Mark a share revoked; return False when it does not exist or was revoked already."""
        _aware(revoked_at, "revoked_at")
        with self._connection(write=True) as connection:
            result = connection.execute(
                update(shares)
                .where(shares.c.id == share_id, shares.c.revoked_at.is_(None))
                .values(revoked_at=revoked_at)
            )
        return result.rowcount > 0

    # audit ------------------------------------------------------------------------------------
    def append_audit(self, event: AuditEvent) -> None:
        """Append an audit entry; the database refuses to change or delete entries."""
        with self._connection(write=True) as connection:
            connection.execute(insert(audit_events), _row(event))

    def list_audit(
        self,
        patient_id: str,
        *,
        period: TimeRange = TimeRange(),  # noqa: B008 - frozen dataclass, immutable
        limit: int = 100,
        offset: int = 0,
        exclude_actor: str | None = None,
    ) -> Page[AuditEvent]:
        """Return one page of a diary's audit entries, newest first (in order of appending).

        ``exclude_actor`` leaves out the entries of one account.
        """
        _check_page(limit, offset)
        conditions = [
            audit_events.c.patient_id == patient_id,
            *_period_conditions(audit_events, "at", period),
        ]
        if exclude_actor is not None:
            conditions.append(audit_events.c.actor_id != exclude_actor)
        with self._connection(write=False) as connection:
            total = connection.execute(
                select(func.count()).select_from(audit_events).where(*conditions)
            ).scalar_one()
            fetched = _fetch(
                connection.execute(
                    select(*_AUDIT_COLUMNS)
                    .where(*conditions)
                    .order_by(audit_events.c.at.desc(), audit_events.c.id.desc())
                    .limit(limit)
                    .offset(offset)
                )
            )
        return Page[AuditEvent](
            items=_build_audit(fetched),
            total=total,
            limit=limit,
            offset=offset,
        )
