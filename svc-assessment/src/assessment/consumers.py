"""Events svc-assessment consumes: the other services' facts, counted per unit, clerk and centre.

``enforcement.decision.made`` is deliberately not consumed: it carries the fine, and fines
collected must never feed anyone's score (行政处罚法 art. 74). Case timeliness comes from
``enforcement.case.closed``, of which only the unit and the two dates are read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from assessment import deferred
from assessment.centres import service as centres
from assessment.gridworkers import service as gridworkers
from assessment.hotline import service as hotline
from assessment.stationed import service as stationed
from assessment.units import service as units
from assessment.window import service as window
from jiceng_shared.consumers import GATHER_SECONDS, Handler, Subscription
from jiceng_shared.contracts import approval, dispatch, enforcement, grid
from jiceng_shared.events import CloudEvent
from jiceng_shared.service import ServiceContext
from jiceng_shared.workdays import COUNTY_ZONE


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


async def on_ticket_verified(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    """A passed on-site verification: the verifier's figure (按时核查) when a grid worker verified."""
    p = event.payload(dispatch.TicketVerified)
    await gridworkers.record_verification(
        session,
        ticket_id=p.ticket_id,
        verified_by=p.verified_by,
        handled_at=p.handled_at,
        verified_at=p.verified_at,
        township_code=p.township_code,
        limit_hours=ctx.settings.grid_verification_limit_hours,
        event_id=event.id,
        correlation_id=event.correlationid,
    )


async def on_ticket_reopened(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    p = event.payload(dispatch.TicketReopened)
    # a failed verification is a verification done too (its verifier's figure), then the rework
    await gridworkers.record_verification(
        session,
        ticket_id=p.ticket_id,
        verified_by=p.verified_by,
        handled_at=p.handled_at,
        verified_at=p.reopened_at,
        township_code=p.township_code,
        limit_hours=ctx.settings.grid_verification_limit_hours,
        event_id=event.id,
        correlation_id=event.correlationid,
    )
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


# --- grid: the roster, the households and the grid workers' evidence ---------------------------


async def on_worker_rostered(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    p = event.payload(grid.WorkerRostered)
    await gridworkers.worker_rostered(
        session,
        worker_id=p.worker_id,
        roster_id=p.roster_id,
        username=p.username,
        name=p.name,
        post=p.post,
        grid_code=p.grid_code,
        township_code=p.township_code,
        since=p.since,
        now=ctx.now(),
    )


async def on_worker_left(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    p = event.payload(grid.WorkerLeft)
    await gridworkers.worker_left(session, worker_id=p.worker_id, roster_id=p.roster_id, until=p.until, now=ctx.now())


async def on_household_registered(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    p = event.payload(grid.HouseholdRegistered)
    await gridworkers.household_registered(
        session, household_id=p.household_id, grid_code=p.grid_code, township_code=p.township_code, at=p.registered_at
    )


async def on_household_deregistered(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    p = event.payload(grid.HouseholdDeregistered)
    await gridworkers.household_deregistered(
        session, household_id=p.household_id, grid_code=p.grid_code, township_code=p.township_code, at=p.deregistered_at
    )


def _noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=COUNTY_ZONE)


async def on_visit_recorded(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    p = event.payload(grid.VisitRecorded)
    await gridworkers.record_fact(
        session,
        kind="visit",
        key=p.visit_id,
        worker_id=p.worker_id,
        grid_code=p.grid_code,
        township_code=p.township_code,
        at=p.visited_at,
        event_id=event.id,
        correlation_id=event.correlationid,
    )


def _obligation(p: grid.VisitOverdue) -> str:
    """Who the missed obligation was owed to: the person (or household head) as in version 1, else
    the grid's patrol or the household (version 2 names no resident for a patrol)."""
    return p.resident_id or f"{p.subject}:{p.grid_code}:{p.household_no or ''}"


async def on_visit_overdue(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    p = event.payload(grid.VisitOverdue)
    await gridworkers.record_fact(
        session,
        kind="visit_overdue",
        key=f"{_obligation(p)}:{p.group}:{p.due_on.isoformat()}",
        worker_id=p.worker_id,
        grid_code=p.grid_code,
        township_code=p.township_code,
        at=_noon(p.due_on),
        event_id=event.id,
        correlation_id=event.correlationid,
    )


async def on_diary_signed(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    p = event.payload(grid.DiarySigned)
    await gridworkers.record_fact(
        session,
        kind="diary",
        key=f"{p.worker_id}:{p.day.isoformat()}",
        worker_id=p.worker_id,
        grid_code=p.grid_code,
        township_code=p.township_code,
        at=_noon(p.day),
        event_id=event.id,
        correlation_id=event.correlationid,
    )


async def on_task_completed(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    p = event.payload(grid.TaskCompleted)
    await gridworkers.record_fact(
        session,
        kind="task",
        key=p.task_id,
        worker_id=p.worker_id,
        grid_code=p.grid_code,
        township_code=p.township_code,
        at=p.completed_at,
        on_time=p.on_time,
        event_id=event.id,
        correlation_id=event.correlationid,
    )


async def on_incident_reported(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    p = event.payload(grid.IncidentReported)
    await gridworkers.record_fact(
        session,
        kind="report",
        key=p.incident_id,
        worker_id=p.reporter_id,
        grid_code=p.grid_code,
        township_code=p.township_code,
        at=p.reported_at,
        event_id=event.id,
        correlation_id=event.correlationid,
    )


async def on_ticket_voided(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    """A voided grid report is not a valid report (有效上报率): keyed by the incident it came from."""
    p = event.payload(dispatch.TicketVoided)
    if p.source != "grid" or not p.source_ref:
        return
    await gridworkers.record_fact(
        session,
        kind="report_voided",
        key=p.source_ref,
        worker_id=None,
        grid_code=None,
        township_code=p.township_code,
        at=p.voided_at,
        event_id=event.id,
        correlation_id=event.correlationid,
    )


async def on_supervision_issued(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    p = event.payload(dispatch.SupervisionIssued)
    await centres.record_supervision(
        session,
        order_id=p.order_id,
        ticket_id=p.ticket_id,
        unit_code=p.unit.code if p.unit else None,
        township_code=p.township_code,
        limit=p.limit,
        level=p.level,
        issued_at=p.issued_at,
        correlation_id=event.correlationid,
    )


async def on_squad_registered(session: AsyncSession, event: CloudEvent, ctx: ServiceContext) -> None:
    """A squad becomes a subject of the two-part assessment with the weights it was registered with."""
    p = event.payload(enforcement.SquadRegistered)
    await stationed.squad_registered(
        session,
        squad_id=p.squad_id,
        name=p.name,
        township_code=p.township_code,
        kind=p.kind,
        county_dept=p.county_dept,
        township_weight_percent=p.township_weight_percent,
        county_weight_percent=p.county_weight_percent,
        registered_at=p.registered_at,
    )


def _bound(
    ctx: ServiceContext,
    apply: Callable[[AsyncSession, CloudEvent, ServiceContext], Awaitable[None]],
    *,
    defers: bool = False,
) -> Handler:
    """A consumer handler with the service context (its clock and settings) at hand.

    ``defers``: its facts are written with the others of the batch at the end of its transaction
    (assessment.deferred, the subscriptions' ``before_commit``); only for handlers that read no
    fact table. Any other handler first writes what earlier events of the batch queued, so that it
    sees them as it would have.
    """
    if defers:

        async def handler(session: AsyncSession, event: CloudEvent) -> None:
            with deferred.deferring(session):
                await apply(session, event, ctx)

    else:

        async def handler(session: AsyncSession, event: CloudEvent) -> None:
            await deferred.write(session)
            await apply(session, event, ctx)

    handler.__name__ = apply.__name__
    return handler


def subscriptions(ctx: ServiceContext) -> list[Subscription]:
    # scores and facts: nobody waits on them event by event, so each consumer gathers a window's
    # events into one transaction, and writes the facts its handlers queued just before the commit
    return [
        dataclasses.replace(sub, gather_seconds=GATHER_SECONDS, before_commit=deferred.write)
        for sub in _subscriptions(ctx)
    ]


def _subscriptions(ctx: ServiceContext) -> list[Subscription]:
    return [
        Subscription(
            "tickets",
            "dispatch.ticket.*",
            {
                dispatch.TicketAssigned.event_type: _bound(ctx, on_ticket_assigned, defers=True),
                dispatch.TicketClosed.event_type: _bound(ctx, on_ticket_closed),
                dispatch.TicketReopened.event_type: _bound(ctx, on_ticket_reopened),
                dispatch.TicketEscalated.event_type: _bound(ctx, on_ticket_escalated),
                dispatch.TicketReturned.event_type: _bound(ctx, on_ticket_returned),
                dispatch.TicketReassigned.event_type: _bound(ctx, on_ticket_reassigned),
                dispatch.TicketExtended.event_type: _bound(ctx, on_ticket_extended),
                dispatch.TicketCreated.event_type: _bound(ctx, on_ticket_created, defers=True),
                dispatch.TicketSignedFor.event_type: _bound(ctx, on_ticket_signed_for, defers=True),
                dispatch.TicketVoided.event_type: _bound(ctx, on_ticket_voided),
                dispatch.TicketVerified.event_type: _bound(ctx, on_ticket_verified),
            },
        ),
        Subscription(
            "grid",
            "grid.>",
            {
                grid.WorkerRostered.event_type: _bound(ctx, on_worker_rostered),
                grid.WorkerLeft.event_type: _bound(ctx, on_worker_left),
                grid.HouseholdRegistered.event_type: _bound(ctx, on_household_registered),
                grid.HouseholdDeregistered.event_type: _bound(ctx, on_household_deregistered),
                grid.VisitRecorded.event_type: _bound(ctx, on_visit_recorded),
                grid.VisitOverdue.event_type: _bound(ctx, on_visit_overdue),
                grid.DiarySigned.event_type: _bound(ctx, on_diary_signed),
                grid.TaskCompleted.event_type: _bound(ctx, on_task_completed),
                grid.IncidentReported.event_type: _bound(ctx, on_incident_reported, defers=True),
            },
        ),
        Subscription(
            "supervision",
            dispatch.SupervisionIssued.event_type,
            {dispatch.SupervisionIssued.event_type: _bound(ctx, on_supervision_issued)},
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
            "squads",
            enforcement.SquadRegistered.event_type,
            {enforcement.SquadRegistered.event_type: _bound(ctx, on_squad_registered)},
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
