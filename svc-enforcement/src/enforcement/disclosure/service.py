"""Use cases of disclosure: publish a decision (masked), withdraw it when revoked or changed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement.cases import service as cases
from enforcement.decisions.models import Decision
from enforcement.disclosure import rules
from enforcement.disclosure.models import Disclosure
from enforcement.disclosure.rules import DisclosureStatus
from enforcement.disclosure.schemas import DisclosureIn, WithdrawalIn
from enforcement.records import service as records
from jiceng_shared.contracts.enforcement import DisclosurePublished, DisclosureWithdrawn
from jiceng_shared.db import new_id
from jiceng_shared.errors import Problem
from jiceng_shared.identity import Principal
from jiceng_shared.outbox import emit
from jiceng_shared.scope import require_scope
from jiceng_shared.workdays import WorkdayCalendar

DISCLOSE = "enforcement.case.disclose"


async def disclosure_of(session: AsyncSession, case_id: str, *, lock: bool = False) -> Disclosure | None:
    stmt = select(Disclosure).where(Disclosure.case_id == case_id)
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def publish(
    session: AsyncSession,
    principal: Principal,
    case_id: str,
    body: DisclosureIn,
    *,
    calendar: WorkdayCalendar,
    workdays: int,
    now: dt.datetime,
) -> Disclosure:
    case = await cases.get_case(session, principal, case_id, lock=True)
    require_scope(principal, DISCLOSE, case.area_code, case.handling_dept)
    if case.status == "investigating":
        raise cases.invalid_state(case, "be published (a decision comes first)")
    if await disclosure_of(session, case.id) is not None:
        raise Problem(409, "already_published", "Already published", "the decision of this case is published")
    decision = await session.scalar(select(Decision).where(Decision.case_id == case.id))
    assert decision is not None  # a decided case has its decision
    due = rules.publication_due(decision.decided_at, calendar, workdays)
    disclosure = Disclosure(
        id=new_id(),
        case_id=case.id,
        number=case.number,
        township_code=case.township_code,
        item_name_zh=case.item_name_zh,
        party=rules.public_party(decision.party_kind, decision.party_name),
        party_kind=decision.party_kind,
        penalty=decision.penalty,
        fine_yuan=decision.fine_yuan,
        facts=body.facts or decision.facts,
        legal_basis=decision.legal_basis,
        decided_at=decision.decided_at,
        status=DisclosureStatus.PUBLISHED,
        due=due,
        published_at=now,
        late=rules.late(now, due),
        published_by_name=principal.name,
    )
    session.add(disclosure)
    records.append(
        session,
        case,
        kind="disclosure",
        actor=principal,
        at=now,
        content=f"执法公示：{case.number}（当事人 {disclosure.party}）",
        data={"disclosure_id": disclosure.id, "due": due.isoformat(), "late": disclosure.late},
    )
    await emit(
        session,
        DisclosurePublished(
            disclosure_id=disclosure.id,
            case_id=case.id,
            number=case.number,
            township_code=case.township_code,
            decided_at=decision.decided_at,
            due=due,
            published_at=now,
            late=disclosure.late,
        ),
        subject=case.id,
        township=case.township_code,
        correlation_id=case.correlation_id,
    )
    case.updated_at = now
    await session.flush()
    return disclosure


async def withdraw(
    session: AsyncSession,
    principal: Principal,
    case_id: str,
    body: WithdrawalIn,
    *,
    calendar: WorkdayCalendar,
    workdays: int,
    now: dt.datetime,
) -> Disclosure:
    case = await cases.get_case(session, principal, case_id, lock=True)
    require_scope(principal, DISCLOSE, case.area_code, case.handling_dept)
    disclosure = await disclosure_of(session, case.id, lock=True)
    if disclosure is None or disclosure.status != DisclosureStatus.PUBLISHED:
        raise Problem(409, "not_published", "Not published", "nothing of this case is published")
    changed_at = body.changed_at or now
    if changed_at > now or changed_at < disclosure.decided_at:
        raise Problem(
            422,
            "invalid_changed_at",
            "Invalid request",
            "changed_at: the revocation or change lies between the decision and now",
            errors=[{"field": "changed_at", "code": "invalid_changed_at", "message": "between the decision and now"}],
        )
    due = rules.withdrawal_due(changed_at, calendar, workdays)
    disclosure.status = DisclosureStatus.WITHDRAWN
    disclosure.changed_at = changed_at
    disclosure.withdrawal_due = due
    disclosure.withdrawn_at = now
    disclosure.withdrawal_late = rules.late(now, due)
    disclosure.withdrawal_reason = body.reason
    records.append(
        session,
        case,
        kind="disclosure_withdrawn",
        actor=principal,
        at=now,
        content=f"撤回执法公示：{body.reason}",
        data={"disclosure_id": disclosure.id, "due": due.isoformat(), "late": disclosure.withdrawal_late},
    )
    await emit(
        session,
        DisclosureWithdrawn(
            disclosure_id=disclosure.id,
            case_id=case.id,
            number=case.number,
            township_code=case.township_code,
            changed_at=changed_at,
            due=due,
            withdrawn_at=now,
            late=bool(disclosure.withdrawal_late),
        ),
        subject=case.id,
        township=case.township_code,
        correlation_id=case.correlation_id,
    )
    case.updated_at = now
    await session.flush()
    return disclosure
