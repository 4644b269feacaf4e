"""Reading supervision orders (scoped like tickets: by place, and by the supervised unit's department)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.supervision.models import SupervisionOrder
from dispatch.supervision.schemas import SupervisionOrderOut
from dispatch.tickets.enums import Addressee, SupervisedLimit
from jiceng_shared.identity import Principal
from jiceng_shared.pagination import paginate, where_equal
from jiceng_shared.scope import scope_filter

READ = "dispatch.supervision.read"


def readable(principal: Principal) -> ColumnElement[bool]:
    """By place, and by the addressed unit's department for department bindings."""
    return scope_filter(principal, READ, SupervisionOrder.area_code, SupervisionOrder.unit_dept)


async def list_orders(
    session: AsyncSession,
    principal: Principal,
    *,
    ticket_id: str | None,
    limit_kind: str | None,
    answered: bool | None,
    limit: int,
    cursor: str | None,
) -> list[SupervisionOrder]:
    stmt = select(SupervisionOrder).where(readable(principal))
    stmt = where_equal(stmt, [(SupervisionOrder.ticket_id, ticket_id), (SupervisionOrder.limit, limit_kind)])
    if answered is not None:
        stmt = stmt.where(
            SupervisionOrder.answered_at.is_not(None) if answered else SupervisionOrder.answered_at.is_(None)
        )
    stmt = paginate(stmt, SupervisionOrder.issued_at, SupervisionOrder.id, limit=limit, cursor=cursor)
    return list((await session.scalars(stmt)).all())


async def of_ticket(session: AsyncSession, ticket_id: str) -> list[SupervisionOrder]:
    stmt = (
        select(SupervisionOrder)
        .where(SupervisionOrder.ticket_id == ticket_id)
        .order_by(SupervisionOrder.issued_at, SupervisionOrder.level)
    )
    return list((await session.scalars(stmt)).all())


def to_out(order: SupervisionOrder, now: dt.datetime) -> SupervisionOrderOut:
    limit, addressee = SupervisedLimit(order.limit), Addressee(order.addressee)
    overdue = (order.answered_at or now) > order.answer_by
    return SupervisionOrderOut(
        id=order.id,
        number=order.number,
        ticket_id=order.ticket_id,
        ticket_number=order.ticket_number,
        area_code=order.area_code,
        dept=order.unit_dept,
        limit=limit,
        limit_zh=limit.label_zh,
        due_at=order.due_at,
        level=order.level,
        addressee=addressee,
        addressee_zh=addressee.label_zh,
        addressee_name=order.addressee_name,
        unit_code=order.unit_code,
        demand=order.demand,
        answer_by=order.answer_by,
        issued_at=order.issued_at,
        answer=order.answer,
        answered_at=order.answered_at,
        answered_by=order.answered_by,
        overdue=overdue,
    )
