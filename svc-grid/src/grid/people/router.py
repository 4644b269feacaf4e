"""HTTP routes of households, buildings, enterprises, the special registers and base-data history."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import select

from grid.areas.models import Area
from grid.areas.rules import GridSizeLimits, grid_oversize
from grid.people import queries, service
from grid.people.models import Enterprise, Household
from grid.people.schemas import (
    BaseDataChangeOut,
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
    RegisterEntry,
    RegisterOut,
)
from grid.people.size import grid_counts
from grid.residents import rules as resident_rules
from grid.residents import service as residents
from jiceng_shared.errors import Problem
from jiceng_shared.identity import Principal
from jiceng_shared.masking import mask_id_number, mask_person_name, mask_phone
from jiceng_shared.openapi_problems import problems
from jiceng_shared.pagination import MAX_LIMIT
from jiceng_shared.scope import scope_filter
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(tags=["base data"])
Writer = Annotated[Principal, Depends(require(service.WRITE))]
Lister = Annotated[Principal, Depends(require(service.LIST))]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
REGISTER_READ = "grid.register.read"


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


def enterprise_out(e: Enterprise, model: type[EnterpriseOut] = EnterpriseOut) -> EnterpriseOut:
    extra = {}
    if model is EnterpriseDetail:
        extra = {
            "legal_representative": e.legal_representative,
            "phone": e.phone,
            "address": e.address,
            "building_id": e.building_id,
            "safety_notes": e.safety_notes,
        }
    return model(
        id=e.id,
        grid_code=e.grid_code,
        township_code=e.township_code,
        name=e.name,
        credit_code=e.credit_code,
        legal_representative_masked=mask_person_name(e.legal_representative),
        phone_masked=mask_phone(e.phone),
        industry=e.industry,
        employees=e.employees,
        status=e.status,
        version=e.version,
        **extra,
    )


# --- households -------------------------------------------------------------------------------


@router.post(
    "/households",
    status_code=201,
    response_model=HouseholdOut,
    summary="Register a household",
    openapi_extra=problems({409: ["household_exists"], 422: ["unknown_building", "unknown_grid"]}),
)
async def register_household(body: HouseholdCreate, ctx: Ctx, session: Tx, principal: Writer) -> HouseholdOut:
    return household_out(await service.register_household(session, principal, body, now=ctx.now()))


@router.get("/households", response_model=list[HouseholdOut], summary="Households in your scope (addresses masked)")
async def list_households(
    session: ReadSession,
    principal: Lister,
    grid_code: Annotated[str | None, Query(pattern=r"^\d{15}$")] = None,
    status: HouseholdStatus | None = None,
    limit: Limit = 50,
) -> list[HouseholdOut]:
    rows = await service.list_households(session, principal, grid_code=grid_code, status=status, limit=limit)
    return [household_out(h, n) for h, n in rows]


@router.post(
    "/households/{household_id}/deregister",
    response_model=HouseholdOut,
    summary="Deregister a whole household",
    openapi_extra=problems({409: ["already_deregistered"], 422: ["invalid_reason"]}),
)
async def deregister_household(
    household_id: str, body: HouseholdDeregister, ctx: Ctx, session: Tx, principal: Writer
) -> HouseholdOut:
    return household_out(
        await service.deregister_household_by_id(session, principal, household_id, body, now=ctx.now())
    )


# --- buildings --------------------------------------------------------------------------------


@router.post("/buildings", status_code=201, response_model=BuildingOut, summary="Register a building (房)")
async def add_building(body: BuildingCreate, ctx: Ctx, session: Tx, principal: Writer) -> BuildingOut:
    return BuildingOut.model_validate(
        await service.add_building(session, principal, body, now=ctx.now()), from_attributes=True
    )


@router.get("/buildings", response_model=list[BuildingOut], summary="Buildings in your scope")
async def list_buildings(
    session: ReadSession,
    principal: Lister,
    grid_code: Annotated[str | None, Query(pattern=r"^\d{15}$")] = None,
    limit: Limit = 50,
) -> list[BuildingOut]:
    rows = await service.list_buildings(session, principal, grid_code=grid_code, limit=limit)
    return [BuildingOut.model_validate(b, from_attributes=True) for b in rows]


@router.patch("/buildings/{building_id}", response_model=BuildingOut, summary="Keep a building's record current")
async def update_building(
    building_id: str, body: BuildingUpdate, ctx: Ctx, session: Tx, principal: Writer
) -> BuildingOut:
    building = await service.update_building(session, principal, building_id, body, now=ctx.now())
    return BuildingOut.model_validate(building, from_attributes=True)


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
    return enterprise_out(enterprise, EnterpriseDetail)


@router.get(
    "/enterprises", response_model=list[EnterpriseOut], summary="Enterprises in your scope (representatives masked)"
)
async def list_enterprises(
    session: ReadSession,
    principal: Lister,
    grid_code: Annotated[str | None, Query(pattern=r"^\d{15}$")] = None,
    credit_code: str | None = None,
    limit: Limit = 50,
) -> list[EnterpriseOut]:
    rows = await service.list_enterprises(session, principal, grid_code=grid_code, credit_code=credit_code, limit=limit)
    return [enterprise_out(e) for e in rows]


@router.get(
    "/enterprises/{enterprise_id}", response_model=EnterpriseDetail, summary="One enterprise's record (audited)"
)
async def get_enterprise(
    enterprise_id: str, session: ReadSession, principal: Annotated[Principal, Depends(require(service.READ))]
) -> EnterpriseOut:
    return enterprise_out(
        await service.visible_enterprise(session, principal, enterprise_id, service.READ), EnterpriseDetail
    )


@router.patch(
    "/enterprises/{enterprise_id}", response_model=EnterpriseDetail, summary="Keep an enterprise's record current"
)
async def update_enterprise(
    enterprise_id: str, body: EnterpriseUpdate, ctx: Ctx, session: Tx, principal: Writer
) -> EnterpriseOut:
    return enterprise_out(
        await service.update_enterprise(session, principal, enterprise_id, body, now=ctx.now()), EnterpriseDetail
    )


# --- history and registers --------------------------------------------------------------------


@router.get(
    "/history/{entity}/{entity_id}",
    response_model=list[BaseDataChangeOut],
    summary="Who changed what in a base-data record, and when (audited)",
)
async def history(
    entity: Literal["resident", "household", "building", "enterprise"],
    entity_id: str,
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(service.READ))],
) -> list[BaseDataChangeOut]:
    rows = await queries.changes_of(session, principal, service.READ, entity, entity_id)
    return [BaseDataChangeOut.model_validate(c, from_attributes=True) for c in rows]


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
    limit: Limit = 50,
) -> RegisterOut:
    if group not in resident_rules.SPECIAL_GROUPS:
        raise Problem(404, "not_found", "Not found", f"no register {group!r}")
    sensitive = group in ctx.settings.sensitive_groups
    permission = residents.SENSITIVE if sensitive else REGISTER_READ
    if sensitive and not principal.can(permission):
        raise Problem(
            403, "sensitive_register", "Permission denied", "this register is visible only to roles that need it"
        )
    rows = await queries.register_members(session, principal, permission, group, grid_code=grid_code, limit=limit)
    return RegisterOut(
        group=group,
        group_zh=resident_rules.SPECIAL_GROUPS[group],
        sensitive=sensitive,
        fields=resident_rules.GROUP_FIELDS.get(group, {}),
        items=[
            RegisterEntry(
                resident_id=r.id,
                grid_code=r.grid_code,
                name_masked=mask_person_name(r.name),
                id_number_masked=mask_id_number(r.id_number),
                phone_masked=mask_phone(r.phone),
                household_no=r.household_no,
                details=(r.group_details or {}).get(group, {}),
            )
            for r in rows
        ],
    )


@router.get(
    "/grid-sizes",
    response_model=list[GridSize],
    summary="Each grid's households and people from its base data, and whether it must be split (001)",
)
async def grid_sizes(
    ctx: Ctx,
    session: ReadSession,
    principal: Lister,
    grid_code: Annotated[str | None, Query(pattern=r"^\d{15}$")] = None,
) -> list[GridSize]:
    stmt = select(Area.code, Area.dense).where(Area.level == "grid", scope_filter(principal, service.LIST, Area.code))
    if grid_code is not None:
        stmt = stmt.where(Area.code == grid_code)
    grids = (await session.execute(stmt.order_by(Area.code))).all()
    counts = await grid_counts(session, [code for code, _ in grids])
    s = ctx.settings
    limits = GridSizeLimits(
        s.grid_max_households, s.grid_max_people, s.dense_grid_max_households, s.dense_grid_max_people
    )
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
