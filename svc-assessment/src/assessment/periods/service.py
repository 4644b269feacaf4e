"""Use cases of periods: close (freeze) a month for the caller's township(s), list closed months.

Closing freezes, for each subject of the area (units, clerks, centres), the month's counts as
they stand, and publishes them in ``assessment.period.closed``. An event for a closed month
that arrives afterwards is still recorded; reads show the frozen counts and, apart, the
``late_adjustments`` (what is known now minus what was frozen), so nothing is lost and nothing
published changes silently. A county assessor's closure covers what no township closed first.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from assessment.periods import rules
from assessment.periods.models import FrozenResult, PeriodClosure
from assessment.periods.overlay import load_closures
from assessment.units import rules as unit_rules
from assessment.units import service as units
from assessment.units.models import Unit
from assessment.units.queries import unit_indicators
from assessment.window import rules as window_rules
from assessment.window import service as window
from assessment.window.models import Centre, Clerk
from assessment.window.queries import figures
from assessment.window.scoring import staff_scores
from jiceng_shared.contracts.assessment import PeriodClosed
from jiceng_shared.db import new_id
from jiceng_shared.errors import Problem
from jiceng_shared.identity import Principal, area_level, area_prefix
from jiceng_shared.observability import request_id_var
from jiceng_shared.outbox import emit
from jiceng_shared.pagination import paginate
from jiceng_shared.scope import require_scope, scope_filter

CLOSE = "assessment.period.close"
READ = "assessment.period.read"


def _within(column: Any, prefix: str) -> ColumnElement[bool]:
    return column.like(f"{prefix}%")


def _targets(principal: Principal, township_code: str | None) -> list[str]:
    """The areas to close: the township asked for, else every area the caller assesses."""
    if township_code is not None:
        if area_level(township_code) != "township":
            raise Problem(
                422, "not_a_township", "Invalid request", f"township_code: {township_code} is not a township code"
            )
        require_scope(principal, CLOSE, township_code)
        return [township_code]
    areas = {b.area for b in principal.bindings_for(CLOSE) if b.dept is None}
    # a county binding already covers the caller's township bindings
    return sorted(a for a in areas if not any(o != a and a.startswith(area_prefix(o)) for o in areas))


async def close_period(
    session: AsyncSession,
    principal: Principal,
    period_text: str,
    *,
    township_code: str | None,
    now: dt.datetime,
    case_limit_days: int,
    bad_max_level: int,
    public_rating_weight: int,
) -> list[PeriodClosure]:
    try:
        period = rules.parse_period(period_text)
    except rules.InvalidPeriod as exc:
        raise Problem(422, "invalid_period", "Invalid request", f"period: {exc}") from None
    if period.kind != "month":
        raise Problem(
            422,
            "invalid_period",
            "Invalid request",
            "period: only a month is closed; a quarter or a year is closed when its months are",
        )
    month = period.text
    targets = _targets(principal, township_code)
    if not rules.has_ended(month, now):
        raise Problem(409, "period_not_ended", "Period not over", f"{month} is not over yet; results are not final")
    closures = await load_closures(session, [month])
    for target in targets:
        if any(target.startswith(area_prefix(c.area_code)) for c in closures):
            raise Problem(409, "period_closed", "Period closed", f"{month} is already closed for {target}")

    done: list[PeriodClosure] = []
    try:
        for target in targets:
            done.append(
                await _close_one(
                    session,
                    principal,
                    month,
                    target,
                    already=[*closures, *done],
                    now=now,
                    case_limit_days=case_limit_days,
                    bad_max_level=bad_max_level,
                    public_rating_weight=public_rating_weight,
                )
            )
        await session.flush()
    except IntegrityError:  # closed meanwhile by someone else (same month and area, or an overlapping one)
        raise Problem(409, "period_closed", "Period closed", f"{month} was closed meanwhile") from None
    return done


async def _close_one(
    session: AsyncSession,
    principal: Principal,
    month: str,
    target: str,
    *,
    already: list[PeriodClosure],
    now: dt.datetime,
    case_limit_days: int,
    bad_max_level: int,
    public_rating_weight: int,
) -> PeriodClosure:
    closure = PeriodClosure(
        id=new_id(),
        period=month,
        area_code=target,
        area_level=area_level(target),
        closed_at=now,
        closed_by=principal.username or principal.subject,
        closed_by_name=principal.name,
        request_id=request_id_var.get(),
        frozen={},
    )
    session.add(closure)
    await session.flush()
    results = await _freeze(
        session,
        closure,
        already=already,
        case_limit_days=case_limit_days,
        now=now,
        bad_max_level=bad_max_level,
        public_rating_weight=public_rating_weight,
    )
    closure.frozen = {kind: len(rows) for kind, rows in results.items()}
    for kind, rows in results.items():
        await emit(
            session,
            PeriodClosed(
                period_id=closure.id,
                period=month,
                township_code=target,
                subject_kind=kind,
                closed_at=now,
                results=rows,
                area_level=closure.area_level,
                closed_by=closure.closed_by,
            ),
            subject=closure.id,
            township=target,
            correlation_id=closure.id,
        )
    return closure


async def _freeze(
    session: AsyncSession,
    closure: PeriodClosure,
    *,
    already: list[PeriodClosure],
    case_limit_days: int,
    now: dt.datetime,
    bad_max_level: int,
    public_rating_weight: int,
) -> dict[str, list[dict[str, object]]]:
    """Freeze the month's counts of every subject of the closure's area not frozen by an earlier one."""
    month, prefix = closure.period, area_prefix(closure.area_code)
    period = rules.parse_period(month)

    def free(area_code: str) -> bool:
        return not any(area_code.startswith(area_prefix(c.area_code)) for c in already)

    def effective(counts: dict[str, int]) -> rules.Effective:
        return rules.Effective(counts=counts, late_adjustments={}, status="closed", closed_months=[month])

    def frozen(kind: str, subject_id: str, area_code: str, counts: dict[str, int]) -> None:
        session.add(
            FrozenResult(
                id=new_id(),
                closure_id=closure.id,
                period=month,
                subject_kind=kind,
                subject_id=subject_id,
                area_code=area_code,
                counts=counts,
            )
        )

    results: dict[str, list[dict[str, object]]] = {"unit": [], "clerk": [], "centre": []}

    unit_list = [u for u in await units.units_in_area(session, _within(Unit.area_code, prefix)) if free(u.area_code)]
    live = await units.live_counts(
        session, [u.code for u in unit_list], [month], now=now, case_limit_days=case_limit_days
    )
    for unit in unit_list:
        counts = dict(live.get(unit.code, {}).get(month) or rules.zero(unit_rules.COUNT_FIELDS))
        frozen("unit", unit.code, unit.area_code, counts)
        view = unit_indicators(unit, period, effective(counts))
        results["unit"].append(
            {"unit": view.unit.model_dump(), "counts": view.counts.model_dump(), "rates": view.rates.model_dump()}
        )

    weights = {"bad_max_level": bad_max_level, "public_rating_weight": public_rating_weight}
    clerks = [
        c
        for c in (
            await session.scalars(select(Clerk).where(_within(Clerk.township_code, prefix)).order_by(Clerk.clerk_id))
        )
        if free(c.township_code)
    ]
    live = await window.live_counts(
        session, "clerk", [c.clerk_id for c in clerks], [month], bad_max_level=bad_max_level
    )
    shown = {}
    for clerk in clerks:
        counts = dict(live.get(clerk.clerk_id, {}).get(month) or rules.zero(window_rules.COUNT_FIELDS))
        frozen("clerk", clerk.clerk_id, clerk.township_code, counts)
        shown[clerk.clerk_id] = figures(effective(counts), **weights)
    scores = await staff_scores(
        session, list(shown), [month], {k: v["public_rating_points"] for k, v in shown.items()}, public_rating_weight
    )
    for clerk in clerks:
        f = shown[clerk.clerk_id]
        results["clerk"].append(
            {
                "clerk": {
                    "clerk_id": clerk.clerk_id,
                    "clerk_username": clerk.clerk_username,
                    "township_code": clerk.township_code,
                },
                **_dump(f),
                "score": scores[clerk.clerk_id][0].model_dump(),
            }
        )

    townships = [
        t
        for t in await session.scalars(
            select(Centre.township_code).where(_within(Centre.township_code, prefix)).order_by(Centre.township_code)
        )
        if free(t)
    ]
    live = await window.live_counts(session, "centre", townships, [month], bad_max_level=bad_max_level)
    for township in townships:
        counts = dict(live.get(township, {}).get(month) or rules.zero(window_rules.COUNT_FIELDS))
        frozen("centre", township, township, counts)
        results["centre"].append({"township_code": township, **_dump(figures(effective(counts), **weights))})
    return results


def _dump(shown: dict[str, Any]) -> dict[str, Any]:
    return {
        "counts": shown["counts"].model_dump(),
        "ratings": shown["ratings"].model_dump(),
        "rates": shown["rates"].model_dump(),
        "public_rating_points": shown["public_rating_points"],
    }


async def list_closures(
    session: AsyncSession,
    principal: Principal,
    *,
    period: str | None,
    township_code: str | None,
    limit: int,
    cursor: str | None,
) -> list[PeriodClosure]:
    """Closures of the caller's areas, and the county's closures that cover them."""
    counties = {b.area[:6] + "000000" for b in principal.bindings_for(READ)}
    stmt = select(PeriodClosure).where(
        or_(scope_filter(principal, READ, PeriodClosure.area_code), PeriodClosure.area_code.in_(counties))
    )
    if period is not None:
        stmt = stmt.where(PeriodClosure.period == period)
    if township_code is not None:
        stmt = stmt.where(PeriodClosure.area_code == township_code)
    stmt = paginate(stmt, PeriodClosure.closed_at, PeriodClosure.id, limit=limit, cursor=cursor)
    return list((await session.scalars(stmt)).all())
