"""Use cases of cooperating units and joint action (联合执法, 1+1+N).

The cooperating units of the responsibility list get their part when the ticket is routed; the
centre or the township leader brings one enforcement squad and N departments onto a ticket, each
with its task. Each unit sees the ticket and answers for its own part; the ticket itself closes
only when the handling (primary) unit's feedback is in and verified — a part never closes it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.joint.models import TicketPart
from dispatch.joint.schemas import JointActionIn
from dispatch.tickets import rules
from dispatch.tickets.enums import PartRole, StepKind
from dispatch.tickets.models import Ticket
from dispatch.tickets.queries import READ, load_for_action
from dispatch.tickets.service import Actor, Env, add_step, invalid_state
from jiceng_shared import units
from jiceng_shared.contracts.common import UnitRef
from jiceng_shared.db import new_id
from jiceng_shared.errors import FieldErrors, Problem, not_found, permission_denied
from jiceng_shared.identity import Principal, area_prefix
from jiceng_shared.scope import require_scope, scope_filter

JOINT = "dispatch.ticket.joint_action"
PART_FEEDBACK = "dispatch.ticket.part.feedback"
#: the department of an enforcement squad (综合行政执法)
ENFORCEMENT_DEPT = "cle"


def readable(principal: Principal) -> ColumnElement[bool]:
    return scope_filter(principal, READ, TicketPart.area_code, TicketPart.unit_dept)


def part_row(ticket: Ticket, unit: UnitRef, role: PartRole, task: str, now: dt.datetime) -> TicketPart:
    return TicketPart(
        id=new_id(),
        ticket_id=ticket.id,
        area_code=ticket.area_code,
        unit_code=unit.code,
        unit_dept=unit.dept,
        unit_kind=unit.kind,
        unit_name=unit.name,
        unit_area_code=unit.area_code,
        role=role,
        task=task,
        created_at=now,
    )


async def joint_action(
    session: AsyncSession, principal: Principal, ticket_id: str, body: JointActionIn, env: Env
) -> list[TicketPart]:
    ticket = await load_for_action(session, principal, ticket_id)
    require_scope(principal, JOINT, ticket.area_code)
    if ticket.status not in rules.OPEN_STATUSES:
        raise invalid_state(ticket, "start a joint action on")
    errors = FieldErrors()
    chosen: list[tuple[UnitRef, PartRole, str]] = []
    entries = [("squad", body.squad, PartRole.SQUAD)] + [
        (f"departments[{i}]", d, PartRole.DEPARTMENT) for i, d in enumerate(body.departments)
    ]
    for field, entry, role in entries:
        try:
            unit = units.unit_by_code(entry.unit_code)
        except (units.UnknownUnit, ValueError):
            errors.add(f"{field}.unit_code", "unknown_unit", f"no unit {entry.unit_code}")
            continue
        if not ticket.township_code.startswith(area_prefix(unit.area_code)):
            errors.add(f"{field}.unit_code", "unit_outside_township", f"{unit.name} does not serve this township")
        elif role == PartRole.SQUAD and unit.dept != ENFORCEMENT_DEPT:
            errors.add(f"{field}.unit_code", "not_an_enforcement_squad", f"{unit.name} is not an enforcement squad")
        elif role == PartRole.DEPARTMENT and unit.dept == ENFORCEMENT_DEPT:
            errors.add(f"{field}.unit_code", "squad_as_department", "the enforcement squad is named as the squad")
        elif unit.code in {u.code for u, _, _ in chosen}:
            errors.add(f"{field}.unit_code", "duplicate_unit", f"{unit.name} is named twice")
        else:
            chosen.append((unit, role, entry.task))
    errors.raise_if_any()
    now = env.now
    parts = [part_row(ticket, unit, role, task, now) for unit, role, task in chosen]
    try:
        async with session.begin_nested():
            session.add_all(parts)
    except IntegrityError:
        raise Problem(409, "already_joined", "Already on the ticket", "a unit named already has this part") from None
    names = "；".join(f"{p.unit_name}（{PartRole(p.role).label_zh}）：{p.task}" for p in parts)
    add_step(session, ticket, StepKind.JOINT_ACTION, f"联合执法：{names}", now, Actor.of(principal))
    ticket.updated_at = now
    return parts


async def part_feedback(
    session: AsyncSession, principal: Principal, ticket_id: str, part_id: str, outcome: str, env: Env
) -> TicketPart:
    part = await session.scalar(
        select(TicketPart)
        .where(TicketPart.id == part_id, TicketPart.ticket_id == ticket_id, readable(principal))
        .with_for_update()
    )
    if part is None:
        raise not_found("part", part_id)
    if not any(
        b.area == part.unit_area_code and b.covers(part.area_code, part.unit_dept)
        for b in principal.bindings_for(PART_FEEDBACK)
    ):
        if not principal.can(PART_FEEDBACK):
            raise permission_denied(PART_FEEDBACK)
        raise Problem(403, "not_your_part", "Not your part", f"this part is {part.unit_name}'s")
    if part.answered_at is not None:
        raise Problem(409, "already_answered", "Already answered", f"answered at {part.answered_at.isoformat()}")
    ticket = await session.get(Ticket, ticket_id)
    assert ticket is not None
    if ticket.status not in rules.OPEN_STATUSES:
        raise invalid_state(ticket, "answer a part of")
    actor = Actor.of(principal)
    part.answer = outcome
    part.answered_at = env.now
    part.answered_by = actor.name
    role = PartRole(part.role)
    add_step(
        session, ticket, StepKind.COOPERATION, f"{part.unit_name}（{role.label_zh}）反馈：{outcome}", env.now, actor
    )
    ticket.updated_at = env.now
    return part
