"""A service's own copy of the event-category dictionary administered in svc-dispatch.

svc-dispatch owns the dictionary (``/api/dispatch/v1/categories``: create, relabel, change limits,
retire) and publishes every change as ``dispatch.category.changed`` with the whole category and
its row version. A service that checks or labels categories (svc-grid for incidents,
svc-enforcement for items and leads) keeps a ``categories`` table of its own declared with
:class:`CategoryCopyColumns`, filled first from the county's ``categories.csv`` when it seeds
(version 0, so any event wins) and kept current by :func:`subscription`. A category created
through the API is thus known, labelled and checkable everywhere without a restart, and a late,
older event never undoes a newer one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import String, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from jiceng_shared.categories import county_categories
from jiceng_shared.consumers import Subscription
from jiceng_shared.contracts.dispatch import CategoryChanged
from jiceng_shared.events import CloudEvent


class CategoryCopyColumns:
    """The columns of a copy (a declarative mixin: ``class KnownCategory(CategoryCopyColumns, Base)``)."""

    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    label_zh: Mapped[str] = mapped_column(String(100))
    major: Mapped[str] = mapped_column(String(60))
    #: a retired category takes nothing new; what was filed under it keeps it (and its label)
    retired: Mapped[bool] = mapped_column(default=False)
    #: dispatch's version of the category (0: seeded from the county file): older events are ignored
    version: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[dt.datetime]


async def apply(session: AsyncSession, model: Any, p: CategoryChanged) -> None:
    """Take the category as dispatch published it, unless the copy holds a newer version."""
    row = await session.get(model, p.code, with_for_update=True)
    if row is None:
        session.add(
            model(
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


def subscription(model: Any, name: str = "categories") -> Subscription:
    """The durable consumer keeping ``model`` current from ``dispatch.category.changed``."""

    async def on_category_changed(session: AsyncSession, event: CloudEvent) -> None:
        await apply(session, model, event.payload(CategoryChanged))

    return Subscription(name, CategoryChanged.event_type, {CategoryChanged.event_type: on_category_changed})


async def seed_from_county(session: AsyncSession, model: Any, now: dt.datetime) -> None:
    """Add the county file's categories the copy does not know yet (version 0: any event wins)."""
    known = set((await session.scalars(select(model.code))).all())
    for c in county_categories():
        if c.code not in known:
            session.add(model(code=c.code, label_zh=c.label_zh, major=c.major, version=0, updated_at=now))


async def open_codes(session: AsyncSession, model: Any, codes: Iterable[str]) -> set[str]:
    """Those of ``codes`` that take new matters: known to the copy and not retired."""
    wanted = set(codes)
    if not wanted:
        return set()
    stmt = select(model.code).where(model.code.in_(wanted), model.retired.is_(False))
    return set((await session.scalars(stmt)).all())


#: per model: whether one code takes new matters, built once (``code`` a parameter): a report
#: checks its one category on every request, and building the IN list each time cost more than running it
_OPEN_ONE: dict[Any, Any] = {}


async def is_open(session: AsyncSession, model: Any, code: str) -> bool:
    """Whether ``code`` takes new matters (as :func:`open_codes`), with one prebuilt statement."""
    stmt = _OPEN_ONE.get(model)
    if stmt is None:
        table = model.__table__  # its columns, not the entity's: a Core statement skips the ORM's path
        stmt = _OPEN_ONE[model] = (
            select(table.c.code).where(table.c.code == bindparam("code"), table.c.retired.is_(False)).limit(1)
        )
    return await session.scalar(stmt, {"code": code}) is not None


async def labels(session: AsyncSession, model: Any, codes: Iterable[str] | None = None) -> dict[str, str]:
    """code → Chinese label, retired categories included (what was filed under them keeps its label)."""
    stmt = select(model.code, model.label_zh)
    if codes is not None:
        wanted = set(codes)
        if not wanted:
            return {}
        stmt = stmt.where(model.code.in_(wanted))
    return {row.code: row.label_zh for row in (await session.execute(stmt)).all()}
