"""Use cases of payment: the plan opened at service, payments at the bank with their late fee,
deferral or instalments approved by the office's head, the application to the court."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement.cases import service as cases
from enforcement.cases.models import Case
from enforcement.payments import rules
from enforcement.payments.models import Payment, PaymentPlan
from enforcement.payments.queries import due_of, payments_of, plan_of, unpaid
from enforcement.payments.rules import Arrangement
from enforcement.payments.schemas import ArrangementIn, CourtApplicationIn, PaymentIn
from enforcement.records import service as records
from enforcement.service_of_documents.models import DocumentService
from enforcement.service_of_documents.rules import ExecutionRules
from jiceng_shared.db import new_id
from jiceng_shared.errors import Problem
from jiceng_shared.identity import Principal
from jiceng_shared.scope import require_scope
from jiceng_shared.workdays import WorkdayCalendar

PAY = "enforcement.case.payment"
APPROVE = "enforcement.case.payment.approve"
COURT = "enforcement.case.court"


def open_plan(
    session: AsyncSession,
    case: Case,
    fine_yuan: int,
    served_at: dt.datetime,
    *,
    calendar: WorkdayCalendar,
    config: ExecutionRules,
    now: dt.datetime,
) -> PaymentPlan:
    due = rules.payment_due(served_at, calendar, config.payment_days)
    plan = PaymentPlan(
        id=new_id(),
        case_id=case.id,
        fine_yuan=fine_yuan,
        late_fee_percent_per_day=config.late_fee_percent_per_day,
        instalments=[{"seq": 1, "due": due.isoformat(), "amount_yuan": fine_yuan}],
        arrangement=Arrangement.NONE,
        created_at=now,
        updated_at=now,
    )
    session.add(plan)
    return plan


async def _open_plan_of(session: AsyncSession, case: Case) -> PaymentPlan:
    if case.status != "decided":
        raise cases.invalid_state(case, "take payments")
    plan = await plan_of(session, case.id, lock=True)
    if plan is None:
        served = await session.scalar(select(DocumentService.id).where(DocumentService.case_id == case.id))
        if served is None:
            raise Problem(409, "not_served", "Not served", "the decision is served first: it starts the periods")
        raise Problem(422, "nothing_to_pay", "Nothing to pay", "the decision of this case imposes no fine")
    if plan.court_applied_at is not None:
        raise Problem(409, "handed_to_court", "Handed to the court", "the court enforces this fine now")
    return plan


async def pay(
    session: AsyncSession,
    principal: Principal,
    case_id: str,
    body: PaymentIn,
    *,
    calendar: WorkdayCalendar,
    now: dt.datetime,
) -> Payment:
    """Record the bank's receipt of the next instalment with its late fee as of today."""
    case = await cases.act_on(session, principal, case_id, PAY, calendar, now)
    plan = await _open_plan_of(session, case)
    paid = await payments_of(session, case.id)
    left = unpaid(plan, paid)
    if not left:
        raise Problem(409, "already_paid", "Already paid", "the fine of this case is paid")
    instalment = left[0]
    late = rules.days_late(due_of(instalment), now, calendar)
    fee = rules.late_fee(instalment["amount_yuan"], late, plan.late_fee_percent_per_day)
    expected = instalment["amount_yuan"] + fee
    if body.amount_yuan != expected:
        raise Problem(
            422,
            "amount_mismatch",
            "Invalid request",
            f"amount_yuan: instalment {instalment['seq']} is {instalment['amount_yuan']} yuan"
            + (f" plus {fee} yuan late fee ({late} days)" if fee else "")
            + f": {expected} yuan today",
            errors=[{"field": "amount_yuan", "code": "amount_mismatch", "message": f"{expected} yuan today"}],
            expected_yuan=expected,
        )
    payment = Payment(
        id=new_id(),
        case_id=case.id,
        seq=instalment["seq"],
        amount_yuan=instalment["amount_yuan"],
        late_days=late,
        late_fee_yuan=fee,
        paid_at=now,
        receipt=body.receipt,
        recorded_by=principal.subject,
        recorded_by_name=principal.name,
    )
    session.add(payment)
    plan.updated_at = now
    records.append(
        session,
        case,
        kind="payment",
        actor=principal,
        at=now,
        content=f"第{instalment['seq']}期缴纳罚款{instalment['amount_yuan']}元"
        + (f"，加处罚款{fee}元（逾期{late}日）" if fee else "")
        + f"：{body.receipt}",
        data={
            "seq": instalment["seq"],
            "amount_yuan": instalment["amount_yuan"],
            "late_days": late,
            "late_fee_yuan": fee,
        },
    )
    case.updated_at = now
    await session.flush()
    return payment


async def arrange(
    session: AsyncSession,
    principal: Principal,
    case_id: str,
    body: ArrangementIn,
    *,
    calendar: WorkdayCalendar,
    now: dt.datetime,
) -> PaymentPlan:
    """Art. 66: the office's head approves a deferral or instalments of what is still owed."""
    case = await cases.get_case(session, principal, case_id, lock=True)
    require_scope(principal, APPROVE, case.area_code, case.handling_dept)
    plan = await _open_plan_of(session, case)
    paid = await payments_of(session, case.id)
    left = unpaid(plan, paid)
    if not left:
        raise Problem(409, "already_paid", "Already paid", "the fine of this case is paid")
    if body.kind == "deferral" and len(body.instalments) != 1:
        raise Problem(
            422,
            "deferral_is_one_instalment",
            "Invalid request",
            "instalments: a deferral names one new date",
            errors=[{"field": "instalments", "code": "deferral_is_one_instalment", "message": "one date"}],
        )
    if body.kind == "instalments" and len(body.instalments) < 2:
        raise Problem(
            422,
            "instalments_need_two",
            "Invalid request",
            "instalments: name two or more",
            errors=[{"field": "instalments", "code": "instalments_need_two", "message": "two or more"}],
        )
    today = calendar.local_date(now)
    schedule = [rules.Instalment(i.due_on, i.amount_yuan) for i in body.instalments]
    rules.check_schedule(schedule, sum(i["amount_yuan"] for i in left), today).raise_if_any()
    first = max((i["seq"] for i in plan.instalments), default=0) + 1
    kept = [i for i in plan.instalments if i not in left]
    new = [
        {
            "seq": first + n,
            "due": calendar.add_calendar_days(now, (i.due_on - today).days).isoformat(),
            "amount_yuan": i.amount_yuan,
        }
        for n, i in enumerate(schedule)
    ]
    plan.instalments = kept + new
    plan.arrangement = Arrangement(body.kind)
    plan.arrangement_reason = body.reason
    plan.approved_by_name = principal.name
    plan.approved_at = now
    plan.updated_at = now
    records.append(
        session,
        case,
        kind="payment_arrangement",
        actor=principal,
        at=now,
        content=f"负责人批准{Arrangement(body.kind).label_zh}：{body.reason}；"
        + "；".join(f"{i.due_on} 缴纳{i.amount_yuan}元" for i in schedule),
        data={"kind": body.kind, "instalments": new},
    )
    case.updated_at = now
    await session.flush()
    return plan


async def apply_to_court(
    session: AsyncSession,
    principal: Principal,
    case_id: str,
    body: CourtApplicationIn,
    *,
    calendar: WorkdayCalendar,
    now: dt.datetime,
) -> PaymentPlan:
    """行政强制法 art. 53: unpaid after the party's periods of review and litigation: to the court."""
    case = await cases.act_on(session, principal, case_id, COURT, calendar, now)
    plan = await _open_plan_of(session, case)
    paid = await payments_of(session, case.id)
    service = await session.scalar(select(DocumentService).where(DocumentService.case_id == case.id))
    assert service is not None  # a plan is opened by the service
    overdue = any(due_of(i) < now for i in unpaid(plan, paid))
    periods_end = max(service.review_until, service.litigation_until)
    code = rules.may_apply_to_court(now, overdue, periods_end)
    if code == "nothing_overdue":
        raise Problem(409, code, "Nothing overdue", "no instalment of the fine is overdue")
    if code == "periods_running":
        raise Problem(
            409,
            code,
            "The party's periods are running",
            f"the party may still seek review or go to court until {periods_end.isoformat()} "
            "(行政强制法 art. 53): apply after that",
            periods_end=periods_end.isoformat(),
        )
    plan.court_applied_at = now
    plan.court_name = body.court
    plan.court_reason = body.reason
    plan.updated_at = now
    records.append(
        session,
        case,
        kind="court_application",
        actor=principal,
        at=now,
        content=f"申请{body.court}强制执行：{body.reason}",
        data={"court": body.court, "outstanding": [i["seq"] for i in unpaid(plan, paid)]},
    )
    case.updated_at = now
    await session.flush()
    return plan
