"""Reads of base data: the special registers (least privilege, masked) and the history of a record."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from grid.people.models import BaseDataChange, Building, Enterprise, Household
from grid.residents.models import Resident, ResidentGroup
from grid.residents.queries import in_groups, readable
from jiceng_shared.errors import not_found
from jiceng_shared.identity import Principal

ENTITIES = {"resident": Resident, "household": Household, "building": Building, "enterprise": Enterprise}


async def register_members(
    session: AsyncSession,
    principal: Principal,
    permission: str,
    group: str,
    *,
    grid_code: str | None,
    limit: int,
) -> list[Resident]:
    stmt = (
        select(Resident)
        .join(ResidentGroup, ResidentGroup.resident_id == Resident.id)
        .where(in_groups([group]), readable(principal, permission, ResidentGroup.grid_code))
    )
    if grid_code is not None:
        stmt = stmt.where(ResidentGroup.grid_code == grid_code)
    return list((await session.scalars(stmt.order_by(Resident.grid_code, Resident.id).limit(limit))).all())


async def changes_of(
    session: AsyncSession, principal: Principal, permission: str, entity: str, entity_id: str
) -> list[BaseDataChange]:
    model = ENTITIES[entity]
    exists = await session.scalar(
        select(model.id).where(model.id == entity_id, readable(principal, permission, model.grid_code))
    )
    if exists is None:
        raise not_found(entity, entity_id)
    rows = await session.scalars(
        select(BaseDataChange)
        .where(BaseDataChange.entity == entity, BaseDataChange.entity_id == entity_id)
        .order_by(BaseDataChange.changed_at, BaseDataChange.id)
    )
    return list(rows.all())
