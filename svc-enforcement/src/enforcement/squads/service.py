"""Use cases of squads and joint operations; each publishes what assessment needs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement.leads.rules import ENFORCEMENT_DEPT
from enforcement.officers import rules as officer_rules
from enforcement.officers.models import Officer
from enforcement.squads import rules
from enforcement.squads.models import JointOperation, Squad
from enforcement.squads.rules import OperationStatus, SquadKind
from enforcement.squads.schemas import JointOperationIn, PartIn, SquadIn
from jiceng_shared import county
from jiceng_shared.contracts.enforcement import JointOperationCompleted, SquadRegistered
from jiceng_shared.db import new_id
from jiceng_shared.errors import FieldErrors, Problem, not_found, scope_denied
from jiceng_shared.identity import Principal
from jiceng_shared.numbers import business_number
from jiceng_shared.outbox import emit
from jiceng_shared.pagination import paginate
from jiceng_shared.scope import require_scope, scope_filter
from jiceng_shared.workdays import WorkdayCalendar

READ = "enforcement.squad.read"
MANAGE = "enforcement.squad.manage"
OPERATE = "enforcement.joint.manage"
PART = "enforcement.joint.part"


async def register(
    session: AsyncSession,
    principal: Principal,
    body: SquadIn,
    *,
    calendar: WorkdayCalendar,
    min_township_percent: int,
    now: dt.datetime,
) -> Squad:
    require_scope(principal, MANAGE, body.township_code, ENFORCEMENT_DEPT)
    errors = FieldErrors()
    if body.kind == SquadKind.STATIONED and body.county_dept not in county.current().departments:
        errors.add("county_dept", "county_dept_required", "a stationed squad names the county department it comes from")
    if body.kind == SquadKind.TOWNSHIP and body.county_dept is not None:
        errors.add("county_dept", "county_dept_not_applicable", "the township's own squad has no county department")
    percent = min_township_percent if body.township_weight_percent is None else body.township_weight_percent
    if body.kind == SquadKind.STATIONED:
        errors.errors += rules.check_weight(percent, min_township_percent).errors
    members = list(dict.fromkeys(body.members))
    if len(members) < 2:
        errors.add("members", "two_officers_required", "a squad has at least two certified officers (art. 42)")
    if body.leader not in members:
        errors.add("leader", "leader_not_member", "the leader is one of the members")
    today = calendar.local_date(now)
    found = {o.username: o for o in (await session.scalars(select(Officer).where(Officer.username.in_(members)))).all()}
    invalid = [
        u
        for u in members
        if u not in found
        or found[u].township_code != body.township_code
        or not officer_rules.certificate_valid(found[u], today)
    ]
    if invalid:
        errors.add(
            "members", "certificate_invalid", f"not certified officers of the township today: {', '.join(invalid)}"
        )
    errors.raise_if_any()
    township_share, county_share = rules.assessment_weights(body.kind, percent)
    squad = Squad(
        id=new_id(),
        name=body.name,
        township_code=body.township_code,
        kind=body.kind,
        county_dept=body.county_dept,
        members=members,
        leader=body.leader,
        township_weight_percent=township_share,
        county_weight_percent=county_share,
        created_by_name=principal.name,
        created_at=now,
    )
    session.add(squad)
    await emit(
        session,
        SquadRegistered(
            squad_id=squad.id,
            name=squad.name,
            township_code=squad.township_code,
            kind=body.kind.value,
            county_dept=squad.county_dept,
            members=members,
            township_weight_percent=township_share,
            county_weight_percent=county_share,
            registered_at=now,
        ),
        subject=squad.id,
        township=squad.township_code,
    )
    await session.flush()
    return squad


async def list_squads(
    session: AsyncSession, principal: Principal, *, township_code: str | None, limit: int, cursor: str | None
) -> list[Squad]:
    stmt = select(Squad).where(scope_filter(principal, READ, Squad.township_code))
    if township_code:
        stmt = stmt.where(Squad.township_code == township_code)
    stmt = paginate(stmt, Squad.created_at, Squad.id, limit=limit, cursor=cursor)
    return list((await session.scalars(stmt)).all())


async def start_operation(
    session: AsyncSession, principal: Principal, body: JointOperationIn, *, calendar: WorkdayCalendar, now: dt.datetime
) -> JointOperation:
    squad = await session.scalar(
        select(Squad).where(Squad.id == body.squad_id, scope_filter(principal, READ, Squad.township_code))
    )
    if squad is None:
        raise not_found("squad", body.squad_id)
    errors = FieldErrors()
    if body.area_code[:9] != squad.township_code[:9]:
        errors.add("area_code", "area_outside_township", f"{body.area_code} is not in the squad's township")
    depts = [d.dept for d in body.departments]
    for n, d in enumerate(body.departments):
        if d.dept not in county.current().departments:
            errors.add(f"departments.{n}.dept", "unknown_department", f"no county department {d.dept}")
    if len(set(depts)) != len(depts):
        errors.add("departments", "department_twice", "each department takes part once")
    errors.raise_if_any()
    require_scope(principal, OPERATE, body.area_code, ENFORCEMENT_DEPT)
    operation = JointOperation(
        id=new_id(),
        number=await business_number(session, "LH", squad.township_code, calendar.local_date(now).year),
        township_code=squad.township_code,
        area_code=body.area_code,
        ticket_id=body.ticket_id,
        squad_id=squad.id,
        title=body.title,
        departments=[
            {"dept": d.dept, "dept_name": county.current().departments[d.dept], "task": d.task, "outcome": None}
            for d in body.departments
        ],
        status=OperationStatus.UNDER_WAY,
        created_by_name=principal.name,
        created_at=now,
    )
    session.add(operation)
    await session.flush()
    return operation


async def get_operation(
    session: AsyncSession, principal: Principal, operation_id: str, *, lock: bool = False
) -> JointOperation:
    """The operation, seen in its township and by the staff of each department taking part."""
    stmt = select(JointOperation).where(JointOperation.id == operation_id)
    if lock:
        stmt = stmt.with_for_update()
    operation = await session.scalar(stmt)
    if operation is None or not any(
        principal.covers(READ, operation.area_code, dept)
        for dept in [ENFORCEMENT_DEPT, *(d["dept"] for d in operation.departments)]
    ):
        raise not_found("joint operation", operation_id)
    return operation


async def record_part(
    session: AsyncSession, principal: Principal, operation_id: str, body: PartIn, *, now: dt.datetime
) -> JointOperation:
    """A department's part: recorded by its own staff, or by the township's officers for it."""
    operation = await get_operation(session, principal, operation_id, lock=True)
    if not (
        principal.covers(PART, operation.area_code, body.dept)
        or principal.covers(OPERATE, operation.area_code, ENFORCEMENT_DEPT)
    ):
        raise scope_denied()
    if operation.status != OperationStatus.UNDER_WAY:
        raise Problem(409, "invalid_state", "Not allowed now", "the joint operation is completed")
    parts = [dict(d) for d in operation.departments]
    mine = [d for d in parts if d["dept"] == body.dept]
    if not mine:
        raise Problem(
            422,
            "department_not_in_operation",
            "Invalid request",
            f"dept: {body.dept} takes no part in this operation",
            errors=[{"field": "dept", "code": "department_not_in_operation", "message": "not in the operation"}],
        )
    mine[0] |= {"outcome": body.outcome, "recorded_by_name": principal.name, "recorded_at": now.isoformat()}
    operation.departments = parts
    await session.flush()
    return operation


async def complete(
    session: AsyncSession, principal: Principal, operation_id: str, *, now: dt.datetime
) -> JointOperation:
    operation = await get_operation(session, principal, operation_id, lock=True)
    require_scope(principal, OPERATE, operation.area_code, ENFORCEMENT_DEPT)
    if operation.status != OperationStatus.UNDER_WAY:
        raise Problem(409, "invalid_state", "Not allowed now", "the joint operation is completed")
    missing = rules.missing_parts(operation.departments)
    if missing:
        raise Problem(
            409,
            "parts_missing",
            "Parts missing",
            f"every department's part is on record before completion; missing: {', '.join(missing)}",
            missing=missing,
        )
    squad = await session.get(Squad, operation.squad_id)
    assert squad is not None  # foreign key
    operation.status = OperationStatus.COMPLETED
    operation.completed_at = now
    await emit(
        session,
        JointOperationCompleted(
            operation_id=operation.id,
            number=operation.number,
            ticket_id=operation.ticket_id,
            township_code=operation.township_code,
            squad_id=squad.id,
            squad_kind=squad.kind,
            township_weight_percent=squad.township_weight_percent,
            county_weight_percent=squad.county_weight_percent,
            departments=[d["dept"] for d in operation.departments],
            completed_at=now,
        ),
        subject=operation.id,
        township=operation.township_code,
    )
    await session.flush()
    return operation
