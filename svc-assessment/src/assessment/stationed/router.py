"""HTTP routes of the stationed offices' and squads' two-part result."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from assessment.periods.params import PeriodParam
from assessment.stationed import rules, service
from assessment.stationed.models import DualPart
from assessment.stationed.schemas import DualResult, PartCreate, PartOut
from assessment.units.views import unit_out
from jiceng_shared.identity import Principal
from jiceng_shared.openapi_problems import problems
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(prefix="/stationed", tags=["stationed units"])


def _part(p: DualPart | None, weight: int) -> PartOut | None:
    if p is None:
        return None
    part = rules.Part(p.part)
    return PartOut(
        part=part,
        part_zh=part.label_zh,
        score=p.score,
        weight=weight if part is rules.Part.TOWNSHIP else 100 - weight,
        note=p.note,
        rated_by=p.rated_by,
        rated_at=p.rated_at,
    )


@router.post(
    "/parts",
    status_code=201,
    response_model=PartOut,
    summary="Record the township's or the county's part",
    openapi_extra=problems({409: ["part_recorded"], 422: ["not_stationed"]}),
)
async def record_part(
    body: PartCreate,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.WRITE))],
) -> PartOut:
    row = await service.record_part(
        session,
        principal,
        unit_code=body.unit_code,
        period=body.period,
        part=body.part,
        score=body.score,
        note=body.note,
        now=ctx.now(),
    )
    return _part(row, ctx.settings.stationed_township_weight)  # type: ignore[return-value]


@router.get("/results", response_model=list[DualResult], summary="Stationed units with both parts and the result")
async def list_stationed_results(
    ctx: Ctx,
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(service.READ))],
    period: PeriodParam,
    township_code: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
) -> list[DualResult]:
    weight = ctx.settings.stationed_township_weight
    rows = await service.results(session, principal, period.text, township_code=township_code)
    out = []
    for unit, parts in rows:
        town, county = parts.get("township"), parts.get("county")
        out.append(
            DualResult(
                unit=unit_out(unit),
                period=period.text,
                township_weight=weight,
                township=_part(town, weight),
                county=_part(county, weight),
                result=rules.combined(
                    town.score if town else None, county.score if county else None, township_weight=weight
                ),
                formula=f"{weight}% × 乡镇(街道)考核 + {100 - weight}% × 县级主管部门考核",
            )
        )
    return out
