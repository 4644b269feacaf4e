"""Reads of payments: the plan of a case, what is paid, what is owed today with its late fee."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement.payments import rules
from enforcement.payments.models import Payment, PaymentPlan
from enforcement.payments.rules import Arrangement
from enforcement.payments.schemas import InstalmentOut, PaymentPlanOut
from jiceng_shared.workdays import WorkdayCalendar


def due_of(instalment: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(instalment["due"])


async def plan_of(session: AsyncSession, case_id: str, *, lock: bool = False) -> PaymentPlan | None:
    stmt = select(PaymentPlan).where(PaymentPlan.case_id == case_id)
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def payments_of(session: AsyncSession, case_id: str) -> list[Payment]:
    return list((await session.scalars(select(Payment).where(Payment.case_id == case_id).order_by(Payment.seq))).all())


def unpaid(plan: PaymentPlan, paid: list[Payment]) -> list[dict[str, Any]]:
    done = {p.seq for p in paid}
    return [i for i in plan.instalments if i["seq"] not in done]


def settled(plan: PaymentPlan | None, paid: list[Payment]) -> bool:
    """Executed (everything paid) or handed to the court."""
    return plan is None or plan.court_applied_at is not None or not unpaid(plan, paid)


def plan_out(plan: PaymentPlan, paid: list[Payment], calendar: WorkdayCalendar, now: dt.datetime) -> PaymentPlanOut:
    by_seq = {p.seq: p for p in paid}
    items = []
    for i in plan.instalments:
        payment = by_seq.get(i["seq"])
        if payment is not None:
            late, fee = payment.late_days, payment.late_fee_yuan
        else:
            late = rules.days_late(due_of(i), now, calendar)
            fee = rules.late_fee(i["amount_yuan"], late, plan.late_fee_percent_per_day)
        items.append(
            InstalmentOut(
                seq=i["seq"],
                due=due_of(i),
                amount_yuan=i["amount_yuan"],
                paid_at=payment.paid_at if payment else None,
                late_days=late,
                late_fee_yuan=fee,
                payable_yuan=0 if payment else i["amount_yuan"] + fee,
            )
        )
    open_items = [i for i in items if i.paid_at is None]
    return PaymentPlanOut(
        fine_yuan=plan.fine_yuan,
        arrangement=plan.arrangement,
        arrangement_zh=Arrangement(plan.arrangement).label_zh,
        arrangement_reason=plan.arrangement_reason,
        approved_by_name=plan.approved_by_name,
        instalments=items,
        paid=not open_items,
        outstanding_yuan=sum(i.payable_yuan for i in open_items),
        court_applied_at=plan.court_applied_at,
        court_name=plan.court_name,
    )
