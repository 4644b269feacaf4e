"""Reads of base data: the special registers (least privilege, masked), the history of a record,
the size of each grid; and the shapes of base-data rows in answers (masked in lists)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from grid.areas.models import Area
from grid.areas.rules import GridSizeLimits, grid_oversize
from grid.people.models import BaseDataChange, Building, Enterprise, Household
from grid.people.schemas import (
    BaseDataChangeOut,
    BuildingOut,
    EnterpriseDetail,
    EnterpriseOut,
    EnterpriseStatus,
    GridSize,
    HouseholdOut,
    HouseholdStatus,
    RegisterEntry,
    RegisterOut,
)
from grid.people.size import grid_counts
from grid.residents.models import Resident, ResidentGroup
from grid.residents.queries import in_groups, readable
from grid.residents.rules import GROUP_FIELDS, SPECIAL_GROUPS
from jiceng_shared.errors import not_found
from jiceng_shared.identity import Principal
from jiceng_shared.keyset import ASC, DESC, after_key
from jiceng_shared.masking import mask_id_number, mask_person_name, mask_phone
from jiceng_shared.scope import scope_filter

ENTITIES = {"resident": Resident, "household": Household, "building": Building, "enterprise": Enterprise}


async def register_members(
    session: AsyncSession,
    principal: Principal,
    permission: str,
    group: str,
    *,
    grid_code: str | None,
    limit: int,
    cursor: str | None = None,
) -> list[Resident]:
    """The register's members by grid, from after ``cursor``, ``limit + 1`` of them."""
    stmt = (
        select(Resident)
        .join(ResidentGroup, ResidentGroup.resident_id == Resident.id)
        .where(in_groups([group]), readable(principal, permission, ResidentGroup.grid_code))
    )
    if grid_code is not None:
        stmt = stmt.where(ResidentGroup.grid_code == grid_code)
    order = [(Resident.grid_code, ASC), (Resident.id, ASC)]
    return list((await session.scalars(after_key(stmt, order, limit=limit, cursor=cursor))).all())


def member_key(r: Resident) -> tuple[str, str]:
    return r.grid_code, r.id


async def changes_of(
    session: AsyncSession,
    principal: Principal,
    permission: str,
    entity: str,
    entity_id: str,
    *,
    limit: int,
    cursor: str | None = None,
) -> list[BaseDataChange]:
    """The record's changes, oldest first, from after ``cursor``, ``limit + 1`` of them."""
    model = ENTITIES[entity]
    exists = await session.scalar(
        select(model.id).where(model.id == entity_id, readable(principal, permission, model.grid_code))
    )
    if exists is None:
        raise not_found(entity, entity_id)
    stmt = select(BaseDataChange).where(BaseDataChange.entity == entity, BaseDataChange.entity_id == entity_id)
    order = [(BaseDataChange.changed_at, ASC), (BaseDataChange.id, ASC)]
    return list((await session.scalars(after_key(stmt, order, limit=limit, cursor=cursor))).all())


def change_key(c: BaseDataChange) -> tuple[dt.datetime, str]:
    return c.changed_at, c.id


def change_out(c: BaseDataChange) -> BaseDataChangeOut:
    return BaseDataChangeOut.model_validate(c, from_attributes=True)


#: lists of households, buildings and enterprises: newest first
def created_key(row: Household | Building | Enterprise) -> tuple[dt.datetime, str]:
    return row.created_at, row.id


def newest_first(model: type[Household] | type[Building] | type[Enterprise]) -> list[tuple[Any, Any]]:
    return [(model.created_at, DESC), (model.id, ASC)]


def _mask_address(address: str) -> str:
    return address[:4] + "****" if len(address) > 4 else "****"


def household_out(h: Household, members: int = 0) -> HouseholdOut:
    return HouseholdOut(
        id=h.id,
        grid_code=h.grid_code,
        township_code=h.township_code,
        household_no=h.household_no,
        address_masked=_mask_address(h.address),
        building_id=h.building_id,
        status=HouseholdStatus(h.status),
        members=members,
        created_at=h.created_at,
        version=h.version,
    )


def building_out(b: Building) -> BuildingOut:
    return BuildingOut.model_validate(b, from_attributes=True)


def _enterprise_fields(e: Enterprise) -> dict[str, Any]:
    return {
        "id": e.id,
        "grid_code": e.grid_code,
        "township_code": e.township_code,
        "name": e.name,
        "credit_code": e.credit_code,
        "legal_representative_masked": mask_person_name(e.legal_representative),
        "phone_masked": mask_phone(e.phone),
        "industry": e.industry,
        "employees": e.employees,
        "status": EnterpriseStatus(e.status),
        "version": e.version,
    }


def enterprise_out(e: Enterprise) -> EnterpriseOut:
    """An enterprise in a list: its representative and phone masked."""
    return EnterpriseOut(**_enterprise_fields(e))


def enterprise_detail(e: Enterprise) -> EnterpriseDetail:
    """The full record (its reads are audited)."""
    return EnterpriseDetail(
        **_enterprise_fields(e),
        legal_representative=e.legal_representative,
        phone=e.phone,
        address=e.address,
        building_id=e.building_id,
        safety_notes=e.safety_notes,
    )


def register_entry(r: Resident, group: str) -> RegisterEntry:
    return RegisterEntry(
        resident_id=r.id,
        grid_code=r.grid_code,
        name_masked=mask_person_name(r.name),
        id_number_masked=mask_id_number(r.id_number),
        phone_masked=mask_phone(r.phone),
        household_no=r.household_no,
        details=(r.group_details or {}).get(group, {}),
    )


def register_out(group: str, sensitive: bool, members: list[Resident], next_cursor: str | None) -> RegisterOut:
    """One page of a special register: its members masked, with the register's own fields."""
    return RegisterOut(
        group=group,
        group_zh=SPECIAL_GROUPS[group],
        sensitive=sensitive,
        fields=GROUP_FIELDS.get(group, {}),
        items=[register_entry(r, group) for r in members],
        next_cursor=next_cursor,
    )


async def grid_sizes(
    session: AsyncSession,
    principal: Principal,
    permission: str,
    limits: GridSizeLimits,
    *,
    grid_code: str | None,
    limit: int,
    cursor: str | None = None,
) -> list[GridSize]:
    """Each grid's size from its base data, by code, from after ``cursor``, ``limit + 1`` of them."""
    stmt = select(Area.code, Area.dense).where(Area.level == "grid", scope_filter(principal, permission, Area.code))
    if grid_code is not None:
        stmt = stmt.where(Area.code == grid_code)
    grids = (await session.execute(after_key(stmt, [(Area.code, ASC)], limit=limit, cursor=cursor))).all()
    counts = await grid_counts(session, [code for code, _ in grids])
    out = []
    for code, dense in grids:
        households, people = counts[code]
        reasons = grid_oversize(households, people, bool(dense), limits)
        out.append(
            GridSize(
                grid_code=code,
                households=households,
                people=people,
                dense=bool(dense),
                needs_split=bool(reasons),
                split_reasons=reasons,
            )
        )
    return out
