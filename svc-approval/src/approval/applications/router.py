"""HTTP routes of applications: the window, the back office, one exit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from approval.applications import backoffice, common, queries, service
from approval.applications.models import Application
from approval.applications.schemas import (
    ApplicationChannel,
    ApplicationCompletedOut,
    ApplicationDetail,
    ApplicationOut,
    ApplicationReceived,
    ApplicationStatus,
    DecisionBody,
    ExtensionCreate,
    ExtensionDecision,
    HandoutBody,
    NonAcceptanceBody,
    NoteCreate,
    NoticeCreate,
    PauseCreate,
    ProxyApplicationCreate,
    SupplementBody,
    ViolationOut,
    WindowApplicationCreate,
)
from approval.deps import if_match, set_etag, window_env
from jiceng_shared.identity import Principal
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, page_of
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(tags=["applications"])
IfMatch = Annotated[int | None, Depends(if_match)]


async def _detail(
    session: AsyncSession, app: Application, response: Response, principal: Principal
) -> ApplicationDetail:
    out = queries.detail_out(await service.detail_of(session, app, principal), ApplicationDetail)
    set_etag(response, out.version)
    return out


@router.post(
    "/applications",
    status_code=201,
    response_model=ApplicationReceived,
    summary="Receive an application at the window: accepted, notified once, or not accepted",
)
async def receive(
    body: WindowApplicationCreate,
    response: Response,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(common.ACCEPT))],
) -> ApplicationReceived:
    received = await service.receive_at_window(session, principal, body, window_env(ctx))
    response.headers["Location"] = f"{ctx.spec.api_prefix}/applications/{received.app.id}"
    set_etag(response, received.app.version)
    return queries.received_out(received)


@router.post(
    "/proxy-applications",
    status_code=201,
    response_model=ApplicationReceived,
    summary="Submit an application for a resident of your village or grid (代办)",
)
async def submit_proxy(
    body: ProxyApplicationCreate,
    response: Response,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(common.PROXY))],
) -> ApplicationReceived:
    received = await service.submit_proxy(session, principal, body, window_env(ctx))
    response.headers["Location"] = f"{ctx.spec.api_prefix}/applications/{received.app.id}"
    set_etag(response, received.app.version)
    return queries.received_out(received)


@router.get("/applications", response_model=Page[ApplicationOut], summary="Applications in your scope, newest first")
async def list_applications(
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(common.READ))],
    status: ApplicationStatus | None = None,
    item_code: str | None = None,
    township_code: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
    competent_area_code: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
    channel: ApplicationChannel | None = None,
    overdue: bool | None = None,
    priority: bool | None = None,
    cross_township: bool | None = None,
    clerk_id: str | None = None,
    receipt_number: str | None = None,
    correlation_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[ApplicationOut]:
    rows = await service.list_applications(
        session,
        principal,
        limit=limit,
        cursor=cursor,
        status=status,
        item_code=item_code,
        township_code=township_code,
        competent_area_code=competent_area_code,
        channel=channel,
        overdue=overdue,
        priority=priority,
        cross_township=cross_township,
        clerk_id=clerk_id,
        receipt_number=receipt_number,
        correlation_id=correlation_id,
    )
    items, next_cursor = page_of(rows, limit)
    return Page[ApplicationOut](
        items=[queries.application_out(a, ApplicationOut) for a in items], next_cursor=next_cursor
    )


@router.get("/applications/{application_id}", response_model=ApplicationDetail, summary="One application, all of it")
async def get_application(
    application_id: str,
    response: Response,
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(common.READ))],
) -> ApplicationDetail:
    out = queries.detail_out(await service.get_detail(session, principal, application_id), ApplicationDetail)
    set_etag(response, out.version)
    return out


@router.post(
    "/applications/{application_id}/accept",
    response_model=ApplicationDetail,
    summary="Accept (受理): materials complete, or the notice window passed",
)
async def accept(
    application_id: str,
    response: Response,
    ctx: Ctx,
    session: Tx,
    version: IfMatch,
    principal: Annotated[Principal, Depends(require(common.ACCEPT))],
) -> ApplicationDetail:
    app = await service.accept(session, principal, application_id, version, window_env(ctx))
    return await _detail(session, app, response, principal)


@router.post(
    "/applications/{application_id}/non-acceptance",
    response_model=ApplicationDetail,
    summary="Refuse to accept (不予受理), naming the competent authority",
)
async def refuse_acceptance(
    application_id: str,
    body: NonAcceptanceBody,
    response: Response,
    ctx: Ctx,
    session: Tx,
    version: IfMatch,
    principal: Annotated[Principal, Depends(require(common.ACCEPT))],
) -> ApplicationDetail:
    app = await service.refuse_acceptance(session, principal, application_id, body, version, window_env(ctx))
    return await _detail(session, app, response, principal)


@router.post(
    "/applications/{application_id}/notices",
    status_code=201,
    response_model=ApplicationDetail,
    summary="Issue the one-time notice (一次性告知): every missing or defective material at once",
)
async def issue_notice(
    application_id: str,
    body: NoticeCreate,
    response: Response,
    ctx: Ctx,
    version: IfMatch,
    principal: Annotated[Principal, Depends(require(common.NOTIFY))],
) -> ApplicationDetail:
    env = window_env(ctx)
    # two transactions of its own, not Tx: a refused notice rolls back, yet its attempt is kept
    try:
        async with ctx.db.transaction() as session:
            notice = await service.issue_notice(session, principal, application_id, body, version, env)
            app = await session.get(Application, notice.application_id)
            assert app is not None
            return await _detail(session, app, response, principal)
    except service.NoticeRefused as refused:
        # the refused request changes nothing, but the attempt is kept for supervision
        async with ctx.db.transaction() as session:
            await service.record_violation(session, refused.violation, env.now)
        raise


@router.post(
    "/applications/{application_id}/materials",
    response_model=ApplicationDetail,
    summary="Record supplemented materials (补正)",
)
async def supplement(
    application_id: str,
    body: SupplementBody,
    response: Response,
    ctx: Ctx,
    session: Tx,
    version: IfMatch,
    principal: Annotated[Principal, Depends(require(common.SUPPLEMENT))],
) -> ApplicationDetail:
    app = await service.supplement(session, principal, application_id, body, version, window_env(ctx))
    return await _detail(session, app, response, principal)


@router.post(
    "/applications/{application_id}/decision",
    response_model=ApplicationDetail,
    summary="Decide in the back office of the competent unit (township 行政审批局 or county department)",
)
async def decide(
    application_id: str,
    body: DecisionBody,
    response: Response,
    ctx: Ctx,
    session: Tx,
    version: IfMatch,
    principal: Annotated[Principal, Depends(require(common.DECIDE))],
) -> ApplicationDetail:
    app = await backoffice.decide(session, principal, application_id, body, version, window_env(ctx))
    return await _detail(session, app, response, principal)


@router.post(
    "/applications/{application_id}/handout",
    response_model=ApplicationCompletedOut,
    summary="Hand out the result at one window (统一窗口出件; instant items: decide and hand out); gives the rating code",
)
async def handout(
    application_id: str,
    body: HandoutBody,
    response: Response,
    ctx: Ctx,
    session: Tx,
    version: IfMatch,
    principal: Annotated[Principal, Depends(require(common.HANDOUT))],
) -> ApplicationCompletedOut:
    app, rating_code = await backoffice.handout(session, principal, application_id, body, version, window_env(ctx))
    out = queries.detail_out(
        await service.detail_of(session, app, principal), ApplicationCompletedOut, rating_code=rating_code
    )
    set_etag(response, out.version)
    return out


@router.post(
    "/applications/{application_id}/pauses",
    status_code=201,
    response_model=ApplicationDetail,
    summary="Pause the clock for a hearing, testing, appraisal or expert review",
)
async def start_pause(
    application_id: str,
    body: PauseCreate,
    response: Response,
    ctx: Ctx,
    session: Tx,
    version: IfMatch,
    principal: Annotated[Principal, Depends(require(common.PAUSE))],
) -> ApplicationDetail:
    pause = await backoffice.start_pause(session, principal, application_id, body, version, window_env(ctx))
    app = await session.get(Application, pause.application_id)
    assert app is not None
    return await _detail(session, app, response, principal)


@router.post(
    "/applications/{application_id}/pauses/{pause_id}/end",
    response_model=ApplicationDetail,
    summary="End a pause; the deadline moves by the working days paused",
)
async def end_pause(
    application_id: str,
    pause_id: str,
    response: Response,
    ctx: Ctx,
    session: Tx,
    version: IfMatch,
    principal: Annotated[Principal, Depends(require(common.PAUSE))],
) -> ApplicationDetail:
    app = await backoffice.end_pause(session, principal, application_id, pause_id, version, window_env(ctx))
    return await _detail(session, app, response, principal)


@router.post(
    "/applications/{application_id}/extensions",
    status_code=201,
    response_model=ApplicationDetail,
    summary="Request an extension of the decision limit (the head approves)",
)
async def request_extension(
    application_id: str,
    body: ExtensionCreate,
    response: Response,
    ctx: Ctx,
    session: Tx,
    version: IfMatch,
    principal: Annotated[Principal, Depends(require(common.EXTEND))],
) -> ApplicationDetail:
    ext = await backoffice.request_extension(session, principal, application_id, body, version, window_env(ctx))
    app = await session.get(Application, ext.application_id)
    assert app is not None
    return await _detail(session, app, response, principal)


@router.post(
    "/applications/{application_id}/extensions/{extension_id}/decision",
    response_model=ApplicationDetail,
    summary="Approve or refuse an extension (负责人批准)",
)
async def decide_extension(
    application_id: str,
    extension_id: str,
    body: ExtensionDecision,
    response: Response,
    ctx: Ctx,
    session: Tx,
    version: IfMatch,
    principal: Annotated[Principal, Depends(require(common.APPROVE_EXTENSION))],
) -> ApplicationDetail:
    ext = await backoffice.decide_extension(
        session, principal, application_id, extension_id, body, version, window_env(ctx)
    )
    app = await session.get(Application, ext.application_id)
    assert app is not None
    return await _detail(session, app, response, principal)


@router.post(
    "/applications/{application_id}/notes",
    status_code=201,
    response_model=ApplicationDetail,
    summary="Add a note to the timeline (public notes reach the applicant's status page)",
)
async def add_note(
    application_id: str,
    body: NoteCreate,
    response: Response,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(common.NOTE))],
) -> ApplicationDetail:
    app = await backoffice.add_note(session, principal, application_id, body, window_env(ctx))
    return await _detail(session, app, response, principal)


@router.get("/violations", response_model=Page[ViolationOut], summary="Refused attempts against the one-time notice")
async def list_violations(
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(common.VIOLATION_READ))],
    application_id: str | None = None,
    clerk_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[ViolationOut]:
    rows = await service.list_violations(
        session, principal, application_id=application_id, clerk_id=clerk_id, limit=limit, cursor=cursor
    )
    items, next_cursor = page_of(rows, limit, created="at")
    return Page[ViolationOut](
        items=[ViolationOut.model_validate(v, from_attributes=True) for v in items], next_cursor=next_cursor
    )
