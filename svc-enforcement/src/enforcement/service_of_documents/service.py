"""Use cases of the service of a decision: record it (a summary decision is served on the spot),
which starts the party's periods and, for a fine, the payment plan."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement.cases import service as cases
from enforcement.cases.models import Case
from enforcement.decisions.models import Decision
from enforcement.payments import service as payments
from enforcement.payments.queries import due_of
from enforcement.records import service as records
from enforcement.service_of_documents import rules
from enforcement.service_of_documents.models import DocumentService
from enforcement.service_of_documents.rules import ExecutionRules, ServiceMethod
from enforcement.service_of_documents.schemas import ServiceIn
from jiceng_shared.db import new_id
from jiceng_shared.errors import Problem
from jiceng_shared.identity import Principal
from jiceng_shared.workdays import WorkdayCalendar

SERVE = "enforcement.case.serve"


async def service_of(session: AsyncSession, case_id: str) -> DocumentService | None:
    return await session.scalar(select(DocumentService).where(DocumentService.case_id == case_id))


def record_service(
    session: AsyncSession,
    case: Case,
    decision: Decision,
    *,
    method: ServiceMethod,
    served_at: dt.datetime,
    proof: str,
    consent: bool,
    announcement_reason: str | None,
    actor: Principal,
    calendar: WorkdayCalendar,
    config: ExecutionRules,
    now: dt.datetime,
) -> DocumentService:
    """The service of the decision (the caller holds the case row and has checked the request)."""
    due = rules.service_due(decision.decided_at, calendar, config.service_days)
    service = DocumentService(
        id=new_id(),
        case_id=case.id,
        decision_id=decision.id,
        method=method,
        served_at=served_at,
        proof=proof,
        consent=consent,
        announcement_reason=announcement_reason,
        due=due,
        late=rules.served_late(served_at, due),
        review_until=rules.review_until(served_at, calendar, config.review_days),
        litigation_until=rules.litigation_until(served_at, calendar, config.litigation_months),
        recorded_by=actor.subject,
        recorded_by_name=actor.name,
        recorded_at=now,
    )
    session.add(service)
    plan = None
    if decision.fine_yuan:
        plan = payments.open_plan(
            session, case, decision.fine_yuan, served_at, calendar=calendar, config=config, now=now
        )
    local = calendar.local_date
    records.append(
        session,
        case,
        kind="service",
        actor=actor,
        at=now,
        content=f"{method.label_zh}处罚决定书（{local(served_at)}）：{proof}"
        + (f"；罚款{decision.fine_yuan}元应于{local(due_of(plan.instalments[0]))}前缴纳" if plan else "")
        + f"；可于{local(service.review_until)}前申请行政复议，{local(service.litigation_until)}前提起行政诉讼",
        data={
            "service_id": service.id,
            "method": method.value,
            "served_at": served_at.isoformat(),
            "due": due.isoformat(),
            "late": service.late,
            "review_until": service.review_until.isoformat(),
            "litigation_until": service.litigation_until.isoformat(),
        },
    )
    case.updated_at = now
    return service


async def serve(
    session: AsyncSession,
    principal: Principal,
    case_id: str,
    body: ServiceIn,
    *,
    calendar: WorkdayCalendar,
    config: ExecutionRules,
    now: dt.datetime,
) -> DocumentService:
    case = await cases.act_on(session, principal, case_id, SERVE, calendar, now)
    if case.status != "decided":
        raise cases.invalid_state(case, "be served (a decision comes first)")
    if await service_of(session, case.id) is not None:
        raise Problem(409, "already_served", "Already served", "the decision of this case has been served")
    decision = await session.scalar(select(Decision).where(Decision.case_id == case.id))
    assert decision is not None  # a decided case has its decision
    served_at = body.served_at or now
    rules.check_service(
        method=body.method,
        served_at=served_at,
        decided_at=decision.decided_at,
        now=now,
        consent=body.consent,
        announcement_reason=body.announcement_reason,
    ).raise_if_any()
    service = record_service(
        session,
        case,
        decision,
        method=body.method,
        served_at=served_at,
        proof=body.proof,
        consent=body.consent,
        announcement_reason=body.announcement_reason,
        actor=principal,
        calendar=calendar,
        config=config,
        now=now,
    )
    await session.flush()
    return service
