"""Reads of cooperating parts and joint actions, and their shaping."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.joint.models import TicketPart
from dispatch.joint.schemas import PartOut
from dispatch.tickets.enums import PartRole


async def of_ticket(session: AsyncSession, ticket_id: str) -> list[TicketPart]:
    stmt = (
        select(TicketPart)
        .where(TicketPart.ticket_id == ticket_id)
        .order_by(TicketPart.created_at, TicketPart.unit_code)
    )
    return list((await session.scalars(stmt)).all())


def to_out(p: TicketPart) -> PartOut:
    role = PartRole(p.role)
    return PartOut(
        id=p.id,
        unit_code=p.unit_code,
        unit_name=p.unit_name,
        role=role,
        role_zh=role.label_zh,
        task=p.task,
        answer=p.answer,
        answered_at=p.answered_at,
        answered_by=p.answered_by,
    )
