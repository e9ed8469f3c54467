"""The database schema of the diary, as SQLAlchemy Core tables.

The columns of the record tables are the fields of the domain models in
:mod:`myoscope.domain.diary`; list fields are JSON arrays. Every datetime is stored in UTC
(:class:`UtcDateTime`), and every record table has an index on ``(patient_id, <time field>)``,
the order in which diaries are listed. Changing this module needs a new migration in
``storage/migrations/versions`` (a test checks that the migrations produce exactly these tables).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

__all__ = [
    "RECORD_TABLES",
    "TIME_COLUMNS",
    "UtcDateTime",
    "accounts",
    "audit_events",
    "checkins",
    "doses",
    "episodes",
    "metadata",
    "profiles",
    "recordings",
    "regimens",
    "shares",
    "side_effects",
]

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC and always read back as an aware UTC datetime.

    PostgreSQL stores ``timestamp with time zone``; SQLite has no time zones, so the UTC time is
    stored without an offset and UTC is attached again on reading. Naive datetimes are refused.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert an aware datetime to UTC (naive for SQLite, which keeps no offset)."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                f"a naive datetime ({value.isoformat()}) cannot be stored; "
                "give a timezone-aware datetime"
            )
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Return the stored value as an aware UTC datetime."""
        if value is None:
            return None
        if not isinstance(value, datetime):  # pragma: no cover - drivers return datetimes
            raise TypeError(f"expected a datetime from the database, got {type(value).__name__}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _id(name: str = "id", *args: Any, **kwargs: Any) -> Column[str]:
    return Column(name, String(64), *args, **kwargs)


def _patient() -> Column[str]:
    return Column("patient_id", String(64), ForeignKey("accounts.id"), nullable=False)


def _bookkeeping() -> list[Column[Any]]:
    return [
        _id(primary_key=True),
        _patient(),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("updated_at", UtcDateTime(), nullable=False),
    ]


accounts = Table(
    "accounts",
    metadata,
    _id(primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("display_name", String(100)),
    Column("timezone", String(64), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("failed_logins", Integer, nullable=False),
    Column("locked_until", UtcDateTime()),
    Column("session_epoch", Integer, nullable=False, server_default="0"),
)

profiles = Table(
    "profiles",
    metadata,
    Column("patient_id", String(64), ForeignKey("accounts.id"), primary_key=True),
    Column("document", JSON, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

episodes = Table(
    "episodes",
    metadata,
    *_bookkeeping(),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("ended_at", UtcDateTime()),
    Column("count", Integer),
    Column("count_band", String(16)),
    Column("intensity", Integer, nullable=False),
    Column("body_areas", JSON, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("triggers", JSON, nullable=False),
    Column("fell", Boolean, nullable=False),
    Column("note", Text),
    # sensor-derived episodes (migration 0003): who noticed it, the recording, its review
    Column("source", String(16), nullable=False, server_default="self"),
    _id("recording_id"),
    Column("review", String(16)),
    Index(None, "patient_id", "started_at"),
    Index(None, "recording_id"),
)

# Uploaded recordings and their analysis (migration 0003). The file lies in the data folder
# under recordings/<patient_id>/<id>.<format>; no path is stored.
recordings = Table(
    "recordings",
    metadata,
    *_bookkeeping(),
    Column("file_name", String(120), nullable=False),
    Column("format", String(8), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("started_at", UtcDateTime()),
    Column("started_at_source", String(16)),
    Column("duration_s", Float),
    Column("modality", String(8)),
    Column("status", String(16), nullable=False),
    Column("progress", Float, nullable=False),
    Column("message", Text),
    Column("summary", JSON),
    _id("uploaded_by"),
    Index(None, "patient_id", "created_at"),
    Index(None, "status"),
)

checkins = Table(
    "checkins",
    metadata,
    *_bookkeeping(),
    Column("day", Date, nullable=False),
    Column("severity", Integer, nullable=False),
    Column("walking", Integer),
    Column("eating", Integer),
    Column("speaking", Integer),
    Column("writing", Integer),
    Column("work", Integer),
    Column("sleep_hours", Float),
    Column("mood", Integer),
    Column("note", Text),
    # what happened that day (migration 0004): stress, alcohol, caffeine, noise, light
    Column("factors", JSON, nullable=False, server_default="[]"),
    UniqueConstraint("patient_id", "day"),
)

regimens = Table(
    "regimens",
    metadata,
    *_bookkeeping(),
    Column("drug", String(200), nullable=False),
    Column("drug_id", String(64)),
    Column("dose_amount", Float),
    Column("dose_unit", String(16), nullable=False),
    Column("times_per_day", Integer),
    Column("as_needed", Boolean, nullable=False),
    Column("started_on", Date, nullable=False),
    Column("stopped_on", Date),
    Column("start_reason", Text),
    Column("stop_reason", Text),
    Column("outcome", String(32)),
    _id("replaces_id"),
    Index(None, "patient_id", "started_on"),
)

doses = Table(
    "doses",
    metadata,
    *_bookkeeping(),
    _id("regimen_id"),
    Column("drug", String(200)),
    Column("amount", Float),
    Column("unit", String(16)),
    Column("status", String(16), nullable=False),
    Column("taken_at", UtcDateTime(), nullable=False),
    Column("scheduled_at", UtcDateTime()),
    Column("as_needed", Boolean, nullable=False),
    Column("note", Text),
    Index(None, "patient_id", "taken_at"),
)

side_effects = Table(
    "side_effects",
    metadata,
    *_bookkeeping(),
    Column("effect", String(200), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("ended_at", UtcDateTime()),
    _id("regimen_id"),
    Column("note", Text),
    Index(None, "patient_id", "started_at"),
)

shares = Table(
    "shares",
    metadata,
    _id(primary_key=True),
    _id("patient_id", ForeignKey("accounts.id"), nullable=False),
    _id("grantee_id", ForeignKey("accounts.id"), nullable=False),
    Column("access", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime()),
    Index(None, "patient_id", "grantee_id"),
    Index(None, "grantee_id"),
)

# Append-only: the migrations add triggers that refuse UPDATE and DELETE (and, on PostgreSQL,
# TRUNCATE). The ids are not foreign keys, so that the log outlives what it describes.
audit_events = Table(
    "audit_events",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("at", UtcDateTime(), nullable=False),
    _id("actor_id", nullable=False),
    _id("patient_id", nullable=False),
    Column("action", String(16), nullable=False),
    Column("resource", String(64), nullable=False),
    _id("record_id"),
    Index(None, "patient_id", "at"),
)

RECORD_TABLES: dict[str, Table] = {
    "episodes": episodes,
    "checkins": checkins,
    "regimens": regimens,
    "doses": doses,
    "side_effects": side_effects,
}
"""The diary record tables by name (the attribute names of the repository)."""

TIME_COLUMNS: dict[str, str] = {
    "episodes": "started_at",
    "checkins": "day",
    "regimens": "started_on",
    "doses": "taken_at",
    "side_effects": "started_at",
}
"""The time field each record table is ranged and ordered by."""
