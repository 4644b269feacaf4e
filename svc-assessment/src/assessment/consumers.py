"""Events svc-assessment consumes: the other services' facts, counted per unit, clerk and centre.

``enforcement.decision.made`` is deliberately not consumed: it carries the fine, and fines
collected must never feed anyone's score (行政处罚法 art. 74). Case timeliness comes from
``enforcement.case.closed``, of which only the unit and the two dates are read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from assessment.hotline import service as hotline
from assessment.units import service as units
from assessment.window import service as window
from jiceng_shared.consumers import Handler, Subscription
from jiceng_shared.contracts import approval, dispatch, enforcement
from jiceng_shared.events import CloudEvent
from jiceng_shared.service import ServiceContext


async def on_ticket_assigned(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    p = event.payload(dispatch.TicketAssigned)
    await units.record_assignment(
        session,
        ticket_id=p.ticket_id,
        unit=p.unit,
        assigned_at=p.assigned_at,
        deadline=p.deadline,
        return_by=ctx.calendar.deadline(p.assigned_at, ctx.settings.return_window_workdays),
        township_code=p.township_code,
        correlation_id=event.correlationid,
        now=ctx.now(),
    )


async def on_ticket_closed(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    p = event.payload(dispatch.TicketClosed)
    await units.record_closure(
        session,
        ticket_id=p.ticket_id,
        unit=p.unit,
        closed_at=p.closed_at,
        on_time=p.on_time,
        township_code=p.township_code,
        correlation_id=event.correlationid,
        now=ctx.now(),
    )


async def on_ticket_reopened(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    p = event.payload(dispatch.TicketReopened)
    await units.record_rework(
        session,
        ticket_id=p.ticket_id,
        unit=p.unit,
        reopened_at=p.reopened_at,
        rework_count=p.rework_count,
        township_code=p.township_code,
        correlation_id=event.correlationid,
        now=ctx.now(),
    )


async def on_ticket_returned(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    p = event.payload(dispatch.TicketReturned)
    await units.record_handoff(
        session,
        ticket_id=p.ticket_id,
        unit=p.unit,
        to_unit=None,
        kind="return",
        at=p.returned_at,
        township_code=p.township_code,
        correlation_id=event.correlationid,
        now=ctx.now(),
    )


async def on_ticket_reassigned(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    """The ticket leaves ``from_unit`` and from now on counts for ``to_unit``."""
    p = event.payload(dispatch.TicketReassigned)
    kind = p.reason_kind if p.reason_kind in units.HANDOFF_KINDS else "reassignment"
    await units.record_handoff(
        session,
        ticket_id=p.ticket_id,
        unit=p.from_unit,
        to_unit=p.to_unit,
        kind=kind,
        at=p.reassigned_at,
        township_code=p.township_code,
        correlation_id=event.correlationid,
        now=ctx.now(),
    )
    await units.record_assignment(
        session,
        ticket_id=p.ticket_id,
        unit=p.to_unit,
        assigned_at=p.reassigned_at,
        deadline=None,
        return_by=ctx.calendar.deadline(p.reassigned_at, ctx.settings.return_window_workdays),
        township_code=p.township_code,
        correlation_id=event.correlationid,
        now=ctx.now(),
    )


async def on_ticket_extended(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    p = event.payload(dispatch.TicketExtended)
    await units.record_extension(
        session,
        ticket_id=p.ticket_id,
        unit=p.unit,
        approved_at=p.approved_at,
        deadline=p.deadline,
        township_code=p.township_code,
        correlation_id=event.correlationid,
        now=ctx.now(),
    )


async def on_ticket_created(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    p = event.payload(dispatch.TicketCreated)
    await hotline.record_ticket_opened(
        session,
        ticket_id=p.ticket_id,
        township_code=p.township_code,
        area_code=p.area_code,
        category=p.category,
        source=p.source,
        created_at=p.created_at,
        correlation_id=event.correlationid,
    )


async def on_ticket_signed_for(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    p = event.payload(dispatch.TicketSignedFor)
    await hotline.record_signed_for(
        session,
        ticket_id=p.ticket_id,
        unit=p.unit,
        township_code=p.township_code,
        area_code=p.area_code,
        category=p.category,
        source=p.source,
        signed_at=p.signed_at,
        within_limit=p.within_limit,
        correlation_id=event.correlationid,
        now=ctx.now(),
    )


async def on_callback_recorded(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    p = event.payload(dispatch.CallbackRecorded)
    await hotline.record_callback(
        session,
        ticket_id=p.ticket_id,
        unit=p.unit,
        attempt=p.attempt,
        township_code=p.township_code,
        area_code=p.area_code,
        category=p.category,
        source=p.source,
        result=p.result,
        resolved=p.resolved,
        recorded_at=p.recorded_at,
        correlation_id=event.correlationid,
        now=ctx.now(),
    )


async def on_ticket_escalated(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    p = event.payload(dispatch.TicketEscalated)
    await units.record_escalation(
        session,
        ticket_id=p.ticket_id,
        unit=p.unit,
        level=p.level,
        escalated_at=p.escalated_at,
        township_code=p.township_code,
        correlation_id=event.correlationid,
        now=ctx.now(),
    )


async def on_summons_issued(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    p = event.payload(dispatch.SummonsIssued)
    await units.record_summons_issued(
        session,
        summons_id=p.summons_id,
        ticket_id=p.ticket_id,
        unit=p.unit,
        issued_at=p.issued_at,
        respond_by=p.respond_by,
        township_code=p.township_code,
        correlation_id=event.correlationid,
        now=ctx.now(),
    )


async def on_summons_answered(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    p = event.payload(dispatch.SummonsAnswered)
    await units.record_summons_answered(
        session,
        summons_id=p.summons_id,
        ticket_id=p.ticket_id,
        unit=p.unit,
        answered_at=p.answered_at,
        on_time=p.on_time,
        township_code=p.township_code,
        correlation_id=event.correlationid,
        now=ctx.now(),
    )


async def on_case_closed(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    p = event.payload(enforcement.CaseClosed)
    await units.record_case_closed(
        session,
        case_id=p.case_id,
        unit=p.unit,
        opened_at=p.opened_at,
        closed_at=p.closed_at,
        township_code=p.township_code,
        correlation_id=event.correlationid,
        now=ctx.now(),
    )


async def on_application_accepted(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    p = event.payload(approval.ApplicationAccepted)
    await window.record_fact(
        session,
        kind="accepted",
        key=p.application_id,
        application_id=p.application_id,
        clerk_id=p.clerk_id,
        clerk_username=p.clerk_username,
        township_code=p.township_code,
        occurred_at=p.accepted_at,
        correlation_id=event.correlationid,
    )


async def on_application_completed(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    p = event.payload(approval.ApplicationCompleted)
    await window.record_fact(
        session,
        kind="completed",
        key=p.application_id,
        application_id=p.application_id,
        clerk_id=p.clerk_id,
        clerk_username=p.clerk_username,
        township_code=p.township_code,
        occurred_at=p.completed_at,
        on_time=p.on_time,
        correlation_id=event.correlationid,
    )


async def on_application_overdue(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    p = event.payload(approval.ApplicationOverdue)
    await window.record_fact(
        session,
        kind="overdue",
        key=p.application_id,
        application_id=p.application_id,
        clerk_id=p.clerk_id,
        clerk_username=p.clerk_username,
        township_code=p.township_code,
        occurred_at=p.detected_at,
        correlation_id=event.correlationid,
    )


async def on_notice_issued(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    p = event.payload(approval.NoticeIssued)
    await window.record_fact(
        session,
        kind="notice",
        key=p.notice_id,
        application_id=p.application_id,
        clerk_id=p.clerk_id,
        clerk_username=p.clerk_username,
        township_code=p.township_code,
        occurred_at=p.issued_at,
        on_time=p.in_time,
        correlation_id=event.correlationid,
    )


async def on_rating_submitted(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    p = event.payload(approval.RatingSubmitted)
    # the level decides what is bad (rules.is_bad), not the publisher's flag
    await window.record_fact(
        session,
        kind="rating",
        key=p.rating_id,
        application_id=p.application_id,
        clerk_id=p.clerk_id,
        clerk_username=p.clerk_username,
        township_code=p.township_code,
        occurred_at=p.rated_at,
        level=p.level,
        correlation_id=event.correlationid,
    )


async def on_rating_rectified(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    p = event.payload(approval.RatingRectified)
    await window.record_fact(
        session,
        kind="rectification",
        key=p.rectification_id,
        rating_id=p.rating_id,
        clerk_id=p.clerk_id,
        clerk_username=p.clerk_username,
        township_code=p.township_code,
        occurred_at=p.closed_at,
        on_time=p.on_time,
        correlation_id=event.correlationid,
    )


async def on_case_overdue(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    p = event.payload(enforcement.CaseOverdue)
    await units.record_case_overdue(
        session,
        case_id=p.case_id,
        unit=p.unit,
        filed_at=p.filed_at,
        deadline=p.deadline,
        detected_at=p.detected_at,
        township_code=p.township_code,
        correlation_id=event.correlationid,
        now=ctx.now(),
    )


def _bound(
    ctx: ServiceContext, apply: Callable[[AsyncSession, CloudEvent, ServiceContext], Awaitable[None]]
) -> Handler:
    """A consumer handler with the service context (its clock and settings) at hand."""

    async def handler(session: AsyncSession, event: CloudEvent) -> None:
        await apply(session, event, ctx)

    handler.__name__ = apply.__name__
    return handler


def subscriptions(ctx: ServiceContext) -> list[Subscription]:
    return [
        Subscription(
            "tickets",
            "dispatch.ticket.*",
            {
                dispatch.TicketAssigned.event_type: _bound(ctx, on_ticket_assigned),
                dispatch.TicketClosed.event_type: _bound(ctx, on_ticket_closed),
                dispatch.TicketReopened.event_type: _bound(ctx, on_ticket_reopened),
                dispatch.TicketEscalated.event_type: _bound(ctx, on_ticket_escalated),
                dispatch.TicketReturned.event_type: _bound(ctx, on_ticket_returned),
                dispatch.TicketReassigned.event_type: _bound(ctx, on_ticket_reassigned),
                dispatch.TicketExtended.event_type: _bound(ctx, on_ticket_extended),
                dispatch.TicketCreated.event_type: _bound(ctx, on_ticket_created),
                dispatch.TicketSignedFor.event_type: _bound(ctx, on_ticket_signed_for),
            },
        ),
        Subscription(
            "callbacks",
            dispatch.CallbackRecorded.event_type,
            {dispatch.CallbackRecorded.event_type: _bound(ctx, on_callback_recorded)},
        ),
        Subscription(
            "summons",
            "dispatch.summons.*",
            {
                dispatch.SummonsIssued.event_type: _bound(ctx, on_summons_issued),
                dispatch.SummonsAnswered.event_type: _bound(ctx, on_summons_answered),
            },
        ),
        Subscription(
            "cases", "enforcement.case.closed", {enforcement.CaseClosed.event_type: _bound(ctx, on_case_closed)}
        ),
        Subscription(
            "case-overdue",
            "enforcement.case.overdue",
            {enforcement.CaseOverdue.event_type: _bound(ctx, on_case_overdue)},
        ),
        Subscription(
            "approval",
            "approval.>",
            {
                approval.ApplicationAccepted.event_type: _bound(ctx, on_application_accepted),
                approval.ApplicationCompleted.event_type: _bound(ctx, on_application_completed),
                approval.ApplicationOverdue.event_type: _bound(ctx, on_application_overdue),
                approval.NoticeIssued.event_type: _bound(ctx, on_notice_issued),
                approval.RatingSubmitted.event_type: _bound(ctx, on_rating_submitted),
                approval.RatingRectified.event_type: _bound(ctx, on_rating_rectified),
            },
        ),
    ]
