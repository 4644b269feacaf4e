"""grid's copy of the category dictionary (kept from dispatch.category.changed)

Revision ID: a1c3e5f70b2d
Revises: 1545b2946ab4
Create Date: 2026-11-29 20:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


import jiceng_shared.db

revision: str = "a1c3e5f70b2d"
down_revision: str | None = "1545b2946ab4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "categories",
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("label_zh", sa.String(length=100), nullable=False),
        sa.Column("major", sa.String(length=60), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", jiceng_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_categories")),
    )


def downgrade() -> None:
    op.drop_table("categories")
