"""Reads of grid's category copy, and its first filling from the county directory."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from grid.categories.models import KnownCategory
from jiceng_shared.categories import county_categories


async def is_open_category(session: AsyncSession, code: str) -> bool:
    """Whether incidents may be reported under ``code``: known to the copy and not retired."""
    row = await session.get(KnownCategory, code)
    return row is not None and not row.retired


async def seed_from_county(session: AsyncSession, now: dt.datetime) -> None:
    """Add the county file's categories the copy does not know yet (version 0: any event wins)."""
    known = set((await session.scalars(select(KnownCategory.code))).all())
    for c in county_categories():
        if c.code not in known:
            session.add(KnownCategory(code=c.code, label_zh=c.label_zh, major=c.major, version=0, updated_at=now))
