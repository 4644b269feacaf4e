"""The overdue scan of leads: undecided past the filing limit, reported once (``enforcement.lead.overdue``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement.leads.models import Lead
from jiceng_shared.contracts.common import UnitRef
from jiceng_shared.contracts.enforcement import LeadOverdue
from jiceng_shared.outbox import emit
from jiceng_shared.service import ServiceContext

BATCH = 200


async def _overdue_leads(session: AsyncSession, now: dt.datetime) -> int:
    stmt = (
        select(Lead)
        .where(Lead.status == "received", Lead.filing_deadline < now, Lead.overdue_reported_at.is_(None))
        .order_by(Lead.filing_deadline)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )
    leads = (await session.scalars(stmt)).all()
    for lead in leads:
        lead.overdue_reported_at = now
        await emit(
            session,
            LeadOverdue(
                lead_id=lead.id,
                number=lead.number,
                township_code=lead.township_code,
                unit=UnitRef(**lead.assigned_unit),
                source=lead.source,
                received_at=lead.received_at,
                deadline=lead.filing_deadline,
                detected_at=now,
            ),
            subject=lead.id,
            township=lead.township_code,
            correlation_id=lead.correlation_id,
        )
    return len(leads)


async def scan(ctx: ServiceContext) -> int:
    total = 0
    while True:
        async with ctx.db.transaction() as session:
            found = await _overdue_leads(session, ctx.now())
        total += found
        if found < BATCH:
            return total
