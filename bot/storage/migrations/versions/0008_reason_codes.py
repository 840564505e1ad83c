"""reasons stored as a code with parameters, put into words only when shown

Revision ID: 0008_reason_codes
Revises: 0007_ingest

Every "why" column held a sentence (``memberships.sync_reason``, ``memberships.flag``,
``connections.status_reason``, ``list_imports.reason``, ``activity_pushes.reason``,
``status_pushes.reason``); each becomes ``<name>_code`` and ``<name>_params`` (JSON).
Sentences already stored become the code ``legacy`` with ``{"text": <the sentence>}``,
which the views show as it was written.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_reason_codes"
down_revision: str | None = "0007_ingest"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column holding a sentence, prefix of the code and params columns)
REASONS = (
    ("connections", "status_reason", "status_reason"),
    ("memberships", "sync_reason", "sync_reason"),
    ("memberships", "flag", "flag"),
    ("list_imports", "reason", "reason"),
    ("activity_pushes", "reason", "reason"),
    ("status_pushes", "reason", "reason"),
)
LEGACY = "legacy"


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    text_as_json = "json_build_object('text', {})" if _postgres() else "json_object('text', {})"
    for table, old, new in REASONS:
        op.add_column(table, sa.Column(f"{new}_code", sa.String(length=48), nullable=True))
        op.add_column(table, sa.Column(f"{new}_params", sa.JSON(), nullable=True))
        op.execute(
            f"UPDATE {table} SET {new}_code = '{LEGACY}', "
            f"{new}_params = {text_as_json.format(old)} WHERE {old} IS NOT NULL"
        )
    for table, old, _ in REASONS:
        # Plain SQL: both SQLite (3.35+) and PostgreSQL drop a column in place.
        op.execute(f"ALTER TABLE {table} DROP COLUMN {old}")


def downgrade() -> None:
    text_of = "{}->>'text'" if _postgres() else "json_extract({}, '$.text')"
    for table, old, new in REASONS:
        length = 64 if old == "flag" else None
        op.add_column(table, sa.Column(old, sa.String(length) if length else sa.Text()))
        # Only legacy reasons have words to give back; the others keep their code.
        op.execute(
            f"UPDATE {table} SET {old} = CASE WHEN {new}_code = '{LEGACY}' "
            f"THEN {text_of.format(new + '_params')} ELSE {new}_code END "
            f"WHERE {new}_code IS NOT NULL"
        )
    for table, _, new in REASONS:
        op.execute(f"ALTER TABLE {table} DROP COLUMN {new}_code")
        op.execute(f"ALTER TABLE {table} DROP COLUMN {new}_params")
