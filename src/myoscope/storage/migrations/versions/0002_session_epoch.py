"""Accounts get a session epoch: signing out or changing the password ends every session.

Web sessions and API tokens carry the epoch they were issued under; raising it invalidates them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add ``accounts.session_epoch`` (0 for existing accounts)."""
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(
            sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    """Drop ``accounts.session_epoch``."""
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("session_epoch")
