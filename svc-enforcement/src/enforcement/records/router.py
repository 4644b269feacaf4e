"""HTTP routes of the whole-process record: append (never change), read, verify."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from enforcement.cases import service as cases
from enforcement.records import service
from enforcement.records.schemas import EntryIn, EntryOut, VerificationOut
from jiceng_shared.identity import Principal
from jiceng_shared.pagination import MAX_LIMIT, Page
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(prefix="/cases/{case_id}", tags=["whole-process record"])
Reader = Annotated[Principal, Depends(require(cases.READ))]


@router.post(
    "/records",
    status_code=201,
    response_model=EntryOut,
    summary="Append an entry (note, evidence, inquiry, photo, video, document) to the record",
)
async def add_entry(
    case_id: str,
    body: EntryIn,
    response: Response,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(cases.RECORD))],
) -> EntryOut:
    entry = await cases.add_entry(
        session,
        principal,
        case_id,
        body,
        calendar=ctx.calendar,
        max_chars=ctx.settings.record_content_max_chars,
        now=ctx.now(),
    )
    response.headers["Location"] = f"{ctx.spec.api_prefix}/cases/{case_id}/record"
    return service.to_out(entry)


@router.get("/record", response_model=Page[EntryOut], summary="The record, oldest entry first")
async def read_record(
    case_id: str,
    session: ReadSession,
    principal: Reader,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = MAX_LIMIT,
    cursor: str | None = None,
) -> Page[EntryOut]:
    after = service.after_seq(cursor)
    case = await cases.get_case(session, principal, case_id)
    return await service.page(session, case.id, after_seq=after, limit=limit)


@router.get("/record/verify", response_model=VerificationOut, summary="Recompute the hash chain of the record")
async def verify_record(case_id: str, session: ReadSession, principal: Reader) -> VerificationOut:
    case = await cases.get_case(session, principal, case_id)
    return service.verification_out(case, await service.verify(session, case))
