"""second factor (TOTP and recovery codes) of user accounts

Revision ID: 5c0e3a91d2f7
Revises: 6a4267ab8683
Create Date: 2026-11-29 20:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c0e3a91d2f7"
down_revision: str | None = "6a4267ab8683"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_enrolled", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("recovery_codes", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("recovery_codes")
        batch_op.drop_column("totp_enrolled")
        batch_op.drop_column("totp_secret")
