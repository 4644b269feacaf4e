"""login sessions and rotating refresh tokens; password age and history

Revision ID: 8a41d6c2b7e3
Revises: 5c0e3a91d2f7
Create Date: 2026-11-29 20:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import jiceng_shared.db

revision: str = "8a41d6c2b7e3"
down_revision: str | None = "5c0e3a91d2f7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_sessions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", jiceng_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", jiceng_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", jiceng_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", jiceng_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_login_sessions_subject_id", "login_sessions", ["subject_id"])
    op.create_index("ix_login_sessions_revoked_at", "login_sessions", ["revoked_at"])
    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", jiceng_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", jiceng_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_refresh_tokens_session_id", "refresh_tokens", ["session_id"])
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("password_changed_at", jiceng_shared.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("password_history", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("password_history")
        batch_op.drop_column("password_changed_at")
    op.drop_table("refresh_tokens")
    op.drop_table("login_sessions")
