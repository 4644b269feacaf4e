"""HTTP route of the service of a decision."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from enforcement.cases import service as cases
from enforcement.cases.schemas import CaseDetail
from enforcement.service_of_documents import service
from enforcement.service_of_documents.rules import ExecutionRules
from enforcement.service_of_documents.schemas import ServiceIn
from jiceng_shared.identity import Principal
from jiceng_shared.service import Ctx, Tx, require

router = APIRouter(prefix="/cases/{case_id}", tags=["service and payment"])


@router.post(
    "/service",
    status_code=201,
    response_model=CaseDetail,
    summary="Record the service (送达) of the decision: method, date, proof; it starts the party's periods",
)
async def serve(
    case_id: str,
    body: ServiceIn,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.SERVE))],
) -> CaseDetail:
    now = ctx.now()
    config = ExecutionRules.from_settings(ctx.settings)
    await service.serve(session, principal, case_id, body, calendar=ctx.calendar, config=config, now=now)
    return await cases.detail_in(session, case_id, ctx.calendar, now)
