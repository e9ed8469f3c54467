"""Check-ins record the day's factors (stress, alcohol, caffeine, noise, light).

Insights compare jerks on days with and without each factor; a factor ticked on an episode
exists only on days that had jerks, so it cannot serve that comparison.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add ``checkins.factors`` (an empty list for existing check-ins)."""
    with op.batch_alter_table("checkins") as batch:
        batch.add_column(sa.Column("factors", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    """Drop ``checkins.factors``."""
    with op.batch_alter_table("checkins") as batch:
        batch.drop_column("factors")
