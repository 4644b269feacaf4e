"""HTTP routes of tickets."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from dispatch.tickets import extension, intake, parking, queries, service
from dispatch.tickets.schemas import (
    ExtensionDecisionIn,
    ExtensionRequestIn,
    FeedbackIn,
    ParkDecisionIn,
    ParkIn,
    ReassignIn,
    ResumeIn,
    ReturnIn,
    Source,
    Status,
    TicketDetail,
    TicketIntake,
    TicketOut,
    VerificationIn,
    VoidIn,
)
from jiceng_shared.identity import Principal
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, page_of
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(prefix="/tickets", tags=["tickets"])


@router.post(
    "",
    status_code=201,
    response_model=TicketDetail,
    summary="Register a matter (hotline, department system, centre)",
    responses={200: {"model": TicketDetail, "description": "the same external_ref was posted before"}},
)
async def register_ticket(
    body: TicketIntake,
    response: Response,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(intake.INTAKE))],
) -> TicketDetail:
    env = service.env_of(ctx)
    ticket, created = await intake.intake(session, principal, body, env)
    detail = await queries.detail_of(session, ticket, principal, env.now)
    if not created:
        response.status_code = 200
    response.headers["Location"] = f"{ctx.spec.api_prefix}/tickets/{ticket.id}"
    return detail


@router.get("", response_model=Page[TicketOut], summary="Tickets in your scope, newest first")
async def list_tickets(
    ctx: Ctx,
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(queries.READ))],
    status: Status | None = None,
    unit: Annotated[str | None, Query(description="unit code <area code>:<department>")] = None,
    category: str | None = None,
    source: Source | None = None,
    correlation_id: str | None = None,
    incident_id: Annotated[
        str | None, Query(description="the grid incident behind the ticket (merged ones too)")
    ] = None,
    area_code: Annotated[str | None, Query(pattern=r"^\d{12}(\d{3})?$")] = None,
    overdue: Annotated[bool | None, Query(description="only tickets past (or within) their handling deadline")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[TicketOut]:
    env = service.env_of(ctx)
    filters = {
        "status": status,
        "unit": unit,
        "category": category,
        "source": source,
        "correlation_id": correlation_id,
        "area_code": area_code,
        "incident_id": incident_id,
    }
    listing = queries.listing(principal, filters=filters, overdue=overdue, now=env.now, limit=limit, cursor=cursor)
    rows = list((await session.scalars(listing)).all())
    items, next_cursor = page_of(rows, limit)
    involved = await queries.involved_units(session, [t.id for t in items])
    labels = await queries.category_labels(session, items)
    return Page[TicketOut](
        items=[queries.to_out(t, env.now, labels=labels, involved=involved[t.id]) for t in items],
        next_cursor=next_cursor,
    )


@router.get("/{ticket_id}", response_model=TicketDetail, summary="One ticket with its timeline")
async def get_ticket(
    ticket_id: str, ctx: Ctx, session: ReadSession, principal: Annotated[Principal, Depends(require(queries.READ))]
) -> TicketDetail:
    env = service.env_of(ctx)
    ticket = await queries.get_ticket(session, principal, ticket_id)
    return await queries.detail_of(session, ticket, principal, env.now)


@router.post("/{ticket_id}/feedback", response_model=TicketDetail, summary="The handling unit reports what it did")
async def give_feedback(
    ticket_id: str,
    body: FeedbackIn,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.FEEDBACK))],
) -> TicketDetail:
    env = service.env_of(ctx)
    ticket = await service.feedback(session, principal, ticket_id, body.outcome, env)
    return await queries.detail_of(session, ticket, principal, env.now)


@router.post("/{ticket_id}/return", response_model=TicketDetail, summary="The unit returns a ticket outside its remit")
async def return_ticket(
    ticket_id: str,
    body: ReturnIn,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.RETURN))],
) -> TicketDetail:
    env = service.env_of(ctx)
    ticket = await service.return_ticket(session, principal, ticket_id, body.reason, env)
    return await queries.detail_of(session, ticket, principal, env.now)


@router.post(
    "/{ticket_id}/reassign", response_model=TicketDetail, summary="The centre gives the ticket to another unit"
)
async def reassign(
    ticket_id: str,
    body: ReassignIn,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.REASSIGN))],
) -> TicketDetail:
    env = service.env_of(ctx)
    ticket = await service.reassign(session, principal, ticket_id, body.unit_code, body.reason, env)
    return await queries.detail_of(session, ticket, principal, env.now)


@router.post(
    "/{ticket_id}/verification", response_model=TicketDetail, summary="On-site verification of the feedback (核查)"
)
async def verify(
    ticket_id: str,
    body: VerificationIn,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.VERIFY))],
) -> TicketDetail:
    env = service.env_of(ctx)
    ticket = await service.verify(session, principal, ticket_id, body.passed, body.note, env)
    return await queries.detail_of(session, ticket, principal, env.now)


@router.post(
    "/{ticket_id}/extension", response_model=TicketDetail, summary="The handling unit asks for more time (延期)"
)
async def request_extension(
    ticket_id: str,
    body: ExtensionRequestIn,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(extension.REQUEST))],
) -> TicketDetail:
    env = service.env_of(ctx)
    ticket = await extension.request(session, principal, ticket_id, body.value, body.reason, env)
    return await queries.detail_of(session, ticket, principal, env.now)


@router.post(
    "/{ticket_id}/extension/decision",
    response_model=TicketDetail,
    summary="The centre or the township leader decides an extension request",
)
async def decide_extension(
    ticket_id: str,
    body: ExtensionDecisionIn,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(extension.DECIDE))],
) -> TicketDetail:
    env = service.env_of(ctx)
    ticket = await extension.decide(session, principal, ticket_id, body.approved, body.note, env)
    return await queries.detail_of(session, ticket, principal, env.now)


@router.post(
    "/{ticket_id}/sign-for", response_model=TicketDetail, summary="The handling unit signs for the ticket (签收)"
)
async def sign_for(
    ticket_id: str,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.SIGN_FOR))],
) -> TicketDetail:
    env = service.env_of(ctx)
    ticket = await service.sign_for(session, principal, ticket_id, env)
    return await queries.detail_of(session, ticket, principal, env.now)


@router.post("/{ticket_id}/void", response_model=TicketDetail, summary="The centre voids an invalid report (作废)")
async def void(
    ticket_id: str,
    body: VoidIn,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.VOID))],
) -> TicketDetail:
    env = service.env_of(ctx)
    ticket = await service.void(session, principal, ticket_id, body.reason, body.note, env)
    return await queries.detail_of(session, ticket, principal, env.now)


@router.post(
    "/{ticket_id}/park", response_model=TicketDetail, summary="The handling unit asks to park the ticket (挂账)"
)
async def request_park(
    ticket_id: str,
    body: ParkIn,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(parking.REQUEST))],
) -> TicketDetail:
    env = service.env_of(ctx)
    ticket = await parking.request(session, principal, ticket_id, body.reason, env)
    return await queries.detail_of(session, ticket, principal, env.now)


@router.post(
    "/{ticket_id}/park/decision",
    response_model=TicketDetail,
    summary="The township leader decides a request to park (the clock pauses)",
)
async def decide_park(
    ticket_id: str,
    body: ParkDecisionIn,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(parking.DECIDE))],
) -> TicketDetail:
    env = service.env_of(ctx)
    ticket = await parking.decide(session, principal, ticket_id, body.approved, body.note, env)
    return await queries.detail_of(session, ticket, principal, env.now)


@router.post("/{ticket_id}/resume", response_model=TicketDetail, summary="A parked ticket is taken up again (解除挂账)")
async def resume(
    ticket_id: str,
    body: ResumeIn,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(parking.RESUME))],
) -> TicketDetail:
    env = service.env_of(ctx)
    ticket = await parking.resume(session, principal, ticket_id, body.note, env)
    return await queries.detail_of(session, ticket, principal, env.now)
