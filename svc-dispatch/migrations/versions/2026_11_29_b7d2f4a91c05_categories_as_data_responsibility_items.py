"""categories as data (retirement); responsibility list as domains and items

Revision ID: b7d2f4a91c05
Revises: 2ec0ecc23610
Create Date: 2026-11-29 20:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


import jiceng_shared.db

revision: str = "b7d2f4a91c05"
down_revision: str | None = "2ec0ecc23610"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retired_at", jiceng_shared.db.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table("responsibility_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("position", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("domain_code", sa.String(length=20), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("domain_zh", sa.String(length=100), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("item_code", sa.String(length=40), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("item_zh", sa.String(length=300), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("township_duties", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("basis", sa.Text(), nullable=False, server_default=""))
        batch_op.alter_column("category", existing_type=sa.String(length=60), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("responsibility_entries", schema=None) as batch_op:
        batch_op.alter_column("category", existing_type=sa.String(length=60), nullable=False)
        for column in ("basis", "township_duties", "item_zh", "item_code", "domain_zh", "domain_code", "position"):
            batch_op.drop_column(column)

    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.drop_column("retired_at")
