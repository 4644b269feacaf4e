"""The dispatchers' indicators per township (rules-reference §3.5, §9: 按时派遣率, 准确派遣率):

- 派遣数 (dispatched): tickets first assigned in the period (the centre's first dispatch);
- 按时派遣率 = (dispatched − dispatch-limit supervision orders) / dispatched;
- 准确派遣率 = (dispatched − those the first unit returned within the window as outside its remit)
  / dispatched.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from assessment import formulas
from assessment.centres.models import SupervisionOrder
from assessment.counting import count_where, insert_once
from assessment.periods.rules import month_of
from assessment.units.models import TicketAssignment, TicketHandoff
from jiceng_shared.identity import Principal
from jiceng_shared.scope import scope_filter

READ = "assessment.unit.read"

RATE_DEFS = {
    "on_time_dispatch_rate": formulas.RateDef("按时派遣率", "dispatched_on_time", "按时派遣数", "dispatched", "派遣数"),
    "accurate_dispatch_rate": formulas.RateDef(
        "准确派遣率", "dispatched_accurately", "准确派遣数", "dispatched", "派遣数"
    ),
}


async def record_supervision(
    session: AsyncSession,
    *,
    order_id: str,
    ticket_id: str,
    unit_code: str | None,
    township_code: str,
    limit: str,
    level: int,
    issued_at: dt.datetime,
    correlation_id: str,
) -> None:
    await insert_once(
        session,
        SupervisionOrder,
        order_id=order_id,
        ticket_id=ticket_id,
        unit_code=unit_code,
        township_code=township_code,
        limit=limit,
        level=level,
        period=month_of(issued_at),
        issued_at=issued_at,
        correlation_id=correlation_id,
    )


async def centre_counts(
    session: AsyncSession, principal: Principal, months: Sequence[str], township_code: str | None
) -> dict[str, dict[str, int]]:
    a, earlier, h = TicketAssignment, aliased(TicketAssignment), TicketHandoff
    first = ~exists().where(earlier.ticket_id == a.ticket_id, earlier.assigned_at < a.assigned_at)
    wrong = exists().where(
        h.ticket_id == a.ticket_id,
        h.unit_code == a.unit_code,
        h.kind == "return",
        or_(a.return_by.is_(None), h.at <= a.return_by),
    )
    late = exists().where(SupervisionOrder.ticket_id == a.ticket_id, SupervisionOrder.limit == "dispatch")
    stmt = (
        select(
            a.township_code,
            func.count(),
            count_where(~late),
            count_where(~wrong),
        )
        .where(a.period.in_(list(months)), first, scope_filter(principal, READ, a.township_code))
        .group_by(a.township_code)
    )
    if township_code is not None:
        stmt = stmt.where(a.township_code == township_code)
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for town, dispatched, on_time, accurate in await session.execute(stmt):
        out[town] = {
            "dispatched": int(dispatched),
            "dispatched_on_time": int(on_time),
            "dispatched_accurately": int(accurate),
        }
    return out
