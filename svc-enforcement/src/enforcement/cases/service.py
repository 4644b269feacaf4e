"""Use cases of cases: open one from a lead, read them, act on them, close them.

Each act locks the case row, checks state and scope, changes the case, chains an entry to the
whole-process record and writes its event, all in the caller's transaction. The decision and
what precedes it (rights notice, legal review) are in ``enforcement.decisions``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement.cases import rules
from enforcement.cases.models import Case
from enforcement.cases.schemas import CaseClose, CaseDetail, CaseExtensionIn, CaseOpen, CaseOut, OfficerRef
from enforcement.config import EnforcementSettings
from enforcement.decisions import rules as decision_rules
from enforcement.decisions.models import Decision, Deliberation, LegalReview, RightsNotice
from enforcement.decisions.schemas import DecisionOut, DeliberationOut, LegalReviewOut, RightsNoticeOut
from enforcement.hearings.models import Hearing, Statement
from enforcement.hearings.schemas import HearingOut, StatementOut
from enforcement.items import rules as item_rules
from enforcement.items import service as items
from enforcement.leads import service as leads
from enforcement.leads.models import Lead
from enforcement.officers import rules as officer_rules
from enforcement.officers import service as officers
from enforcement.payments import queries as payment_queries
from enforcement.records import service as records
from enforcement.records.models import RecordEntry
from enforcement.records.schemas import EntryIn
from enforcement.service_of_documents.models import DocumentService
from enforcement.service_of_documents.schemas import ServiceOut
from jiceng_shared.contracts.common import UnitRef
from jiceng_shared.contracts.enforcement import CaseClosed, CaseOpened
from jiceng_shared.db import new_id
from jiceng_shared.errors import Problem, not_found
from jiceng_shared.identity import Principal
from jiceng_shared.numbers import business_number
from jiceng_shared.outbox import emit
from jiceng_shared.pagination import Page, page_of, paginate, where_equal
from jiceng_shared.scope import require_scope, scope_filter
from jiceng_shared.workdays import WorkdayCalendar

READ = "enforcement.case.read"
OPEN = "enforcement.case.open"
RECORD = "enforcement.case.record"
CLOSE = "enforcement.case.close"
#: approve the 30-day extension of the decision limit (the office's head)
EXTEND = "enforcement.case.extend"


@dataclass(frozen=True)
class CaseRules:
    """The numbers of the case rules, from the settings (defaults: the design)."""

    min_officers: int = 2
    decision_days: int = 90
    extension_days: int = 30

    @classmethod
    def from_settings(cls, s: EnforcementSettings) -> CaseRules:
        return cls(min_officers=s.min_officers, decision_days=s.decision_days, extension_days=s.decision_extension_days)


def readable(principal: Principal, permission: str = READ) -> Any:
    return scope_filter(principal, permission, Case.area_code, Case.handling_dept)


def invalid_state(case: Case, action: str) -> Problem:
    return Problem(409, "invalid_state", "Not allowed now", f"a case in status {case.status} cannot {action}")


def _require_case_officer(case: Case, principal: Principal) -> None:
    if not rules.is_case_officer(case.officers, principal.username):
        raise Problem(
            403,
            "not_case_officer",
            "Not an officer of this case",
            "only the officers registered on the case may act on it",
        )


#: the shape of a case answered: the summary or the detail
Shaped = TypeVar("Shaped", bound=CaseOut)


def to_out(case: Case, calendar: WorkdayCalendar, now: dt.datetime) -> CaseOut:
    return _shape(case, calendar, now, CaseOut)


def _shape(case: Case, calendar: WorkdayCalendar, now: dt.datetime, model: type[Shaped], **extra: Any) -> Shaped:
    data = {name: getattr(case, name) for name in CaseOut.model_fields if hasattr(case, name)}
    pending = case.status == "investigating"
    return model(
        **data | {"officers": [OfficerRef(**o) for o in case.officers]},
        status_zh=rules.STATUS_LABELS[case.status],
        decision_days_left=rules.days_left(case.decision_deadline, now, calendar) if pending else None,
        decision_overdue=pending and now > case.decision_deadline,
        record_entries=case.record_seq,
        **extra,
    )


async def detail(session: AsyncSession, case: Case, calendar: WorkdayCalendar, now: dt.datetime) -> CaseDetail:
    decision = await session.scalar(select(Decision).where(Decision.case_id == case.id))
    notices = (
        await session.scalars(
            select(RightsNotice).where(RightsNotice.case_id == case.id).order_by(RightsNotice.notified_at)
        )
    ).all()
    reviews = (
        await session.scalars(
            select(LegalReview).where(LegalReview.case_id == case.id).order_by(LegalReview.reviewed_at)
        )
    ).all()
    deliberations = (
        await session.scalars(
            select(Deliberation).where(Deliberation.case_id == case.id).order_by(Deliberation.deliberated_at)
        )
    ).all()
    hearings = (
        await session.scalars(select(Hearing).where(Hearing.case_id == case.id).order_by(Hearing.requested_at))
    ).all()
    statements = (
        await session.scalars(select(Statement).where(Statement.case_id == case.id).order_by(Statement.recorded_at))
    ).all()
    served = await session.scalar(select(DocumentService).where(DocumentService.case_id == case.id))
    plan = await payment_queries.plan_of(session, case.id)
    paid = await payment_queries.payments_of(session, case.id) if plan else []
    return _shape(
        case,
        calendar,
        now,
        CaseDetail,
        service=None if served is None else ServiceOut.of(served),
        payment=None if plan is None else payment_queries.plan_out(plan, paid, calendar, now),
        decision=None if decision is None else DecisionOut.of(decision),
        rights_notices=[RightsNoticeOut.of(n) for n in notices],
        legal_reviews=[LegalReviewOut.of(r) for r in reviews],
        deliberations=[DeliberationOut.of(d) for d in deliberations],
        hearings=[HearingOut.of(h) for h in hearings],
        statements=[StatementOut.of(s) for s in statements],
    )


async def detail_in(session: AsyncSession, case_id: str, calendar: WorkdayCalendar, now: dt.datetime) -> CaseDetail:
    """The case as written in this transaction (the caller has already passed its scope check)."""
    await session.flush()
    case = await session.get(Case, case_id, populate_existing=True)
    if case is None:
        raise not_found("case", case_id)
    return await detail(session, case, calendar, now)


async def read_detail(
    session: AsyncSession, principal: Principal, case_id: str, calendar: WorkdayCalendar, now: dt.datetime
) -> CaseDetail:
    """A case as its reader may see it; after a write in this session, as written (flushed, and the
    case reloaded so server-set columns are current)."""
    await session.flush()
    case = await get_case(session, principal, case_id, reload=True)
    return await detail(session, case, calendar, now)


async def list_cases(
    session: AsyncSession, principal: Principal, *, filters: dict[str, Any], limit: int, cursor: str | None
) -> list[Case]:
    stmt = select(Case).where(readable(principal))
    stmt = where_equal(stmt, ((getattr(Case, name), value) for name, value in filters.items()))
    stmt = paginate(stmt, Case.created_at, Case.id, limit=limit, cursor=cursor)
    return list((await session.scalars(stmt)).all())


async def cases_page(
    session: AsyncSession,
    principal: Principal,
    *,
    filters: dict[str, Any],
    limit: int,
    cursor: str | None,
    calendar: WorkdayCalendar,
    now: dt.datetime,
) -> Page[CaseOut]:
    """A page of the cases in the caller's scope, newest first."""
    rows = await list_cases(session, principal, filters=filters, limit=limit, cursor=cursor)
    items, next_cursor = page_of(rows, limit)
    return Page[CaseOut](items=[to_out(c, calendar, now) for c in items], next_cursor=next_cursor)


async def get_case(
    session: AsyncSession, principal: Principal, case_id: str, *, lock: bool = False, reload: bool = False
) -> Case:
    stmt = select(Case).where(Case.id == case_id, readable(principal))
    if lock:
        stmt = stmt.with_for_update()
    if reload:
        stmt = stmt.execution_options(populate_existing=True)
    case = await session.scalar(stmt)
    if case is None:
        raise not_found("case", case_id)
    return case


async def open_case(
    session: AsyncSession,
    principal: Principal,
    body: CaseOpen,
    *,
    calendar: WorkdayCalendar,
    config: CaseRules,
    now: dt.datetime,
) -> Case:
    lead = await leads.get_lead(session, principal, body.lead_id, lock=True)
    require_scope(principal, OPEN, lead.area_code, lead.handling_dept)
    if lead.status != "received":
        raise Problem(409, "invalid_state", "Not allowed now", f"a lead in status {lead.status} cannot become a case")
    today = calendar.local_date(now)
    # the list in force today decides, and the case keeps this revision whatever the list says later
    item = await items.in_force_for_code(session, lead.item_code, today) if lead.item_code else None
    if item is None or not item_rules.is_delegated(item.delegations, lead.township_code, today):
        raise Problem(
            422,
            "outside_delegated_powers",
            "Outside the township's delegated powers",
            f"{lead.item_name_zh or lead.category} is not on the enforcement-item list delegated to "
            f"township {lead.township_code} on {today}: transfer the lead to the competent department",
        )
    if principal.username is None or principal.username not in body.officers:
        raise Problem(
            403,
            "not_case_officer",
            "You must be one of the officers",
            "the officer who registers a case is one of its officers",
        )
    found = await officers.officers_by_username(session, list(body.officers))
    pair = officer_rules.check_officer_pair(
        body.officers, found, township_code=lead.township_code, on=today, min_officers=config.min_officers
    )
    case = Case(
        id=new_id(),
        number=await business_number(session, "ZF", lead.township_code, today.year),
        lead_id=lead.id,
        ticket_id=lead.ticket_id,
        township_code=lead.township_code,
        area_code=lead.area_code,
        handling_dept=lead.handling_dept,
        item_id=item.id,
        item_code=item.code,
        item_revision=item.revision,
        item_name_zh=item.name_zh,
        item_legal_basis=item.legal_basis,
        officers=[
            {
                "username": u,
                "name": found[u].name,
                "certificate_number": found[u].certificate_number,
                "valid_until": found[u].valid_until.isoformat(),
            }
            for u in pair
        ],
        status="investigating",
        registered_at=now,
        decision_deadline=rules.decision_deadline(now, calendar, config.decision_days),
        opened_by=principal.subject,
        record_seq=0,
        correlation_id=lead.correlation_id,
        created_at=now,
        updated_at=now,
    )
    session.add(case)
    lead.status = "case_opened"
    lead.case_id = case.id
    leads.mark_decided(lead, now)
    lead.updated_at = now
    await session.flush()  # the case row exists before its record entries point at it
    records.append(
        session,
        case,
        kind="case_opened",
        actor=principal,
        at=now,
        content=f"立案 {case.number}：{item.name_zh}（{item.code} 第{item.revision}版），执法人员 "
        + "、".join(f"{o['name']}（证号 {o['certificate_number']}）" for o in case.officers),
        data={
            "lead_id": lead.id,
            "ticket_id": lead.ticket_id,
            "item_id": item.id,
            "officers": pair,
            "decision_deadline": case.decision_deadline.isoformat(),
        },
    )
    await emit(
        session,
        CaseOpened(
            case_id=case.id,
            number=case.number,
            lead_id=lead.id,
            ticket_id=lead.ticket_id,
            township_code=case.township_code,
            item_code=item.code,
            opened_at=now,
        ),
        subject=case.id,
        township=case.township_code,
        correlation_id=case.correlation_id,
    )
    await session.flush()
    return case


def overdue(case: Case, now: dt.datetime) -> Problem:
    extend = "" if case.extended_days else "; the office's head may extend it once, before it ends"
    return Problem(
        409,
        "decision_overdue",
        "Decision limit passed",
        f"the decision was due by {case.decision_deadline.isoformat()} (行政处罚法 art. 60){extend}",
        deadline=case.decision_deadline.isoformat(),
    )


async def extend(
    session: AsyncSession,
    principal: Principal,
    case_id: str,
    body: CaseExtensionIn,
    *,
    calendar: WorkdayCalendar,
    config: CaseRules,
    now: dt.datetime,
) -> Case:
    """The office's head approves the one extension of the decision limit, with its reasons."""
    case = await get_case(session, principal, case_id, lock=True)
    require_scope(principal, EXTEND, case.area_code, case.handling_dept)
    if case.status != "investigating":
        raise invalid_state(case, "be extended")
    if case.extended_days:
        raise Problem(409, "already_extended", "Already extended", "the decision limit is extended once only")
    if not rules.in_time(now, case.decision_deadline):
        raise overdue(case, now)
    before = case.decision_deadline
    case.decision_deadline = rules.extended_deadline(before, calendar, config.extension_days)
    case.extended_days = config.extension_days
    case.extension_reason = body.reason
    case.extended_by = principal.subject
    case.extended_by_name = principal.name
    case.extended_at = now
    case.updated_at = now
    records.append(
        session,
        case,
        kind="extension",
        actor=principal,
        at=now,
        content=f"负责人批准延长办案期限{config.extension_days}日至{calendar.local_date(case.decision_deadline)}："
        f"{body.reason}",
        data={
            "days": config.extension_days,
            "from": before.isoformat(),
            "until": case.decision_deadline.isoformat(),
            "reason": body.reason,
        },
    )
    await session.flush()
    return case


async def act_on(
    session: AsyncSession,
    principal: Principal,
    case_id: str,
    permission: str,
    calendar: WorkdayCalendar,
    now: dt.datetime,
) -> Case:
    """The case locked for an act of a case officer holding ``permission`` over it, with a valid certificate."""
    case = await get_case(session, principal, case_id, lock=True)
    require_scope(principal, permission, case.area_code, case.handling_dept)
    _require_case_officer(case, principal)
    assert principal.username is not None  # a case officer has a login name
    today = calendar.local_date(now)
    officer = (await officers.officers_by_username(session, [principal.username])).get(principal.username)
    if officer is None or not officer_rules.certificate_valid(officer, today):
        # enforcement acts need a valid certificate (access.md; 行政处罚法 art. 42)
        raise Problem(
            422,
            "certificate_invalid",
            "Certificate not valid",
            f"your enforcement certificate is not valid on {today}",
            officers=[principal.username],
        )
    return case


async def add_entry(
    session: AsyncSession,
    principal: Principal,
    case_id: str,
    body: EntryIn,
    *,
    calendar: WorkdayCalendar,
    max_chars: int,
    now: dt.datetime,
) -> RecordEntry:
    case = await act_on(session, principal, case_id, RECORD, calendar, now)
    if case.status == "closed":
        raise invalid_state(case, "take new record entries")
    records.check_entry(body, max_chars=max_chars)
    entry = records.append(
        session,
        case,
        kind=body.kind,
        content=body.content,
        actor=principal,
        at=now,
        attachment=body.attachment.model_dump() if body.attachment else None,
    )
    case.updated_at = now
    await session.flush()
    return entry


async def _require_executed(session: AsyncSession, case: Case) -> None:
    """A case closes when its penalty is executed, exempted or handed to the court, not when decided."""
    decision = await session.scalar(select(Decision).where(Decision.case_id == case.id))
    assert decision is not None  # a decided case has its decision
    if not decision_rules.PENALTIES[decision.penalty].adverse:
        return  # nothing to execute: no penalty, facts not established, or handed to the judiciary
    if await session.scalar(select(DocumentService.id).where(DocumentService.case_id == case.id)) is None:
        raise Problem(409, "not_served", "Not served", "the decision is served before the case can close (art. 61)")
    plan = await payment_queries.plan_of(session, case.id)
    if plan is not None and not payment_queries.settled(plan, await payment_queries.payments_of(session, case.id)):
        raise Problem(
            409,
            "unpaid",
            "Fine unpaid",
            "the fine is paid, or the court is applied to for its enforcement, before the case can close",
        )


async def close(
    session: AsyncSession,
    principal: Principal,
    case_id: str,
    body: CaseClose,
    *,
    calendar: WorkdayCalendar,
    now: dt.datetime,
) -> Case:
    case = await act_on(session, principal, case_id, CLOSE, calendar, now)
    if case.status != "decided":
        raise invalid_state(
            case, "be closed (a decision comes first)" if case.status == "investigating" else "be closed"
        )
    await _require_executed(session, case)
    lead = await session.scalar(select(Lead).where(Lead.id == case.lead_id).with_for_update())
    assert lead is not None  # a case always has its lead (foreign key)
    case.status = "closed"
    case.closed_at = now
    case.outcome = body.outcome
    case.updated_at = now
    lead.status = "case_closed"
    lead.updated_at = now
    records.append(
        session,
        case,
        kind="case_closed",
        actor=principal,
        at=now,
        content=f"结案：{body.outcome}",
        data={"outcome": body.outcome},
    )
    await emit(
        session,
        CaseClosed(
            case_id=case.id,
            number=case.number,
            lead_id=case.lead_id,
            ticket_id=case.ticket_id,
            township_code=case.township_code,
            # the unit dispatch assigned the ticket to: the township's enforcement office
            unit=UnitRef(**lead.assigned_unit),
            outcome=body.outcome,
            opened_at=case.registered_at,
            closed_at=now,
            # the chain head leaves the service with the event: a later rewrite of the record shows
            record_head=case.record_head,
        ),
        subject=case.id,
        township=case.township_code,
        correlation_id=case.correlation_id,
    )
    await session.flush()
    return case
