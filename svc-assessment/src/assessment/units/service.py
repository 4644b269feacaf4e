"""Use cases of handling units: record the facts events report, and count them per unit and month.

Recording is one upsert per fact, keyed by what the fact is about (ticket and unit, summons,
case), so a fact counts once however often and in whatever order its events arrive.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from assessment import deferred, known, prebuilt
from assessment.counting import count_where, insert_once
from assessment.paging import decode_key
from assessment.periods.overlay import ByMonth, Overlaid, overlay
from assessment.periods.rules import month_of
from assessment.units import rules
from assessment.units.models import (
    CaseClosure,
    CaseOverdue,
    Summons,
    TicketAssignment,
    TicketClosure,
    TicketEscalation,
    TicketExtension,
    TicketHandoff,
    TicketRework,
    Unit,
)
from jiceng_shared.contracts.common import UnitRef
from jiceng_shared.db import dialect_insert, new_id
from jiceng_shared.errors import not_found
from jiceng_shared.identity import Principal
from jiceng_shared.scope import scope_filter

READ = "assessment.unit.read"

#: how a ticket leaves a unit (dispatch.ticket.reassigned's ``reason_kind``)
HANDOFF_KINDS = ("return", "transfer", "reassignment")


# --- recording facts (event handlers) ---------------------------------------------------------


def _unit_upsert(insert: prebuilt.Insert) -> Any:
    table = Unit.__table__
    stmt = insert(table)
    # the code fixes area and department; only the name may change
    return stmt.on_conflict_do_update(
        index_elements=[table.c.code], set_={"name": stmt.excluded.name, "updated_at": stmt.excluded.updated_at}
    )


async def remember_unit(session: AsyncSession, unit: UnitRef, now: dt.datetime) -> None:
    """The unit's row, written when it is new or its name changed (``updated_at``: when it was)."""
    if known.holds(session, "unit", unit.code, unit.name):
        return
    await session.execute(
        prebuilt.statement(session, "unit_upsert", _unit_upsert),
        {
            "code": unit.code,
            "name": unit.name,
            "area_code": unit.area_code,
            "dept": unit.dept,
            "kind": unit.kind,
            "updated_at": now,
        },
    )
    known.after_commit(session, "unit", unit.code, unit.name)


async def record_assignment(
    session: AsyncSession,
    *,
    ticket_id: str,
    unit: UnitRef,
    assigned_at: dt.datetime,
    deadline: dt.datetime | None,
    return_by: dt.datetime | None,
    township_code: str,
    correlation_id: str,
    now: dt.datetime,
) -> None:
    await remember_unit(session, unit, now)
    values = {
        "id": new_id(),
        "ticket_id": ticket_id,
        "unit_code": unit.code,
        "period": month_of(assigned_at),
        "assigned_at": assigned_at,
        "deadline": deadline,
        "return_by": return_by,
        "township_code": township_code,
        "correlation_id": correlation_id,
    }
    if deferred.active(session):  # with the other facts of the batch, at commit
        table = TicketAssignment.__table__
        await deferred.queue(
            session,
            "assignment_upsert",
            table,
            lambda stmt: _assignment_upsert(lambda _table: stmt),
            values,
        )
        return
    await session.execute(prebuilt.statement(session, "assignment_upsert", _assignment_upsert), values)


def _assignment_upsert(insert: prebuilt.Insert) -> Any:
    table = TicketAssignment.__table__
    stmt = insert(table)
    # a ticket given to the same unit again counts once, in the month of its first assignment
    return stmt.on_conflict_do_update(
        index_elements=[table.c.ticket_id, table.c.unit_code],
        set_={
            "assigned_at": stmt.excluded.assigned_at,
            "period": stmt.excluded.period,
            "deadline": stmt.excluded.deadline,
            "return_by": stmt.excluded.return_by,
        },
        where=table.c.assigned_at > stmt.excluded.assigned_at,
    )


async def record_handoff(
    session: AsyncSession,
    *,
    ticket_id: str,
    unit: UnitRef,
    to_unit: UnitRef | None,
    kind: str,
    at: dt.datetime,
    township_code: str,
    correlation_id: str,
    now: dt.datetime,
) -> None:
    """A ticket left ``unit`` (return, transfer or reassignment); the earliest of a kind counts."""
    await remember_unit(session, unit, now)
    table = TicketHandoff.__table__
    stmt = dialect_insert(session, table).values(
        id=new_id(),
        ticket_id=ticket_id,
        unit_code=unit.code,
        to_unit_code=to_unit.code if to_unit else None,
        kind=kind,
        period=month_of(at),
        at=at,
        township_code=township_code,
        correlation_id=correlation_id,
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[table.c.ticket_id, table.c.unit_code, table.c.kind],
            set_={"at": stmt.excluded.at, "period": stmt.excluded.period},
            where=table.c.at > stmt.excluded.at,
        )
    )
    if to_unit is not None:  # a return names no receiver; the centre's reassignment after it does
        await session.execute(
            update(table)
            .where(
                table.c.ticket_id == ticket_id,
                table.c.unit_code == unit.code,
                table.c.kind == kind,
                table.c.to_unit_code.is_(None),
            )
            .values(to_unit_code=to_unit.code)
        )


async def record_extension(
    session: AsyncSession,
    *,
    ticket_id: str,
    unit: UnitRef,
    approved_at: dt.datetime,
    deadline: dt.datetime,
    township_code: str,
    correlation_id: str,
    now: dt.datetime,
) -> None:
    await remember_unit(session, unit, now)
    await insert_once(
        session,
        TicketExtension,
        id=new_id(),
        ticket_id=ticket_id,
        unit_code=unit.code,
        period=month_of(approved_at),
        approved_at=approved_at,
        deadline=deadline,
        township_code=township_code,
        correlation_id=correlation_id,
    )


async def record_closure(
    session: AsyncSession,
    *,
    ticket_id: str,
    unit: UnitRef,
    closed_at: dt.datetime,
    on_time: bool,
    township_code: str,
    correlation_id: str,
    now: dt.datetime,
) -> None:
    await remember_unit(session, unit, now)
    await insert_once(
        session,
        TicketClosure,
        id=new_id(),
        ticket_id=ticket_id,
        unit_code=unit.code,
        period=month_of(closed_at),
        closed_at=closed_at,
        on_time=on_time,
        township_code=township_code,
        correlation_id=correlation_id,
    )


async def record_rework(
    session: AsyncSession,
    *,
    ticket_id: str,
    unit: UnitRef,
    reopened_at: dt.datetime,
    rework_count: int,
    township_code: str,
    correlation_id: str,
    now: dt.datetime,
) -> None:
    await remember_unit(session, unit, now)
    await insert_once(
        session,
        TicketRework,
        id=new_id(),
        ticket_id=ticket_id,
        unit_code=unit.code,
        period=month_of(reopened_at),
        reopened_at=reopened_at,
        rework_count=rework_count,
        township_code=township_code,
        correlation_id=correlation_id,
    )


async def record_escalation(
    session: AsyncSession,
    *,
    ticket_id: str,
    unit: UnitRef,
    level: int,
    escalated_at: dt.datetime,
    township_code: str,
    correlation_id: str,
    now: dt.datetime,
) -> None:
    await remember_unit(session, unit, now)
    await insert_once(
        session,
        TicketEscalation,
        id=new_id(),
        ticket_id=ticket_id,
        unit_code=unit.code,
        period=month_of(escalated_at),
        level=level,
        escalated_at=escalated_at,
        township_code=township_code,
        correlation_id=correlation_id,
    )


async def record_summons_issued(
    session: AsyncSession,
    *,
    summons_id: str,
    ticket_id: str,
    unit: UnitRef,
    issued_at: dt.datetime,
    respond_by: dt.datetime,
    township_code: str,
    correlation_id: str,
    now: dt.datetime,
) -> None:
    await remember_unit(session, unit, now)
    table = Summons.__table__
    stmt = dialect_insert(session, table).values(
        summons_id=summons_id,
        unit_code=unit.code,
        ticket_id=ticket_id,
        period=month_of(issued_at),
        township_code=township_code,
        issued_at=issued_at,
        respond_by=respond_by,
        correlation_id=correlation_id,
    )
    # the issue fixes the month, even when the answer was recorded first
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[table.c.summons_id, table.c.unit_code],
            set_={
                "issued_at": stmt.excluded.issued_at,
                "respond_by": stmt.excluded.respond_by,
                "period": stmt.excluded.period,
            },
        )
    )


async def record_summons_answered(
    session: AsyncSession,
    *,
    summons_id: str,
    ticket_id: str,
    unit: UnitRef,
    answered_at: dt.datetime,
    on_time: bool,
    township_code: str,
    correlation_id: str,
    now: dt.datetime,
) -> None:
    await remember_unit(session, unit, now)
    table = Summons.__table__
    stmt = dialect_insert(session, table).values(
        summons_id=summons_id,
        unit_code=unit.code,
        ticket_id=ticket_id,
        period=month_of(answered_at),
        township_code=township_code,
        answered_at=answered_at,
        answered_on_time=on_time,
        correlation_id=correlation_id,
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[table.c.summons_id, table.c.unit_code],
            set_={"answered_at": stmt.excluded.answered_at, "answered_on_time": stmt.excluded.answered_on_time},
        )
    )


async def record_case_closed(
    session: AsyncSession,
    *,
    case_id: str,
    unit: UnitRef,
    opened_at: dt.datetime,
    closed_at: dt.datetime,
    township_code: str,
    correlation_id: str,
    now: dt.datetime,
) -> None:
    """Case timeliness only: the decision's penalty and any fine are not even read (行政处罚法 art. 74)."""
    await remember_unit(session, unit, now)
    await insert_once(
        session,
        CaseClosure,
        case_id=case_id,
        unit_code=unit.code,
        period=month_of(closed_at),
        opened_at=opened_at,
        closed_at=closed_at,
        duration_days=rules.case_duration_days(opened_at, closed_at),
        township_code=township_code,
        correlation_id=correlation_id,
    )


async def record_case_overdue(
    session: AsyncSession,
    *,
    case_id: str,
    unit: UnitRef,
    filed_at: dt.datetime,
    deadline: dt.datetime,
    detected_at: dt.datetime,
    township_code: str,
    correlation_id: str,
    now: dt.datetime,
) -> None:
    await remember_unit(session, unit, now)
    await insert_once(
        session,
        CaseOverdue,
        case_id=case_id,
        unit_code=unit.code,
        period=month_of(detected_at),
        filed_at=filed_at,
        deadline=deadline,
        detected_at=detected_at,
        township_code=township_code,
        correlation_id=correlation_id,
    )


# --- counting ---------------------------------------------------------------------------------


async def live_counts(
    session: AsyncSession, unit_codes: Sequence[str], months: Sequence[str], *, now: dt.datetime, case_limit_days: int
) -> ByMonth:
    """Counts per unit and month, from the facts as they stand now."""
    out: ByMonth = defaultdict(lambda: defaultdict(lambda: dict.fromkeys(rules.COUNT_FIELDS, 0)))
    if not unit_codes:
        return out
    codes, months = list(unit_codes), list(months)

    def put(rows: Iterable[Sequence[Any]], *names: str) -> None:
        for unit_code, period, *values in rows:
            counts = out[unit_code][period]
            for name, value in zip(names, values, strict=False):
                counts[name] = int(value or 0)

    a, h = TicketAssignment, TicketHandoff
    # a correct hand-off (a transfer, the centre's reassignment, a return within the window) takes
    # the ticket out of the unit's 应结案, unless the unit closed it in the end after all
    handed_off = and_(
        exists().where(
            h.ticket_id == a.ticket_id,
            h.unit_code == a.unit_code,
            or_(h.kind != "return", a.return_by.is_(None), h.at <= a.return_by),
        ),
        ~exists().where(TicketClosure.ticket_id == a.ticket_id, TicketClosure.unit_code == a.unit_code),
    )
    put(
        await session.execute(
            select(a.unit_code, a.period, func.count(), count_where(handed_off))
            .where(a.unit_code.in_(codes), a.period.in_(months))
            .group_by(a.unit_code, a.period)
        ),
        "received",
        "handed_off",
    )
    for by_month in out.values():
        for counts in by_month.values():
            counts["assigned"] = counts["received"] - counts["handed_off"]

    in_window = or_(a.return_by.is_(None), h.at <= a.return_by)
    put(
        await session.execute(
            select(
                h.unit_code,
                h.period,
                count_where(h.kind == "return"),
                count_where(and_(h.kind == "return", in_window)),
                count_where(h.kind == "transfer"),
                count_where(h.kind == "reassignment"),
            )
            .select_from(h)
            .outerjoin(a, and_(a.ticket_id == h.ticket_id, a.unit_code == h.unit_code))
            .where(h.unit_code.in_(codes), h.period.in_(months))
            .group_by(h.unit_code, h.period)
        ),
        "returned",
        "returned_in_window",
        "transferred",
        "reassigned_away",
    )

    x = TicketExtension
    put(
        await session.execute(
            select(x.unit_code, x.period, func.count(func.distinct(x.ticket_id)))
            .where(x.unit_code.in_(codes), x.period.in_(months))
            .group_by(x.unit_code, x.period)
        ),
        "extended",
    )

    c, later = TicketClosure, aliased(TicketClosure)
    superseded_by_closure = exists().where(
        later.ticket_id == c.ticket_id, later.unit_code == c.unit_code, later.closed_at > c.closed_at
    )
    superseded_by_reopen = exists().where(
        TicketRework.ticket_id == c.ticket_id,
        TicketRework.unit_code == c.unit_code,
        TicketRework.reopened_at > c.closed_at,
    )
    put(
        await session.execute(
            select(c.unit_code, c.period, func.count(), count_where(c.on_time.is_(True)))
            .where(c.unit_code.in_(codes), c.period.in_(months), ~superseded_by_closure, ~superseded_by_reopen)
            .group_by(c.unit_code, c.period)
        ),
        "closed",
        "closed_on_time",
    )

    for model, name in ((TicketRework, "reworked"), (TicketEscalation, "escalated")):
        put(
            await session.execute(
                select(model.unit_code, model.period, func.count())
                .where(model.unit_code.in_(codes), model.period.in_(months))
                .group_by(model.unit_code, model.period)
            ),
            name,
        )

    s = Summons
    put(
        await session.execute(
            select(
                s.unit_code,
                s.period,
                count_where(s.issued_at.is_not(None)),
                count_where(s.answered_at.is_not(None)),
                count_where(and_(s.issued_at.is_not(None), s.answered_on_time.is_(True))),
                count_where(and_(s.issued_at.is_not(None), s.answered_at.is_(None), s.respond_by < now)),
            )
            .where(s.unit_code.in_(codes), s.period.in_(months))
            .group_by(s.unit_code, s.period)
        ),
        "summons_issued",
        "summons_answered",
        "summons_answered_on_time",
        "summons_missed",
    )

    k = CaseClosure
    put(
        await session.execute(
            # rules.case_in_time, in SQL: closed within the limit of calendar days
            select(k.unit_code, k.period, func.count(), count_where(k.duration_days <= case_limit_days))
            .where(k.unit_code.in_(codes), k.period.in_(months))
            .group_by(k.unit_code, k.period)
        ),
        "cases_closed",
        "cases_closed_in_time",
    )
    put(
        await session.execute(
            select(CaseOverdue.unit_code, CaseOverdue.period, func.count())
            .where(CaseOverdue.unit_code.in_(codes), CaseOverdue.period.in_(months))
            .group_by(CaseOverdue.unit_code, CaseOverdue.period)
        ),
        "cases_overdue",
    )
    return out


@dataclass
class UnitResult:
    unit: Unit
    indicators: Overlaid


async def indicators_for(
    session: AsyncSession, units: Sequence[Unit], months: tuple[str, ...], *, now: dt.datetime, case_limit_days: int
) -> list[UnitResult]:
    live = await live_counts(session, [u.code for u in units], months, now=now, case_limit_days=case_limit_days)
    laid = await overlay(session, "unit", {u.code: u.area_code for u in units}, months, rules.COUNT_FIELDS, live)
    return [UnitResult(u, laid[u.code]) for u in units]


async def list_units(
    session: AsyncSession,
    principal: Principal,
    months: tuple[str, ...],
    *,
    township_code: str | None,
    dept: str | None,
    limit: int,
    cursor: str | None,
    now: dt.datetime,
    case_limit_days: int,
) -> list[UnitResult]:
    """Units in the caller's scope, by code, with their indicators for the period."""
    stmt = select(Unit).where(scope_filter(principal, READ, Unit.area_code, Unit.dept))
    if township_code is not None:
        stmt = stmt.where(Unit.area_code == township_code)
    if dept is not None:
        stmt = stmt.where(Unit.dept == dept)
    if cursor:
        stmt = stmt.where(Unit.code > decode_key(cursor))
    units = list((await session.scalars(stmt.order_by(Unit.code).limit(limit + 1))).all())
    return await indicators_for(session, units, months, now=now, case_limit_days=case_limit_days)


async def get_unit_row(session: AsyncSession, principal: Principal, unit_code: str, *, permission: str = READ) -> Unit:
    unit = await session.scalar(
        select(Unit).where(Unit.code == unit_code, scope_filter(principal, permission, Unit.area_code, Unit.dept))
    )
    if unit is None:
        raise not_found("unit", unit_code)
    return unit


async def get_unit(
    session: AsyncSession,
    principal: Principal,
    unit_code: str,
    months: tuple[str, ...],
    *,
    now: dt.datetime,
    case_limit_days: int,
) -> UnitResult:
    unit = await get_unit_row(session, principal, unit_code)
    return (await indicators_for(session, [unit], months, now=now, case_limit_days=case_limit_days))[0]


async def units_in_area(session: AsyncSession, where: ColumnElement[bool]) -> list[Unit]:
    return list((await session.scalars(select(Unit).where(where).order_by(Unit.code))).all())


async def area_totals(
    session: AsyncSession,
    principal: Principal,
    months: tuple[str, ...],
    *,
    now: dt.datetime,
    case_limit_days: int,
) -> dict[str, tuple[int, dict[str, int], set[str]]]:
    """Per area (a township, or the county for its departments): the number of units in scope,
    the sum of their counts (so the rates read for the township as a whole) and their departments."""
    found = list(
        (
            await session.scalars(
                select(Unit).where(scope_filter(principal, READ, Unit.area_code, Unit.dept)).order_by(Unit.code)
            )
        ).all()
    )
    results = await indicators_for(session, found, months, now=now, case_limit_days=case_limit_days)
    out: dict[str, tuple[int, dict[str, int], set[str]]] = {}
    for r in results:
        n, counts, depts = out.get(r.unit.area_code, (0, dict.fromkeys(rules.COUNT_FIELDS, 0), set()))
        for name in rules.COUNT_FIELDS:
            counts[name] += r.indicators.total.counts.get(name, 0)
        out[r.unit.area_code] = (n + 1, counts, depts | {r.unit.dept})
    return out
