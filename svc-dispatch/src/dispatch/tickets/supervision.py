"""Supervision (督办): the background job that warns before a handling deadline and escalates after it.

Each pass looks only at tickets whose handling clock runs (dispatched, in progress, reopened):
a handled ticket waits for verification, a returned one for the centre. Each escalation level is
reached once (the level is stored), so passes may overlap or repeat, on one replica or several.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.tickets import rules
from dispatch.tickets.models import Ticket
from dispatch.tickets.service import SYSTEM, Env, add_step, env_of, publish
from jiceng_shared.contracts.dispatch import TicketEscalated
from jiceng_shared.service import ServiceContext

log = logging.getLogger(__name__)
BATCH = 200


async def _pass(session: AsyncSession, env: Env) -> int:
    steps = env.rules.escalation_steps_workdays
    now = env.now
    stmt = (
        select(Ticket)
        .where(
            Ticket.status.in_(rules.SUPERVISED_STATUSES),
            or_(and_(Ticket.warning.is_(False), Ticket.warn_at <= now), Ticket.escalate_at < now),
        )
        .order_by(Ticket.deadline)
        .limit(BATCH)
        .with_for_update(skip_locked=True)  # replicas share the work
    )
    tickets = (await session.scalars(stmt)).all()
    for ticket in tickets:
        assert ticket.deadline is not None
        if not ticket.warning and ticket.warn_at is not None and ticket.warn_at <= now:
            ticket.warning = True
            add_step(session, ticket, "warning", f"临期预警：办理时限 {ticket.deadline.isoformat()}", now, SYSTEM)
        unit = ticket.unit
        assert unit is not None  # a supervised ticket always has a unit
        while ticket.escalate_at is not None and ticket.escalate_at < now:
            ticket.escalation_level += 1
            ticket.escalate_at = rules.next_escalation_at(
                env.calendar, ticket.deadline, ticket.escalation_level, steps_workdays=steps
            )
            reason = f"超过办理时限（{ticket.deadline.isoformat()}），第{ticket.escalation_level}级督办"
            add_step(session, ticket, "escalated", f"督办：{reason}", now, SYSTEM)
            await publish(
                session,
                ticket,
                TicketEscalated(
                    ticket_id=ticket.id,
                    number=ticket.number,
                    township_code=ticket.township_code,
                    unit=unit,
                    level=ticket.escalation_level,
                    reason=reason,
                    escalated_at=now,
                ),
            )
        ticket.updated_at = now
    return len(tickets)


async def scan(ctx: ServiceContext) -> int:
    """One supervision pass over every due ticket; returns how many tickets were flagged or escalated."""
    total = 0
    while True:
        async with ctx.db.transaction() as session:
            changed = await _pass(session, env_of(ctx))
        total += changed
        if changed < BATCH:
            return total


async def supervise(ctx: ServiceContext) -> None:
    """The background job: a pass now, then every ``supervision_scan_seconds``."""
    while True:
        try:
            await scan(ctx)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the next pass retries; nothing is lost meanwhile
            log.exception("supervision pass failed")
        await asyncio.sleep(ctx.settings.supervision_scan_seconds)
