"""Reading tickets, always filtered by the caller's scope in SQL, and their API shape."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from sqlalchemy import ColumnElement, Select, and_, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.callbacks.schemas import CallbackOut
from dispatch.categories import service as categories
from dispatch.joint import queries as joint_queries
from dispatch.joint.models import TicketPart
from dispatch.joint.schemas import PartOut
from dispatch.summons import queries as summons_queries
from dispatch.summons.models import Summons
from dispatch.summons.schemas import SummonsOut
from dispatch.supervision import queries as supervision_queries
from dispatch.supervision.schemas import SupervisionOrderOut
from dispatch.tickets import rules
from dispatch.tickets.enums import CallbackResult, TicketSource, TicketStatus
from dispatch.tickets.models import Ticket, TicketCallback, TicketReport, TicketStep
from dispatch.tickets.schemas import (
    CallerMaskedOut,
    CallerOut,
    ExtensionOut,
    LimitOut,
    ReportOut,
    StepOut,
    TicketDetail,
    TicketOut,
    UnitOut,
)
from jiceng_shared.errors import not_found
from jiceng_shared.identity import Binding, Principal
from jiceng_shared.masking import mask_person_name, mask_phone
from jiceng_shared.pagination import paginate, where_equal
from jiceng_shared.scope import binding_clause, scope_filter

READ = "dispatch.ticket.read"
#: department systems read back what their department handles and what they posted themselves
INTAKE_READERS = ("dept_system",)
#: the tickets whose clock runs, with the statuses written into the SQL, not bound: PostgreSQL
#: uses the partial index ix_tickets_supervised_created (the overdue filter newest first) only for
#: a condition it can prove implies the index's predicate, and a bound list proves nothing
_SUPERVISED = Ticket.status.in_(
    bindparam("supervised", [s.value for s in rules.SUPERVISED_STATUSES], expanding=True, literal_execute=True)
)


def readable(principal: Principal) -> ColumnElement[bool]:
    """Tickets in a scope where the caller reads them: by place, and by the handling unit's
    department for department bindings; a department system also by the department that posted it."""
    by_unit = scope_filter(principal, READ, Ticket.area_code, Ticket.unit_dept)
    # a department summoned to a ticket (吹哨) sees it too...
    if any(b.dept is not None for b in principal.bindings_for(READ)):
        summoned = select(Summons.ticket_id).where(scope_filter(principal, READ, Summons.area_code, Summons.unit_dept))
        # ... and so do the cooperating units and the units of a joint action
        parts = select(TicketPart.ticket_id).where(
            scope_filter(principal, READ, TicketPart.area_code, TicketPart.unit_dept)
        )
        by_unit = or_(by_unit, Ticket.id.in_(summoned), Ticket.id.in_(parts))
    by_intake = [
        clause
        for b in principal.bindings_for(READ)
        if b.role in INTAKE_READERS and (clause := binding_clause(b, Ticket.area_code, Ticket.intake_dept)) is not None
    ]
    # ... and the tickets its reports were merged into (并单): the reporter follows the outcome
    by_intake += [
        and_(
            binding_clause(Binding(b.role, b.area, None), Ticket.area_code, None),
            Ticket.id.in_(select(TicketReport.ticket_id).where(TicketReport.origin == b.dept)),
        )
        for b in principal.bindings_for(READ)
        if b.role in INTAKE_READERS and b.dept is not None
    ]
    return or_(by_unit, *by_intake) if by_intake else by_unit


def listing(
    principal: Principal,
    *,
    filters: dict[str, str | None],
    overdue: bool | None,
    now: dt.datetime,
    limit: int,
    cursor: str | None,
) -> Select[tuple[Ticket]]:
    """The statement of a page of the tickets list."""
    stmt = select(Ticket).where(readable(principal))
    columns = {
        "status": Ticket.status,
        "unit": Ticket.unit_code,
        "category": Ticket.category,
        "source": Ticket.source,
        "correlation_id": Ticket.correlation_id,
        "area_code": Ticket.area_code,
    }
    incident_id = filters.pop("incident_id", None)
    stmt = where_equal(stmt, ((columns[name], value) for name, value in filters.items()))
    if incident_id is not None:  # the ticket an incident ended in, itself or merged into another (并单)
        stmt = stmt.where(
            Ticket.id.in_(
                select(TicketReport.ticket_id).where(
                    TicketReport.source == TicketSource.GRID, TicketReport.source_ref == incident_id
                )
            )
        )
    if overdue is not None:
        late = _SUPERVISED & (Ticket.deadline < now)
        stmt = stmt.where(late if overdue else ~late)
    return paginate(stmt, Ticket.created_at, Ticket.id, limit=limit, cursor=cursor)


async def get_ticket(session: AsyncSession, principal: Principal, ticket_id: str) -> Ticket:
    ticket = await session.scalar(select(Ticket).where(Ticket.id == ticket_id, readable(principal)))
    if ticket is None:
        raise not_found("ticket", ticket_id)
    return ticket


async def load_for_action(session: AsyncSession, principal: Principal, ticket_id: str) -> Ticket:
    """The ticket, locked for the action; outside every reading scope it does not exist (404)."""
    ticket = await session.scalar(select(Ticket).where(Ticket.id == ticket_id, readable(principal)).with_for_update())
    if ticket is None:
        raise not_found("ticket", ticket_id)
    return ticket


async def timeline(session: AsyncSession, ticket_id: str) -> tuple[list[TicketStep], list[TicketReport]]:
    steps = (
        await session.scalars(
            select(TicketStep).where(TicketStep.ticket_id == ticket_id).order_by(TicketStep.at, TicketStep.seq)
        )
    ).all()
    reports = (
        await session.scalars(
            select(TicketReport).where(TicketReport.ticket_id == ticket_id).order_by(TicketReport.reported_at)
        )
    ).all()
    return list(steps), list(reports)


async def callbacks_of(session: AsyncSession, ticket_id: str) -> list[CallbackOut]:
    rows = (
        await session.scalars(
            select(TicketCallback).where(TicketCallback.ticket_id == ticket_id).order_by(TicketCallback.attempt)
        )
    ).all()
    return [
        CallbackOut(
            attempt=c.attempt,
            result=CallbackResult(c.result),
            result_zh=CallbackResult(c.result).label_zh,
            resolved=c.resolved,
            note=c.note,
            channel=c.channel,
            recorded_at=c.recorded_at,
            recorded_by=c.recorded_by,
        )
        for c in rows
    ]


def sees_callers(principal: Principal, ticket: Ticket) -> bool:
    """Callers' identities are for the centre only (the dispatchers of the ticket's township), and the
    department system that posted the call (it holds them already and calls the citizen back)."""
    return any(
        (b.role == "dispatcher" and b.covers(ticket.area_code))
        or (b.role in INTAKE_READERS and b.dept == ticket.intake_dept and b.covers(ticket.area_code, b.dept))
        for b in principal.bindings_for(READ)
    )


def time_left_seconds(ticket: Ticket, now: dt.datetime) -> int | None:
    if ticket.deadline is None or ticket.status not in rules.SUPERVISED_STATUSES:
        return None
    return int((ticket.deadline - now).total_seconds())


def is_overdue(ticket: Ticket, now: dt.datetime) -> bool:
    if ticket.deadline is None:
        return False
    if ticket.status == "closed":
        return ticket.on_time is False
    if ticket.status == "handled":
        return ticket.handled_at is not None and ticket.handled_at > ticket.deadline
    return ticket.status in rules.SUPERVISED_STATUSES and now > ticket.deadline


async def involved_units(session: AsyncSession, ticket_ids: list[str]) -> dict[str, list[str]]:
    """The units besides the handling unit that see each ticket: cooperating and joint-action units
    (their parts) and summoned departments — two queries for a whole page."""
    out: dict[str, set[str]] = {i: set() for i in ticket_ids}
    if ticket_ids:
        for model in (TicketPart, Summons):
            rows = await session.execute(
                select(model.ticket_id, model.unit_code).where(model.ticket_id.in_(ticket_ids))
            )
            for ticket_id, unit_code in rows:
                out[ticket_id].add(unit_code)
    return {i: sorted(codes) for i, codes in out.items()}


async def category_labels(session: AsyncSession, tickets: Iterable[Ticket]) -> dict[str, str]:
    """The tickets' category labels from the live dictionary (a category created or relabelled
    through the API included; retired ones keep theirs)."""
    return await categories.labels(session, {t.category for t in tickets})


def to_out(
    ticket: Ticket, now: dt.datetime, *, labels: Mapping[str, str], involved: list[str] | None = None
) -> TicketOut:
    return TicketOut(**_fields(ticket, now, labels), involved_units=involved or [])


def to_detail(
    ticket: Ticket,
    now: dt.datetime,
    steps: list[TicketStep],
    reports: list[TicketReport],
    *,
    orders: list[SupervisionOrderOut],
    callbacks: list[CallbackOut],
    summons: list[SummonsOut],
    parts: list[PartOut],
    labels: Mapping[str, str],
    masked: bool,
) -> TicketDetail:
    return TicketDetail(
        **_fields(ticket, now, labels),
        caller=_caller(ticket, masked=masked),
        involved_units=sorted({p.unit_code for p in parts} | {s.unit_code for s in summons}),
        parts=parts,
        summons=summons,
        supervision_orders=orders,
        callbacks=callbacks,
        timeline=[
            StepOut(
                at=s.at, kind=s.kind, kind_zh=rules.STEP_LABELS.get(s.kind, s.kind), note=s.note, actor=s.actor_name
            )
            for s in steps
        ],
        reports=[
            ReportOut(
                source=r.source,
                source_ref=r.source_ref,
                number=r.number,
                reporter_id=r.reporter_id if not masked or r.source == TicketSource.GRID else None,
                description=r.description,
                location=r.location,
                reported_at=r.reported_at,
                merged=r.merged,
            )
            for r in reports
        ],
    )


def _caller(ticket: Ticket, *, masked: bool) -> CallerOut | None:
    if not (ticket.caller_name or ticket.caller_phone):
        return None
    return CallerOut(
        name=mask_person_name(ticket.caller_name) if masked and ticket.caller_name else ticket.caller_name,
        phone=mask_phone(ticket.caller_phone) if masked else ticket.caller_phone,
    )


def _fields(ticket: Ticket, now: dt.datetime, labels: Mapping[str, str]) -> dict:
    masked = _caller(ticket, masked=True)
    unit = ticket.unit
    return {
        "id": ticket.id,
        "number": ticket.number,
        "status": ticket.status,
        "status_zh": TicketStatus(ticket.status).label_zh,
        "category": ticket.category,
        "category_zh": labels.get(ticket.category),
        "description": ticket.description,
        "source": ticket.source,
        "source_zh": rules.SOURCE_LABELS[ticket.source],
        "source_ref": ticket.source_ref,
        "intake_dept": ticket.intake_dept,
        "township_code": ticket.township_code,
        "area_code": ticket.area_code,
        "location": ticket.location,
        "unit": UnitOut(**unit.model_dump()) if unit else None,
        "cooperating_units": [UnitOut(**u) for u in ticket.cooperating_units],
        "responsibility_version": ticket.responsibility_version,
        "urgent": ticket.urgent,
        "handle_limit": LimitOut(value=ticket.handle_limit_value, unit=ticket.handle_limit_unit),
        "assigned_at": ticket.assigned_at,
        "deadline": ticket.deadline,
        "time_left_seconds": time_left_seconds(ticket, now),
        "overdue": is_overdue(ticket, now),
        "warning": ticket.warning,
        "escalation_level": ticket.escalation_level,
        "dispatch_due_at": ticket.dispatch_due_at,
        "dispatch_level": ticket.dispatch_level,
        "response_due_at": ticket.response_due_at,
        "response_level": ticket.response_level,
        "signed_at": ticket.signed_at,
        "void_reason": ticket.void_reason,
        "park_requested_reason": ticket.park_reason,
        "parked_at": ticket.parked_at,
        "callback_count": ticket.callback_count,
        "callback_result": ticket.callback_result,
        "verified_at": ticket.verified_at,
        "extension": ExtensionOut(
            max_value=ticket.extension_max_value,
            granted_value=ticket.extended_value,
            requested_value=ticket.extension_requested_value,
            reason=ticket.extension_reason,
        ),
        "rework_count": ticket.rework_count,
        "outcome": ticket.outcome,
        "handled_at": ticket.handled_at,
        "closed_at": ticket.closed_at,
        "on_time": ticket.on_time,
        "caller_masked": CallerMaskedOut(name_masked=masked.name, phone_masked=masked.phone) if masked else None,
        "reporter_id": ticket.reporter_id,
        "correlation_id": ticket.correlation_id,
        "reported_at": ticket.reported_at,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "version": ticket.version,
    }


async def detail_of(session: AsyncSession, ticket: Ticket, principal: Principal, now: dt.datetime) -> TicketDetail:
    """The ticket with its timeline, reports, supervision orders and callbacks; callers masked but for the centre."""
    steps, reports = await timeline(session, ticket.id)
    orders = [supervision_queries.to_out(o, now) for o in await supervision_queries.of_ticket(session, ticket.id)]
    callbacks = await callbacks_of(session, ticket.id)
    summons = [summons_queries.to_out(s, now) for s in await summons_queries.of_ticket(session, ticket.id)]
    parts = [joint_queries.to_out(p) for p in await joint_queries.of_ticket(session, ticket.id)]
    masked = not sees_callers(principal, ticket)
    labels = await category_labels(session, [ticket])
    return to_detail(
        ticket,
        now,
        steps,
        reports,
        orders=orders,
        callbacks=callbacks,
        summons=summons,
        parts=parts,
        labels=labels,
        masked=masked,
    )
