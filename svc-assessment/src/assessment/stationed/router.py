"""HTTP routes of the stationed offices' and squads' two-part result."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from assessment.paging import page_after
from assessment.periods.params import PeriodParam
from assessment.stationed import rules, service
from assessment.stationed.models import DualPart
from assessment.stationed.schemas import DualResult, DualSubjectKind, PartCreate, PartOut
from assessment.units.schemas import UnitOut
from jiceng_shared.identity import Principal
from jiceng_shared.openapi_problems import problems
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
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


def subject_out(s: service.Subject) -> UnitOut:
    return UnitOut(code=s.code, name=s.name, dept=s.dept, area_code=s.area_code, kind=s.kind, kind_zh=s.kind_zh)


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
    return _part(row, subject.township_weight)  # type: ignore[return-value]


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
    out = []
    for subject, parts in shown:
        weight = subject.township_weight
        town, county = parts.get("township"), parts.get("county")
        out.append(
            DualResult(
                subject_kind=DualSubjectKind(subject.subject_kind),
                unit=subject_out(subject),
                period=period.text,
                township_weight=weight,
                township=_part(town, weight),
                county=_part(county, weight),
                result=rules.combined(
                    town.score if town else None, county.score if county else None, township_weight=weight
                ),
                formula=(
                    "100% × 乡镇(街道)考核"
                    if weight == 100
                    else f"{weight}% × 乡镇(街道)考核 + {100 - weight}% × 县级主管部门考核"
                ),
            )
        )
    return Page[DualResult](items=out, next_cursor=next_cursor)
