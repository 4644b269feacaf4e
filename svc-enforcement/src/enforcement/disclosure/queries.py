"""Reads of disclosures: the public list (published only), searchable, newest first."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement.disclosure.models import Disclosure
from enforcement.disclosure.rules import DisclosureStatus
from jiceng_shared.pagination import paginate, where_equal


async def public_list(
    session: AsyncSession,
    *,
    q: str | None,
    township_code: str | None,
    penalty: str | None,
    limit: int,
    cursor: str | None,
) -> list[Disclosure]:
    stmt = select(Disclosure).where(Disclosure.status == DisclosureStatus.PUBLISHED)
    stmt = where_equal(stmt, ((Disclosure.township_code, township_code), (Disclosure.penalty, penalty)))
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                *(
                    column.ilike(pattern, escape="\\")
                    for column in (Disclosure.number, Disclosure.item_name_zh, Disclosure.party, Disclosure.facts)
                )
            )
        )
    stmt = paginate(stmt, Disclosure.published_at, Disclosure.id, limit=limit, cursor=cursor)
    return list((await session.scalars(stmt)).all())


async def public_one(session: AsyncSession, disclosure_id: str) -> Disclosure | None:
    return await session.scalar(
        select(Disclosure).where(Disclosure.id == disclosure_id, Disclosure.status == DisclosureStatus.PUBLISHED)
    )
