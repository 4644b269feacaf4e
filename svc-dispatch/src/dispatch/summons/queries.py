"""Reads of summons (吹哨) and their shaping."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.summons.models import Summons
from dispatch.summons.schemas import SummonsOut
from jiceng_shared.identity import Principal
from jiceng_shared.pagination import Page, page_of, paginate, where_equal
from jiceng_shared.scope import scope_filter

READ = "dispatch.ticket.read"


def readable(principal: Principal) -> ColumnElement[bool]:
    """By place, and by the summoned unit's department for department bindings."""
    return scope_filter(principal, READ, Summons.area_code, Summons.unit_dept)


async def page(
    session: AsyncSession,
    principal: Principal,
    now: dt.datetime,
    *,
    ticket_id: str | None,
    unit: str | None,
    answered: bool | None,
    limit: int,
    cursor: str | None,
) -> Page[SummonsOut]:
    """Summons in the caller's scope, newest first, filtered."""
    stmt = where_equal(
        select(Summons).where(readable(principal)),
        [(Summons.ticket_id, ticket_id), (Summons.unit_code, unit)],
    )
    if answered is not None:
        stmt = stmt.where(Summons.answered_at.is_not(None) if answered else Summons.answered_at.is_(None))
    rows = list(
        (await session.scalars(paginate(stmt, Summons.issued_at, Summons.id, limit=limit, cursor=cursor))).all()
    )
    items, next_cursor = page_of(rows, limit)
    return Page[SummonsOut](items=[to_out(s, now) for s in items], next_cursor=next_cursor)


async def of_ticket(session: AsyncSession, ticket_id: str) -> list[Summons]:
    stmt = select(Summons).where(Summons.ticket_id == ticket_id).order_by(Summons.issued_at, Summons.unit_code)
    return list((await session.scalars(stmt)).all())


def to_out(s: Summons, now: dt.datetime) -> SummonsOut:
    return SummonsOut(
        id=s.id,
        number=s.number,
        ticket_id=s.ticket_id,
        ticket_number=s.ticket_number,
        area_code=s.area_code,
        dept=s.unit_dept,
        unit_code=s.unit_code,
        unit_name=s.unit_name,
        purpose=s.purpose,
        respond_by=s.respond_by,
        issued_at=s.issued_at,
        issued_by=s.issued_by,
        answered_at=s.answered_at,
        arrived=s.arrived,
        action=s.action,
        on_time=s.on_time,
        missed=s.answered_at is None and now > s.respond_by,
        missed_at=s.missed_at,
    )
