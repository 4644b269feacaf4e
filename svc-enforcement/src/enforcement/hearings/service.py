"""Use cases of hearings: the party's request (or waiver), the hearing notice, the hearing record,
and the statements and defence of the party. Each is one transaction on the locked case, with an
entry chained to the whole-process record."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement.cases import service as cases
from enforcement.cases.models import Case
from enforcement.decisions.models import RightsNotice
from enforcement.hearings import rules
from enforcement.hearings.models import Hearing, Statement
from enforcement.hearings.rules import HearingStatus
from enforcement.hearings.schemas import HearingRecordIn, HearingRequestIn, HearingScheduleIn, StatementIn
from enforcement.records import service as records
from jiceng_shared.db import new_id
from jiceng_shared.errors import Problem
from jiceng_shared.identity import Principal
from jiceng_shared.scope import require_scope
from jiceng_shared.workdays import WorkdayCalendar

#: receive the party's request, notify the hearing, record statements (officers of the case)
HEARING = "enforcement.case.hearing"
#: chair the hearing and make its record (the hearing officer, never an investigating officer)
HOLD = "enforcement.case.hearing.hold"


async def latest_notice(session: AsyncSession, case_id: str) -> RightsNotice | None:
    return await session.scalar(
        select(RightsNotice).where(RightsNotice.case_id == case_id).order_by(RightsNotice.notified_at.desc()).limit(1)
    )


async def hearing_of(session: AsyncSession, notice_id: str, *, lock: bool = False) -> Hearing | None:
    stmt = select(Hearing).where(Hearing.notice_id == notice_id)
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def _notice_offering_hearing(session: AsyncSession, case: Case) -> RightsNotice:
    notice = await latest_notice(session, case.id)
    if notice is None:
        raise Problem(
            422,
            "rights_notice_required",
            "Rights notice required",
            "the hearing is offered with the rights notice (行政处罚法 art. 44, 63): notify the party first",
        )
    if not notice.hearing_offered:
        raise Problem(
            422,
            "hearing_not_offered",
            "No hearing offered",
            "the proposed penalty is not one of art. 63: the party states and defends (陈述申辩) instead",
        )
    return notice


def _investigating(case: Case, action: str) -> None:
    if case.status != "investigating":
        raise cases.invalid_state(case, action)


async def request(
    session: AsyncSession,
    principal: Principal,
    case_id: str,
    body: HearingRequestIn,
    *,
    calendar: WorkdayCalendar,
    now: dt.datetime,
) -> Hearing:
    case = await cases.act_on(session, principal, case_id, HEARING, calendar, now)
    _investigating(case, "take a hearing request")
    notice = await _notice_offering_hearing(session, case)
    if await hearing_of(session, notice.id) is not None:
        raise Problem(409, "hearing_already_answered", "Already answered", "the party has already answered this notice")
    assert notice.hearing_request_deadline is not None  # an offered hearing has its deadline
    if not body.waived and not rules.may_request(now, notice.hearing_request_deadline):
        raise Problem(
            409,
            "hearing_request_late",
            "Hearing request too late",
            f"the party could ask for a hearing until {notice.hearing_request_deadline.isoformat()} "
            "(行政处罚法 art. 64: within 5 working days of the notice)",
            deadline=notice.hearing_request_deadline.isoformat(),
        )
    status = HearingStatus.WAIVED if body.waived else HearingStatus.REQUESTED
    hearing = Hearing(
        id=new_id(),
        case_id=case.id,
        notice_id=notice.id,
        status=status,
        requested_at=now,
        request_note=body.note,
        updated_at=now,
    )
    session.add(hearing)
    records.append(
        session,
        case,
        kind="hearing_waived" if body.waived else "hearing_request",
        actor=principal,
        at=now,
        content=("当事人明确放弃听证" if body.waived else "当事人申请听证") + (f"：{body.note}" if body.note else ""),
        data={"hearing_id": hearing.id, "notice_id": notice.id, "status": status.value},
    )
    case.updated_at = now
    await session.flush()
    return hearing


async def schedule(
    session: AsyncSession,
    principal: Principal,
    case_id: str,
    body: HearingScheduleIn,
    *,
    calendar: WorkdayCalendar,
    now: dt.datetime,
    notice_days: int,
) -> Hearing:
    case = await cases.act_on(session, principal, case_id, HEARING, calendar, now)
    _investigating(case, "schedule a hearing")
    notice = await _notice_offering_hearing(session, case)
    hearing = await hearing_of(session, notice.id, lock=True)
    if hearing is None or hearing.status != HearingStatus.REQUESTED:
        raise Problem(
            409,
            "hearing_not_requested",
            "No hearing to schedule",
            "a hearing is scheduled once the party has asked for it, and only once",
        )
    rules.check_schedule(
        now=now,
        scheduled_for=body.scheduled_for,
        hearing_officer=body.hearing_officer.username,
        case_officers=case.officers,
        public=body.public,
        not_public_reason=body.not_public_reason,
        notice_days=notice_days,
    ).raise_if_any()
    hearing.status = HearingStatus.SCHEDULED
    hearing.notified_at = now
    hearing.scheduled_for = body.scheduled_for
    hearing.place = body.place
    hearing.hearing_officer = body.hearing_officer.username
    hearing.hearing_officer_name = body.hearing_officer.name
    hearing.public = body.public
    hearing.not_public_reason = None if body.public else body.not_public_reason
    hearing.updated_at = now
    records.append(
        session,
        case,
        kind="hearing_notice",
        actor=principal,
        at=now,
        content=f"听证通知：{body.scheduled_for.astimezone(calendar.zone):%Y-%m-%d %H:%M} 于{body.place}"
        f"{'公开' if body.public else '不公开'}举行，听证主持人 {body.hearing_officer.name}",
        data={
            "hearing_id": hearing.id,
            "scheduled_for": body.scheduled_for.astimezone(dt.UTC).isoformat(),
            "place": body.place,
            "hearing_officer": body.hearing_officer.username,
            "public": body.public,
        },
    )
    case.updated_at = now
    await session.flush()
    return hearing


async def hold(
    session: AsyncSession, principal: Principal, case_id: str, body: HearingRecordIn, *, now: dt.datetime
) -> Hearing:
    case = await cases.get_case(session, principal, case_id, lock=True)
    require_scope(principal, HOLD, case.area_code, case.handling_dept)
    _investigating(case, "record a hearing")
    notice = await latest_notice(session, case.id)
    hearing = None if notice is None else await hearing_of(session, notice.id, lock=True)
    if hearing is None or hearing.status != HearingStatus.SCHEDULED:
        raise Problem(409, "hearing_not_scheduled", "No hearing scheduled", "no hearing of this case is scheduled")
    if principal.username != hearing.hearing_officer:
        raise Problem(
            403,
            "not_hearing_officer",
            "Not the hearing officer",
            "the hearing record is made by the hearing officer named in the hearing notice",
        )
    assert hearing.scheduled_for is not None  # a scheduled hearing has its time
    if now < hearing.scheduled_for:
        raise Problem(
            409,
            "hearing_not_yet_due",
            "Hearing not yet held",
            f"the hearing is notified for {hearing.scheduled_for.isoformat()}",
        )
    hearing.status = HearingStatus.HELD if body.party_attended else HearingStatus.ABSENT
    hearing.held_at = now
    hearing.party_attended = body.party_attended
    hearing.transcript = body.transcript
    hearing.recorded_by = principal.subject
    hearing.updated_at = now
    records.append(
        session,
        case,
        kind="hearing_record",
        actor=principal,
        at=now,
        content=f"听证笔录（{HearingStatus(hearing.status).label_zh}）：{body.transcript}",
        data={"hearing_id": hearing.id, "status": hearing.status, "party_attended": body.party_attended},
    )
    case.updated_at = now
    await session.flush()
    return hearing


async def add_statement(
    session: AsyncSession,
    principal: Principal,
    case_id: str,
    body: StatementIn,
    *,
    calendar: WorkdayCalendar,
    now: dt.datetime,
) -> Statement:
    case = await cases.act_on(session, principal, case_id, HEARING, calendar, now)
    _investigating(case, "take statements")
    notice = await latest_notice(session, case.id)
    if notice is None:
        raise Problem(
            422,
            "rights_notice_required",
            "Rights notice required",
            "the party states and defends after the rights notice (行政处罚法 art. 44-45)",
        )
    statement = Statement(
        id=new_id(),
        case_id=case.id,
        notice_id=notice.id,
        kind=body.kind,
        content=body.content,
        review=body.review,
        recorded_by=principal.subject,
        recorded_by_name=principal.name,
        recorded_at=now,
    )
    session.add(statement)
    records.append(
        session,
        case,
        kind="statement",
        actor=principal,
        at=now,
        content=f"当事人{body.kind.label_zh}：{body.content}" + (f"；复核意见：{body.review}" if body.review else ""),
        data={"statement_id": statement.id, "notice_id": notice.id, "kind": body.kind.value},
    )
    case.updated_at = now
    await session.flush()
    return statement


async def decision_blocked(session: AsyncSession, notice: RightsNotice, now: dt.datetime) -> None:
    """Art. 64-65: refuse the decision while the party may still ask, or before the hearing is held."""
    hearing = await hearing_of(session, notice.id)
    code = rules.decision_blocked(
        offered=notice.hearing_offered,
        request_deadline=notice.hearing_request_deadline,
        hearing_status=None if hearing is None else hearing.status,
        now=now,
    )
    if code == "hearing_window_open":
        assert notice.hearing_request_deadline is not None
        raise Problem(
            409,
            code,
            "Hearing window open",
            f"the party may ask for a hearing until {notice.hearing_request_deadline.isoformat()}: "
            "decide after that, or once the party has expressly given the hearing up (行政处罚法 art. 64)",
            deadline=notice.hearing_request_deadline.isoformat(),
        )
    if code == "hearing_pending":
        raise Problem(
            409,
            code,
            "Hearing pending",
            "the party asked for a hearing: the decision follows the hearing record (行政处罚法 art. 65)",
        )
