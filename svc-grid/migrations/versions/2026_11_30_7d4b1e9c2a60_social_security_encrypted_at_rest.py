"""a resident's social security encrypted at rest: it tells minimum living allowance (最低生活保障)
and extreme-poverty support (特困供养), a sensitive personal fact (PIPL art. 28) like the special
groups; existing rows are converted here, with the process's keys

Revision ID: 7d4b1e9c2a60
Revises: 5e1c9a2f7b30
Create Date: 2026-11-30 03:40:00.000000
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from jiceng_shared import personaldata

revision: str = "7d4b1e9c2a60"
down_revision: str | None = "5e1c9a2f7b30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _rows() -> tuple[sa.TableClause, list[sa.Row]]:
    residents = sa.table("residents", sa.column("id", sa.String()), sa.column("social_security", sa.Text()))
    return residents, op.get_bind().execute(sa.select(residents.c.id, residents.c.social_security)).all()


def upgrade() -> None:
    cipher = personaldata.cipher()
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.alter_column(
            "social_security", existing_type=sa.JSON(), type_=sa.Text(), postgresql_using="social_security::text"
        )
    residents, rows = _rows()
    for row in rows:
        if row.social_security is None:
            continue
        plain = json.dumps(json.loads(row.social_security), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        op.get_bind().execute(
            residents.update().where(residents.c.id == row.id).values(social_security=cipher.encrypt(plain))
        )


def downgrade() -> None:
    cipher = personaldata.cipher()
    residents, rows = _rows()
    for row in rows:
        if row.social_security is not None:
            op.get_bind().execute(
                residents.update()
                .where(residents.c.id == row.id)
                .values(social_security=cipher.decrypt(row.social_security))
            )
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.alter_column(
            "social_security", existing_type=sa.Text(), type_=sa.JSON(), postgresql_using="social_security::jsonb"
        )
