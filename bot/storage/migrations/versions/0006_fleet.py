"""fleet: alert claims (posted once across workers) and, on PostgreSQL, procrastinate's schema

Revision ID: 0006_fleet
Revises: 0005_surface_b

procrastinate's tables and functions come from the installed procrastinate version (pinned
to a minor range in pyproject.toml); moving to a newer procrastinate means a new migration
here that applies its migration scripts.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision: str = "0006_fleet"
down_revision: str | None = "0005_surface_b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UtcDateTime = bot.storage.models.UtcDateTime


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("claimed_at", UtcDateTime(timezone=True), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and not _has_procrastinate(bind):
        from procrastinate.schema import SchemaManager

        # Driver-level SQL goes through the driver's parameter syntax: double each %.
        bind.exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))


def _has_procrastinate(bind: sa.engine.Connection) -> bool:
    return bind.scalar(sa.text("SELECT to_regclass('procrastinate_jobs')")) is not None


def downgrade() -> None:
    # procrastinate's schema stays: it may hold jobs, and upgrading again finds it in place.
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("claimed_at")
