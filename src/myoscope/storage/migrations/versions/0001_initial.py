"""The diary: accounts, profiles, records, shares and the append-only audit log.

Revision ID: 0001
Revises:
Create Date: 2025-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

APPEND_ONLY = "audit_events is append-only: entries are never changed or deleted"


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _record_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("patient_id", sa.String(64), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
    ]


def _record_constraints(table: str) -> list[sa.Constraint]:
    return [
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["accounts.id"], name=f"fk_{table}_patient_id_accounts"
        ),
    ]


def upgrade() -> None:
    """Create every table, index and the audit log's append-only triggers."""
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
        sa.UniqueConstraint("email", name="uq_accounts_email"),
    )
    op.create_table(
        "profiles",
        sa.Column("patient_id", sa.String(64), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("patient_id", name="pk_profiles"),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["accounts.id"], name="fk_profiles_patient_id_accounts"
        ),
    )
    op.create_table(
        "episodes",
        *_record_columns(),
        sa.Column("started_at", _utc(), nullable=False),
        sa.Column("ended_at", _utc(), nullable=True),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.Column("count_band", sa.String(16), nullable=True),
        sa.Column("intensity", sa.Integer(), nullable=False),
        sa.Column("body_areas", sa.JSON(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("triggers", sa.JSON(), nullable=False),
        sa.Column("fell", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        *_record_constraints("episodes"),
    )
    op.create_index("ix_episodes_patient_id_started_at", "episodes", ["patient_id", "started_at"])
    op.create_table(
        "checkins",
        *_record_columns(),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("walking", sa.Integer(), nullable=True),
        sa.Column("eating", sa.Integer(), nullable=True),
        sa.Column("speaking", sa.Integer(), nullable=True),
        sa.Column("writing", sa.Integer(), nullable=True),
        sa.Column("work", sa.Integer(), nullable=True),
        sa.Column("sleep_hours", sa.Float(), nullable=True),
        sa.Column("mood", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        *_record_constraints("checkins"),
        sa.UniqueConstraint("patient_id", "day", name="uq_checkins_patient_id_day"),
    )
    op.create_table(
        "regimens",
        *_record_columns(),
        sa.Column("drug", sa.String(200), nullable=False),
        sa.Column("drug_id", sa.String(64), nullable=True),
        sa.Column("dose_amount", sa.Float(), nullable=True),
        sa.Column("dose_unit", sa.String(16), nullable=False),
        sa.Column("times_per_day", sa.Integer(), nullable=True),
        sa.Column("as_needed", sa.Boolean(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("stopped_on", sa.Date(), nullable=True),
        sa.Column("start_reason", sa.Text(), nullable=True),
        sa.Column("stop_reason", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("replaces_id", sa.String(64), nullable=True),
        *_record_constraints("regimens"),
    )
    op.create_index("ix_regimens_patient_id_started_on", "regimens", ["patient_id", "started_on"])
    op.create_table(
        "doses",
        *_record_columns(),
        sa.Column("regimen_id", sa.String(64), nullable=True),
        sa.Column("drug", sa.String(200), nullable=True),
        sa.Column("amount", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(16), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("taken_at", _utc(), nullable=False),
        sa.Column("scheduled_at", _utc(), nullable=True),
        sa.Column("as_needed", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        *_record_constraints("doses"),
    )
    op.create_index("ix_doses_patient_id_taken_at", "doses", ["patient_id", "taken_at"])
    op.create_table(
        "side_effects",
        *_record_columns(),
        sa.Column("effect", sa.String(200), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("started_at", _utc(), nullable=False),
        sa.Column("ended_at", _utc(), nullable=True),
        sa.Column("regimen_id", sa.String(64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        *_record_constraints("side_effects"),
    )
    op.create_index(
        "ix_side_effects_patient_id_started_at", "side_effects", ["patient_id", "started_at"]
    )
    op.create_table(
        "shares",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("patient_id", sa.String(64), nullable=False),
        sa.Column("grantee_id", sa.String(64), nullable=False),
        sa.Column("access", sa.String(16), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("revoked_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_shares"),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["accounts.id"], name="fk_shares_patient_id_accounts"
        ),
        sa.ForeignKeyConstraint(
            ["grantee_id"], ["accounts.id"], name="fk_shares_grantee_id_accounts"
        ),
    )
    op.create_index("ix_shares_patient_id_grantee_id", "shares", ["patient_id", "grantee_id"])
    op.create_index("ix_shares_grantee_id", "shares", ["grantee_id"])
    op.create_table(
        "audit_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=False),
        sa.Column("patient_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("resource", sa.String(64), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
    )
    op.create_index("ix_audit_events_patient_id_at", "audit_events", ["patient_id", "at"])
    _create_append_only_triggers()


def _create_append_only_triggers() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{event.lower()} BEFORE {event} ON audit_events "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$body$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $body$"
        )
        op.execute(
            "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"
        )
    else:  # pragma: no cover - open_repository accepts only SQLite and PostgreSQL
        raise NotImplementedError(f"no append-only triggers for the {dialect} dialect")


def downgrade() -> None:
    """Drop everything (the diary is lost: export it first)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER audit_events_no_change ON audit_events")
        op.execute("DROP FUNCTION audit_events_append_only()")
    for table in (
        "audit_events",
        "shares",
        "side_effects",
        "doses",
        "regimens",
        "checkins",
        "episodes",
        "profiles",
        "accounts",
    ):
        op.drop_table(table)
