"""Use cases of the hotline: record what dispatch reports on citizen tickets, and compute the three
rates, the score and the ranking per township or department and month, and the recurring problems."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from assessment import formulas
from assessment.counting import count_where, insert_once
from assessment.hotline import rules
from assessment.hotline.models import HotlineCallback, HotlineResponse, TicketOpened
from assessment.periods.rules import month_of, months_up_to
from assessment.units.models import Unit
from assessment.units.service import remember_unit
from jiceng_shared.contracts.common import UnitRef
from jiceng_shared.county import Organisation
from jiceng_shared.identity import Principal
from jiceng_shared.scope import scope_filter

READ = "assessment.hotline.read"


# --- recording facts (event handlers) ---------------------------------------------------------


async def record_signed_for(
    session: AsyncSession,
    *,
    ticket_id: str,
    unit: UnitRef,
    township_code: str,
    area_code: str,
    category: str,
    source: str,
    signed_at: dt.datetime,
    within_limit: bool,
    correlation_id: str,
    now: dt.datetime,
) -> None:
    await remember_unit(session, unit, now)
    await insert_once(
        session,
        HotlineResponse,
        ticket_id=ticket_id,
        unit_code=unit.code,
        township_code=township_code,
        area_code=area_code,
        category=category,
        source=source,
        period=month_of(signed_at),
        signed_at=signed_at,
        within_limit=within_limit,
        correlation_id=correlation_id,
    )


async def record_callback(
    session: AsyncSession,
    *,
    ticket_id: str,
    unit: UnitRef,
    attempt: int,
    township_code: str,
    area_code: str,
    category: str,
    source: str,
    result: str,
    resolved: bool,
    recorded_at: dt.datetime,
    correlation_id: str,
    now: dt.datetime,
) -> None:
    await remember_unit(session, unit, now)
    await insert_once(
        session,
        HotlineCallback,
        ticket_id=ticket_id,
        unit_code=unit.code,
        attempt=attempt,
        township_code=township_code,
        area_code=area_code,
        category=category,
        source=source,
        period=month_of(recorded_at),
        result=result,
        resolved=resolved,
        recorded_at=recorded_at,
        correlation_id=correlation_id,
    )


async def record_ticket_opened(
    session: AsyncSession,
    *,
    ticket_id: str,
    township_code: str,
    area_code: str,
    category: str,
    source: str,
    created_at: dt.datetime,
    correlation_id: str,
) -> None:
    await insert_once(
        session,
        TicketOpened,
        ticket_id=ticket_id,
        township_code=township_code,
        area_code=area_code,
        category=category,
        source=source,
        period=month_of(created_at),
        created_at=created_at,
        correlation_id=correlation_id,
    )


# --- the three rates ---------------------------------------------------------------------------


async def counts_by_subject(
    session: AsyncSession, level: str, months: Sequence[str], sources: Sequence[str]
) -> dict[str, dict[str, int]]:
    """Subject (township code or unit code) → the counts of the three rates over ``months``."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(rules.COUNT_FIELDS, 0))
    r, c, later = HotlineResponse, HotlineCallback, aliased(HotlineCallback)
    r_key = r.township_code if level == "township" else r.unit_code
    rows = await session.execute(
        select(r_key, func.count(), count_where(r.within_limit))
        .where(r.period.in_(list(months)), r.source.in_(list(sources)))
        .group_by(r_key)
    )
    for key, signed, in_time in rows:
        out[key]["signed"], out[key]["responded_in_time"] = int(signed), int(in_time)
    c_key = c.township_code if level == "township" else c.unit_code
    latest = ~exists().where(later.ticket_id == c.ticket_id, later.unit_code == c.unit_code, later.attempt > c.attempt)
    rows = await session.execute(
        select(c_key, func.count(), count_where(c.resolved), count_where(c.result.in_(rules.SATISFIED_RESULTS)))
        .where(c.period.in_(list(months)), c.source.in_(list(sources)), latest)
        .group_by(c_key)
    )
    for key, called, resolved, satisfied in rows:
        out[key]["called_back"], out[key]["resolved"], out[key]["satisfied"] = (
            int(called),
            int(resolved),
            int(satisfied),
        )
    return out


@dataclass
class Standing:
    subject: str
    name: str | None
    counts: dict[str, int]
    rates: dict[str, float | None]
    formulas: dict[str, formulas.Formula]
    score: float | None
    rank: int | None
    of: int


async def standings(
    session: AsyncSession,
    principal: Principal,
    level: str,
    months: Sequence[str],
    *,
    sources: Sequence[str],
    weights: dict[str, int],
    org: Organisation,
) -> list[Standing]:
    """Every subject of the level ranked on the period; only those in the caller's scope returned."""
    counts = await counts_by_subject(session, level, months, sources)
    scores, rates = {}, {}
    for subject, c in counts.items():
        rates[subject] = formulas.rates(rules.RATE_DEFS, c)
        scores[subject] = rules.score(rates[subject], weights)
    ranks = rules.competition_ranks(scores)
    ranked = sum(1 for s in scores.values() if s is not None)
    if level == "township":
        visible = {s for s in counts if principal.covers(READ, s, None)}
        names: dict[str, str | None] = {s: (t.name if (t := org.township(s)) else None) for s in visible}
    else:
        units = (
            await session.scalars(
                select(Unit).where(
                    Unit.code.in_(list(counts)), scope_filter(principal, READ, Unit.area_code, Unit.dept)
                )
            )
        ).all()
        names = {u.code: u.name for u in units}
        visible = set(names)
    out = [
        Standing(
            subject=s,
            name=names.get(s),
            counts=counts[s],
            rates=rates[s],
            formulas=formulas.explain(rules.RATE_DEFS, counts[s]),
            score=scores[s],
            rank=ranks[s],
            of=ranked,
        )
        for s in visible
    ]
    return sorted(out, key=lambda x: (x.rank is None, x.rank or 0, x.subject))


# --- recurring problems (每月一题) -----------------------------------------------------------


@dataclass
class Recurring:
    township_code: str
    area_code: str
    category: str
    months: list[tuple[str, int]]
    streak: int


async def recurring(
    session: AsyncSession,
    principal: Principal,
    month: str,
    *,
    township_code: str | None,
    min_months: int,
    min_tickets: int,
    look_back: int = 12,
) -> list[Recurring]:
    """Areas where the same category came back month after month, up to ``month``: longest first."""
    months = months_up_to(month, max(look_back, min_months))
    t = TicketOpened
    stmt = (
        select(t.township_code, t.area_code, t.category, t.period, func.count())
        .where(t.period.in_(months), scope_filter(principal, READ, t.township_code))
        .group_by(t.township_code, t.area_code, t.category, t.period)
    )
    if township_code is not None:
        stmt = stmt.where(t.township_code == township_code)
    by_key: dict[tuple[str, str, str], dict[str, int]] = defaultdict(dict)
    for town, area, category, period, n in await session.execute(stmt):
        by_key[(town, area, category)][period] = int(n)
    out = []
    for (town, area, category), per_month in by_key.items():
        series = [per_month.get(m, 0) for m in months]
        run = rules.streak(series, min_tickets)
        if run >= min_months:
            out.append(Recurring(town, area, category, [(m, per_month.get(m, 0)) for m in months[-run:]], run))
    return sorted(out, key=lambda r: (-r.streak, r.area_code, r.category))
