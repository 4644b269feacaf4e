"""verifications awaiting their roster entry: the verifier's username on the fact

Revision ID: 5c0d2e7a9b14
Revises: 141ef07176d5
Create Date: 2026-11-30 00:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c0d2e7a9b14"
down_revision: str | None = "141ef07176d5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("grid_worker_facts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verifier", sa.String(length=100), nullable=True))
        batch_op.create_index(batch_op.f("ix_grid_worker_facts_verifier"), ["verifier"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("grid_worker_facts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grid_worker_facts_verifier"))
        batch_op.drop_column("verifier")
