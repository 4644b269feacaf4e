"""HTTP routes of residents (grid base data). The full record's route is flagged
``audit = "personal_record"`` in policy/grid.toml, so the gateway records every read of it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from grid.residents import rules, service
from grid.residents.models import Resident
from grid.residents.schemas import ResidentCreate, ResidentDetail, ResidentOut
from jiceng_shared.identity import Principal
from jiceng_shared.masking import mask_id_number
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, page_of
from jiceng_shared.service import Ctx, require

router = APIRouter(prefix="/residents", tags=["residents"])


def _out(r: Resident) -> ResidentOut:
    return ResidentOut(
        id=r.id,
        grid_code=r.grid_code,
        township_code=r.township_code,
        name=r.name,
        id_number_masked=mask_id_number(r.id_number),
        phone_masked=rules.mask_phone(r.phone),
        household_no=r.household_no,
        household_head=r.household_head,
        special_groups=r.special_groups,
        special_groups_zh=[rules.SPECIAL_GROUPS[g] for g in r.special_groups],
        created_at=r.created_at,
        updated_at=r.updated_at,
        version=r.version,
    )


def _detail(r: Resident) -> ResidentDetail:
    return ResidentDetail(
        **_out(r).model_dump(), id_number=r.id_number, phone=r.phone, address=r.address, registered_by=r.registered_by
    )


@router.post("", status_code=201, response_model=ResidentDetail, summary="Register a resident of your grid")
async def register_resident(
    body: ResidentCreate,
    response: Response,
    ctx: Ctx,
    principal: Annotated[Principal, Depends(require(service.REGISTER))],
) -> ResidentDetail:
    async with ctx.db.transaction() as session:
        resident = await service.register(session, principal, body, now=ctx.now())
    response.headers["Location"] = f"{ctx.spec.api_prefix}/residents/{resident.id}"
    return _detail(resident)


@router.get(
    "",
    response_model=Page[ResidentOut],
    summary="Residents in your scope, newest first (identity and phone numbers masked)",
)
async def list_residents(
    ctx: Ctx,
    principal: Annotated[Principal, Depends(require(service.LIST))],
    grid_code: Annotated[str | None, Query(pattern=r"^\d{15}$")] = None,
    household_no: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[ResidentOut]:
    async with ctx.db.session() as session:
        rows = await service.list_residents(
            session, principal, grid_code=grid_code, household_no=household_no, limit=limit, cursor=cursor
        )
    items, next_cursor = page_of(rows, limit)
    return Page[ResidentOut](items=[_out(r) for r in items], next_cursor=next_cursor)


@router.get("/{resident_id}", response_model=ResidentDetail, summary="One resident's full record (audited)")
async def get_resident(
    resident_id: str, ctx: Ctx, principal: Annotated[Principal, Depends(require(service.READ))]
) -> ResidentDetail:
    async with ctx.db.session() as session:
        resident = await service.get_resident(session, principal, resident_id)
    return _detail(resident)
