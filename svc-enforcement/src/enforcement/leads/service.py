"""Use cases of leads: record one from a ticket assignment, read them in scope, transfer one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement.categories import service as categories
from enforcement.items import rules as item_rules
from enforcement.items import service as items
from enforcement.leads import rules
from enforcement.leads.models import Lead, Transfer
from enforcement.leads.schemas import LeadExtensionIn, LeadIn, LeadOut, NotFiledIn, TransferIn, TransferOut
from jiceng_shared import units
from jiceng_shared.contracts.dispatch import TicketAssigned
from jiceng_shared.contracts.enforcement import CaseTransferred, LeadReceived
from jiceng_shared.db import new_id, run_compiled
from jiceng_shared.errors import FieldErrors, Problem, not_found
from jiceng_shared.events import CloudEvent
from jiceng_shared.identity import Principal
from jiceng_shared.numbers import business_number
from jiceng_shared.observability import request_id_var
from jiceng_shared.outbox import NewRows, emit
from jiceng_shared.pagination import Page, page_of, paginate, where_equal
from jiceng_shared.scope import require_scope, scope_filter
from jiceng_shared.workdays import WorkdayCalendar

READ = "enforcement.lead.read"
TRANSFER = "enforcement.lead.transfer"
#: record a lead found or received by the office (patrol, complaint, report, transfer in)
CREATE = "enforcement.lead.create"
#: decide not to file (the officers who would file it)
DECIDE = "enforcement.case.open"
#: approve the 15-working-day extension of the filing limit (the office's head)
EXTEND = "enforcement.case.extend"


def readable(principal: Principal, permission: str = READ) -> Any:
    """Leads whose area and handling department lie in a scope where the caller holds ``permission``."""
    return scope_filter(principal, permission, Lead.area_code, Lead.handling_dept)


async def labels_of(session: AsyncSession, leads: list[Lead]) -> dict[str, str]:
    """The live labels of the leads' categories (svc-dispatch's dictionary, as this service's copy knows it)."""
    return await categories.labels(session, {lead.category for lead in leads})


def to_out(
    lead: Lead, transfer: Transfer | None, calendar: WorkdayCalendar, now: dt.datetime, labels: Mapping[str, str]
) -> LeadOut:
    data = {name: getattr(lead, name) for name in LeadOut.model_fields if hasattr(lead, name)}
    data.pop("transfer", None)
    left = calendar.workdays_between(now, lead.filing_deadline) if lead.status == "received" else None
    return LeadOut(
        **data,
        category_zh=labels.get(lead.category, lead.category),
        source_zh=rules.LeadSource(lead.source).label_zh if lead.source in rules.LeadSource.labels() else lead.source,
        status_zh=rules.STATUS_LABELS[lead.status],
        filing_workdays_left=left,
        transfer=None if transfer is None else TransferOut.model_validate(transfer, from_attributes=True),
    )


#: built once (building a statement and its cache key cost more CPU than running it, per lead):
#: whether the ticket has its lead already, and the fingerprint of the items in force, in one round trip
_KNOWN_AND_ITEMS = select(exists().where(Lead.ticket_id == bindparam("ticket_id")), *items.FINGERPRINT_COLUMNS)


async def _known_and_fingerprint(session: AsyncSession, ticket_id: str) -> tuple[bool, tuple[object, ...]]:
    """Whether the ticket has its lead already, and the fingerprint of the items in force."""
    known, *fingerprint = (await run_compiled(session, _KNOWN_AND_ITEMS, {"ticket_id": ticket_id})).one()
    return bool(known), tuple(fingerprint)


async def receive(
    session: AsyncSession,
    event: CloudEvent,
    p: TicketAssigned,
    *,
    calendar: WorkdayCalendar,
    filing_workdays: int,
    now: dt.datetime,
) -> str | None:
    """Record the lead of a ticket assigned to a township's enforcement office (once per ticket);
    its id, or None when there is none to record. Written with its event in one statement, without
    the ORM: nothing reads the lead back in this transaction."""
    if not rules.is_enforcement_office(p.unit):
        return None
    known, fingerprint = await _known_and_fingerprint(session, p.ticket_id)
    if known:
        return None  # the same ticket again (another delivery, a re-assignment): still one lead
    on = calendar.local_date(p.assigned_at)
    item, delegated = await items.resolve_for_category(
        session, p.category, p.township_code, on, fingerprint=fingerprint
    )
    lead_id = new_id()
    lead = NewRows(
        Lead.__table__,
        [
            {
                "id": lead_id,
                "number": await business_number(session, "XS", p.township_code, on.year),
                "ticket_id": p.ticket_id,
                "ticket_number": p.number,
                "township_code": p.township_code,
                "area_code": p.area_code,
                "category": p.category,
                "description": p.description,
                "location": p.location.model_dump() if p.location else None,
                "source": p.source,
                "source_ref": p.source_ref,
                "assigned_unit": p.unit.model_dump(),
                "item_id": item.id if item else None,
                "item_code": item.code if item else None,
                "item_revision": item.revision if item else None,
                "item_name_zh": item.name_zh if item else None,
                "competent_dept": item.competent_dept if item else None,
                "delegated": delegated,
                "status": "received",
                "handling_unit_code": p.unit.code,
                "handling_unit_name": p.unit.name,
                "handling_dept": p.unit.dept,
                "received_at": p.assigned_at,
                "filing_deadline": rules.filing_deadline(p.assigned_at, calendar, filing_workdays),
                "correlation_id": event.correlationid,
                "created_at": now,
                "updated_at": now,
            }
        ],
    )
    await _received(
        session,
        LeadReceived(
            lead_id=lead_id,
            ticket_id=p.ticket_id,
            township_code=p.township_code,
            category=p.category,
            item_code=item.code if item else None,
            delegated=delegated,
            received_at=p.assigned_at,
        ),
        correlation_id=event.correlationid,
        together_with=[lead],
    )
    return lead_id


async def create(
    session: AsyncSession,
    principal: Principal,
    body: LeadIn,
    *,
    calendar: WorkdayCalendar,
    filing_workdays: int,
    now: dt.datetime,
) -> Lead:
    """A lead the office found or received itself; the filing limit runs from now."""
    errors = FieldErrors()
    if body.source not in rules.RECORDED_SOURCES:
        errors.add("source", "source_from_dispatch", "grid and hotline leads arrive from dispatch as tickets")
    if not await categories.open_codes(session, [body.category]):
        errors.add("category", "unknown_category", f"{body.category!r} is not an open category of the event dictionary")
    if body.area_code[:9] != body.township_code[:9]:
        errors.add("area_code", "area_outside_township", f"{body.area_code} is not in township {body.township_code}")
    try:
        unit = units.township_office(body.township_code, rules.ENFORCEMENT_DEPT)
    except units.UnknownUnit:
        errors.add("township_code", "unknown_township", f"no township {body.township_code} with an enforcement office")
        unit = None
    errors.raise_if_any()
    assert unit is not None
    require_scope(principal, CREATE, body.area_code, unit.dept)
    on = calendar.local_date(now)
    item, delegated = await items.resolve_for_category(session, body.category, body.township_code, on)
    lead = Lead(
        id=new_id(),
        number=await business_number(session, "XS", body.township_code, on.year),
        ticket_id=None,
        ticket_number=None,
        township_code=body.township_code,
        area_code=body.area_code,
        category=body.category,
        description=body.description,
        location=body.location.model_dump() if body.location else None,
        source=body.source,
        source_ref=body.source_ref,
        assigned_unit=unit.model_dump(),
        item_id=item.id if item else None,
        item_code=item.code if item else None,
        item_revision=item.revision if item else None,
        item_name_zh=item.name_zh if item else None,
        competent_dept=item.competent_dept if item else None,
        delegated=delegated,
        status="received",
        handling_unit_code=unit.code,
        handling_unit_name=unit.name,
        handling_dept=unit.dept,
        received_at=now,
        filing_deadline=rules.filing_deadline(now, calendar, filing_workdays),
        recorded_by_name=principal.name,
        correlation_id=new_id(),
        created_at=now,
        updated_at=now,
    )
    session.add(lead)
    await _received(session, _received_of(lead), correlation_id=lead.correlation_id)
    await session.flush()
    return lead


def _received_of(lead: Lead) -> LeadReceived:
    return LeadReceived(
        lead_id=lead.id,
        ticket_id=lead.ticket_id,
        township_code=lead.township_code,
        category=lead.category,
        item_code=lead.item_code,
        delegated=lead.delegated,
        received_at=lead.received_at,
    )


async def _received(
    session: AsyncSession, payload: LeadReceived, *, correlation_id: str, together_with: Sequence[NewRows] = ()
) -> None:
    await emit(
        session,
        payload,
        subject=payload.lead_id,
        township=payload.township_code,
        correlation_id=correlation_id,
        together_with=together_with,
    )


def mark_decided(lead: Lead, now: dt.datetime) -> None:
    """Filing decided (a case opened, or not filed): when, and whether after the limit."""
    lead.filing_decided_at = now
    lead.filing_decided_late = rules.decided_late(now, lead.filing_deadline)


async def not_file(
    session: AsyncSession, principal: Principal, lead_id: str, body: NotFiledIn, *, now: dt.datetime
) -> Lead:
    """不予立案: a reasoned decision not to file (行政处罚法 art. 33, 36)."""
    lead = await get_lead(session, principal, lead_id, lock=True)
    require_scope(principal, DECIDE, lead.area_code, lead.handling_dept)
    if lead.status != "received":
        raise Problem(409, "invalid_state", "Not allowed now", f"a lead in status {lead.status} cannot be decided")
    lead.status = "not_filed"
    lead.not_filed_ground = body.ground
    lead.not_filed_reason = body.reason
    mark_decided(lead, now)
    lead.updated_at = now
    await session.flush()
    return lead


async def extend_filing(
    session: AsyncSession,
    principal: Principal,
    lead_id: str,
    body: LeadExtensionIn,
    *,
    calendar: WorkdayCalendar,
    workdays: int,
    now: dt.datetime,
) -> Lead:
    lead = await get_lead(session, principal, lead_id, lock=True)
    require_scope(principal, EXTEND, lead.area_code, lead.handling_dept)
    if lead.status != "received":
        raise Problem(409, "invalid_state", "Not allowed now", f"a lead in status {lead.status} cannot be extended")
    if lead.filing_extended_workdays:
        raise Problem(409, "already_extended", "Already extended", "the filing limit is extended once only")
    if rules.decided_late(now, lead.filing_deadline):
        raise Problem(
            409,
            "filing_overdue",
            "Filing limit passed",
            f"the filing limit ended on {lead.filing_deadline.isoformat()}: an extension is approved before it ends",
        )
    lead.filing_deadline = rules.extended_filing_deadline(lead.filing_deadline, calendar, workdays)
    lead.filing_extended_workdays = workdays
    lead.filing_extension_reason = body.reason
    lead.filing_extended_by_name = principal.name
    lead.updated_at = now
    await session.flush()
    return lead


async def list_leads(
    session: AsyncSession,
    principal: Principal,
    *,
    filters: dict[str, Any],
    limit: int,
    cursor: str | None,
) -> list[tuple[Lead, Transfer | None]]:
    stmt = select(Lead, Transfer).outerjoin(Transfer, Transfer.lead_id == Lead.id).where(readable(principal))
    stmt = where_equal(stmt, ((getattr(Lead, name), value) for name, value in filters.items()))
    stmt = paginate(stmt, Lead.created_at, Lead.id, limit=limit, cursor=cursor)
    return [(row.Lead, row.Transfer) for row in (await session.execute(stmt)).all()]


async def leads_page(
    session: AsyncSession,
    principal: Principal,
    *,
    filters: dict[str, Any],
    limit: int,
    cursor: str | None,
    calendar: WorkdayCalendar,
    now: dt.datetime,
) -> Page[LeadOut]:
    """A page of the leads in the caller's scope, newest first, shaped with their categories' labels."""
    rows = await list_leads(session, principal, filters=filters, limit=limit, cursor=cursor)
    leads, next_cursor = page_of([lead for lead, _ in rows], limit)
    page = rows[: len(leads)]
    labels = await labels_of(session, leads)
    return Page[LeadOut](items=[to_out(lead, t, calendar, now, labels) for lead, t in page], next_cursor=next_cursor)


async def lead_out(
    session: AsyncSession, lead: Lead, transfer: Transfer | None, calendar: WorkdayCalendar, now: dt.datetime
) -> LeadOut:
    """One lead as the API answers it, with its category's live label."""
    return to_out(lead, transfer, calendar, now, await labels_of(session, [lead]))


async def get_lead(session: AsyncSession, principal: Principal, lead_id: str, *, lock: bool = False) -> Lead:
    stmt = select(Lead).where(Lead.id == lead_id, readable(principal))
    if lock:
        stmt = stmt.with_for_update()
    lead = await session.scalar(stmt)
    if lead is None:
        raise not_found("lead", lead_id)
    return lead


async def transfer_of(session: AsyncSession, lead_id: str) -> Transfer | None:
    return await session.scalar(select(Transfer).where(Transfer.lead_id == lead_id))


async def transfer(
    session: AsyncSession,
    principal: Principal,
    lead_id: str,
    body: TransferIn,
    *,
    calendar: WorkdayCalendar,
    now: dt.datetime,
) -> tuple[Lead, Transfer]:
    lead = await get_lead(session, principal, lead_id, lock=True)
    require_scope(principal, TRANSFER, lead.area_code, lead.handling_dept)
    if lead.status != "received":
        raise Problem(409, "invalid_state", "Not allowed now", f"a lead in status {lead.status} cannot be transferred")
    # delegation is judged on the list in force today, not the day the lead arrived
    today = calendar.local_date(now)
    item = await items.in_force_for_code(session, lead.item_code, today) if lead.item_code else None
    delegated = item is not None and item_rules.is_delegated(item.delegations, lead.township_code, today)
    target = rules.transfer_target(
        body.ground,
        delegated=delegated,
        competent_dept=item.competent_dept if item else lead.competent_dept,
        to_dept=body.to_dept,
    )
    try:
        to_unit = units.county_department(target)
    except units.UnknownUnit:
        raise Problem(422, "unknown_department", "Invalid request", f"to_dept: no county department {target}") from None
    record = Transfer(
        id=new_id(),
        lead_id=lead.id,
        ground=body.ground,
        to_unit_code=to_unit.code,
        to_unit_name=to_unit.name,
        to_dept=to_unit.dept,
        reason=body.reason,
        transferred_by=principal.subject,
        transferred_by_name=principal.name,
        request_id=request_id_var.get(),
        transferred_at=now,
    )
    session.add(record)
    lead.status = "transferred"
    # the county department now handles it (and sees it); the township keeps seeing it by area
    lead.handling_unit_code = to_unit.code
    lead.handling_unit_name = to_unit.name
    lead.handling_dept = to_unit.dept
    lead.updated_at = now
    await emit(
        session,
        CaseTransferred(
            lead_id=lead.id,
            ticket_id=lead.ticket_id,
            township_code=lead.township_code,
            item_code=lead.item_code,
            to_unit=to_unit,
            reason=body.reason,
            transferred_at=now,
        ),
        subject=lead.id,
        township=lead.township_code,
        correlation_id=lead.correlation_id,
    )
    await session.flush()
    return lead, record
