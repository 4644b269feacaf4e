"""The overdue scan: cases past their decision limit undecided are reported once
(``enforcement.case.overdue``) and noted in their record; leads past their filing limit too."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement.cases import rules
from enforcement.cases.models import Case
from enforcement.leads import jobs as lead_jobs
from enforcement.leads.models import Lead
from enforcement.records import service as records
from jiceng_shared.contracts.common import UnitRef
from jiceng_shared.contracts.enforcement import CaseOverdue
from jiceng_shared.identity import Principal
from jiceng_shared.outbox import emit
from jiceng_shared.service import ServiceContext

log = logging.getLogger(__name__)
BATCH = 200
SYSTEM = Principal(subject=rules.SYSTEM_NAME, name=rules.SYSTEM_NAME, kind="client")


async def _overdue_cases(session: AsyncSession, now: dt.datetime) -> int:
    stmt = (
        select(Case, Lead)
        .join(Lead, Lead.id == Case.lead_id)
        .where(Case.status == "investigating", Case.decision_deadline < now, Case.overdue_reported_at.is_(None))
        .order_by(Case.decision_deadline)
        .limit(BATCH)
        .with_for_update(of=Case, skip_locked=True)  # replicas share the work
    )
    rows = (await session.execute(stmt)).all()
    for case, lead in rows:
        case.overdue_reported_at = now
        records.append(
            session,
            case,
            kind="overdue",
            actor=SYSTEM,
            at=now,
            content=f"超过办案期限（{case.decision_deadline.isoformat()}）仍未作出决定",
            data={"deadline": case.decision_deadline.isoformat(), "extended_days": case.extended_days},
        )
        await emit(
            session,
            CaseOverdue(
                case_id=case.id,
                number=case.number,
                township_code=case.township_code,
                unit=UnitRef(**lead.assigned_unit),
                filed_at=case.registered_at,
                deadline=case.decision_deadline,
                detected_at=now,
            ),
            subject=case.id,
            township=case.township_code,
            correlation_id=case.correlation_id,
        )
    return len(rows)


async def scan(ctx: ServiceContext) -> int:
    """One pass: every case newly past its limit is reported; returns how many."""
    total = 0
    while True:
        async with ctx.db.transaction() as session:
            found = await _overdue_cases(session, ctx.now())
        total += found
        if found < BATCH:
            return total


async def watch(ctx: ServiceContext) -> None:
    """The background job: a pass now, then every ``overdue_scan_seconds``."""
    while True:
        try:
            await scan(ctx)
            await lead_jobs.scan(ctx)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("overdue scan failed")
        await asyncio.sleep(ctx.settings.overdue_scan_seconds)
