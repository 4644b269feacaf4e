"""Use cases of summons (街乡吹哨、部门报到, 002): a dispatcher or the township leader summons
departments to a ticket with a time to report; each answers (arrived, what it will do) within it;
a missed answer is marked on the ticket and escalated to the township leader (a supervision order).
Issues and answers are published for assessment (报到率)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.summons.models import Summons
from dispatch.summons.queries import readable
from dispatch.summons.schemas import SummonsIn
from dispatch.tickets import rules
from dispatch.tickets.enums import Addressee, StepKind, SupervisedLimit
from dispatch.tickets.models import Ticket
from dispatch.tickets.queries import load_for_action
from dispatch.tickets.service import SYSTEM, Actor, Env, add_step, publish
from jiceng_shared import units
from jiceng_shared.contracts.common import UnitRef
from jiceng_shared.contracts.dispatch import SummonsAnswered, SummonsIssued
from jiceng_shared.db import new_id
from jiceng_shared.errors import FieldErrors, Problem, not_found, permission_denied
from jiceng_shared.identity import Principal, area_prefix
from jiceng_shared.numbers import business_number
from jiceng_shared.scope import require_scope
from jiceng_shared.workdays import COUNTY_ZONE

ISSUE = "dispatch.summons.issue"
ANSWER = "dispatch.summons.answer"
BATCH = 200


def unit_of(s: Summons) -> UnitRef:
    return UnitRef(code=s.unit_code, area_code=s.unit_area_code, dept=s.unit_dept, name=s.unit_name, kind=s.unit_kind)


def _local(at: dt.datetime) -> str:
    return at.astimezone(COUNTY_ZONE).strftime("%Y-%m-%d %H:%M")


async def issue(
    session: AsyncSession, principal: Principal, ticket_id: str, body: SummonsIn, env: Env
) -> list[Summons]:
    ticket = await load_for_action(session, principal, ticket_id)
    require_scope(principal, ISSUE, ticket.area_code)
    if ticket.status not in rules.OPEN_STATUSES:
        raise Problem(
            409,
            "invalid_state",
            "Not allowed in this state",
            f"cannot summon to a ticket that is {ticket.status}",
            current_status=ticket.status,
        )
    errors = FieldErrors()
    chosen: list[UnitRef] = []
    for i, code in enumerate(body.unit_codes):
        try:
            unit = units.unit_by_code(code)
        except (units.UnknownUnit, ValueError):
            errors.add(f"unit_codes[{i}]", "unknown_unit", f"no unit {code}")
            continue
        if not ticket.township_code.startswith(area_prefix(unit.area_code)):
            errors.add(f"unit_codes[{i}]", "unit_outside_township", f"{unit.name} does not serve this township")
        elif unit.code in {u.code for u in chosen}:
            errors.add(f"unit_codes[{i}]", "duplicate_unit", f"{unit.name} is named twice")
        else:
            chosen.append(unit)
    errors.raise_if_any()
    waiting = set(
        (
            await session.scalars(
                select(Summons.unit_code).where(Summons.ticket_id == ticket.id, Summons.answered_at.is_(None))
            )
        ).all()
    )
    already = [u.name for u in chosen if u.code in waiting]
    if already:
        raise Problem(409, "already_summoned", "Already summoned", "still waiting for: " + "、".join(already))
    now = env.now
    respond_by = now + dt.timedelta(minutes=body.respond_within_minutes or env.rules.summons_respond_minutes)
    actor = Actor.of(principal)
    made = []
    for unit in chosen:
        s = Summons(
            id=new_id(),
            number=await business_number(session, "CS", ticket.township_code, now.astimezone(COUNTY_ZONE).year),
            ticket_id=ticket.id,
            ticket_number=ticket.number,
            township_code=ticket.township_code,
            area_code=ticket.area_code,
            unit_code=unit.code,
            unit_dept=unit.dept,
            unit_kind=unit.kind,
            unit_name=unit.name,
            unit_area_code=unit.area_code,
            purpose=body.purpose,
            respond_by=respond_by,
            issued_at=now,
            issued_by=actor.name,
        )
        session.add(s)
        made.append(s)
        await publish(
            session,
            ticket,
            SummonsIssued(
                summons_id=s.id,
                ticket_id=ticket.id,
                township_code=ticket.township_code,
                unit=unit,
                respond_by=respond_by,
                issued_at=now,
            ),
        )
    names = "、".join(u.name for u in chosen)
    add_step(
        session,
        ticket,
        StepKind.SUMMONED,
        f"吹哨：{names}，请于 {_local(respond_by)} 前报到；{body.purpose}",
        now,
        actor,
    )
    ticket.updated_at = now
    return made


async def answer(
    session: AsyncSession, principal: Principal, summons_id: str, arrived: bool, action: str, env: Env
) -> Summons:
    s = await session.scalar(select(Summons).where(Summons.id == summons_id, readable(principal)).with_for_update())
    if s is None:
        raise not_found("summons", summons_id)
    if not any(
        b.area == s.unit_area_code and b.covers(s.area_code, s.unit_dept) for b in principal.bindings_for(ANSWER)
    ):
        if not principal.can(ANSWER):
            raise permission_denied(ANSWER)
        raise Problem(403, "not_summoned", "Not summoned", f"this summons is for {s.unit_name}")
    if s.answered_at is not None:
        raise Problem(409, "already_answered", "Already answered", f"answered at {s.answered_at.isoformat()}")
    now = env.now
    actor = Actor.of(principal)
    s.answered_at = now
    s.arrived = arrived
    s.action = action
    s.answered_by = actor.name
    s.on_time = now <= s.respond_by
    ticket = await session.get(Ticket, s.ticket_id)
    assert ticket is not None
    note = (
        f"{s.unit_name} 报到"
        + ("（已到场）" if arrived else "（未到场）")
        + ("" if s.on_time else "（逾时）")
        + f"：{action}"
    )
    add_step(session, ticket, StepKind.SUMMONS_ANSWERED, note, now, actor)
    ticket.updated_at = now
    await publish(
        session,
        ticket,
        SummonsAnswered(
            summons_id=s.id,
            ticket_id=s.ticket_id,
            township_code=s.township_code,
            unit=unit_of(s),
            answered_at=now,
            on_time=s.on_time,
        ),
    )
    return s


async def mark_missed(session: AsyncSession, env: Env) -> int:
    """A pass of the supervision job: each summons past its time without an answer is marked missed
    once, on the ticket, and escalated to the township leader with a supervision order."""
    from dispatch.supervision.service import issue_order  # the order machinery of supervision

    now = env.now
    rows = (
        await session.scalars(
            select(Summons)
            .where(Summons.answered_at.is_(None), Summons.missed_at.is_(None), Summons.respond_by < now)
            .order_by(Summons.respond_by)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for s in rows:
        s.missed_at = now
        ticket = await session.get(Ticket, s.ticket_id)
        assert ticket is not None
        add_step(
            session, ticket, StepKind.SUMMONS_MISSED, f"{s.unit_name} 未在 {_local(s.respond_by)} 前报到", now, SYSTEM
        )
        await issue_order(
            session,
            ticket,
            SupervisedLimit.SUMMONS,
            s.respond_by,
            2,
            env,
            addressee=Addressee.TOWNSHIP_LEADER,
            unit=unit_of(s),
            demand=f"{s.unit_name} 吹哨后未按时报到（{s.purpose}），请督促其到场并说明原因",
        )
        ticket.updated_at = now
    return len(rows)
