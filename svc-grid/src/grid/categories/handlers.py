"""Keeping the copy current: each ``dispatch.category.changed`` replaces the row unless it is older."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from grid.categories.models import KnownCategory
from jiceng_shared.contracts import dispatch as contracts
from jiceng_shared.events import CloudEvent


async def on_category_changed(session: AsyncSession, event: CloudEvent) -> None:
    p = event.payload(contracts.CategoryChanged)
    row = await session.get(KnownCategory, p.code, with_for_update=True)
    if row is None:
        session.add(
            KnownCategory(
                code=p.code,
                label_zh=p.label_zh,
                major=p.major,
                retired=p.retired,
                version=p.category_version,
                updated_at=p.changed_at,
            )
        )
        return
    if p.category_version < row.version:
        return  # a late redelivery of an older state: the newer one stays
    row.label_zh, row.major, row.retired, row.version, row.updated_at = (
        p.label_zh,
        p.major,
        p.retired,
        p.category_version,
        p.changed_at,
    )
