"""Use cases of decisions: tell the party (事先告知), review (法制审核), decide by procedure.

The summary procedure (简易程序, art. 51-52) decides on the spot: a warning or a small fine, two
certified officers of the case present. The ordinary procedure needs the rights notice before
an adverse decision (art. 44-45, 62), no heavier decision than notified (art. 45), and for a
major decision a passed legal review (art. 58).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement.cases import rules as case_rules
from enforcement.cases import service as cases
from enforcement.cases.models import Case
from enforcement.config import EnforcementSettings
from enforcement.decisions import rules
from enforcement.decisions.models import Decision, Deliberation, LegalReview, ReviewerQualification, RightsNotice
from enforcement.decisions.schemas import DecisionIn, DeliberationIn, LegalReviewIn, QualificationIn, RightsNoticeIn
from enforcement.hearings import rules as hearing_rules
from enforcement.hearings import service as hearings
from enforcement.officers import rules as officer_rules
from enforcement.officers import service as officers
from enforcement.records import service as records
from enforcement.service_of_documents import service as documents
from enforcement.service_of_documents.rules import ExecutionRules, ServiceMethod
from jiceng_shared.contracts.enforcement import DecisionMade
from jiceng_shared.db import new_id
from jiceng_shared.errors import Problem
from jiceng_shared.identity import Principal
from jiceng_shared.outbox import emit
from jiceng_shared.scope import require_scope
from jiceng_shared.workdays import WorkdayCalendar

NOTIFY = "enforcement.case.notify"
REVIEW = "enforcement.case.legal_review"
DECIDE = "enforcement.case.decide"
#: minute the collective deliberation of the office's leaders (art. 57)
DELIBERATE = "enforcement.case.deliberate"


@dataclass(frozen=True)
class DecisionRules:
    """The numbers of the decision rules, from the settings (defaults: the design)."""

    min_officers: int = 2
    summary: rules.SummaryLimits = rules.SummaryLimits()
    large: rules.LargeAmounts = rules.LargeAmounts()
    hearing_request_workdays: int = 5
    legal_review_workdays: int = 10
    deliberation_min_members: int = 3

    @classmethod
    def from_settings(cls, s: EnforcementSettings) -> DecisionRules:
        return cls(
            min_officers=s.min_officers,
            summary=rules.SummaryLimits(s.summary_fine_max_person_yuan, s.summary_fine_max_organisation_yuan),
            large=rules.LargeAmounts(s.large_fine_person_yuan, s.large_fine_organisation_yuan),
            hearing_request_workdays=s.hearing_request_workdays,
            legal_review_workdays=s.legal_review_workdays,
            deliberation_min_members=s.deliberation_min_members,
        )


async def notify_rights(
    session: AsyncSession,
    principal: Principal,
    case_id: str,
    body: RightsNoticeIn,
    *,
    calendar: WorkdayCalendar,
    config: DecisionRules,
    now: dt.datetime,
) -> RightsNotice:
    case = await cases.act_on(session, principal, case_id, NOTIFY, calendar, now)
    if case.status != "investigating":
        raise cases.invalid_state(case, "notify the party")
    errors = rules.check_amounts(body.penalty, body.fine_yuan, body.confiscated_value_yuan)
    if not rules.PENALTIES[body.penalty].adverse:
        errors.add("penalty", "not_adverse", "a decision without penalty needs no prior notice")
    errors.raise_if_any()
    heavy = rules.is_heavy(body.penalty, body.fine_yuan, body.confiscated_value_yuan, body.party.kind, config.large)
    notice = RightsNotice(
        id=new_id(),
        case_id=case.id,
        party_kind=body.party.kind,
        party_name=body.party.name,
        penalty=body.penalty,
        fine_yuan=body.fine_yuan,
        confiscated_value_yuan=body.confiscated_value_yuan,
        facts=body.facts,
        legal_basis=body.legal_basis,
        hearing_offered=heavy,
        hearing_request_deadline=(
            hearing_rules.request_deadline(now, calendar, config.hearing_request_workdays) if heavy else None
        ),
        notified_by=principal.subject,
        notified_by_name=principal.name,
        notified_at=now,
    )
    session.add(notice)
    label = rules.PENALTIES[body.penalty].label_zh
    records.append(
        session,
        case,
        kind="rights_notice",
        actor=principal,
        at=now,
        content=f"事先告知 {body.party.name}：拟{label}"
        + (f" 罚款{body.fine_yuan}元" if body.fine_yuan else "")
        + "，告知陈述、申辩权"
        + ("及听证权" if heavy else ""),
        data={
            "notice_id": notice.id,
            "penalty": body.penalty,
            "fine_yuan": body.fine_yuan,
            "confiscated_value_yuan": body.confiscated_value_yuan,
            "hearing_offered": heavy,
        },
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


QUALIFY = "enforcement.officer.manage"


async def put_qualification(
    session: AsyncSession, principal: Principal, username: str, body: QualificationIn, *, now: dt.datetime
) -> tuple[ReviewerQualification, bool]:
    """Register or renew a legal reviewer's qualification (the county's officer register keeper)."""
    require_scope(principal, QUALIFY, body.township_code, None)
    if body.valid_until is not None and body.valid_until < body.valid_from:
        raise Problem(
            422,
            "invalid_period",
            "Invalid request",
            "valid_until: not before valid_from",
            errors=[{"field": "valid_until", "code": "invalid_period", "message": "not before valid_from"}],
        )
    row = await session.scalar(
        select(ReviewerQualification).where(ReviewerQualification.username == username).with_for_update()
    )
    created = row is None
    if row is None:
        row = ReviewerQualification(id=new_id(), username=username, created_at=now)
        session.add(row)
    row.name = body.name
    row.township_code = body.township_code
    row.certificate_number = body.certificate_number
    row.valid_from = body.valid_from
    row.valid_until = body.valid_until
    row.updated_at = now
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Problem(
            409, "certificate_number_taken", "Certificate number in use", "the number belongs to another reviewer"
        ) from exc
    return row, created


async def _latest_deliberation(session: AsyncSession, case_id: str) -> Deliberation | None:
    return await session.scalar(
        select(Deliberation)
        .where(Deliberation.case_id == case_id)
        .order_by(Deliberation.deliberated_at.desc())
        .limit(1)
    )


async def submit_for_review(
    session: AsyncSession,
    principal: Principal,
    case_id: str,
    *,
    calendar: WorkdayCalendar,
    config: DecisionRules,
    now: dt.datetime,
) -> Case:
    """送审: the officers hand the file to legal review; the review is due within 10 working days."""
    case = await cases.act_on(session, principal, case_id, DECIDE, calendar, now)
    if case.status != "investigating":
        raise cases.invalid_state(case, "go to legal review")
    case.review_submitted_at = now
    case.review_due = rules.legal_review_due(now, calendar, config.legal_review_workdays)
    case.updated_at = now
    records.append(
        session,
        case,
        kind="review_submitted",
        actor=principal,
        at=now,
        content=f"送法制审核，应于{case.review_due.astimezone(calendar.zone):%Y-%m-%d}前审核完毕",
        data={"due": case.review_due.isoformat()},
    )
    await session.flush()
    return case


async def deliberate(
    session: AsyncSession,
    principal: Principal,
    case_id: str,
    body: DeliberationIn,
    *,
    config: DecisionRules,
    now: dt.datetime,
) -> Deliberation:
    """集体讨论 of a major case by the office's leaders (art. 57), minuted in the case record."""
    case = await cases.get_case(session, principal, case_id, lock=True)
    require_scope(principal, DELIBERATE, case.area_code, case.handling_dept)
    if case.status != "investigating":
        raise cases.invalid_state(case, "be deliberated")
    errors = rules.check_amounts(body.penalty, body.fine_yuan, body.confiscated_value_yuan)
    errors.errors += rules.check_members(body.members, config.deliberation_min_members).errors
    errors.raise_if_any()
    deliberation = Deliberation(
        id=new_id(),
        case_id=case.id,
        members=list(body.members),
        opinion=body.opinion,
        penalty=body.penalty,
        fine_yuan=body.fine_yuan,
        confiscated_value_yuan=body.confiscated_value_yuan,
        recorded_by=principal.subject,
        recorded_by_name=principal.name,
        deliberated_at=now,
    )
    session.add(deliberation)
    records.append(
        session,
        case,
        kind="deliberation",
        actor=principal,
        at=now,
        content=f"集体讨论（{'、'.join(body.members)}）：{body.opinion}",
        data={
            "deliberation_id": deliberation.id,
            "members": list(body.members),
            "penalty": body.penalty,
            "fine_yuan": body.fine_yuan,
            "confiscated_value_yuan": body.confiscated_value_yuan,
        },
    )
    case.updated_at = now
    await session.flush()
    return deliberation


async def legal_review(
    session: AsyncSession,
    principal: Principal,
    case_id: str,
    body: LegalReviewIn,
    *,
    calendar: WorkdayCalendar,
    now: dt.datetime,
) -> LegalReview:
    case = await cases.get_case(session, principal, case_id, lock=True)
    require_scope(principal, REVIEW, case.area_code, case.handling_dept)
    if case.status != "investigating":
        raise cases.invalid_state(case, "be reviewed")
    if case_rules.is_case_officer(case.officers, principal.username):
        raise Problem(
            422,
            "reviewer_is_case_officer",
            "Reviewer is an officer of the case",
            "the legal review is made by someone who did not investigate the case",
        )
    qualification = await session.scalar(
        select(ReviewerQualification).where(ReviewerQualification.username == principal.username)
    )
    today = calendar.local_date(now)
    if not rules.reviewer_certified(qualification, case.township_code, today):
        raise Problem(
            422,
            "reviewer_not_certified",
            "Reviewer not certified",
            f"the legal review needs a reviewer holding a legal professional qualification valid on {today} "
            "(法律职业资格, 行政处罚法 art. 58)",
        )
    if body.penalty is None:
        notice = await _latest_notice(session, case.id)
        if notice is None:
            raise Problem(
                422,
                "proposal_required",
                "Nothing to review",
                "penalty: name the proposed decision, or record the rights notice first",
            )
        proposal = rules.Proposal(notice.penalty, notice.fine_yuan, notice.confiscated_value_yuan)
    else:
        proposal = rules.Proposal(body.penalty, body.fine_yuan or 0, body.confiscated_value_yuan or 0)
    rules.check_amounts(proposal.penalty, proposal.fine_yuan, proposal.confiscated_value_yuan).raise_if_any()
    review = LegalReview(
        id=new_id(),
        case_id=case.id,
        outcome=body.outcome,
        opinion=body.opinion,
        penalty=proposal.penalty,
        fine_yuan=proposal.fine_yuan,
        confiscated_value_yuan=proposal.confiscated_value_yuan,
        reviewer_id=principal.subject,
        reviewer_name=principal.name,
        reviewed_at=now,
        submitted_at=case.review_submitted_at,
        due=case.review_due,
        late=rules.review_late(now, case.review_due),
    )
    session.add(review)
    records.append(
        session,
        case,
        kind="legal_review",
        actor=principal,
        at=now,
        content=f"法制审核{rules.REVIEW_LABELS[body.outcome]}：{body.opinion}",
        data={
            "review_id": review.id,
            "outcome": body.outcome,
            "penalty": proposal.penalty,
            "fine_yuan": proposal.fine_yuan,
            "confiscated_value_yuan": proposal.confiscated_value_yuan,
        },
    )
    case.updated_at = now
    await session.flush()
    return review


async def decide(
    session: AsyncSession,
    principal: Principal,
    case_id: str,
    body: DecisionIn,
    *,
    calendar: WorkdayCalendar,
    config: DecisionRules,
    execution: ExecutionRules,
    now: dt.datetime,
) -> Decision:
    case = await cases.act_on(session, principal, case_id, DECIDE, calendar, now)
    if case.status != "investigating":
        raise cases.invalid_state(case, "be decided")
    if not case_rules.in_time(now, case.decision_deadline):
        raise cases.overdue(case, now)
    rules.check_amounts(body.penalty, body.fine_yuan, body.confiscated_value_yuan).raise_if_any()
    today = calendar.local_date(now)
    decided = rules.Proposal(body.penalty, body.fine_yuan, body.confiscated_value_yuan)
    major = body.major or rules.is_heavy(
        body.penalty, body.fine_yuan, body.confiscated_value_yuan, body.party.kind, config.large
    )
    notice: RightsNotice | None = None
    review: LegalReview | None = None
    present: list[str] = []
    if body.procedure == "summary":
        rules.check_summary(body.penalty, body.fine_yuan, body.party.kind, config.summary)
        if major:
            raise Problem(
                422,
                "summary_procedure_limit",
                "Summary procedure not allowed",
                "a major decision needs the ordinary procedure",
            )
        present = await _officers_present(session, principal, case, body.officers_present, today, config)
    else:
        if rules.PENALTIES[body.penalty].adverse:
            notice = await _latest_notice(session, case.id)
            if notice is None:
                raise Problem(
                    422,
                    "rights_notice_required",
                    "Rights notice required",
                    "tell the party the proposed decision and their rights first (行政处罚法 art. 44-45, 62)",
                )
            if not rules.within(
                decided, rules.Proposal(notice.penalty, notice.fine_yuan, notice.confiscated_value_yuan)
            ):
                raise Problem(
                    422,
                    "penalty_exceeds_notice",
                    "Heavier than notified",
                    "the decision may not be heavier than the proposal notified to the party "
                    "(行政处罚法 art. 45); notify the party again",
                )
            await hearings.decision_blocked(session, notice, now)
        if major:
            review = await _latest_review(session, case.id)
            if (
                review is None
                or review.outcome != rules.ReviewOutcome.PASSED
                or not rules.within(
                    decided, rules.Proposal(review.penalty, review.fine_yuan, review.confiscated_value_yuan)
                )
            ):
                raise Problem(
                    422,
                    "legal_review_required",
                    "Legal review required",
                    "a major decision needs a passed legal review (法制审核) of this proposal first "
                    "(行政处罚法 art. 58)",
                )
            deliberation = await _latest_deliberation(session, case.id)
            agreed = (
                None
                if deliberation is None
                else rules.Proposal(deliberation.penalty, deliberation.fine_yuan, deliberation.confiscated_value_yuan)
            )
            if agreed is None or not rules.within(decided, agreed):
                raise Problem(
                    422,
                    "collective_deliberation_required",
                    "Collective deliberation required",
                    "a major case is decided by the collective deliberation of the office's leaders "
                    "(集体讨论, 行政处罚法 art. 57): minute it first, for this penalty or a heavier one",
                )
    decision = Decision(
        id=new_id(),
        case_id=case.id,
        procedure=body.procedure,
        penalty=body.penalty,
        fine_yuan=body.fine_yuan,
        confiscated_value_yuan=body.confiscated_value_yuan,
        party_kind=body.party.kind,
        party_name=body.party.name,
        facts=body.facts,
        legal_basis=body.legal_basis,
        major=major,
        officers_present=present,
        rights_notice_id=notice.id if notice else None,
        legal_review_id=review.id if review else None,
        decided_by=principal.subject,
        decided_by_name=principal.name,
        decided_at=now,
    )
    session.add(decision)
    case.status = "decided"
    case.decided_at = now
    case.updated_at = now
    label = rules.PENALTIES[body.penalty].label_zh
    records.append(
        session,
        case,
        kind="decision",
        actor=principal,
        at=now,
        content=f"{rules.PROCEDURE_LABELS[body.procedure]}作出决定：对{body.party.name}{label}"
        + (f" 罚款{body.fine_yuan}元" if body.fine_yuan else "")
        + f"。依据：{body.legal_basis}",
        data={
            "decision_id": decision.id,
            "procedure": body.procedure,
            "penalty": body.penalty,
            "fine_yuan": body.fine_yuan,
            "confiscated_value_yuan": body.confiscated_value_yuan,
            "party_kind": body.party.kind,
            "major": major,
            "officers_present": present,
        },
    )
    await emit(
        session,
        DecisionMade(
            case_id=case.id,
            number=case.number,
            township_code=case.township_code,
            procedure=body.procedure,
            penalty=body.penalty,
            fine_yuan=body.fine_yuan,
            decided_at=now,
            lead_id=case.lead_id,
            ticket_id=case.ticket_id,
        ),
        subject=case.id,
        township=case.township_code,
        correlation_id=case.correlation_id,
    )
    if body.procedure == "summary":
        # art. 52: the decision made on the spot is handed to the party there and then
        await session.flush()
        documents.record_service(
            session,
            case,
            decision,
            method=ServiceMethod.ON_THE_SPOT,
            served_at=now,
            proof="当场交付行政处罚决定书，当事人签收（简易程序）",
            consent=False,
            announcement_reason=None,
            actor=principal,
            calendar=calendar,
            config=execution,
            now=now,
        )
    await session.flush()
    return decision


async def _officers_present(
    session: AsyncSession,
    principal: Principal,
    case: Case,
    named: list[str] | None,
    today: dt.date,
    config: DecisionRules,
) -> list[str]:
    """Art. 51-52: an on-the-spot decision is made by at least two certified officers of the case, there."""
    usernames = named if named is not None else [o["username"] for o in case.officers]
    strangers = [u for u in usernames if not case_rules.is_case_officer(case.officers, u)]
    if strangers:
        raise Problem(
            422,
            "officer_not_on_case",
            "Officer not on the case",
            f"not officers of this case: {', '.join(strangers)}",
            officers=strangers,
        )
    if principal.username not in usernames:
        raise Problem(
            422,
            "officer_not_present",
            "You are not among the officers present",
            "the officer who decides on the spot is one of the officers present",
        )
    found = await officers.officers_by_username(session, list(usernames))
    return officer_rules.check_officer_pair(
        usernames, found, township_code=case.township_code, on=today, min_officers=config.min_officers
    )
