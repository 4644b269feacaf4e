"""HTTP routes of the facts behind the figures (explainable scores)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from assessment.evidence import queries
from assessment.evidence.schemas import Evidence, EvidenceSubject
from assessment.gridworkers import service as gridworkers
from assessment.hotline import service as hotline
from assessment.hotline.schemas import HotlineLevel
from assessment.periods.params import PeriodParam
from assessment.units import service as units
from assessment.window import service as window
from jiceng_shared.identity import Principal
from jiceng_shared.openapi_problems import problems
from jiceng_shared.service import Ctx, ReadSession, require

router = APIRouter(prefix="/evidence", tags=["evidence"])


#: the subject (unit, clerk, worker) named in the query is unknown or outside the caller's scope
SUBJECT_NOT_FOUND = problems({404: ["not_found"]})


@router.get(
    "/units",
    response_model=Evidence,
    summary="The tickets, summons and cases behind a unit's figures",
    openapi_extra=SUBJECT_NOT_FOUND,
)
async def unit_evidence(
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(units.READ))],
    period: PeriodParam,
    unit_code: Annotated[str, Query(max_length=80)],
) -> Evidence:
    return queries.evidence_out(
        EvidenceSubject.UNIT,
        unit_code,
        period.text,
        await queries.unit_facts(session, principal, unit_code, period.months),
    )


@router.get(
    "/clerks",
    response_model=Evidence,
    summary="The applications, notices and ratings behind a clerk's figures",
    openapi_extra=SUBJECT_NOT_FOUND,
)
async def clerk_evidence(
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(window.READ))],
    period: PeriodParam,
    clerk_id: Annotated[str, Query(max_length=64)],
) -> Evidence:
    return queries.evidence_out(
        EvidenceSubject.CLERK,
        clerk_id,
        period.text,
        await queries.clerk_facts(session, principal, clerk_id, period.months),
    )


@router.get(
    "/grid-workers",
    response_model=Evidence,
    summary="The visits, diaries, reports and tasks behind a worker's score",
    openapi_extra=SUBJECT_NOT_FOUND,
)
async def worker_evidence(
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(gridworkers.READ))],
    period: PeriodParam,
    worker_id: Annotated[str, Query(max_length=64)],
) -> Evidence:
    facts = await queries.worker_facts(session, principal, worker_id, period.months)
    return queries.evidence_out(EvidenceSubject.GRID_WORKER, worker_id, period.text, facts)


@router.get(
    "/hotline",
    response_model=Evidence,
    summary="The citizen tickets behind a township's or a department's three rates (signings for, callbacks)",
    openapi_extra=SUBJECT_NOT_FOUND,
)
async def hotline_evidence(
    ctx: Ctx,
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(hotline.READ))],
    period: PeriodParam,
    subject: Annotated[str, Query(max_length=80, description="a township code, or a unit code for department")],
    level: HotlineLevel = HotlineLevel.TOWNSHIP,
) -> Evidence:
    facts = await queries.hotline_facts(session, principal, level, subject, period.months, ctx.settings.hotline_sources)
    return queries.evidence_out(EvidenceSubject(f"hotline_{level.value}"), subject, period.text, facts)
