"""the overdue filter's index: the tickets whose clock runs, newest first (a partial index), so the
list filtered on overdue=true reads those alone, not every newer closed ticket (at 1,000,000 closed
tickets newer than the overdue ones its p95 went from 15 to 357 ms)

Revision ID: 8b2c4d6e9f10
Revises: 3e8f1a6c2b47
Create Date: 2026-11-30 18:35:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8b2c4d6e9f10"
down_revision: str | None = "3e8f1a6c2b47"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: dispatch.tickets.models.SUPERVISED_PREDICATE as it stood at this revision
SUPERVISED = "status IN ('dispatched', 'accepted', 'in_progress', 'reopened')"


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tickets_supervised_created",
            ["created_at", "id"],
            unique=False,
            postgresql_where=sa.text(SUPERVISED),
            sqlite_where=sa.text(SUPERVISED),
        )


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_supervised_created")
