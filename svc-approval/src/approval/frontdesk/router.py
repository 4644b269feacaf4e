"""HTTP routes of the front desk: posts (AB岗), inquiries (首问负责制), the clerk's queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from approval.deps import if_match, set_etag
from approval.frontdesk import queries, service
from approval.frontdesk.models import Inquiry, InquiryStep
from approval.frontdesk.schemas import (
    AbsenceBody,
    AnswerBody,
    HandoverBody,
    InquiryCreate,
    InquiryDetail,
    InquiryOut,
    InquiryStatus,
    PostCreate,
    PostOut,
    QueueOut,
)
from jiceng_shared.identity import Principal
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, page_of
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(tags=["front desk"])
IfMatch = Annotated[int | None, Depends(if_match)]
Handler = Annotated[Principal, Depends(require(service.INQUIRY_HANDLE))]


def inquiry_detail(i: Inquiry, steps: list[InquiryStep], response: Response) -> InquiryDetail:
    set_etag(response, i.version)
    return queries.inquiry_detail(i, steps)


@router.get("/posts", response_model=Page[PostOut], summary="Window posts with their A and B clerks (one page)")
async def list_posts(
    session: ReadSession, principal: Annotated[Principal, Depends(require(service.POST_READ))]
) -> Page[PostOut]:
    return Page(items=[queries.post_out(p) for p in await service.list_posts(session, principal)])


@router.post("/posts", status_code=201, response_model=PostOut, summary="Set up a window post and its backup")
async def create_post(
    body: PostCreate,
    response: Response,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.POST_MANAGE))],
) -> PostOut:
    post = await service.create_post(session, principal, body, ctx.now())
    set_etag(response, post.version)
    return queries.post_out(post)


@router.post(
    "/posts/{post_id}/absence",
    response_model=PostOut,
    summary="Mark the A clerk absent (the B clerk takes the queue) or back",
)
async def set_absence(
    post_id: str,
    body: AbsenceBody,
    response: Response,
    ctx: Ctx,
    session: Tx,
    version: IfMatch,
    principal: Annotated[Principal, Depends(require(service.POST_MANAGE))],
) -> PostOut:
    post = await service.set_absence(session, principal, post_id, body, version, ctx.now())
    set_etag(response, post.version)
    return queries.post_out(post)


@router.get("/queue", response_model=QueueOut, summary="Your queue: your matters, an absent A's, the unclaimed")
async def my_queue(session: ReadSession, principal: Handler) -> QueueOut:
    serving, inquiries, applications = await service.queue(session, principal)
    return queries.queue_out(serving, inquiries, applications)


@router.get("/inquiries", response_model=Page[InquiryOut], summary="Inquiries in your scope, newest first")
async def list_inquiries(
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(service.INQUIRY_READ))],
    status: InquiryStatus | None = None,
    owner_username: str | None = None,
    correlation_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[InquiryOut]:
    rows = await service.list_inquiries(
        session,
        principal,
        status=status,
        owner_username=owner_username,
        correlation_id=correlation_id,
        limit=limit,
        cursor=cursor,
    )
    items, next_cursor = page_of(rows, limit)
    return Page[InquiryOut](items=[queries.inquiry_out(i, InquiryOut) for i in items], next_cursor=next_cursor)


@router.post("/inquiries", status_code=201, response_model=InquiryDetail, summary="Receive an inquiry: you own it")
async def create_inquiry(
    body: InquiryCreate, response: Response, ctx: Ctx, session: Tx, principal: Handler
) -> InquiryDetail:
    row = await service.create_inquiry(session, principal, body, ctx.now())
    _, steps = await service.get_inquiry(session, principal, row.id)
    response.headers["Location"] = f"{ctx.spec.api_prefix}/inquiries/{row.id}"
    return inquiry_detail(row, steps, response)


@router.get("/inquiries/{inquiry_id}", response_model=InquiryDetail, summary="One inquiry with its timeline")
async def get_inquiry(
    inquiry_id: str,
    response: Response,
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(service.INQUIRY_READ))],
) -> InquiryDetail:
    row, steps = await service.get_inquiry(session, principal, inquiry_id)
    return inquiry_detail(row, steps, response)


@router.post(
    "/inquiries/{inquiry_id}/take",
    response_model=InquiryDetail,
    summary="Take an unclaimed inquiry from the centre's queue: you own it",
)
async def take(
    inquiry_id: str, response: Response, ctx: Ctx, session: Tx, version: IfMatch, principal: Handler
) -> InquiryDetail:
    row = await service.take(session, principal, inquiry_id, version, ctx.now())
    _, steps = await service.get_inquiry(session, principal, row.id)
    return inquiry_detail(row, steps, response)


@router.post(
    "/inquiries/{inquiry_id}/handover",
    response_model=InquiryDetail,
    summary="Hand the inquiry over explicitly (the only way ownership moves)",
)
async def handover(
    inquiry_id: str, body: HandoverBody, response: Response, ctx: Ctx, session: Tx, version: IfMatch, principal: Handler
) -> InquiryDetail:
    row = await service.handover(session, principal, inquiry_id, body, version, ctx.now())
    _, steps = await service.get_inquiry(session, principal, row.id)
    return inquiry_detail(row, steps, response)


@router.post("/inquiries/{inquiry_id}/answer", response_model=InquiryDetail, summary="Answer and close the inquiry")
async def answer(
    inquiry_id: str, body: AnswerBody, response: Response, ctx: Ctx, session: Tx, version: IfMatch, principal: Handler
) -> InquiryDetail:
    row = await service.answer(session, principal, inquiry_id, body, version, ctx.now())
    _, steps = await service.get_inquiry(session, principal, row.id)
    return inquiry_detail(row, steps, response)
