"""HTTP routes of residents (grid base data). The full record's route is flagged
``audit = "personal_record"`` in policy/grid.toml, so the gateway records every read of it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from grid.residents import rules, service
from grid.residents.models import Resident
from grid.residents.schemas import (
    Deregistration,
    ResidentCreate,
    ResidentDetail,
    ResidentOut,
    ResidentStatus,
    ResidentUpdate,
)
from jiceng_shared.errors import Problem
from jiceng_shared.identity import Principal
from jiceng_shared.masking import mask_id_number, mask_person_name, mask_phone
from jiceng_shared.openapi_problems import problems
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, page_of
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(prefix="/residents", tags=["residents"])
Registrar = Annotated[Principal, Depends(require(service.REGISTER))]


def sensitive_groups(ctx: Ctx) -> frozenset[str]:
    return frozenset(ctx.settings.sensitive_groups)


def _out(r: Resident, principal: Principal, sensitive: frozenset[str]) -> ResidentOut:
    groups = rules.visible_groups(r.special_groups, sensitive, principal.covers(service.SENSITIVE, r.grid_code))
    return ResidentOut(
        id=r.id,
        grid_code=r.grid_code,
        township_code=r.township_code,
        name_masked=mask_person_name(r.name),
        id_number_masked=mask_id_number(r.id_number),
        phone_masked=mask_phone(r.phone),
        household_no=r.household_no,
        household_head=r.household_head,
        special_groups=groups,
        special_groups_zh=[rules.SPECIAL_GROUPS[g] for g in groups],
        status=ResidentStatus(r.status),
        created_at=r.created_at,
        updated_at=r.updated_at,
        version=r.version,
    )


def _detail(r: Resident, principal: Principal, sensitive: frozenset[str]) -> ResidentDetail:
    out = _out(r, principal, sensitive)
    details = {g: v for g, v in (r.group_details or {}).items() if g in out.special_groups}
    return ResidentDetail(
        **out.model_dump(),
        name=r.name,
        id_number=r.id_number,
        phone=r.phone,
        address=r.address,
        ethnicity=r.ethnicity,
        education=r.education,
        building_id=r.building_id,
        house_no=r.house_no,
        housing=r.housing,
        social_security=r.social_security or [],
        employment=r.employment,
        employer=r.employer,
        income_band=r.income_band,
        safety_notes=r.safety_notes,
        group_details=details,
        deregistered_on=r.deregistered_on,
        lives_here_since=r.lives_here_since,
        registered_by=r.registered_by,
    )


@router.post(
    "",
    status_code=201,
    response_model=ResidentDetail,
    summary="Register a resident of your grid",
    openapi_extra=problems(
        {
            409: ["resident_exists"],
            422: [
                "invalid_id_number",
                "invalid_phone",
                "unknown_special_group",
                "unknown_group_field",
                "group_details_without_group",
                "period_reversed",
                "date_in_future",
            ],
        }
    ),
)
async def register_resident(
    body: ResidentCreate, response: Response, ctx: Ctx, session: Tx, principal: Registrar
) -> ResidentDetail:
    resident = await service.register(session, principal, body, now=ctx.now())
    response.headers["Location"] = f"{ctx.spec.api_prefix}/residents/{resident.id}"
    return _detail(resident, principal, sensitive_groups(ctx))


@router.get(
    "",
    response_model=Page[ResidentOut],
    summary="Residents in your scope, newest first (names, identity and phone numbers masked)",
)
async def list_residents(
    ctx: Ctx,
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(service.LIST))],
    grid_code: Annotated[str | None, Query(pattern=r"^\d{15}$")] = None,
    household_no: str | None = None,
    special_group: str | None = None,
    status: ResidentStatus | None = None,
    building_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[ResidentOut]:
    sensitive = sensitive_groups(ctx)
    if special_group is not None and special_group not in rules.SPECIAL_GROUPS:
        raise Problem(
            422, "unknown_special_group", "Invalid request", f"special_group: {special_group!r} is not a register"
        )
    if special_group in sensitive and not principal.can(service.SENSITIVE):
        raise Problem(
            403, "sensitive_register", "Permission denied", "this register is visible only to roles that need it"
        )
    rows = await service.list_residents(
        session,
        principal,
        grid_code=grid_code,
        household_no=household_no,
        special_group=special_group,
        status=status,
        building_id=building_id,
        limit=limit,
        cursor=cursor,
        sensitive=sensitive,
    )
    items, next_cursor = page_of(rows, limit)
    return Page[ResidentOut](items=[_out(r, principal, sensitive) for r in items], next_cursor=next_cursor)


@router.get("/{resident_id}", response_model=ResidentDetail, summary="One resident's full record (audited)")
async def get_resident(
    resident_id: str, ctx: Ctx, session: ReadSession, principal: Annotated[Principal, Depends(require(service.READ))]
) -> ResidentDetail:
    return _detail(await service.get_resident(session, principal, resident_id), principal, sensitive_groups(ctx))


@router.patch(
    "/{resident_id}",
    response_model=ResidentDetail,
    summary="Keep a resident's record current (history kept)",
    openapi_extra=problems({409: ["resident_deregistered"]}),
)
async def update_resident(
    resident_id: str, body: ResidentUpdate, ctx: Ctx, session: Tx, principal: Registrar
) -> ResidentDetail:
    resident = await service.update(session, principal, resident_id, body, now=ctx.now())
    return _detail(resident, principal, sensitive_groups(ctx))


@router.post(
    "/{resident_id}/deregister",
    response_model=ResidentDetail,
    summary="Deregister a resident (moved away, deceased)",
    openapi_extra=problems({409: ["resident_deregistered"], 422: ["invalid_reason", "date_in_future"]}),
)
async def deregister_resident(
    resident_id: str, body: Deregistration, ctx: Ctx, session: Tx, principal: Registrar
) -> ResidentDetail:
    now = ctx.now()
    resident = await service.deregister(
        session, principal, resident_id, body, now=now, today=ctx.calendar.local_date(now)
    )
    return _detail(resident, principal, sensitive_groups(ctx))
