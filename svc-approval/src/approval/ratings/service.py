"""Use cases of ratings: rate with a code, rectify bad ratings, invite the silent to rate."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from approval import codes
from approval.applications.models import Application, ApplicationStep
from approval.ratings import rules
from approval.ratings.models import Rating, Rectification
from approval.ratings.schemas import AssignBody, CallbackBody, CloseBody, RatingCreate
from jiceng_shared.contracts.approval import RatingRectified, RatingSubmitted
from jiceng_shared.db import new_id
from jiceng_shared.errors import Problem, not_found
from jiceng_shared.identity import Principal
from jiceng_shared.outbox import emit
from jiceng_shared.pagination import paginate, where_equal
from jiceng_shared.scope import require_scope, scope_filter
from jiceng_shared.workdays import WorkdayCalendar

READ = "approval.rating.read"
RECTIFICATION_READ = "approval.rectification.read"
ASSIGN = "approval.rectification.assign"
HANDLE = "approval.rectification.handle"


def _invalid_code() -> Problem:
    # the same answer for an unknown receipt, a wrong code and an unfinished service: nothing leaks
    return Problem(403, "rating_code_invalid", "Rating code invalid", "the receipt number and rating code do not match")


async def submit(
    session: AsyncSession,
    body: RatingCreate,
    *,
    now: dt.datetime,
    calendar: WorkdayCalendar,
    rectification_workdays: int,
) -> Rating:
    """An anonymous rating with the code handed out with the result; a bad one opens a rectification."""
    app = await session.scalar(select(Application).where(Application.receipt_number == body.receipt_number))
    if (
        app is None
        or app.status != "completed"
        or not codes.code_matches(app.receipt_number, body.rating_code, app.rating_code_hash)
    ):
        raise _invalid_code()
    if app.rated:
        raise Problem(409, "already_rated", "Already rated", "each service is rated once")
    bad = rules.is_bad(body.level)
    rating = Rating(
        id=new_id(),
        application_id=app.id,
        area_code=app.area_code,
        township_code=app.township_code,
        item_code=app.item_code,
        clerk_id=app.clerk_id,
        clerk_username=app.clerk_username,
        clerk_name=app.clerk_name,
        level=body.level,
        bad=bad,
        channel=body.channel,
        comment=body.comment,
        rated_at=now,
        appeal_upheld=False,
    )
    session.add(rating)
    app.rated = True  # the version bump makes a simultaneous second rating lose (409)
    app.updated_at = now
    session.add(
        ApplicationStep(
            id=new_id(),
            application_id=app.id,
            at=now,
            action="rated",
            status=app.status,
            public=True,
            note="已收到您的评价，感谢监督" + ("；差评将由专人回访整改" if bad else ""),
            actor_id=None,
            actor_name=None,
        )
    )
    if bad:
        session.add(
            Rectification(
                id=new_id(),
                rating_id=rating.id,
                application_id=app.id,
                area_code=app.area_code,
                township_code=app.township_code,
                clerk_id=app.clerk_id,
                clerk_username=app.clerk_username,
                level=body.level,
                comment=body.comment,
                status="open",
                due_at=rules.rectification_due(calendar, now, workdays=rectification_workdays),
                callback_required=body.contact is not None,
                callback_contact=body.contact,
                created_at=now,
            )
        )
    # a good rating's contact is not needed for anything, so it is not kept
    await emit(
        session,
        RatingSubmitted(
            rating_id=rating.id,
            application_id=app.id,
            township_code=app.township_code,
            clerk_id=app.clerk_id,
            level=body.level,
            bad=bad,
            channel=body.channel,
            rated_at=now,
            clerk_username=app.clerk_username,
            area_code=app.area_code,
            item_code=app.item_code,
            proxy_agent_id=app.proxy_agent_id,
            proxy_agent_username=app.proxy_agent_username,
        ),
        subject=rating.id,
        township=app.township_code,
        correlation_id=app.correlation_id,
    )
    await session.flush()
    return rating


async def list_ratings(
    session: AsyncSession, principal: Principal, *, limit: int, cursor: str | None, **filters: Any
) -> list[Rating]:
    stmt = select(Rating).where(scope_filter(principal, READ, Rating.area_code))
    stmt = where_equal(stmt, ((getattr(Rating, name), value) for name, value in filters.items()))
    stmt = paginate(stmt, Rating.rated_at, Rating.id, limit=limit, cursor=cursor)
    return list((await session.scalars(stmt)).all())


async def list_rectifications(
    session: AsyncSession, principal: Principal, *, limit: int, cursor: str | None, **filters: Any
) -> list[Rectification]:
    stmt = select(Rectification).where(scope_filter(principal, RECTIFICATION_READ, Rectification.area_code))
    stmt = where_equal(stmt, ((getattr(Rectification, name), value) for name, value in filters.items()))
    stmt = paginate(stmt, Rectification.created_at, Rectification.id, limit=limit, cursor=cursor)
    return list((await session.scalars(stmt)).all())


async def get_rectification(
    session: AsyncSession, principal: Principal, rectification_id: str, if_match: int | None = None
) -> Rectification:
    row = await session.scalar(
        select(Rectification).where(
            Rectification.id == rectification_id, scope_filter(principal, RECTIFICATION_READ, Rectification.area_code)
        )
    )
    if row is None:
        raise not_found("rectification", rectification_id)
    if if_match is not None and row.version != if_match:
        raise Problem(
            412,
            "version_mismatch",
            "Changed by someone else",
            f"the rectification is at version {row.version}, not {if_match}",
            current_version=row.version,
        )
    return row


def is_rated_clerk(principal: Principal, clerk_id: str | None, clerk_username: str | None) -> bool:
    return (clerk_id is not None and principal.subject == clerk_id) or (
        clerk_username is not None and principal.username == clerk_username
    )


def reaches_raters(principal: Principal) -> bool:
    """Whether the reader may see which application a rating is about, and so who rated (51号: the
    rated clerk never reaches the rater). Window clerks may not: they served the applicants and
    would know them by the application; the back office, leaders and supervisors may."""
    return any(b.role != "window_clerk" for b in principal.bindings_for(READ))


def rater_protected() -> Problem:
    return Problem(
        403,
        "rater_protected",
        "Rater protected",
        "window clerks do not look ratings up by application: that would name the rater",
    )


def may_handle(principal: Principal, row: Rectification) -> bool:
    """The assignee handles it (谁办理、谁负责); the township leader may step in. Never the rated
    clerk: the handler calls the rater back and decides whether the appeal is upheld."""
    if is_rated_clerk(principal, row.clerk_id, row.clerk_username):
        return False
    if principal.covers(ASSIGN, row.area_code):
        return True
    me = principal.username or principal.subject
    return principal.covers(HANDLE, row.area_code) and row.assignee_username == me


def _require_handler(principal: Principal, row: Rectification) -> None:
    if not may_handle(principal, row):
        require_scope(principal, HANDLE, row.area_code)
        raise Problem(403, "not_assignee", "Not yours", "only the assigned handler or the township leader acts on it")
    if row.status != "open":
        raise Problem(409, "invalid_state", "Not allowed now", "the rectification is closed")


async def assign(
    session: AsyncSession,
    principal: Principal,
    rectification_id: str,
    body: AssignBody,
    if_match: int | None,
    now: dt.datetime,
) -> Rectification:
    row = await get_rectification(session, principal, rectification_id, if_match)
    require_scope(principal, ASSIGN, row.area_code)
    if row.status != "open":
        raise Problem(409, "invalid_state", "Not allowed now", "the rectification is closed")
    if row.clerk_username is not None and body.assignee_username == row.clerk_username:
        raise Problem(
            422,
            "rated_clerk",
            "The rated clerk",
            "assignee_username: the clerk who was rated neither calls the rater back nor decides the appeal",
        )
    row.assignee_id = None
    row.assignee_username, row.assignee_name, row.assigned_at = body.assignee_username, body.assignee_name, now
    await session.flush()
    return row


async def record_callback(
    session: AsyncSession,
    principal: Principal,
    rectification_id: str,
    body: CallbackBody,
    if_match: int | None,
    now: dt.datetime,
) -> Rectification:
    row = await get_rectification(session, principal, rectification_id, if_match)
    _require_handler(principal, row)
    row.callback_at, row.callback_reached, row.callback_note = now, body.reached, body.note
    await session.flush()
    return row


async def close(
    session: AsyncSession,
    principal: Principal,
    rectification_id: str,
    body: CloseBody,
    if_match: int | None,
    now: dt.datetime,
) -> Rectification:
    row = await get_rectification(session, principal, rectification_id, if_match)
    _require_handler(principal, row)
    if row.callback_required and row.callback_at is None:
        raise Problem(
            409, "callback_missing", "Call back first", "every named bad rating is called back before closing"
        )
    row.status = "closed"
    row.outcome, row.outcome_note = body.outcome, body.note
    row.closed_at, row.closed_by_name = now, principal.name
    row.on_time = now <= row.due_at
    if body.outcome == "appeal_upheld":
        rating = await session.get(Rating, row.rating_id)
        assert rating is not None
        rating.appeal_upheld = True
    await emit(
        session,
        RatingRectified(
            rectification_id=row.id,
            rating_id=row.rating_id,
            township_code=row.township_code,
            clerk_id=row.clerk_id,
            outcome=body.outcome,
            on_time=row.on_time,
            closed_at=now,
            clerk_username=row.clerk_username,
            area_code=row.area_code,
            application_id=row.application_id,
            level=row.level,
            due_at=row.due_at,
            assignee_id=row.assignee_id,
            assignee_username=row.assignee_username,
            callback_required=row.callback_required,
            callback_done=row.callback_at is not None,
        ),
        subject=row.id,
        township=row.township_code,
        correlation_id=row.application_id,
    )
    await session.flush()
    return row


async def invite_unrated(session: AsyncSession, *, now: dt.datetime, after_days: int, batch: int) -> int:
    """Mark finished services not rated after 3 days as invited (no SMS gateway here: the record is the invitation)."""
    stmt = (
        select(Application)
        .where(
            Application.status == "completed",
            Application.completed_at <= rules.invite_before(now, after_days=after_days),
            Application.rated.is_(False),
            Application.rating_invited_at.is_(None),
        )
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    apps = list((await session.scalars(stmt)).all())
    for app in apps:
        app.rating_invited_at = now
        session.add(
            ApplicationStep(
                id=new_id(),
                application_id=app.id,
                at=now,
                action="rating_invited",
                status=app.status,
                public=True,
                note="诚邀您凭评价码对本次服务进行评价",
                actor_id=None,
                actor_name=None,
            )
        )
    return len(apps)
