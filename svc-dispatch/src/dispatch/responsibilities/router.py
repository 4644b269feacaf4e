"""HTTP routes of the territorial responsibility list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import AwareDatetime

from dispatch.categories import service as categories
from dispatch.responsibilities import service
from dispatch.responsibilities.schemas import ListOut, ListPublish
from jiceng_shared.identity import Principal
from jiceng_shared.service import Ctx, require

router = APIRouter(prefix="/responsibilities", tags=["responsibility list"])


@router.get("", response_model=ListOut, summary="The responsibility list in force (or a given version or date)")
async def read_list(
    ctx: Ctx,
    _: Annotated[Principal, Depends(require(service.READ))],
    township_code: Annotated[
        str | None, Query(pattern=r"^\d{12}$", description="resolve the units of this township")
    ] = None,
    at: Annotated[AwareDatetime | None, Query(description="the version in force at this instant")] = None,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> ListOut:
    service.check_township(township_code)
    async with ctx.db.session() as session:
        found = await service.read(session, at=at or ctx.now(), version=version)
        functional = await categories.functional_codes(session)
    return service.to_out(found, township_code=township_code, functional=functional)


@router.post("", status_code=201, response_model=ListOut, summary="Publish a new version of the list")
async def publish_list(
    body: ListPublish,
    response: Response,
    ctx: Ctx,
    principal: Annotated[Principal, Depends(require(service.MANAGE))],
) -> ListOut:
    async with ctx.db.transaction() as session:
        functional = await categories.functional_codes(session)
        published = await service.publish(session, principal, body, now=ctx.now(), functional=functional)
    response.headers["Location"] = f"{ctx.spec.api_prefix}/responsibilities?version={published.list.version}"
    return service.to_out(published, township_code=None, functional=functional)
