"""HTTP routes of the stationed offices' and squads' two-part result."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from assessment.paging import page_after
from assessment.periods.params import PeriodParam
from assessment.stationed import service
from assessment.stationed.queries import dual_result, part_out
from assessment.stationed.schemas import DualResult, PartCreate, PartOut
from jiceng_shared.identity import Principal
from jiceng_shared.openapi_problems import problems
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(prefix="/stationed", tags=["stationed units"])


@router.post(
    "/parts",
    status_code=201,
    response_model=PartOut,
    summary="Record the township's or the county's part",
    openapi_extra=problems({409: ["part_recorded"], 422: ["not_stationed", "part_not_applicable", "one_subject"]}),
)
async def record_part(
    body: PartCreate,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.WRITE))],
) -> PartOut:
    row, subject = await service.record_part(
        session,
        principal,
        unit_code=body.unit_code,
        squad_id=body.squad_id,
        period=body.period,
        part=body.part,
        score=body.score,
        note=body.note,
        minimum=ctx.settings.stationed_township_weight,
        now=ctx.now(),
    )
    return part_out(row, subject.township_weight)


@router.get("/results", response_model=Page[DualResult], summary="Stationed units with both parts and the result")
async def list_stationed_results(
    ctx: Ctx,
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(service.READ))],
    period: PeriodParam,
    township_code: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[DualResult]:
    rows = await service.results(
        session, principal, period.text, township_code=township_code, minimum=ctx.settings.stationed_township_weight
    )
    ordered = sorted(rows, key=lambda row: service.order_key(row[0]))
    shown, next_cursor = page_after(ordered, limit, cursor, lambda row: service.order_key(row[0]))
    return Page[DualResult](
        items=[dual_result(subject, parts, period.text) for subject, parts in shown], next_cursor=next_cursor
    )
