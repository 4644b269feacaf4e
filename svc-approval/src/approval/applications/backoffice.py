"""Use cases of the back office and the one exit: clock pauses, extensions, decisions, hand-out, notes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from approval import codes
from approval.applications import events, rules
from approval.applications.common import (
    APPROVE_EXTENSION,
    DECIDE,
    EXTEND,
    HANDOUT,
    NOTE,
    PAUSE,
    Env,
    add_receipt,
    add_step,
    emit_for,
    invalid_state,
    load,
    local_time,
    require_either,
    set_deadline,
)
from approval.applications.models import Application, ClockPause, Extension
from approval.applications.schemas import (
    DecisionBody,
    ExtensionCreate,
    ExtensionDecision,
    HandoutBody,
    NoteCreate,
    PauseCreate,
)
from jiceng_shared.db import new_id
from jiceng_shared.errors import Problem, not_found
from jiceng_shared.identity import Principal
from jiceng_shared.numbers import business_number
from jiceng_shared.scope import require_scope


async def mark_overdue(session: AsyncSession, app: Application, phase: str, deadline: dt.datetime, env: Env) -> None:
    app.overdue = True
    if phase == "issue":
        app.issue_overdue_reported_at = env.now
    else:
        app.overdue_reported_at = env.now
    add_step(
        session,
        app,
        "overdue",
        f"超期：{'出件' if phase == 'issue' else '办结'}时限为{local_time(deadline)}",
        env.now,
        public=False,
        actor=None,
    )
    await emit_for(session, app, events.overdue(app, phase=phase, deadline=deadline, detected_at=env.now))


def _require_committed_open(app: Application, action: str) -> None:
    if app.kind != "committed":
        raise Problem(409, "invalid_state", "Not allowed now", f"cannot {action} an instant item")
    if app.status != "accepted":
        raise invalid_state(app, action)


async def start_pause(
    session: AsyncSession, principal: Principal, application_id: str, body: PauseCreate, if_match: int | None, env: Env
) -> ClockPause:
    app = await load(session, principal, application_id, if_match)
    require_scope(principal, PAUSE, app.competent_area_code, app.competent_dept)
    _require_committed_open(app, "pause the clock of")
    if app.paused_since is not None:
        raise Problem(409, "clock_paused", "Clock already paused", "end the running pause first")
    pause = ClockPause(
        id=new_id(),
        application_id=app.id,
        reason=body.reason,
        note=body.note,
        started_at=env.now,
        started_by_name=principal.name,
    )
    session.add(pause)
    app.paused_since = env.now
    app.updated_at = env.now
    label = rules.PAUSE_REASONS[body.reason]
    add_step(session, app, "paused", f"进入{label}程序，所需时间不计入审批时限", env.now, public=True, actor=principal)
    await session.flush()
    return pause


async def end_pause(
    session: AsyncSession, principal: Principal, application_id: str, pause_id: str, if_match: int | None, env: Env
) -> Application:
    app = await load(session, principal, application_id, if_match)
    require_scope(principal, PAUSE, app.competent_area_code, app.competent_dept)
    pause = await session.scalar(
        select(ClockPause).where(ClockPause.id == pause_id, ClockPause.application_id == app.id)
    )
    if pause is None:
        raise not_found("pause", pause_id)
    if pause.ended_at is not None:
        raise Problem(409, "invalid_state", "Not allowed now", "this pause has ended already")
    pause.ended_at = env.now
    pause.workdays = max(0, env.calendar.workdays_between(pause.started_at, env.now))
    app.paused_days += pause.workdays
    app.paused_since = None
    app.updated_at = env.now
    set_deadline(app, env)
    label = rules.PAUSE_REASONS[pause.reason]
    add_step(
        session,
        app,
        "resumed",
        f"{label}结束，恢复计时，办结时限顺延{pause.workdays}个工作日至{local_time(app.deadline)[:10]}",
        env.now,
        public=True,
        actor=principal,
    )
    await session.flush()
    return app


async def request_extension(
    session: AsyncSession,
    principal: Principal,
    application_id: str,
    body: ExtensionCreate,
    if_match: int | None,
    env: Env,
) -> Extension:
    app = await load(session, principal, application_id, if_match)
    require_scope(principal, EXTEND, app.competent_area_code, app.competent_dept)
    _require_committed_open(app, "extend")
    pending = await session.scalar(
        select(Extension.id).where(Extension.application_id == app.id, Extension.status == "requested")
    )
    if pending:
        raise Problem(409, "extension_pending", "Extension pending", "an extension request awaits the head's decision")
    refusal = rules.extension_refusal(body.days, app.extension_days, joint=app.joint, limits=env.rules.limits)
    if refusal:
        raise Problem(422, "extension_exceeds_ceiling", "Extension beyond the statutory ceiling", refusal)
    ext = Extension(
        id=new_id(),
        application_id=app.id,
        days=body.days,
        reason=body.reason,
        status="requested",
        requested_by_id=principal.subject,
        requested_by_name=principal.name,
        requested_at=env.now,
    )
    session.add(ext)
    app.updated_at = env.now
    add_step(
        session,
        app,
        "extension_requested",
        f"申请延长{body.days}个工作日：{body.reason}",
        env.now,
        public=False,
        actor=principal,
    )
    await session.flush()
    return ext


async def decide_extension(
    session: AsyncSession,
    principal: Principal,
    application_id: str,
    extension_id: str,
    body: ExtensionDecision,
    if_match: int | None,
    env: Env,
) -> Extension:
    app = await load(session, principal, application_id, if_match)
    require_scope(principal, APPROVE_EXTENSION, app.competent_area_code, app.competent_dept)
    ext = await session.scalar(
        select(Extension).where(Extension.id == extension_id, Extension.application_id == app.id)
    )
    if ext is None:
        raise not_found("extension", extension_id)
    if ext.status != "requested":
        raise Problem(409, "invalid_state", "Not allowed now", f"the extension is {ext.status} already")
    _require_committed_open(app, "extend")
    ext.decided_by_id, ext.decided_by_name, ext.decided_at, ext.decision_note = (
        principal.subject,
        principal.name,
        env.now,
        body.note,
    )
    app.updated_at = env.now
    if not body.approve:
        ext.status = "refused"
        add_step(
            session,
            app,
            "extension_refused",
            f"延长申请未获批准{('：' + body.note) if body.note else ''}",
            env.now,
            public=False,
            actor=principal,
        )
        await session.flush()
        return ext
    refusal = rules.extension_refusal(ext.days, app.extension_days, joint=app.joint, limits=env.rules.limits)
    if refusal:
        raise Problem(422, "extension_exceeds_ceiling", "Extension beyond the statutory ceiling", refusal)
    if app.deadline is not None and env.now > app.deadline and app.paused_since is None:
        raise Problem(409, "deadline_passed", "Deadline passed", "an extension is approved before the limit runs out")
    ext.status = "approved"
    app.extension_days += ext.days
    set_deadline(app, env)
    # the applicant is told the reason (law art. 42)
    add_step(
        session,
        app,
        "extended",
        f"经负责人批准，办理时限延长{ext.days}个工作日至{local_time(app.deadline)[:10]}。理由：{ext.reason}",
        env.now,
        public=True,
        actor=principal,
    )
    await session.flush()
    return ext


async def _decide(
    session: AsyncSession, principal: Principal, app: Application, outcome: str, reasons: str | None, env: Env
) -> None:
    if app.paused_since is not None:
        raise Problem(409, "clock_paused", "Clock paused", "end the pause (hearing, testing...) before deciding")
    if outcome == "rejected" and not (reasons and reasons.strip()):
        raise Problem(422, "reasons_required", "Invalid request", "reasons: a refusal states its reasons (law art. 38)")
    app.status = "decided"
    app.outcome = outcome
    app.decided_at = env.now
    app.decided_by_id, app.decided_by_name = principal.subject, principal.name
    app.decision_reasons = reasons
    app.appeal_route = env.appeal_route if outcome == "rejected" else None
    app.updated_at = env.now
    if app.kind == "committed":
        app.issue_deadline = rules.issue_deadline(env.calendar, env.now, issue_workdays=env.rules.limits.issue)
    number = await business_number(session, "JD", app.township_code, env.year)
    add_receipt(
        session,
        app,
        "decision",
        number,
        env,
        {
            "outcome": outcome,
            "outcome_zh": rules.OUTCOME_LABELS[outcome],
            "reasons": reasons,
            "appeal_route": app.appeal_route,
            "decided_by": app.competent_unit_name,
        },
    )
    if outcome == "approved":
        note = f"{app.competent_unit_name}审批通过" + ("" if app.kind == "instant" else "，待统一窗口出件")
    else:
        note = f"{app.competent_unit_name}决定不予准予。理由：{reasons}。{app.appeal_route}"
    add_step(session, app, "decided", note, env.now, public=True, actor=principal)
    if (
        app.kind == "committed"
        and app.deadline is not None
        and env.now > app.deadline
        and app.overdue_reported_at is None
    ):
        await mark_overdue(session, app, "decision", app.deadline, env)


async def decide(
    session: AsyncSession, principal: Principal, application_id: str, body: DecisionBody, if_match: int | None, env: Env
) -> Application:
    """The back office of the competent unit (a township's 行政审批局 or a county department) decides."""
    app = await load(session, principal, application_id, if_match)
    require_scope(principal, DECIDE, app.competent_area_code, app.competent_dept)
    if app.status != "accepted":
        raise invalid_state(app, "decide")
    await _decide(session, principal, app, body.outcome, body.reasons, env)
    await session.flush()
    return app


async def handout(
    session: AsyncSession, principal: Principal, application_id: str, body: HandoutBody, if_match: int | None, env: Env
) -> tuple[Application, str]:
    """统一窗口出件: the result goes out at one window; the applicant gets a rating code with it."""
    app = await load(session, principal, application_id, if_match)
    require_either(principal, HANDOUT, app)
    if app.status == "accepted" and app.kind == "instant":
        # 即办件: the window decides and hands out in one go
        await _decide(session, principal, app, body.outcome or "approved", body.reasons, env)
    elif app.status != "decided":
        raise invalid_state(app, "hand out the result of")
    elif body.outcome is not None:
        raise Problem(409, "invalid_state", "Not allowed now", "the competent unit has decided; hand out its decision")
    assert app.decided_at is not None
    now = env.now
    if app.kind == "instant":
        overrun = rules.overrun_seconds(app.deadline, now)
        if overrun and app.overdue_reported_at is None:
            assert app.deadline is not None
            await mark_overdue(session, app, "instant", app.deadline, env)
    else:
        late_decision = rules.overrun_seconds(app.deadline, app.decided_at)
        late_issue = rules.overrun_seconds(app.issue_deadline, now)
        overrun = max(late_decision, late_issue)
        if late_issue and app.issue_overdue_reported_at is None:
            assert app.issue_deadline is not None
            await mark_overdue(session, app, "issue", app.issue_deadline, env)
    rating_code = codes.new_code()
    app.status = "completed"
    app.completed_at = now
    app.handed_out_by_id, app.handed_out_by_username, app.handed_out_by_name = (
        principal.subject,
        principal.username,
        principal.name,
    )
    app.delivery = body.delivery
    app.overrun_seconds = overrun
    app.on_time = overrun == 0
    app.overdue = app.overdue or overrun > 0
    app.rating_code_hash = codes.code_hash(app.receipt_number, rating_code)
    app.updated_at = now
    outcome = rules.OUTCOME_LABELS[app.outcome or "approved"]
    add_step(
        session,
        app,
        "completed",
        f"已办结（{outcome}），{rules.DELIVERY_LABELS[body.delivery]}；欢迎凭评价码评价本次服务",
        now,
        public=True,
        actor=principal,
    )
    if body.note:
        add_step(session, app, "note", body.note, now, public=False, actor=principal)
    await emit_for(session, app, events.completed(app))
    await session.flush()
    return app, rating_code


async def add_note(
    session: AsyncSession, principal: Principal, application_id: str, body: NoteCreate, env: Env
) -> Application:
    app = await load(session, principal, application_id)
    require_either(principal, NOTE, app)
    app.updated_at = env.now
    add_step(session, app, "note", body.text, env.now, public=body.public, actor=principal)
    await session.flush()
    return app
