"""Use cases of residents: register one in your grid, list them (masked), read one record."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from grid.areas.models import Area
from grid.residents import rules
from grid.residents.models import Resident
from grid.residents.schemas import ResidentCreate
from jiceng_shared.db import new_id, utcnow
from jiceng_shared.errors import Problem, not_found
from jiceng_shared.identity import Principal
from jiceng_shared.pagination import paginate
from jiceng_shared.scope import require_scope, scope_filter

REGISTER = "grid.resident.register"
LIST = "grid.resident.list"
READ = "grid.resident.read"


async def register(
    session: AsyncSession, principal: Principal, body: ResidentCreate, *, now: dt.datetime | None = None
) -> Resident:
    grid = await session.scalar(select(Area).where(Area.code == body.grid_code, Area.level == "grid"))
    if grid is None:
        raise Problem(422, "unknown_grid", "Invalid request", f"grid_code: no grid {body.grid_code}")
    # the grid worker of that grid (A or B post) keeps its base data
    require_scope(principal, REGISTER, grid.code)
    rules.check_resident(id_number=body.id_number, phone=body.phone, special_groups=body.special_groups).raise_if_any()
    township = grid.township_code or grid.code[:9] + "000"
    taken = await session.scalar(
        select(Resident.id).where(Resident.township_code == township, Resident.id_number == body.id_number)
    )
    if taken is not None:
        raise Problem(409, "resident_exists", "Already registered", "this person is already registered in the township")
    now = now or utcnow()
    resident = Resident(
        id=new_id(),
        grid_code=grid.code,
        township_code=township,
        name=body.name,
        id_number=body.id_number,
        phone=body.phone,
        address=body.address,
        household_no=body.household_no,
        household_head=body.household_head,
        special_groups=sorted(set(body.special_groups)),
        registered_by=principal.subject,
        created_at=now,
        updated_at=now,
    )
    session.add(resident)
    await session.flush()
    return resident


async def list_residents(
    session: AsyncSession,
    principal: Principal,
    *,
    grid_code: str | None,
    household_no: str | None,
    limit: int,
    cursor: str | None,
) -> list[Resident]:
    stmt = select(Resident).where(scope_filter(principal, LIST, Resident.grid_code))
    if grid_code is not None:
        stmt = stmt.where(Resident.grid_code == grid_code)
    if household_no is not None:
        stmt = stmt.where(Resident.household_no == household_no)
    stmt = paginate(stmt, Resident.created_at, Resident.id, limit=limit, cursor=cursor)
    return list((await session.scalars(stmt)).all())


async def get_resident(session: AsyncSession, principal: Principal, resident_id: str) -> Resident:
    resident = await session.scalar(
        select(Resident).where(Resident.id == resident_id, scope_filter(principal, READ, Resident.grid_code))
    )
    if resident is None:
        raise not_found("resident", resident_id)
    return resident
