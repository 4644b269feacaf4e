"""Reads of grid's category copy, and its first filling from the county directory."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from grid.categories.models import KnownCategory
from jiceng_shared import categorycopy


async def is_open_category(session: AsyncSession, code: str) -> bool:
    """Whether incidents may be reported under ``code``: known to the copy and not retired."""
    return await categorycopy.is_open(session, KnownCategory, code)


async def seed_from_county(session: AsyncSession, now: dt.datetime) -> None:
    """Add the county file's categories the copy does not know yet (version 0: any event wins)."""
    await categorycopy.seed_from_county(session, KnownCategory, now)
