"""Reads of enforcement's category copy (jiceng_shared.categorycopy), and its first filling."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from enforcement.categories.models import KnownCategory
from jiceng_shared import categorycopy

#: the durable consumer of dispatch.category.changed
SUBSCRIPTION = categorycopy.subscription(KnownCategory)


async def open_codes(session: AsyncSession, codes: Iterable[str]) -> set[str]:
    """Those of ``codes`` new items and leads may name: known to the copy and not retired."""
    return await categorycopy.open_codes(session, KnownCategory, codes)


async def labels(session: AsyncSession, codes: Iterable[str] | None = None) -> dict[str, str]:
    """code → Chinese label (retired categories too: what was filed under them keeps its label)."""
    return await categorycopy.labels(session, KnownCategory, codes)


async def seed_from_county(session: AsyncSession, now: dt.datetime) -> None:
    await categorycopy.seed_from_county(session, KnownCategory, now)
