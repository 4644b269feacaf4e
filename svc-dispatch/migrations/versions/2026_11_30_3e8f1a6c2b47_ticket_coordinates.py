"""a ticket's longitude and latitude as columns of their own, filled from its GeoJSON point: the
map reads a township's 10,000 points without the database decoding their JSON

Revision ID: 3e8f1a6c2b47
Revises: 537b6cd3e6e8
Create Date: 2026-11-30 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3e8f1a6c2b47"
down_revision: str | None = "537b6cd3e6e8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: the point's coordinates, in each database's JSON dialect
COORDINATE = {
    "postgresql": "(location #>> '{{coordinates,{i}}}')::float8",
    "sqlite": "json_extract(location, '$.coordinates[{i}]')",
}


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lng", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("lat", sa.Float(), nullable=True))
    coordinate = COORDINATE[op.get_bind().dialect.name]
    op.execute(
        f"UPDATE tickets SET lng = {coordinate.format(i=0)}, lat = {coordinate.format(i=1)} WHERE location IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("lat")
        batch_op.drop_column("lng")
