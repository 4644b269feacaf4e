"""HTTP routes of households, buildings, enterprises, the special registers and base-data history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from grid.people import queries, service
from grid.people.schemas import (
    BaseDataChangeOut,
    BaseDataEntity,
    BuildingCreate,
    BuildingOut,
    BuildingUpdate,
    EnterpriseCreate,
    EnterpriseDetail,
    EnterpriseOut,
    EnterpriseUpdate,
    GridSize,
    HouseholdCreate,
    HouseholdDeregister,
    HouseholdOut,
    HouseholdStatus,
    RegisterOut,
)
from grid.residents import rules as resident_rules
from grid.residents import service as residents
from jiceng_shared.errors import Problem
from jiceng_shared.identity import Principal
from jiceng_shared.keyset import page_by_key
from jiceng_shared.openapi_problems import problems
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(tags=["base data"])
Writer = Annotated[Principal, Depends(require(service.WRITE))]
Lister = Annotated[Principal, Depends(require(service.LIST))]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
REGISTER_READ = "grid.register.read"


# --- households -------------------------------------------------------------------------------


@router.post(
    "/households",
    status_code=201,
    response_model=HouseholdOut,
    summary="Register a household",
    openapi_extra=problems({409: ["household_exists"], 422: ["unknown_building", "unknown_grid"]}),
)
async def register_household(body: HouseholdCreate, ctx: Ctx, session: Tx, principal: Writer) -> HouseholdOut:
    return queries.household_out(await service.register_household(session, principal, body, now=ctx.now()))


@router.get(
    "/households",
    response_model=Page[HouseholdOut],
    summary="Households in your scope (addresses masked), newest first",
)
async def list_households(
    session: ReadSession,
    principal: Lister,
    grid_code: Annotated[str | None, Query(pattern=r"^\d{15}$")] = None,
    status: HouseholdStatus | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[HouseholdOut]:
    rows = await service.list_households(
        session, principal, grid_code=grid_code, status=status, limit=limit, cursor=cursor
    )
    page, next_cursor = page_by_key(rows, limit, lambda row: queries.created_key(row[0]))
    return Page[HouseholdOut](items=[queries.household_out(h, n) for h, n in page], next_cursor=next_cursor)


@router.post(
    "/households/{household_id}/deregister",
    response_model=HouseholdOut,
    summary="Deregister a whole household",
    openapi_extra=problems({409: ["already_deregistered"], 422: ["invalid_reason"]}),
)
async def deregister_household(
    household_id: str, body: HouseholdDeregister, ctx: Ctx, session: Tx, principal: Writer
) -> HouseholdOut:
    return queries.household_out(
        await service.deregister_household_by_id(session, principal, household_id, body, now=ctx.now())
    )


# --- buildings --------------------------------------------------------------------------------


@router.post("/buildings", status_code=201, response_model=BuildingOut, summary="Register a building (房)")
async def add_building(body: BuildingCreate, ctx: Ctx, session: Tx, principal: Writer) -> BuildingOut:
    return queries.building_out(await service.add_building(session, principal, body, now=ctx.now()))


@router.get("/buildings", response_model=Page[BuildingOut], summary="Buildings in your scope, newest first")
async def list_buildings(
    session: ReadSession,
    principal: Lister,
    grid_code: Annotated[str | None, Query(pattern=r"^\d{15}$")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[BuildingOut]:
    rows = await service.list_buildings(session, principal, grid_code=grid_code, limit=limit, cursor=cursor)
    page, next_cursor = page_by_key(rows, limit, queries.created_key)
    return Page[BuildingOut](items=[queries.building_out(b) for b in page], next_cursor=next_cursor)


@router.patch("/buildings/{building_id}", response_model=BuildingOut, summary="Keep a building's record current")
async def update_building(
    building_id: str, body: BuildingUpdate, ctx: Ctx, session: Tx, principal: Writer
) -> BuildingOut:
    return queries.building_out(await service.update_building(session, principal, building_id, body, now=ctx.now()))


# --- enterprises ------------------------------------------------------------------------------


@router.post(
    "/enterprises",
    status_code=201,
    response_model=EnterpriseDetail,
    summary="Register an enterprise (企)",
    openapi_extra=problems(
        {409: ["enterprise_exists"], 422: ["invalid_credit_code", "invalid_phone", "unknown_building"]}
    ),
)
async def add_enterprise(
    body: EnterpriseCreate, response: Response, ctx: Ctx, session: Tx, principal: Writer
) -> EnterpriseOut:
    enterprise = await service.add_enterprise(session, principal, body, now=ctx.now())
    response.headers["Location"] = f"{ctx.spec.api_prefix}/enterprises/{enterprise.id}"
    return queries.enterprise_detail(enterprise)


@router.get(
    "/enterprises",
    response_model=Page[EnterpriseOut],
    summary="Enterprises in your scope (representatives masked), newest first",
)
async def list_enterprises(
    session: ReadSession,
    principal: Lister,
    grid_code: Annotated[str | None, Query(pattern=r"^\d{15}$")] = None,
    credit_code: str | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[EnterpriseOut]:
    rows = await service.list_enterprises(
        session, principal, grid_code=grid_code, credit_code=credit_code, limit=limit, cursor=cursor
    )
    page, next_cursor = page_by_key(rows, limit, queries.created_key)
    return Page[EnterpriseOut](items=[queries.enterprise_out(e) for e in page], next_cursor=next_cursor)


@router.get(
    "/enterprises/{enterprise_id}", response_model=EnterpriseDetail, summary="One enterprise's record (audited)"
)
async def get_enterprise(
    enterprise_id: str, session: ReadSession, principal: Annotated[Principal, Depends(require(service.READ))]
) -> EnterpriseDetail:
    return queries.enterprise_detail(await service.visible_enterprise(session, principal, enterprise_id, service.READ))


@router.patch(
    "/enterprises/{enterprise_id}", response_model=EnterpriseDetail, summary="Keep an enterprise's record current"
)
async def update_enterprise(
    enterprise_id: str, body: EnterpriseUpdate, ctx: Ctx, session: Tx, principal: Writer
) -> EnterpriseDetail:
    return queries.enterprise_detail(
        await service.update_enterprise(session, principal, enterprise_id, body, now=ctx.now())
    )


# --- history and registers --------------------------------------------------------------------


@router.get(
    "/history/{entity}/{entity_id}",
    response_model=Page[BaseDataChangeOut],
    summary="Who changed what in a base-data record, and when, oldest first (audited)",
)
async def history(
    entity: BaseDataEntity,
    entity_id: str,
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(service.READ))],
    limit: Limit = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[BaseDataChangeOut]:
    rows = await queries.changes_of(session, principal, service.READ, entity, entity_id, limit=limit, cursor=cursor)
    page, next_cursor = page_by_key(rows, limit, queries.change_key)
    return Page[BaseDataChangeOut](items=[queries.change_out(c) for c in page], next_cursor=next_cursor)


@router.get(
    "/registers/{group}",
    response_model=RegisterOut,
    summary="A special-population register (002 art. 11): masked, sensitive ones only to those who need them",
    openapi_extra=problems({403: ["sensitive_register"]}),
)
async def register(
    group: str,
    ctx: Ctx,
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(REGISTER_READ))],
    grid_code: Annotated[str | None, Query(pattern=r"^\d{15}$")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> RegisterOut:
    if group not in resident_rules.SPECIAL_GROUPS:
        raise Problem(404, "not_found", "Not found", f"no register {group!r}")
    sensitive = group in ctx.settings.sensitive_groups
    permission = residents.SENSITIVE if sensitive else REGISTER_READ
    if sensitive and not principal.can(permission):
        raise Problem(
            403, "sensitive_register", "Permission denied", "this register is visible only to roles that need it"
        )
    rows = await queries.register_members(
        session, principal, permission, group, grid_code=grid_code, limit=limit, cursor=cursor
    )
    members, next_cursor = page_by_key(rows, limit, queries.member_key)
    return queries.register_out(group, sensitive, members, next_cursor)


@router.get(
    "/grid-sizes",
    response_model=Page[GridSize],
    summary="Each grid's households and people from its base data, and whether it must be split (001), by code",
)
async def grid_sizes(
    ctx: Ctx,
    session: ReadSession,
    principal: Lister,
    grid_code: Annotated[str | None, Query(pattern=r"^\d{15}$")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[GridSize]:
    rows = await queries.grid_sizes(
        session, principal, service.LIST, ctx.settings.size_limits(), grid_code=grid_code, limit=limit, cursor=cursor
    )
    page, next_cursor = page_by_key(rows, limit, lambda g: (g.grid_code,))
    return Page[GridSize](items=page, next_cursor=next_cursor)
