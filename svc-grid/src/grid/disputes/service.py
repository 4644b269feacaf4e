"""Use cases of disputes: record one found in the grid, add mediation steps, close it as resolved in
the grid, or hand it to the command centre as an incident of the right category."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from grid.disputes import queries as disputes_queries
from grid.disputes import rules
from grid.disputes.models import Dispute, MediationStep
from grid.disputes.queries import LIST, readable
from grid.disputes.schemas import DisputeCreate, HandOver, Resolve, StepCreate
from grid.incidents import service as incidents
from grid.incidents.schemas import IncidentCreate
from grid.roster import service as roster
from jiceng_shared.db import new_id
from jiceng_shared.errors import Problem, not_found
from jiceng_shared.identity import Principal
from jiceng_shared.keyset import ASC, DESC, after_key
from jiceng_shared.schemas import PointIn
from jiceng_shared.workdays import WorkdayCalendar

RECORD = "grid.dispute.record"
READ = disputes_queries.READ


def _step(dispute: Dispute, kind: str, note: str, principal: Principal, now: dt.datetime) -> MediationStep:
    return MediationStep(
        id=new_id(), dispute_id=dispute.id, at=now, kind=kind, note=note, by=principal.subject, by_name=principal.name
    )


async def record(
    session: AsyncSession, principal: Principal, body: DisputeCreate, *, now: dt.datetime, cal: WorkdayCalendar
) -> Dispute:
    acting = await roster.acting_on(session, principal, RECORD, body.grid_code, cal.local_date(now))
    rules.check_parties(body.parties).raise_if_any()
    dispute = Dispute(
        id=new_id(),
        grid_code=acting.grid_code,
        township_code=acting.township_code,
        kind=body.kind.value,
        description=body.description,
        location=body.location.model_dump(),
        parties=[p.model_dump() for p in body.parties],
        status="recorded",
        recorded_by=principal.subject,
        recorded_by_name=principal.name,
        created_at=now,
        updated_at=now,
    )
    session.add(dispute)
    await session.flush()
    session.add(_step(dispute, "recorded", body.description, principal, now))
    await session.flush()
    return dispute


async def _open_for(
    session: AsyncSession, principal: Principal, dispute_id: str, version: int, cal: WorkdayCalendar, now: dt.datetime
) -> Dispute:
    covered = await roster.covered_grids(session, principal, cal.local_date(now))
    clause = readable(principal, LIST)
    if covered:
        clause = clause | Dispute.grid_code.in_(sorted(covered))
    dispute = await session.scalar(select(Dispute).where(Dispute.id == dispute_id, clause).with_for_update())
    if dispute is None:
        raise not_found("dispute", dispute_id)
    await roster.acting_on(session, principal, RECORD, dispute.grid_code, cal.local_date(now))
    rules.require_open(dispute.status)
    if dispute.version != version:
        raise Problem(409, "concurrent_update", "Changed by someone else", "reload the dispute and retry")
    return dispute


async def mediate(
    session: AsyncSession,
    principal: Principal,
    dispute_id: str,
    body: StepCreate,
    *,
    now: dt.datetime,
    cal: WorkdayCalendar,
) -> Dispute:
    dispute = await _open_for(session, principal, dispute_id, body.version, cal, now)
    dispute.status, dispute.updated_at = "mediating", now
    session.add(_step(dispute, "mediation", body.note, principal, now))
    await session.flush()
    return dispute


async def resolve(
    session: AsyncSession,
    principal: Principal,
    dispute_id: str,
    body: Resolve,
    *,
    now: dt.datetime,
    cal: WorkdayCalendar,
) -> Dispute:
    dispute = await _open_for(session, principal, dispute_id, body.version, cal, now)
    dispute.status, dispute.outcome, dispute.closed_at, dispute.updated_at = "resolved", body.outcome, now, now
    session.add(_step(dispute, "resolved", body.outcome, principal, now))
    await session.flush()
    return dispute


async def hand_over(
    session: AsyncSession,
    principal: Principal,
    dispute_id: str,
    body: HandOver,
    *,
    now: dt.datetime,
    cal: WorkdayCalendar,
    attachment_max_bytes: int,
) -> Dispute:
    dispute = await _open_for(session, principal, dispute_id, body.version, cal, now)
    await roster.acting_on(session, principal, incidents.REPORT, dispute.grid_code, cal.local_date(now))
    incident = await incidents.report(
        session,
        principal,
        IncidentCreate(
            category=body.category,
            description=f"矛盾纠纷未能在网格内化解：{dispute.description}（{body.reason}）",
            grid_code=dispute.grid_code,
            location=PointIn(**dispute.location),
        ),
        attachment_max_bytes=attachment_max_bytes,
        now=now,
        authorised=True,
    )
    dispute.status, dispute.incident_id = "handed_over", incident.id
    dispute.outcome, dispute.closed_at, dispute.updated_at = body.reason, now, now
    session.add(_step(dispute, "handed_over", f"移交指挥中心，事件 {incident.number}：{body.reason}", principal, now))
    await session.flush()
    return dispute


async def list_disputes(
    session: AsyncSession,
    principal: Principal,
    *,
    grid_code: str | None,
    status: str | None,
    limit: int,
    cursor: str | None = None,
) -> list[Dispute]:
    """Newest first, from after ``cursor``, ``limit + 1`` of them."""
    stmt = select(Dispute).where(readable(principal, LIST))
    if grid_code is not None:
        stmt = stmt.where(Dispute.grid_code == grid_code)
    if status is not None:
        stmt = stmt.where(Dispute.status == status)
    order = [(Dispute.created_at, DESC), (Dispute.id, ASC)]
    return list((await session.scalars(after_key(stmt, order, limit=limit, cursor=cursor))).all())


async def get_dispute(
    session: AsyncSession, principal: Principal, dispute_id: str
) -> tuple[Dispute, list[MediationStep]]:
    dispute = await session.scalar(select(Dispute).where(Dispute.id == dispute_id, readable(principal)))
    if dispute is None:
        raise not_found("dispute", dispute_id)
    steps = await session.scalars(
        select(MediationStep).where(MediationStep.dispute_id == dispute.id).order_by(MediationStep.at, MediationStep.id)
    )
    return dispute, list(steps.all())
