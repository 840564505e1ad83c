"""ingest: event ids are unique per workspace, not across workspaces

Revision ID: 0007_ingest
Revises: 0006_fleet

Two teams' outreach tools may use the same event id; each team's event is its own. The key of
``outreach_events`` becomes (workspace_id, id), and an activity's event id is unique within its
workspace. The primary key now leads with workspace_id, so its separate index goes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_ingest"
down_revision: str | None = "0006_fleet"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Names SQLite's unnamed constraints get when batch mode reflects them, so they can be dropped.
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s", "pk": "pk_%(table_name)s"}


def _constraint_names(table: str) -> tuple[str, str | None]:
    """(primary key name, name of the unique constraint on event_id), as the database has them."""
    inspector = sa.inspect(op.get_bind())
    pk = inspector.get_pk_constraint(table).get("name") or f"pk_{table}"
    unique = next(
        (
            c["name"] or f"uq_{table}_event_id"
            for c in inspector.get_unique_constraints(table)
            if c["column_names"] == ["event_id"]
        ),
        None,
    )
    return pk, unique


def upgrade() -> None:
    pk, _ = _constraint_names("outreach_events")
    with op.batch_alter_table("outreach_events", naming_convention=NAMING) as batch:
        batch.drop_index("ix_outreach_events_workspace_id")
        batch.drop_constraint(pk, type_="primary")
        batch.create_primary_key("pk_outreach_events", ["workspace_id", "id"])
    _, unique = _constraint_names("activities")
    with op.batch_alter_table("activities", naming_convention=NAMING) as batch:
        if unique:
            batch.drop_constraint(unique, type_="unique")
        batch.create_unique_constraint("uq_activity_event", ["workspace_id", "event_id"])


def downgrade() -> None:
    # Fails if two workspaces already share an event id: that data has no place in 0006.
    with op.batch_alter_table("activities", naming_convention=NAMING) as batch:
        batch.drop_constraint("uq_activity_event", type_="unique")
        batch.create_unique_constraint("activities_event_id_key", ["event_id"])
    with op.batch_alter_table("outreach_events", naming_convention=NAMING) as batch:
        batch.drop_constraint("pk_outreach_events", type_="primary")
        batch.create_primary_key("outreach_events_pkey", ["id"])
        batch.create_index("ix_outreach_events_workspace_id", ["workspace_id"])
