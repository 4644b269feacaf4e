"""audit log: the keyed hashes of the persons a call disclosed or changed (data_subjects), for a
person's access record across services; on SQLite the append-only trigger covers the new column

Revision ID: b7d2e4a91c05
Revises: 93f80ea49d7c
Create Date: 2026-11-30 02:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7d2e4a91c05"
down_revision: str | None = "93f80ea49d7c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: the columns of an entry never changed, not even at sealing (the revision 93f80ea49d7c's, and the new one)
ENTRY_COLUMNS = (
    "id", "at", "action", "outcome", "subject", "subject_id", "on_behalf_of", "client_id", "method",
    "resource", "permission", "status", "request_id", "trace_id", "address", "detail",
)  # fmt: skip
APPEND_ONLY = "audit_log is append-only: an entry is sealed into the chain once and never changed"


def _sqlite_trigger(columns: tuple[str, ...]) -> None:
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)
    op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    op.execute(
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        f"WHEN OLD.seq IS NOT NULL OR NEW.seq IS NULL OR {changed} "
        f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
    )


def upgrade() -> None:
    # a plain ADD COLUMN (no batch copy of the table): the triggers stay in place
    op.add_column("audit_log", sa.Column("data_subjects", sa.Text(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_trigger((*ENTRY_COLUMNS, "data_subjects"))
    # PostgreSQL's trigger compares whole rows (to_jsonb): the new column is covered as it is


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_trigger(ENTRY_COLUMNS)
        op.execute("ALTER TABLE audit_log DROP COLUMN data_subjects")
    else:
        op.drop_column("audit_log", "data_subjects")
