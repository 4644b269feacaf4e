"""Use cases at the window: receive (window or proxy), notify once, supplement, accept or refuse; reads.

Each function runs in the caller's transaction and writes its events with the state change.
Time comes in through :class:`Env` (the service clock), never from the wall clock here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from approval import codes
from approval.applications import events, rules
from approval.applications.common import (
    ACCEPT,
    NOTIFY,
    PROXY,
    SUPPLEMENT,
    VIOLATION_READ,
    Adds,
    Env,
    NewRows,
    add_receipt,
    add_step,
    emit_for,
    invalid_state,
    load,
    local_time,
    readable,
    set_deadline,
)
from approval.applications.models import (
    Application,
    ApplicationMaterial,
    ApplicationStep,
    ClockPause,
    Extension,
    Notice,
    Receipt,
    Violation,
)
from approval.applications.schemas import (
    ApplicationBody,
    MaterialIn,
    NonAcceptanceBody,
    NoticeCreate,
    ProxyApplicationCreate,
    SupplementBody,
    WindowApplicationCreate,
)
from approval.catalogue import service as catalogue
from approval.catalogue.models import CatalogueItem
from jiceng_shared import county
from jiceng_shared.contracts.approval import ApplicationAccepted
from jiceng_shared.db import new_id
from jiceng_shared.errors import FieldErrors, Problem, scope_denied
from jiceng_shared.identity import Principal, area_level, is_area_code, township_of
from jiceng_shared.numbers import business_number
from jiceng_shared.pagination import paginate, where_equal
from jiceng_shared.scope import require_scope, scope_filter


class NoticeRefused(Problem):
    """A later notice asked for what the first check found in order; the attempt itself is recorded."""

    def __init__(self, code: str, detail: str, violation: dict[str, Any], errors: list[dict[str, str]]) -> None:
        super().__init__(422, code, "One-time notice violated", detail, errors=errors)
        self.violation = violation


# --- receiving -------------------------------------------------------------------------------


async def _item(session: AsyncSession, code: str, env: Env) -> catalogue.InForce:
    found = await catalogue.in_force(session, code, env.today)
    if found is None or not found[0].in_service:
        raise Problem(
            422,
            "unknown_item",
            "Unknown item",
            f"item_code: {code!r} is not in the catalogue in force today",
            errors=[{"field": "item_code", "code": "unknown_item", "message": "not in the catalogue"}],
        )
    return found


def _check_materials(
    errors: FieldErrors, given: list[MaterialIn], specs: tuple[catalogue.MaterialSpec, ...], item: str
) -> None:
    known = {m.code for m in specs}
    seen: set[str] = set()
    for i, m in enumerate(given):
        if m.code not in known:
            errors.add(f"materials.{i}.code", "unknown_material", f"{m.code!r} is not a material of {item}")
        elif m.code in seen:
            errors.add(f"materials.{i}.code", "duplicate_material", f"{m.code} is listed twice")
        seen.add(m.code)


def _applicant_township(errors: FieldErrors, area_code: str) -> str:
    townships = county.current().township_codes
    if not is_area_code(area_code) or area_level(area_code) == "county" or township_of(area_code) not in townships:
        errors.add("applicant.area_code", "unknown_area", f"{area_code} is not an area of the county below a township")
        return ""
    return township_of(area_code)


def _window_township(principal: Principal, requested: str | None) -> str:
    if requested is not None:
        if area_level(requested) != "township":
            raise Problem(422, "not_a_township", "Invalid request", f"township_code: {requested} is not a township")
        require_scope(principal, ACCEPT, requested)
        return requested
    townships = {b.area for b in principal.bindings_for(ACCEPT) if area_level(b.area) == "township"}
    if len(townships) == 1:
        return townships.pop()
    if not townships:
        raise scope_denied("window clerks accept at the window of their township")
    raise Problem(422, "township_required", "Invalid request", "township_code: you serve several windows; name one")


async def _new_application(
    session: AsyncSession,
    adds: Adds,
    principal: Principal,
    body: ApplicationBody,
    item: CatalogueItem,
    specs: tuple[catalogue.MaterialSpec, ...],
    env: Env,
    *,
    channel: str,
    area_code: str,
    township: str,
    applicant_area: str,
    applicant_township: str,
) -> tuple[Application, list[ApplicationMaterial], str]:
    now = env.now
    number = await business_number(session, "SL", township, env.year)
    check_code = codes.new_code()
    unit = rules.competent_unit(
        department=item.department, delegated_townships=item.delegated_townships, applicant_township=applicant_township
    )
    app_id = new_id()
    proxy = channel == "proxy"
    app = Application(
        id=app_id,
        receipt_number=number,
        check_code_hash=codes.code_hash(number, check_code),
        item_id=item.id,
        item_code=item.code,
        item_version=item.version,
        item_name=item.name,
        kind=item.kind,
        limit_workdays=item.limit_workdays,
        joint=item.joint,
        channel=channel,
        applicant_kind=body.applicant.kind,
        applicant_name=body.applicant.name,
        applicant_id_number=body.applicant.id_number,
        applicant_phone=body.applicant.phone,
        applicant_area_code=applicant_area,
        proxy_agent_id=principal.subject if proxy else None,
        proxy_agent_username=principal.username if proxy else None,
        proxy_agent_name=principal.name if proxy else None,
        door_to_door=body.door_to_door,
        extended_hours=body.extended_hours,
        holiday=body.holiday,
        green_channel=body.green_channel,
        priority=body.green_channel is not None,
        area_code=area_code,
        township_code=township,
        competent_area_code=unit.area_code,
        competent_dept=unit.dept,
        competent_unit_code=unit.code,
        competent_unit_name=unit.name,
        competent_township_code=applicant_township,
        cross_township=applicant_township != township,
        status="received",
        received_at=now,
        received_by_id=principal.subject,
        received_by_username=principal.username,
        received_by_name=principal.name,
        materials_received_at=now,
        notice_due=rules.notice_due(env.calendar, now, window_workdays=env.rules.notice_window_workdays),
        notices_issued=0,
        deemed_accepted=False,
        extension_days=0,
        paused_days=0,
        overdue=False,
        rated=False,
        correlation_id=app_id,  # the application starts the journey
        created_at=now,
        updated_at=now,
        version=1,
    )
    adds.add(app)
    given = {m.code: m for m in body.materials}
    rows = [
        ApplicationMaterial(
            id=new_id(),
            application_id=app_id,
            code=spec.code,
            name=spec.name,
            requirement=spec.requirement,
            present=spec.code in given,
            present_at_first_check=spec.code in given,
            defect=given[spec.code].defect if spec.code in given else None,
            position=i,
        )
        for i, spec in enumerate(specs)
    ]
    for row in rows:
        adds.add(row)
    how = "窗口收件" if channel == "window" else f"代办员{principal.name}代为提交"
    add_step(adds, app, "received", f"{how}：{item.name}，收件编号{number}", now, public=True, actor=principal)
    if body.note:
        add_step(adds, app, "note", body.note, now, public=False, actor=principal)
    return app, rows, check_code


@dataclass
class Received:
    app: Application
    materials: list[ApplicationMaterial]
    notice: Notice | None
    check_code: str


async def receive_at_window(
    session: AsyncSession, principal: Principal, body: WindowApplicationCreate, env: Env
) -> Received:
    """A window clerk receives an application (全科受理): accept, notify once, or refuse as outside the remit."""
    township = _window_township(principal, body.township_code)
    item, specs = await _item(session, body.item_code, env)
    errors = FieldErrors()
    _check_materials(errors, body.materials, specs, item.code)
    applicant_area = body.applicant.area_code or township
    applicant_township = _applicant_township(errors, applicant_area)
    errors.raise_if_any()

    new = NewRows()
    app, rows, check_code = await _new_application(
        session,
        new,
        principal,
        body,
        item,
        specs,
        env,
        channel="window",
        area_code=township,
        township=township,
        applicant_area=applicant_area,
        applicant_township=applicant_township,
    )
    authority = rules.remit_refusal(
        township_window=item.township_window,
        cross_township=item.cross_township,
        department=item.department,
        accepting_township=township,
        applicant_township=applicant_township,
    )
    notice = None
    missing, defective = rules.gaps(_states(rows))
    if authority is None and not (missing or defective) and not body.check_later:
        # the common case, accepted at once: written in its final state, with its event
        if session.get_bind().dialect.name == "postgresql":
            # ... in one statement, which is atomic by itself, and the request's only one on the
            # session (the catalogue and the number are read on connections of their own): run in
            # autocommit, it spares the BEGIN and COMMIT round trips (SQLite writes several)
            await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        await emit_for(session, app, _acceptance(new, app, env, clerk=principal), new)
        return Received(app, rows, notice, check_code)
    new.to_session(session)
    if authority is not None:
        reason = (
            "本事项不属于本中心受理范围"
            if not item.township_window
            else "本事项不属于跨镇（街道）通办事项，请向户籍（住所）地办理"
        )
        await _refuse_acceptance(session, principal, app, reason, authority, env)
    else:
        if missing or defective:
            if not body.check_later:
                notice = await _issue_notice(session, principal, app, rows, {}, env)
        elif not body.check_later:
            await accept_application(session, app, env, clerk=principal)
    await session.flush()
    return Received(app, rows, notice, check_code)


async def submit_proxy(session: AsyncSession, principal: Principal, body: ProxyApplicationCreate, env: Env) -> Received:
    """A village agent or grid worker submits for a resident of their area (代办); the centre accepts it."""
    item, specs = await _item(session, body.item_code, env)
    errors = FieldErrors()
    if not item.proxy:
        errors.add("item_code", "item_not_proxyable", f"{item.name} is not on the list of proxy-able items")
    _check_materials(errors, body.materials, specs, item.code)
    applicant_area = body.applicant.area_code
    if applicant_area is None:
        errors.add(
            "applicant.area_code", "applicant_area_required", "a proxy application names where the resident lives"
        )
        applicant_township = ""
    else:
        applicant_township = _applicant_township(errors, applicant_area)
    errors.raise_if_any()
    assert applicant_area is not None
    binding = next((b for b in principal.bindings_for(PROXY) if b.covers(applicant_area)), None)
    if binding is None:
        raise scope_denied("agents submit for residents of their own village or grid")
    authority = rules.remit_refusal(
        township_window=item.township_window,
        cross_township=item.cross_township,
        department=item.department,
        accepting_township=applicant_township,
        applicant_township=applicant_township,
    )
    if authority is not None:
        raise Problem(
            422, "outside_remit", "Outside the centre's remit", f"apply to {authority}", competent_authority=authority
        )

    app, rows, check_code = await _new_application(
        session,
        session,
        principal,
        body,
        item,
        specs,
        env,
        channel="proxy",
        area_code=binding.area,
        township=applicant_township,
        applicant_area=applicant_area,
        applicant_township=applicant_township,
    )
    notice = None
    missing, defective = rules.gaps(_states(rows))
    if missing or defective:
        # the agent tells the resident everything at once, at the door
        notice = await _issue_notice(session, principal, app, rows, {}, env)
    await session.flush()
    return Received(app, rows, notice, check_code)


def _states(rows: list[ApplicationMaterial]) -> list[rules.MaterialState]:
    return [
        rules.MaterialState(
            code=r.code,
            requirement=r.requirement,
            present=r.present,
            defect=r.defect,
            present_at_first_check=r.present_at_first_check,
            first_flagged_in=r.first_flagged_in,
            supplied_at=r.supplied_at,
        )
        for r in rows
    ]


async def _materials(session: AsyncSession, app: Application) -> list[ApplicationMaterial]:
    stmt = (
        select(ApplicationMaterial)
        .where(ApplicationMaterial.application_id == app.id)
        .order_by(ApplicationMaterial.position)
    )
    return list((await session.scalars(stmt)).all())


# --- acceptance and non-acceptance -----------------------------------------------------------


async def accept_application(session: AsyncSession, app: Application, env: Env, *, clerk: Principal | None) -> None:
    await emit_for(session, app, _acceptance(session, app, env, clerk=clerk))


def _acceptance(adds: Adds, app: Application, env: Env, *, clerk: Principal | None) -> ApplicationAccepted:
    """Accept ``app``: its new state, the receipt and the step (into ``adds``), and the event to emit."""
    accepted_at, deemed = rules.acceptance_time(
        env.calendar, app.materials_received_at, env.now, window_workdays=env.rules.notice_window_workdays
    )
    app.status = "accepted"
    app.accepted_at = accepted_at
    app.accepted_on = env.calendar.local_date(accepted_at)
    app.deemed_accepted = deemed
    if clerk is not None:
        app.clerk_id, app.clerk_username, app.clerk_name = clerk.subject, clerk.username, clerk.name
    elif app.channel == "window":
        # nobody acted in time: the application is accounted to the clerk who received it
        app.clerk_id, app.clerk_username, app.clerk_name = (
            app.received_by_id,
            app.received_by_username,
            app.received_by_name,
        )
    app.updated_at = env.now
    set_deadline(app, env)
    limit = (
        f"即办件，{env.rules.instant_limit_minutes}分钟内办结"
        if app.kind == "instant"
        else f"承诺{app.limit_workdays}个工作日，{local_time(app.deadline)[:10]}前办结"
    )
    deemed_note = "（未在法定期限内一次性告知，自收到申请材料之日起即为受理）" if deemed else ""
    add_receipt(
        adds,
        app,
        "acceptance",
        app.receipt_number,
        env,
        {
            "item_name": app.item_name,
            "accepted_on": app.accepted_on.isoformat(),
            "deadline": app.deadline.isoformat(),
            "competent_unit": app.competent_unit_name,
            "deemed_accepted": deemed,
        },
    )
    add_step(
        adds,
        app,
        "accepted",
        f"已受理{deemed_note}；{limit}；审批单位：{app.competent_unit_name}",
        env.now,
        public=True,
        actor=clerk,
    )
    return events.accepted(app)


async def _refuse_acceptance(
    session: AsyncSession, principal: Principal, app: Application, reason: str, authority: str, env: Env
) -> None:
    number = await business_number(session, "BSL", app.township_code, env.year)
    app.status = "not_accepted"
    app.non_acceptance_reason = reason
    app.competent_authority = authority
    app.clerk_id, app.clerk_username, app.clerk_name = principal.subject, principal.username, principal.name
    app.updated_at = env.now
    add_receipt(
        session,
        app,
        "non_acceptance",
        number,
        env,
        {
            "item_name": app.item_name,
            "reason": reason,
            "competent_authority": authority,
            "appeal_route": env.appeal_route,
        },
    )
    add_step(
        session,
        app,
        "not_accepted",
        f"不予受理：{reason}。请向{authority}申请。",
        env.now,
        public=True,
        actor=principal,
    )


async def accept(
    session: AsyncSession, principal: Principal, application_id: str, if_match: int | None, env: Env
) -> Application:
    app = await load(session, principal, application_id, if_match)
    require_scope(principal, ACCEPT, app.area_code)
    if app.status != "received":
        raise invalid_state(app, "accept")
    missing, defective = rules.gaps(_states(await _materials(session, app)))
    in_window = env.now <= (app.notice_due or env.now)
    if (missing or defective) and in_window:
        raise Problem(
            422,
            "materials_incomplete",
            "Materials incomplete",
            "issue the one-time notice listing them, or take the missing materials first",
            missing=missing,
            defective=defective,
        )
    await accept_application(session, app, env, clerk=principal)
    await session.flush()
    return app


async def refuse_acceptance(
    session: AsyncSession,
    principal: Principal,
    application_id: str,
    body: NonAcceptanceBody,
    if_match: int | None,
    env: Env,
) -> Application:
    app = await load(session, principal, application_id, if_match)
    require_scope(principal, ACCEPT, app.area_code)
    if app.status not in ("received", "awaiting_materials"):
        raise invalid_state(app, "refuse to accept")
    await _refuse_acceptance(session, principal, app, body.reason, body.competent_authority, env)
    await session.flush()
    return app


# --- the one-time notice ---------------------------------------------------------------------


async def _issue_notice(
    session: AsyncSession,
    principal: Principal,
    app: Application,
    rows: list[ApplicationMaterial],
    requested: dict[str, str | None],
    env: Env,
) -> Notice:
    """List every missing required and every defective material, plus what the clerk names, at once."""
    sequence = app.notices_issued + 1
    if sequence > 1:
        _check_follow_up(principal, app, rows, requested)
    items = []
    for row in rows:
        named = row.code in requested
        if not (named or (row.requirement == "required" and not row.present) or (row.present and row.defect)):
            continue
        if row.present:
            row.defect = requested.get(row.code) or row.defect or "不符合法定形式"
        problem = "defective" if row.present else "missing"
        note = row.defect if row.present else requested.get(row.code)
        items.append({"code": row.code, "name": row.name, "problem": problem, "note": note})
        row.flagged_in = sequence
        if row.first_flagged_in is None:
            row.first_flagged_in = sequence
    if not items:
        raise Problem(
            422, "empty_notice", "Nothing to notify", "every material is present and in order; accept instead"
        )
    notice = Notice(
        id=new_id(),
        number=await business_number(session, "BZ", app.township_code, env.year),
        application_id=app.id,
        sequence=sequence,
        items=items,
        issued_at=env.now,
        in_time=app.notice_due is None or env.now <= app.notice_due,
        issued_by_id=principal.subject,
        issued_by_username=principal.username,
        issued_by_name=principal.name,
    )
    session.add(notice)
    app.status = "awaiting_materials"
    app.notices_issued = sequence
    app.updated_at = env.now
    add_receipt(session, app, "notice", notice.number, env, {"items": items, "sequence": sequence})
    listed = "；".join(
        f"{rules.PROBLEM_LABELS[i['problem']]}{i['name']}" + (f"（{i['note']}）" if i["note"] else "") for i in items
    )
    add_step(
        session,
        app,
        "notice",
        f"一次性告知（{notice.number}），请补正：{listed}",
        env.now,
        public=True,
        actor=principal,
    )
    await emit_for(session, app, events.notice_issued(app, notice))
    return notice


def _check_follow_up(
    principal: Principal, app: Application, rows: list[ApplicationMaterial], requested: dict[str, str | None]
) -> None:
    by_code = {s.code: s for s in _states(rows)}
    refused = [(code, reason) for code in requested if (reason := rules.follow_up_refusal(by_code[code]))]
    if not refused:
        return
    code = "material_was_present" if any(r == "material_was_present" for _, r in refused) else "not_in_first_notice"
    names = ", ".join(c for c, _ in refused)
    detail = (
        f"the one-time notice had to list everything at once; {names} was present and in order at the first check"
        if code == "material_was_present"
        else f"{names} was not listed in the one-time notice"
    )
    raise NoticeRefused(
        code,
        detail,
        violation={
            "application_id": app.id,
            "area_code": app.area_code,
            "kind": code,
            "clerk_id": principal.subject,
            "clerk_username": principal.username,
            "clerk_name": principal.name,
            "material_codes": [c for c, _ in refused],
            "detail": detail,
        },
        errors=[{"field": f"items.{c}", "code": r, "message": "may not be asked for now"} for c, r in refused],
    )


async def record_violation(session: AsyncSession, violation: dict[str, Any], at: dt.datetime) -> None:
    session.add(Violation(id=new_id(), at=at, **violation))


async def issue_notice(
    session: AsyncSession, principal: Principal, application_id: str, body: NoticeCreate, if_match: int | None, env: Env
) -> Notice:
    app = await load(session, principal, application_id, if_match)
    require_scope(principal, NOTIFY, app.area_code)
    rows = await _materials(session, app)
    by_code = {r.code: r for r in rows}
    errors = FieldErrors()
    requested: dict[str, str | None] = {}
    for i, entry in enumerate(body.items):
        row = by_code.get(entry.code)
        if row is None:
            errors.add(f"items.{i}.code", "unknown_material", f"{entry.code!r} is not a material of {app.item_code}")
        elif row.requirement == "shared":
            errors.add(
                f"items.{i}.code",
                "material_obtainable_by_sharing",
                f"{row.name} is obtained by data sharing and never asked from the applicant",
            )
        elif entry.code in requested:
            errors.add(f"items.{i}.code", "duplicate_material", f"{entry.code} is listed twice")
        else:
            requested[entry.code] = entry.note
    errors.raise_if_any()
    if app.status != "received":
        raise invalid_state(app, "issue a notice for")
    if app.notice_due is not None and env.now > app.notice_due:
        raise Problem(
            409,
            "notice_period_expired",
            "Notice period expired",
            f"the one-time notice was due by {local_time(app.notice_due)}; the application counts as accepted on the day "
            "its materials were received (行政许可法 art. 32): accept it",
            notice_due=app.notice_due.isoformat(),
        )
    notice = await _issue_notice(session, principal, app, rows, requested, env)
    await session.flush()
    return notice


async def supplement(
    session: AsyncSession,
    principal: Principal,
    application_id: str,
    body: SupplementBody,
    if_match: int | None,
    env: Env,
) -> Application:
    app = await load(session, principal, application_id, if_match)
    require_scope(principal, SUPPLEMENT, app.area_code)
    rows = await _materials(session, app)
    errors = FieldErrors()
    _check_materials(
        errors,
        body.materials,
        tuple(catalogue.MaterialSpec(r.code, r.name, r.requirement, None, None) for r in rows),
        app.item_code,
    )
    errors.raise_if_any()
    if app.status not in ("received", "awaiting_materials"):
        raise invalid_state(app, "supplement")
    by_code = {r.code: r for r in rows}
    for m in body.materials:
        row = by_code[m.code]
        row.present, row.defect, row.supplied_at = True, m.defect, env.now
    app.status = "received"
    app.materials_received_at = env.now
    app.notice_due = rules.notice_due(env.calendar, env.now, window_workdays=env.rules.notice_window_workdays)
    app.updated_at = env.now
    names = "、".join(by_code[m.code].name for m in body.materials)
    add_step(session, app, "supplemented", f"收到补正材料：{names}", env.now, public=True, actor=principal)
    await session.flush()
    return app


# --- reads -----------------------------------------------------------------------------------


async def list_applications(
    session: AsyncSession, principal: Principal, *, limit: int, cursor: str | None, **filters: Any
) -> list[Application]:
    stmt = select(Application).where(readable(principal))
    stmt = where_equal(stmt, ((getattr(Application, name), value) for name, value in filters.items()))
    stmt = paginate(stmt, Application.created_at, Application.id, limit=limit, cursor=cursor)
    return list((await session.scalars(stmt)).all())


@dataclass
class Detail:
    app: Application
    materials: list[ApplicationMaterial]
    notices: list[Notice]
    receipts: list[Receipt]
    steps: list[ApplicationStep]
    pauses: list[ClockPause]
    extensions: list[Extension]
    violations: list[Violation]


async def detail_of(session: AsyncSession, app: Application, principal: Principal | None = None) -> Detail:
    """Everything about one application; violations only for those who supervise them."""

    async def rows(model: Any, order: Any) -> list[Any]:
        stmt = select(model).where(model.application_id == app.id).order_by(order)
        return list((await session.scalars(stmt)).all())

    return Detail(
        app,
        await _materials(session, app),
        await rows(Notice, Notice.sequence),
        await rows(Receipt, Receipt.issued_at),
        await rows(ApplicationStep, ApplicationStep.at),
        await rows(ClockPause, ClockPause.started_at),
        await rows(Extension, Extension.requested_at),
        await rows(Violation, Violation.at)
        if principal is not None and principal.covers(VIOLATION_READ, app.area_code)
        else [],
    )


async def get_detail(session: AsyncSession, principal: Principal, application_id: str) -> Detail:
    return await detail_of(session, await load(session, principal, application_id), principal)


async def list_violations(
    session: AsyncSession,
    principal: Principal,
    *,
    application_id: str | None,
    clerk_id: str | None,
    limit: int,
    cursor: str | None,
) -> list[Violation]:
    stmt = select(Violation).where(scope_filter(principal, VIOLATION_READ, Violation.area_code))
    if application_id:
        stmt = stmt.where(Violation.application_id == application_id)
    if clerk_id:
        stmt = stmt.where(Violation.clerk_id == clerk_id)
    stmt = paginate(stmt, Violation.at, Violation.id, limit=limit, cursor=cursor)
    return list((await session.scalars(stmt)).all())


async def public_status(session: AsyncSession, receipt_number: str, check_code: str) -> Detail:
    """The applicant's view: found only with the right check code; which part was wrong is not told."""
    app = await session.scalar(select(Application).where(Application.receipt_number == receipt_number))
    if app is None or not codes.code_matches(receipt_number, check_code, app.check_code_hash):
        raise Problem(404, "not_found", "Not found", "no application with this receipt number and check code")
    return await detail_of(session, app)
