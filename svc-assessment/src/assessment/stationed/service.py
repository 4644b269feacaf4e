"""Use cases of the stationed units' two-part result: each level records its part; reads combine them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from assessment.stationed import rules
from assessment.stationed.models import DualPart
from assessment.units.models import Unit
from jiceng_shared.errors import Problem, not_found, scope_denied
from jiceng_shared.identity import Principal, area_level
from jiceng_shared.scope import scope_filter

READ = "assessment.unit.read"
WRITE = "assessment.manual_rating.write"


def _level_binding(principal: Principal, unit: Unit, part: rules.Part) -> bool:
    """The township's part by an assessor of the unit's township, the county's by one of the county."""
    for b in principal.bindings_for(WRITE):
        if not b.covers(unit.area_code, unit.dept):
            continue
        level = area_level(b.area)
        if (part is rules.Part.TOWNSHIP and level == "township") or (part is rules.Part.COUNTY and level == "county"):
            return True
    return False


async def record_part(
    session: AsyncSession,
    principal: Principal,
    *,
    unit_code: str,
    period: str,
    part: rules.Part,
    score: float,
    note: str,
    now: dt.datetime,
) -> DualPart:
    unit = await session.scalar(
        select(Unit).where(Unit.code == unit_code, scope_filter(principal, READ, Unit.area_code, Unit.dept))
    )
    if unit is None:
        raise not_found("unit", unit_code)
    if unit.kind not in rules.DUAL_KINDS:
        raise Problem(
            422,
            "not_stationed",
            "Not a stationed unit",
            f"{unit_code} is a {unit.kind}: only stationed offices and squads are assessed in two parts",
            errors=[{"field": "unit_code", "code": "not_stationed", "message": "not a stationed office"}],
        )
    if not _level_binding(principal, unit, part):
        raise scope_denied(f"the {part.value} part is recorded by an assessor of the {part.value}")
    row = DualPart(
        unit_code=unit.code,
        period=period,
        part=part.value,
        area_code=unit.area_code,
        dept=unit.dept,
        score=score,
        note=note,
        rated_by=principal.username or principal.subject,
        rated_at=now,
    )
    session.add(row)
    try:
        await session.flush()
    except IntegrityError:
        raise Problem(409, "part_recorded", "Part recorded", f"the {part.value} part of {period} is recorded") from None
    return row


async def results(
    session: AsyncSession, principal: Principal, period: str, *, township_code: str | None
) -> list[tuple[Unit, dict[str, DualPart]]]:
    stmt = select(Unit).where(Unit.kind.in_(rules.DUAL_KINDS), scope_filter(principal, READ, Unit.area_code, Unit.dept))
    if township_code is not None:
        stmt = stmt.where(Unit.area_code == township_code)
    units = list((await session.scalars(stmt.order_by(Unit.code))).all())
    parts = (
        await session.scalars(
            select(DualPart).where(DualPart.period == period, DualPart.unit_code.in_([u.code for u in units]))
        )
    ).all()
    by_unit: dict[str, dict[str, DualPart]] = {}
    for p in parts:
        by_unit.setdefault(p.unit_code, {})[p.part] = p
    return [(u, by_unit.get(u.code, {})) for u in units]
