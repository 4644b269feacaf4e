"""Use cases of cases: open one from a lead, notify the party, review, decide, close.

Each act locks the case row, checks state and scope, changes the case, chains an entry to the
whole-process record and writes its event, all in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jiceng_shared.contracts.common import UnitRef
from jiceng_shared.contracts.enforcement import CaseClosed, CaseOpened, DecisionMade
from jiceng_shared.db import new_id, utcnow
from jiceng_shared.errors import Problem, not_found
from jiceng_shared.identity import Principal
from jiceng_shared.numbers import business_number
from jiceng_shared.outbox import emit
from jiceng_shared.pagination import paginate
from jiceng_shared.scope import require_scope, scope_filter
from jiceng_shared.workdays import WorkdayCalendar

from enforcement.cases import rules
from enforcement.cases.models import Case, Decision, LegalReview, RightsNotice
from enforcement.cases.schemas import (
    CaseClose,
    CaseDetail,
    CaseOpen,
    CaseOut,
    DecisionIn,
    DecisionOut,
    LegalReviewIn,
    LegalReviewOut,
    OfficerRef,
    RightsNoticeIn,
    RightsNoticeOut,
)
from enforcement.config import EnforcementSettings
from enforcement.items import rules as item_rules
from enforcement.items import service as items
from enforcement.leads import service as leads
from enforcement.leads.models import Lead
from enforcement.officers import rules as officer_rules
from enforcement.officers import service as officers
from enforcement.records import service as records
from enforcement.records.models import RecordEntry
from enforcement.records.schemas import EntryIn

READ = "enforcement.case.read"
OPEN = "enforcement.case.open"
RECORD = "enforcement.case.record"
NOTIFY = "enforcement.case.notify"
REVIEW = "enforcement.case.legal_review"
DECIDE = "enforcement.case.decide"
CLOSE = "enforcement.case.close"


@dataclass(frozen=True)
class CaseRules:
    """The numbers of the case rules, from the settings (defaults: the design)."""

    min_officers: int = 2
    decision_days: int = 90
    summary: rules.SummaryLimits = rules.SummaryLimits()
    large: rules.LargeAmounts = rules.LargeAmounts()
    hearing_request_workdays: int = 5

    @classmethod
    def from_settings(cls, s: EnforcementSettings) -> "CaseRules":
        return cls(
            min_officers=s.min_officers,
            decision_days=s.decision_days,
            summary=rules.SummaryLimits(s.summary_fine_max_person_yuan, s.summary_fine_max_organisation_yuan),
            large=rules.LargeAmounts(s.large_fine_person_yuan, s.large_fine_organisation_yuan),
            hearing_request_workdays=s.hearing_request_workdays,
        )


def visible(principal: Principal, permission: str = READ) -> Any:
    return scope_filter(principal, permission, Case.area_code, Case.handling_dept)


def _invalid_state(case: Case, action: str) -> Problem:
    return Problem(409, "invalid_state", "Not allowed now", f"a case in status {case.status} cannot {action}")


def _require_case_officer(case: Case, principal: Principal) -> None:
    if not rules.is_case_officer(case.officers, principal.username):
        raise Problem(403, "not_case_officer", "Not an officer of this case",
                      "only the officers registered on the case may act on it")


def to_out(case: Case, calendar: WorkdayCalendar, now: dt.datetime, model: type[CaseOut] = CaseOut,
           **extra: Any) -> CaseOut:
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
    notices = (await session.scalars(
        select(RightsNotice).where(RightsNotice.case_id == case.id).order_by(RightsNotice.notified_at))).all()
    reviews = (await session.scalars(
        select(LegalReview).where(LegalReview.case_id == case.id).order_by(LegalReview.reviewed_at))).all()
    return to_out(  # type: ignore[return-value]
        case, calendar, now, CaseDetail,
        decision=None if decision is None else _decision_out(decision),
        rights_notices=[_notice_out(n) for n in notices],
        legal_reviews=[_review_out(r) for r in reviews],
    )


def _attrs(obj: Any, model: type) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in model.model_fields if hasattr(obj, name)}


def _notice_out(n: RightsNotice) -> RightsNoticeOut:
    return RightsNoticeOut(**_attrs(n, RightsNoticeOut), penalty_zh=rules.PENALTIES[n.penalty].label_zh)


def _review_out(r: LegalReview) -> LegalReviewOut:
    return LegalReviewOut(**_attrs(r, LegalReviewOut), outcome_zh=rules.REVIEW_LABELS[r.outcome])


def _decision_out(d: Decision) -> DecisionOut:
    return DecisionOut(
        **_attrs(d, DecisionOut),
        procedure_zh=rules.PROCEDURE_LABELS[d.procedure],
        penalty_zh=rules.PENALTIES[d.penalty].label_zh,
        party_kind_zh=rules.PARTY_LABELS[d.party_kind],
    )


async def list_cases(
    session: AsyncSession, principal: Principal, *, filters: dict[str, Any], limit: int, cursor: str | None
) -> list[Case]:
    stmt = select(Case).where(visible(principal))
    for name, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(Case, name) == value)
    stmt = paginate(stmt, Case.created_at, Case.id, limit=limit, cursor=cursor)
    return list((await session.scalars(stmt)).all())


async def get_case(session: AsyncSession, principal: Principal, case_id: str, *, lock: bool = False) -> Case:
    stmt = select(Case).where(Case.id == case_id, visible(principal))
    if lock:
        stmt = stmt.with_for_update()
    case = await session.scalar(stmt)
    if case is None:
        raise not_found("case", case_id)
    return case


async def open_case(
    session: AsyncSession, principal: Principal, body: CaseOpen, *, calendar: WorkdayCalendar, config: CaseRules
) -> Case:
    lead = await leads.get_lead(session, principal, body.lead_id, lock=True)
    require_scope(principal, OPEN, lead.area_code, lead.handling_dept)
    if lead.status != "received":
        raise Problem(409, "invalid_state", "Not allowed now", f"a lead in status {lead.status} cannot become a case")
    now = utcnow()
    today = calendar.local_date(now)
    # the list in force today decides, and the case keeps this revision whatever the list says later
    item = await items.in_force_for_code(session, lead.item_code, today) if lead.item_code else None
    if item is None or not item_rules.is_delegated(item.delegations, lead.township_code, today):
        raise Problem(422, "outside_delegated_powers", "Outside the township's delegated powers",
                      f"{lead.item_name_zh or lead.category} is not on the enforcement-item list delegated to "
                      f"township {lead.township_code} on {today}: transfer the lead to the competent department")
    if principal.username is None or principal.username not in body.officers:
        raise Problem(403, "not_case_officer", "You must be one of the officers",
                      "the officer who registers a case is one of its officers")
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
            {"username": u, "name": found[u].name, "certificate_number": found[u].certificate_number,
             "valid_until": found[u].valid_until.isoformat()}
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
    lead.updated_at = now
    await session.flush()  # the case row exists before its record entries point at it
    records.append(
        session, case, kind="case_opened", actor=principal, at=now,
        content=f"立案 {case.number}：{item.name_zh}（{item.code} 第{item.revision}版），执法人员 "
                + "、".join(f"{o['name']}（证号 {o['certificate_number']}）" for o in case.officers),
        data={"lead_id": lead.id, "ticket_id": lead.ticket_id, "item_id": item.id, "officers": pair,
              "decision_deadline": case.decision_deadline.isoformat()},
    )
    await emit(
        session,
        CaseOpened(case_id=case.id, number=case.number, lead_id=lead.id, ticket_id=lead.ticket_id,
                   township_code=case.township_code, item_code=item.code, opened_at=now),
        subject=case.id, township=case.township_code, correlation_id=case.correlation_id,
    )
    await session.flush()
    return case


async def _act_on(session: AsyncSession, principal: Principal, case_id: str, permission: str,
                  calendar: WorkdayCalendar) -> Case:
    """The case locked for an act of a case officer holding ``permission`` over it, with a valid certificate."""
    case = await get_case(session, principal, case_id, lock=True)
    require_scope(principal, permission, case.area_code, case.handling_dept)
    _require_case_officer(case, principal)
    assert principal.username is not None  # a case officer has a login name
    today = calendar.local_date(utcnow())
    officer = (await officers.officers_by_username(session, [principal.username])).get(principal.username)
    if officer is None or not officer_rules.certificate_valid(officer, today):
        # enforcement acts need a valid certificate (access.md; 行政处罚法 art. 42)
        raise Problem(422, "certificate_invalid", "Certificate not valid",
                      f"your enforcement certificate is not valid on {today}", officers=[principal.username])
    return case


async def add_entry(
    session: AsyncSession, principal: Principal, case_id: str, body: EntryIn, *,
    calendar: WorkdayCalendar, max_chars: int,
) -> RecordEntry:
    case = await _act_on(session, principal, case_id, RECORD, calendar)
    if case.status == "closed":
        raise _invalid_state(case, "take new record entries")
    records.check_entry(body, max_chars=max_chars)
    now = utcnow()
    entry = records.append(
        session, case, kind=body.kind, content=body.content, actor=principal, at=now,
        attachment=body.attachment.model_dump() if body.attachment else None,
    )
    case.updated_at = now
    await session.flush()
    return entry


async def notify_rights(
    session: AsyncSession, principal: Principal, case_id: str, body: RightsNoticeIn, *,
    calendar: WorkdayCalendar, config: CaseRules,
) -> RightsNotice:
    case = await _act_on(session, principal, case_id, NOTIFY, calendar)
    if case.status != "investigating":
        raise _invalid_state(case, "notify the party")
    errors = rules.check_amounts(body.penalty, body.fine_yuan, body.confiscated_value_yuan)
    if not rules.PENALTIES[body.penalty].adverse:
        errors.add("penalty", "not_adverse", "a decision without penalty needs no prior notice")
    errors.raise_if_any()
    now = utcnow()
    heavy = rules.is_heavy(body.penalty, body.fine_yuan, body.confiscated_value_yuan, body.party.kind, config.large)
    notice = RightsNotice(
        id=new_id(), case_id=case.id, party_kind=body.party.kind, party_name=body.party.name,
        penalty=body.penalty, fine_yuan=body.fine_yuan, confiscated_value_yuan=body.confiscated_value_yuan,
        facts=body.facts, legal_basis=body.legal_basis, hearing_offered=heavy,
        hearing_request_deadline=calendar.deadline(now, config.hearing_request_workdays) if heavy else None,
        notified_by=principal.subject, notified_by_name=principal.name, notified_at=now,
    )
    session.add(notice)
    label = rules.PENALTIES[body.penalty].label_zh
    records.append(
        session, case, kind="rights_notice", actor=principal, at=now,
        content=f"事先告知 {body.party.name}：拟{label}" + (f" 罚款{body.fine_yuan}元" if body.fine_yuan else "")
                + "，告知陈述、申辩权" + ("及听证权" if heavy else ""),
        data={"notice_id": notice.id, "penalty": body.penalty, "fine_yuan": body.fine_yuan,
              "confiscated_value_yuan": body.confiscated_value_yuan, "hearing_offered": heavy},
    )
    case.updated_at = now
    await session.flush()
    return notice


async def _latest_notice(session: AsyncSession, case_id: str) -> RightsNotice | None:
    return await session.scalar(
        select(RightsNotice).where(RightsNotice.case_id == case_id).order_by(RightsNotice.notified_at.desc()).limit(1)
    )


async def _latest_review(session: AsyncSession, case_id: str) -> LegalReview | None:
    return await session.scalar(
        select(LegalReview).where(LegalReview.case_id == case_id).order_by(LegalReview.reviewed_at.desc()).limit(1)
    )


async def legal_review(session: AsyncSession, principal: Principal, case_id: str, body: LegalReviewIn) -> LegalReview:
    case = await get_case(session, principal, case_id, lock=True)
    require_scope(principal, REVIEW, case.area_code, case.handling_dept)
    if case.status != "investigating":
        raise _invalid_state(case, "be reviewed")
    if rules.is_case_officer(case.officers, principal.username):
        raise Problem(422, "reviewer_is_case_officer", "Reviewer is an officer of the case",
                      "the legal review is made by someone who did not investigate the case")
    if body.penalty is None:
        notice = await _latest_notice(session, case.id)
        if notice is None:
            raise Problem(422, "proposal_required", "Nothing to review",
                          "penalty: name the proposed decision, or record the rights notice first")
        proposal = rules.Proposal(notice.penalty, notice.fine_yuan, notice.confiscated_value_yuan)
    else:
        proposal = rules.Proposal(body.penalty, body.fine_yuan or 0, body.confiscated_value_yuan or 0)
    rules.check_amounts(proposal.penalty, proposal.fine_yuan, proposal.confiscated_value_yuan).raise_if_any()
    now = utcnow()
    review = LegalReview(
        id=new_id(), case_id=case.id, outcome=body.outcome, opinion=body.opinion, penalty=proposal.penalty,
        fine_yuan=proposal.fine_yuan, confiscated_value_yuan=proposal.confiscated_value_yuan,
        reviewer_id=principal.subject, reviewer_name=principal.name, reviewed_at=now,
    )
    session.add(review)
    records.append(
        session, case, kind="legal_review", actor=principal, at=now,
        content=f"法制审核{rules.REVIEW_LABELS[body.outcome]}：{body.opinion}",
        data={"review_id": review.id, "outcome": body.outcome, "penalty": proposal.penalty,
              "fine_yuan": proposal.fine_yuan, "confiscated_value_yuan": proposal.confiscated_value_yuan},
    )
    case.updated_at = now
    await session.flush()
    return review


async def decide(
    session: AsyncSession, principal: Principal, case_id: str, body: DecisionIn, *,
    calendar: WorkdayCalendar, config: CaseRules,
) -> Decision:
    case = await _act_on(session, principal, case_id, DECIDE, calendar)
    if case.status != "investigating":
        raise _invalid_state(case, "be decided")
    rules.check_amounts(body.penalty, body.fine_yuan, body.confiscated_value_yuan).raise_if_any()
    now = utcnow()
    today = calendar.local_date(now)
    decided = rules.Proposal(body.penalty, body.fine_yuan, body.confiscated_value_yuan)
    major = body.major or rules.is_heavy(body.penalty, body.fine_yuan, body.confiscated_value_yuan,
                                         body.party.kind, config.large)
    notice: RightsNotice | None = None
    review: LegalReview | None = None
    present: list[str] = []
    if body.procedure == "summary":
        rules.check_summary(body.penalty, body.fine_yuan, body.party.kind, config.summary)
        if major:
            raise Problem(422, "summary_procedure_limit", "Summary procedure not allowed",
                          "a major decision needs the ordinary procedure")
        present = await _officers_present(session, principal, case, body.officers_present, today, config)
    else:
        if rules.PENALTIES[body.penalty].adverse:
            notice = await _latest_notice(session, case.id)
            if notice is None:
                raise Problem(422, "rights_notice_required", "Rights notice required",
                              "tell the party the proposed decision and their rights first (行政处罚法 art. 44-45, 62)")
            if not rules.within(decided, rules.Proposal(notice.penalty, notice.fine_yuan, notice.confiscated_value_yuan)):
                raise Problem(422, "penalty_exceeds_notice", "Heavier than notified",
                              "the decision may not be heavier than the proposal notified to the party "
                              "(行政处罚法 art. 45); notify the party again")
        if major:
            review = await _latest_review(session, case.id)
            reviewed = None if review is None else rules.Proposal(review.penalty, review.fine_yuan,
                                                                  review.confiscated_value_yuan)
            if review is None or review.outcome != "passed" or not rules.within(decided, reviewed):  # type: ignore[arg-type]
                raise Problem(422, "legal_review_required", "Legal review required",
                              "a major decision needs a passed legal review (法制审核) of this proposal first "
                              "(行政处罚法 art. 58)")
    decision = Decision(
        id=new_id(), case_id=case.id, procedure=body.procedure, penalty=body.penalty, fine_yuan=body.fine_yuan,
        confiscated_value_yuan=body.confiscated_value_yuan, party_kind=body.party.kind, party_name=body.party.name,
        facts=body.facts, legal_basis=body.legal_basis, major=major, officers_present=present,
        rights_notice_id=notice.id if notice else None, legal_review_id=review.id if review else None,
        decided_by=principal.subject, decided_by_name=principal.name, decided_at=now,
    )
    session.add(decision)
    case.status = "decided"
    case.decided_at = now
    case.updated_at = now
    label = rules.PENALTIES[body.penalty].label_zh
    records.append(
        session, case, kind="decision", actor=principal, at=now,
        content=f"{rules.PROCEDURE_LABELS[body.procedure]}作出决定：对{body.party.name}{label}"
                + (f" 罚款{body.fine_yuan}元" if body.fine_yuan else "") + f"。依据：{body.legal_basis}",
        data={"decision_id": decision.id, "procedure": body.procedure, "penalty": body.penalty,
              "fine_yuan": body.fine_yuan, "confiscated_value_yuan": body.confiscated_value_yuan,
              "party_kind": body.party.kind, "major": major, "officers_present": present},
    )
    await emit(
        session,
        DecisionMade(case_id=case.id, number=case.number, township_code=case.township_code,
                     procedure=body.procedure, penalty=body.penalty, fine_yuan=body.fine_yuan, decided_at=now,
                     lead_id=case.lead_id, ticket_id=case.ticket_id),
        subject=case.id, township=case.township_code, correlation_id=case.correlation_id,
    )
    await session.flush()
    return decision


async def _officers_present(
    session: AsyncSession, principal: Principal, case: Case, named: list[str] | None, today: dt.date, config: CaseRules
) -> list[str]:
    """Art. 51-52: an on-the-spot decision is made by at least two certified officers of the case, there."""
    usernames = named if named is not None else [o["username"] for o in case.officers]
    strangers = [u for u in usernames if not rules.is_case_officer(case.officers, u)]
    if strangers:
        raise Problem(422, "officer_not_on_case", "Officer not on the case",
                      f"not officers of this case: {', '.join(strangers)}", officers=strangers)
    if principal.username not in usernames:
        raise Problem(422, "officer_not_present", "You are not among the officers present",
                      "the officer who decides on the spot is one of the officers present")
    found = await officers.officers_by_username(session, list(usernames))
    return officer_rules.check_officer_pair(
        usernames, found, township_code=case.township_code, on=today, min_officers=config.min_officers
    )


async def close(
    session: AsyncSession, principal: Principal, case_id: str, body: CaseClose, *, calendar: WorkdayCalendar
) -> Case:
    case = await _act_on(session, principal, case_id, CLOSE, calendar)
    if case.status != "decided":
        raise _invalid_state(case, "be closed (a decision comes first)" if case.status == "investigating" else "be closed")
    lead = await session.scalar(select(Lead).where(Lead.id == case.lead_id).with_for_update())
    assert lead is not None  # a case always has its lead (foreign key)
    now = utcnow()
    case.status = "closed"
    case.closed_at = now
    case.outcome = body.outcome
    case.updated_at = now
    lead.status = "case_closed"
    lead.updated_at = now
    records.append(session, case, kind="case_closed", actor=principal, at=now, content=f"结案：{body.outcome}",
                   data={"outcome": body.outcome})
    await emit(
        session,
        CaseClosed(case_id=case.id, number=case.number, lead_id=case.lead_id, ticket_id=case.ticket_id,
                   township_code=case.township_code,
                   # the unit dispatch assigned the ticket to: the township's enforcement office
                   unit=UnitRef(**lead.assigned_unit),
                   outcome=body.outcome, opened_at=case.registered_at, closed_at=now,
                   # the chain head leaves the service with the event: a later rewrite of the record shows
                   record_head=case.record_head),
        subject=case.id, township=case.township_code, correlation_id=case.correlation_id,
    )
    await session.flush()
    return case

