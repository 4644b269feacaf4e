"""Use cases of appeals: file one within the window, list them, decide at the assessing level."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assessment.appeals import rules
from assessment.appeals.models import Appeal
from assessment.appeals.schemas import AppealCreate, AppealDecision
from assessment.gridworkers import service as gridworkers
from assessment.gridworkers.models import GridWorker, PeriodResult
from assessment.periods.overlay import load_closures
from assessment.periods.rules import month_bounds, parse_period
from assessment.units import service as units
from assessment.window import service as window
from jiceng_shared.db import new_id
from jiceng_shared.errors import Problem, not_found, scope_denied
from jiceng_shared.identity import Principal, area_level, area_prefix
from jiceng_shared.pagination import paginate
from jiceng_shared.scope import scope_filter

FILE = "assessment.appeal.file"
READ = "assessment.appeal.read"
DECIDE = "assessment.appeal.decide"

#: a binding of these roles files for the person holding it only (their own figures)
PERSONAL_ROLES = {"grid_worker": "grid_worker", "window_clerk": "clerk"}


def _may_file(principal: Principal, kind: str, area: str, dept: str | None, own: bool) -> bool:
    for b in principal.bindings_for(FILE):
        if not b.covers(area, dept):
            continue
        if PERSONAL_ROLES.get(b.role) is None or own:
            return True
    return False


async def file_appeal(
    session: AsyncSession, principal: Principal, body: AppealCreate, *, now: dt.datetime, window_days: int
) -> Appeal:
    period = parse_period(body.period)
    kind = body.subject_kind
    published: dt.datetime | None = None
    if kind is rules.SubjectKind.UNIT:
        unit = await units.get_unit_row(session, principal, body.subject_id)
        area, dept, own = unit.area_code, unit.dept, False
    elif kind is rules.SubjectKind.CLERK:
        clerk = await window.get_clerk_row(session, principal, body.subject_id)
        area, dept, own = clerk.township_code, None, principal.subject == clerk.clerk_id
    else:
        worker = await gridworkers.get_worker(session, principal, body.subject_id, gridworkers.READ)
        area, dept = worker.grid_code, None
        own = principal.username is not None and principal.username == worker.username
        result = await session.get(PeriodResult, (worker.worker_id, period.text))
        published = result.assessed_at if result else None
    if not _may_file(principal, kind.value, area, dept, own):
        raise scope_denied("only the subject (or its township or department on its behalf) appeals its figures")
    if kind is not rules.SubjectKind.GRID_WORKER:
        closures = [c for c in await load_closures(session, period.months) if area.startswith(area_prefix(c.area_code))]
        if closures and len({c.period for c in closures}) == len(period.months):
            published = max(c.closed_at for c in closures)
    period_end = month_bounds(period.months[-1])[1]
    if now < period_end:
        raise Problem(409, "period_not_ended", "Period not ended", f"{period.text} is not over: nothing to appeal yet")
    last_instant = period_end - dt.timedelta(microseconds=1)  # the period's last day, local
    ends = rules.window_end(max(last_instant, published or last_instant), window_days)
    if now > ends:
        raise Problem(
            409,
            "appeal_window_closed",
            "Appeal window closed",
            f"appeals of {period.text} were open until {ends.isoformat()} ({window_days} days)",
        )
    appeal = Appeal(
        id=new_id(),
        subject_kind=kind.value,
        subject_id=body.subject_id,
        area_code=area,
        dept=dept,
        period=period.text,
        figure=body.figure,
        reasons=body.reasons,
        assessing_level=rules.assessing_level(kind.value, period.kind),
        filed_by=principal.username or principal.subject,
        filed_at=now,
        window_ends_at=ends,
        status=rules.AppealStatus.FILED.value,
    )
    session.add(appeal)
    await session.flush()
    return appeal


async def list_appeals(
    session: AsyncSession,
    principal: Principal,
    *,
    status: str | None,
    subject_id: str | None,
    limit: int,
    cursor: str | None,
) -> list[Appeal]:
    """Newest first, one more than ``limit`` (``page_of`` cuts it)."""
    stmt = select(Appeal).where(scope_filter(principal, READ, Appeal.area_code, Appeal.dept))
    if status is not None:
        stmt = stmt.where(Appeal.status == status)
    if subject_id is not None:
        stmt = stmt.where(Appeal.subject_id == subject_id)
    stmt = paginate(stmt, Appeal.filed_at, Appeal.id, limit=limit, cursor=cursor)
    return list((await session.scalars(stmt)).all())


async def _subject_people(session: AsyncSession, appeal: Appeal) -> set[str]:
    """The ids and login names of the person appealing, when the subject is a person."""
    if appeal.subject_kind == rules.SubjectKind.CLERK:
        return {appeal.subject_id}
    if appeal.subject_kind == rules.SubjectKind.GRID_WORKER:
        username = await session.scalar(select(GridWorker.username).where(GridWorker.worker_id == appeal.subject_id))
        return {appeal.subject_id} | ({username} if username else set())
    return set()


async def decide(session: AsyncSession, principal: Principal, body: AppealDecision, *, now: dt.datetime) -> Appeal:
    appeal = await session.scalar(
        select(Appeal).where(Appeal.id == body.appeal_id, scope_filter(principal, READ, Appeal.area_code, Appeal.dept))
    )
    if appeal is None:
        raise not_found("appeal", body.appeal_id)
    at_level = any(
        b.covers(appeal.area_code, appeal.dept) and area_level(b.area) == appeal.assessing_level
        for b in principal.bindings_for(DECIDE)
    )
    if not at_level:
        raise scope_denied(f"the {appeal.assessing_level} that assessed decides this appeal")
    if appeal.status != rules.AppealStatus.FILED:
        raise Problem(409, "appeal_decided", "Appeal decided", f"the appeal was {appeal.status} already")
    decider = {principal.subject} | ({principal.username} if principal.username else set())
    if rules.decider_conflicted(decider, appeal.filed_by, await _subject_people(session, appeal)):
        raise Problem(
            403, "own_appeal", "Your own appeal", "another assessor of the assessing level decides this appeal"
        )
    appeal.status = rules.AppealStatus(body.outcome.value)
    appeal.decided_by = principal.username or principal.subject
    appeal.decided_at = now
    appeal.decision_note = body.note
    await session.flush()
    return appeal
