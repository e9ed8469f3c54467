"""Recordings in the diary: the recordings table, and sensor-derived episodes.

Episodes get ``source`` (``self`` for every existing episode), ``recording_id`` and ``review``;
the new ``recordings`` table holds each uploaded file's metadata and analysis state.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create ``recordings`` and add the sensor columns to ``episodes``."""
    op.create_table(
        "recordings",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("patient_id", sa.String(64), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.Column("file_name", sa.String(120), nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("started_at", _utc(), nullable=True),
        sa.Column("started_at_source", sa.String(16), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("modality", sa.String(8), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("uploaded_by", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_recordings"),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["accounts.id"], name="fk_recordings_patient_id_accounts"
        ),
    )
    op.create_index(
        "ix_recordings_patient_id_created_at", "recordings", ["patient_id", "created_at"]
    )
    op.create_index("ix_recordings_status", "recordings", ["status"])
    with op.batch_alter_table("episodes") as batch:
        batch.add_column(sa.Column("source", sa.String(16), nullable=False, server_default="self"))
        batch.add_column(sa.Column("recording_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("review", sa.String(16), nullable=True))
        batch.create_index("ix_episodes_recording_id", ["recording_id"])


def downgrade() -> None:
    """Drop the sensor columns of ``episodes`` (sensor episodes are deleted) and ``recordings``."""
    op.execute("DELETE FROM episodes WHERE source = 'sensor'")
    with op.batch_alter_table("episodes") as batch:
        batch.drop_index("ix_episodes_recording_id")
        batch.drop_column("review")
        batch.drop_column("recording_id")
        batch.drop_column("source")
    op.drop_index("ix_recordings_status", table_name="recordings")
    op.drop_index("ix_recordings_patient_id_created_at", table_name="recordings")
    op.drop_table("recordings")
