"""Use cases of the stationed units' and squads' two-part result: each level records its part;
reads combine them with the subject's weights. Squads are known from enforcement's events."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from assessment.counting import insert_once
from assessment.paging import Key
from assessment.stationed import rules
from assessment.stationed.models import DualPart, Squad
from assessment.units.models import Unit
from assessment.units.schemas import UnitKind
from jiceng_shared.errors import FieldErrors, Problem, not_found, scope_denied
from jiceng_shared.identity import Principal, area_level
from jiceng_shared.scope import scope_filter

READ = "assessment.unit.read"
WRITE = "assessment.manual_rating.write"
#: the department key of the township's own enforcement squad (综合行政执法), its scope key
ENFORCEMENT_DEPT = "cle"


@dataclass(frozen=True)
class Subject:
    """A unit or a squad assessed in two parts, with the township's share of its result."""

    subject_kind: str
    code: str
    name: str
    dept: str
    area_code: str
    kind: str
    kind_zh: str
    township_weight: int


def order_key(s: Subject) -> Key:
    """The order of ``results``: units by code, then squads by township, name and id."""
    return (0, s.code) if s.subject_kind == "unit" else (1, s.area_code, s.name, s.code)


def _unit_subject(u: Unit, weight: int) -> Subject:
    return Subject("unit", u.code, u.name, u.dept, u.area_code, u.kind, UnitKind(u.kind).label_zh, weight)


def _squad_subject(s: Squad, minimum: int) -> Subject:
    kind = rules.SquadKind(s.kind)
    return Subject(
        "squad",
        s.squad_id,
        s.name,
        s.dept,
        s.township_code,
        f"squad_{kind.value}",
        kind.label_zh,
        rules.squad_township_weight(kind, s.township_weight_percent, minimum=minimum),
    )


async def squad_registered(
    session: AsyncSession,
    *,
    squad_id: str,
    name: str,
    township_code: str,
    kind: str,
    county_dept: str | None,
    township_weight_percent: int,
    county_weight_percent: int,
    registered_at: dt.datetime,
) -> None:
    await insert_once(
        session,
        Squad,
        squad_id=squad_id,
        name=name,
        township_code=township_code,
        kind=kind,
        county_dept=county_dept,
        dept=county_dept or ENFORCEMENT_DEPT,
        township_weight_percent=township_weight_percent,
        county_weight_percent=county_weight_percent,
        registered_at=registered_at,
    )


def _level_binding(principal: Principal, area_code: str, dept: str, part: rules.Part) -> bool:
    """The township's part by an assessor of the subject's township, the county's by one of the county."""
    for b in principal.bindings_for(WRITE):
        if not b.covers(area_code, dept):
            continue
        level = area_level(b.area)
        if (part is rules.Part.TOWNSHIP and level == "township") or (part is rules.Part.COUNTY and level == "county"):
            return True
    return False


async def _subject(
    session: AsyncSession, principal: Principal, unit_code: str | None, squad_id: str | None, minimum: int
) -> Subject:
    errors = FieldErrors()
    if (unit_code is None) == (squad_id is None):
        for field in ("unit_code", "squad_id"):
            errors.add(field, "one_subject", "name either a stationed unit (unit_code) or a squad (squad_id)")
    errors.raise_if_any()
    if squad_id is not None:
        squad = await session.scalar(
            select(Squad).where(
                Squad.squad_id == squad_id,
                scope_filter(principal, READ, Squad.township_code, Squad.dept),
            )
        )
        if squad is None:
            raise not_found("squad", squad_id)
        return _squad_subject(squad, minimum)
    assert unit_code is not None
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
    return _unit_subject(unit, minimum)


async def record_part(
    session: AsyncSession,
    principal: Principal,
    *,
    unit_code: str | None,
    squad_id: str | None = None,
    period: str,
    part: rules.Part,
    score: float,
    note: str,
    minimum: int,
    now: dt.datetime,
) -> tuple[DualPart, Subject]:
    subject = await _subject(session, principal, unit_code, squad_id, minimum)
    if part is rules.Part.COUNTY and subject.township_weight == 100:
        raise Problem(
            422,
            "part_not_applicable",
            "Part not applicable",
            f"{subject.name} is assessed by the township alone: it has no county part",
            errors=[{"field": "part", "code": "part_not_applicable", "message": "assessed by the township alone"}],
        )
    if not _level_binding(principal, subject.area_code, subject.dept, part):
        raise scope_denied(f"the {part.value} part is recorded by an assessor of the {part.value}")
    row = DualPart(
        unit_code=subject.code,
        period=period,
        part=part.value,
        subject_kind=subject.subject_kind,
        area_code=subject.area_code,
        dept=subject.dept,
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
    return row, subject


async def results(
    session: AsyncSession, principal: Principal, period: str, *, township_code: str | None, minimum: int
) -> list[tuple[Subject, dict[str, DualPart]]]:
    """Stationed offices, then squads, in scope, each with the parts recorded for ``period``."""
    stmt = select(Unit).where(Unit.kind.in_(rules.DUAL_KINDS), scope_filter(principal, READ, Unit.area_code, Unit.dept))
    squads = select(Squad).where(scope_filter(principal, READ, Squad.township_code, Squad.dept))
    if township_code is not None:
        stmt = stmt.where(Unit.area_code == township_code)
        squads = squads.where(Squad.township_code == township_code)
    subjects = [_unit_subject(u, minimum) for u in (await session.scalars(stmt.order_by(Unit.code))).all()]
    subjects += [
        _squad_subject(s, minimum)
        for s in (await session.scalars(squads.order_by(Squad.township_code, Squad.name, Squad.squad_id))).all()
    ]
    parts = (
        await session.scalars(
            select(DualPart).where(DualPart.period == period, DualPart.unit_code.in_([s.code for s in subjects]))
        )
    ).all()
    by_subject: dict[str, dict[str, DualPart]] = {}
    for p in parts:
        by_subject.setdefault(p.unit_code, {})[p.part] = p
    return [(s, by_subject.get(s.code, {})) for s in subjects]
