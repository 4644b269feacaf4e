"""Use cases of households, buildings and enterprises (人房企), each change kept in the history."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from grid.people import history, rules
from grid.people.models import Building, Enterprise, Household
from grid.people.queries import newest_first
from grid.people.schemas import (
    BuildingCreate,
    BuildingUpdate,
    EnterpriseCreate,
    EnterpriseUpdate,
    HouseholdCreate,
    HouseholdDeregister,
)
from grid.residents.models import Resident
from grid.residents.queries import readable
from grid.roster.service import grid_area, township_of
from jiceng_shared.contracts.grid import HouseholdDeregistered, HouseholdRegistered
from jiceng_shared.db import new_id
from jiceng_shared.errors import FieldErrors, Problem, not_found
from jiceng_shared.identity import Principal
from jiceng_shared.keyset import after_key
from jiceng_shared.outbox import emit
from jiceng_shared.scope import require_scope

WRITE = "grid.basedata.write"
LIST = "grid.basedata.list"
#: full records with personal data (an enterprise's legal representative, the history of changes)
READ = "grid.resident.read"


def _version(record: object, version: int) -> None:
    if record.version != version:
        raise Problem(409, "concurrent_update", "Changed by someone else", "reload the record and retry")


async def _building_in_grid(
    session: AsyncSession, building_id: str | None, grid_code: str, errors: FieldErrors
) -> None:
    if building_id is None:
        return
    found = await session.scalar(select(Building.id).where(Building.id == building_id, Building.grid_code == grid_code))
    if found is None:
        errors.add("building_id", "unknown_building", "no such building in this grid")


# --- households -------------------------------------------------------------------------------


async def ensure_household(
    session: AsyncSession,
    principal: Principal,
    *,
    grid_code: str,
    township_code: str,
    household_no: str,
    address: str,
    building_id: str | None,
    now: dt.datetime,
) -> Household:
    """The household of a number in the township, registered (``grid.household.registered``) if new."""
    household = await session.scalar(
        select(Household).where(Household.township_code == township_code, Household.household_no == household_no)
    )
    if household is not None:
        if household.status != "active":
            household.status, household.deregistered_reason, household.deregistered_at = "active", None, None
            household.updated_at = now
        return household
    household = Household(
        id=new_id(),
        grid_code=grid_code,
        township_code=township_code,
        household_no=household_no,
        address=address,
        building_id=building_id,
        status="active",
        created_at=now,
        updated_at=now,
    )
    session.add(household)
    history.record(
        session,
        entity="household",
        entity_id=household.id,
        grid_code=grid_code,
        action="created",
        changes={"household_no": [None, household_no], "address": [None, address]},
        principal=principal,
        now=now,
    )
    await emit(
        session,
        HouseholdRegistered(
            household_id=household.id, grid_code=grid_code, township_code=township_code, registered_at=now
        ),
        subject=household.id,
        township=township_code,
    )
    return household


async def register_household(
    session: AsyncSession, principal: Principal, body: HouseholdCreate, *, now: dt.datetime
) -> Household:
    grid = await grid_area(session, body.grid_code)
    require_scope(principal, WRITE, grid.code)
    errors = FieldErrors()
    await _building_in_grid(session, body.building_id, grid.code, errors)
    errors.raise_if_any()
    taken = await session.scalar(
        select(Household.id).where(
            Household.township_code == township_of(grid), Household.household_no == body.household_no
        )
    )
    if taken is not None:
        raise Problem(409, "household_exists", "Already registered", "this household number is registered")
    household = await ensure_household(
        session,
        principal,
        grid_code=grid.code,
        township_code=township_of(grid),
        household_no=body.household_no,
        address=body.address,
        building_id=body.building_id,
        now=now,
    )
    await session.flush()
    return household


async def deregister_household(
    session: AsyncSession,
    principal: Principal,
    household: Household,
    reason: str,
    *,
    now: dt.datetime,
) -> None:
    changes = history.diff(household, {"status": reason, "deregistered_reason": reason})
    household.deregistered_at, household.updated_at = now, now
    history.record(
        session,
        entity="household",
        entity_id=household.id,
        grid_code=household.grid_code,
        action="deregistered",
        changes=changes,
        principal=principal,
        now=now,
    )
    await emit(
        session,
        HouseholdDeregistered(
            household_id=household.id,
            grid_code=household.grid_code,
            township_code=household.township_code,
            reason=reason,
            deregistered_at=now,
        ),
        subject=household.id,
        township=household.township_code,
    )


async def deregister_household_by_id(
    session: AsyncSession, principal: Principal, household_id: str, body: HouseholdDeregister, *, now: dt.datetime
) -> Household:
    household = await session.scalar(
        select(Household).where(Household.id == household_id, readable(principal, LIST, Household.grid_code))
    )
    if household is None:
        raise not_found("household", household_id)
    require_scope(principal, WRITE, household.grid_code)
    _version(household, body.version)
    if household.status != "active":
        raise Problem(409, "already_deregistered", "Already deregistered", f"the household is {household.status}")
    if body.reason == "active":
        raise Problem(422, "invalid_reason", "Invalid request", "reason: moved_away or dissolved")
    await deregister_household(session, principal, household, body.reason.value, now=now)
    await session.flush()
    return household


async def household_if_emptied(
    session: AsyncSession, principal: Principal, resident: Resident, *, now: dt.datetime
) -> None:
    """When the last active member of a household is deregistered, so is the household."""
    left = await session.scalar(
        select(func.count())
        .select_from(Resident)
        .where(
            Resident.township_code == resident.township_code,
            Resident.household_no == resident.household_no,
            Resident.status == "active",
        )
    )
    if left:
        return
    household = await session.scalar(
        select(Household).where(
            Household.township_code == resident.township_code, Household.household_no == resident.household_no
        )
    )
    if household is not None and household.status == "active":
        reason = "moved_away" if resident.status == "moved_away" else "dissolved"
        await deregister_household(session, principal, household, reason, now=now)


async def list_households(
    session: AsyncSession,
    principal: Principal,
    *,
    grid_code: str | None,
    status: str | None,
    limit: int,
    cursor: str | None = None,
) -> list[tuple[Household, int]]:
    """Newest first, from after ``cursor``, ``limit + 1`` of them, each with its active members."""
    members = (
        select(func.count())
        .select_from(Resident)
        .where(
            Resident.township_code == Household.township_code,
            Resident.household_no == Household.household_no,
            Resident.status == "active",
        )
        .scalar_subquery()
    )
    stmt = select(Household, members).where(readable(principal, LIST, Household.grid_code))
    if grid_code is not None:
        stmt = stmt.where(Household.grid_code == grid_code)
    if status is not None:
        stmt = stmt.where(Household.status == status)
    rows = await session.execute(after_key(stmt, newest_first(Household), limit=limit, cursor=cursor))
    return [(h, n) for h, n in rows.all()]


# --- buildings --------------------------------------------------------------------------------


async def add_building(
    session: AsyncSession, principal: Principal, body: BuildingCreate, *, now: dt.datetime
) -> Building:
    grid = await grid_area(session, body.grid_code)
    require_scope(principal, WRITE, grid.code)
    building = Building(
        id=new_id(),
        grid_code=grid.code,
        township_code=township_of(grid),
        **body.model_dump(exclude={"grid_code"}),
        created_at=now,
        updated_at=now,
    )
    session.add(building)
    history.record(
        session,
        entity="building",
        entity_id=building.id,
        grid_code=grid.code,
        action="created",
        changes={k: [None, history._plain(v)] for k, v in body.model_dump(exclude={"grid_code"}).items()},
        principal=principal,
        now=now,
    )
    await session.flush()
    return building


async def update_building(
    session: AsyncSession, principal: Principal, building_id: str, body: BuildingUpdate, *, now: dt.datetime
) -> Building:
    building = await session.scalar(
        select(Building).where(Building.id == building_id, readable(principal, LIST, Building.grid_code))
    )
    if building is None:
        raise not_found("building", building_id)
    require_scope(principal, WRITE, building.grid_code)
    _version(building, body.version)
    fields = body.model_dump(exclude={"version"}, exclude_unset=True)
    history.update(session, building, fields, entity="building", principal=principal, now=now)
    await session.flush()
    return building


async def list_buildings(
    session: AsyncSession, principal: Principal, *, grid_code: str | None, limit: int, cursor: str | None = None
) -> list[Building]:
    """Newest first, from after ``cursor``, ``limit + 1`` of them."""
    stmt = select(Building).where(readable(principal, LIST, Building.grid_code))
    if grid_code is not None:
        stmt = stmt.where(Building.grid_code == grid_code)
    return list((await session.scalars(after_key(stmt, newest_first(Building), limit=limit, cursor=cursor))).all())


# --- enterprises ------------------------------------------------------------------------------


async def add_enterprise(
    session: AsyncSession, principal: Principal, body: EnterpriseCreate, *, now: dt.datetime
) -> Enterprise:
    grid = await grid_area(session, body.grid_code)
    require_scope(principal, WRITE, grid.code)
    errors = rules.check_enterprise(credit_code=body.credit_code, phone=body.phone, employees=body.employees)
    await _building_in_grid(session, body.building_id, grid.code, errors)
    errors.raise_if_any()
    taken = await session.scalar(
        select(Enterprise.id).where(
            Enterprise.township_code == township_of(grid), Enterprise.credit_code == body.credit_code
        )
    )
    if taken is not None:
        raise Problem(409, "enterprise_exists", "Already registered", "this credit code is registered")
    enterprise = Enterprise(
        id=new_id(),
        grid_code=grid.code,
        township_code=township_of(grid),
        **body.model_dump(exclude={"grid_code"}),
        status="active",
        created_at=now,
        updated_at=now,
    )
    session.add(enterprise)
    history.record(
        session,
        entity="enterprise",
        entity_id=enterprise.id,
        grid_code=grid.code,
        action="created",
        changes={k: [None, v] for k, v in body.model_dump(exclude={"grid_code"}).items()},
        principal=principal,
        now=now,
    )
    await session.flush()
    return enterprise


async def visible_enterprise(
    session: AsyncSession, principal: Principal, enterprise_id: str, permission: str
) -> Enterprise:
    enterprise = await session.scalar(
        select(Enterprise).where(Enterprise.id == enterprise_id, readable(principal, permission, Enterprise.grid_code))
    )
    if enterprise is None:
        raise not_found("enterprise", enterprise_id)
    return enterprise


async def update_enterprise(
    session: AsyncSession, principal: Principal, enterprise_id: str, body: EnterpriseUpdate, *, now: dt.datetime
) -> Enterprise:
    enterprise = await visible_enterprise(session, principal, enterprise_id, LIST)
    require_scope(principal, WRITE, enterprise.grid_code)
    _version(enterprise, body.version)
    fields = body.model_dump(exclude={"version"}, exclude_unset=True)
    errors = rules.check_enterprise(credit_code=None, phone=fields.get("phone"), employees=fields.get("employees"))
    if "building_id" in fields:
        await _building_in_grid(session, fields["building_id"], enterprise.grid_code, errors)
    errors.raise_if_any()
    history.update(session, enterprise, fields, entity="enterprise", principal=principal, now=now)
    await session.flush()
    return enterprise


async def list_enterprises(
    session: AsyncSession,
    principal: Principal,
    *,
    grid_code: str | None,
    credit_code: str | None,
    limit: int,
    cursor: str | None = None,
) -> list[Enterprise]:
    """Newest first, from after ``cursor``, ``limit + 1`` of them."""
    stmt = select(Enterprise).where(readable(principal, LIST, Enterprise.grid_code))
    if grid_code is not None:
        stmt = stmt.where(Enterprise.grid_code == grid_code)
    if credit_code is not None:
        stmt = stmt.where(Enterprise.credit_code == credit_code)
    return list((await session.scalars(after_key(stmt, newest_first(Enterprise), limit=limit, cursor=cursor))).all())
