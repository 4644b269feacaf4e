"""application list indexes (filter, created_at, id): a list filtered on one column stays flat as
the table grows; each replaces the single-column index on its first column

Revision ID: 1af884cc080b
Revises: 8e93b86d3a3f
Create Date: 2026-11-30 05:15:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "1af884cc080b"
down_revision: str | None = "8e93b86d3a3f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: new index → the filter column it leads with (and whose single-column index it replaces, if any)
COMPOSITES = {
    "ix_applications_status_created": "status",
    "ix_applications_item_created": "item_code",
    "ix_applications_township_created": "township_code",
    "ix_applications_competent_area_created": "competent_area_code",
    "ix_applications_channel_created": "channel",
    "ix_applications_overdue_created": "overdue",
    "ix_applications_priority_created": "priority",
    "ix_applications_cross_township_created": "cross_township",
    "ix_applications_clerk_created": "clerk_id",
}
REPLACED = ("status", "item_code", "township_code", "competent_area_code", "overdue", "priority", "clerk_id")


def upgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        for name, column in COMPOSITES.items():
            batch_op.create_index(name, [column, "created_at", "id"], unique=False)
        for column in REPLACED:
            batch_op.drop_index(f"ix_applications_{column}")


def downgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        for column in REPLACED:
            batch_op.create_index(f"ix_applications_{column}", [column], unique=False)
        for name in COMPOSITES:
            batch_op.drop_index(name)
