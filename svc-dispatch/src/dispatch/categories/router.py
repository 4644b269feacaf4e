"""HTTP routes of categories."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from dispatch.categories import service
from dispatch.categories.schemas import CategoryOut, CategoryUpdate
from jiceng_shared.identity import Principal
from jiceng_shared.service import Ctx, require

router = APIRouter(prefix="/categories", tags=["categories"])


@router.get("", response_model=list[CategoryOut], summary="Event categories with their dispatch and handling limits")
async def list_categories(ctx: Ctx, _: Annotated[Principal, Depends(require(service.READ))]) -> list[CategoryOut]:
    async with ctx.db.session() as session:
        return [service.to_out(c) for c in await service.list_categories(session)]


@router.get("/{code}", response_model=CategoryOut, summary="One category with its limits")
async def get_category(code: str, ctx: Ctx, _: Annotated[Principal, Depends(require(service.READ))]) -> CategoryOut:
    async with ctx.db.session() as session:
        return service.to_out(await service.get_category(session, code))


@router.patch("/{code}", response_model=CategoryOut, summary="Change a category's limits (new tickets only)")
async def update_category(
    code: str, body: CategoryUpdate, ctx: Ctx, principal: Annotated[Principal, Depends(require(service.MANAGE))]
) -> CategoryOut:
    async with ctx.db.transaction() as session:
        category = await service.update_category(session, principal, code, body, now=ctx.now())
        return service.to_out(category)
