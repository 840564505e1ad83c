"""memberships.backfill_activity: resync can push activity from before the connection

Revision ID: 0004_surface_a
Revises: 0003_crelate
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_surface_a"
down_revision: str | None = "0003_crelate"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("memberships") as batch:
        batch.add_column(
            sa.Column("backfill_activity", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("memberships") as batch:
        batch.drop_column("backfill_activity")
