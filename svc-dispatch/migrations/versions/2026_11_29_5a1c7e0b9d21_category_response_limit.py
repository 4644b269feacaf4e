"""categories: the response limit (签收时限) per category

Revision ID: 5a1c7e0b9d21
Revises: b7d2f4a91c05
Create Date: 2026-11-29 19:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5a1c7e0b9d21"
down_revision: str | None = "b7d2f4a91c05"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("response_limit_minutes", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.drop_column("response_limit_minutes")
