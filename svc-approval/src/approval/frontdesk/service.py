"""Use cases of the front desk: posts and their backups, inquiries and first-inquiry responsibility."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from approval.applications.models import Application
from approval.frontdesk import rules
from approval.frontdesk.models import Inquiry, InquiryStep, Post
from approval.frontdesk.schemas import AbsenceBody, AnswerBody, HandoverBody, InquiryCreate, PostCreate
from jiceng_shared.contracts.approval import InquiryAnswered
from jiceng_shared.contracts.dispatch import TicketAssigned
from jiceng_shared.db import new_id
from jiceng_shared.errors import Problem, not_found, scope_denied
from jiceng_shared.identity import Principal, area_level
from jiceng_shared.numbers import business_number
from jiceng_shared.outbox import emit
from jiceng_shared.pagination import paginate, where_equal
from jiceng_shared.scope import require_scope, scope_filter
from jiceng_shared.workdays import COUNTY_ZONE

INQUIRY_READ = "approval.inquiry.read"
INQUIRY_HANDLE = "approval.inquiry.handle"
POST_READ = "approval.post.read"
POST_MANAGE = "approval.post.manage"


def me(principal: Principal) -> str:
    return principal.username or principal.subject


def _township(principal: Principal, permission: str, requested: str | None) -> str:
    if requested is not None:
        require_scope(principal, permission, requested)
        return requested
    townships = {b.area for b in principal.bindings_for(permission) if area_level(b.area) == "township"}
    if len(townships) == 1:
        return townships.pop()
    if not townships:
        raise scope_denied("the front desk belongs to a township")
    raise Problem(422, "township_required", "Invalid request", "township_code: you serve several townships; name one")


def _stale(row: Post | Inquiry, if_match: int | None) -> None:
    if if_match is not None and row.version != if_match:
        raise Problem(
            412,
            "version_mismatch",
            "Changed by someone else",
            f"the resource is at version {row.version}, not {if_match}",
            current_version=row.version,
        )


async def post_states(session: AsyncSession, townships: Iterable[str]) -> list[rules.PostState]:
    rows = (
        await session.execute(
            select(Post.a_username, Post.b_username, Post.a_absent).where(Post.area_code.in_(list(townships)))
        )
    ).all()
    return [rules.PostState(r.a_username, r.b_username, r.a_absent) for r in rows]


# --- posts -----------------------------------------------------------------------------------


async def create_post(session: AsyncSession, principal: Principal, body: PostCreate, now: dt.datetime) -> Post:
    township = _township(principal, POST_MANAGE, body.township_code)
    if body.a_username == body.b_username:
        raise Problem(
            422, "backup_required", "Invalid request", "b_username: the backup is another clerk than the A post"
        )
    if await session.scalar(select(Post.id).where(Post.area_code == township, Post.name == body.name)):
        raise Problem(409, "post_exists", "Post exists", f"{body.name} exists in this township")
    post = Post(
        id=new_id(),
        area_code=township,
        name=body.name,
        a_username=body.a_username,
        a_name=body.a_name,
        b_username=body.b_username,
        b_name=body.b_name,
        a_absent=False,
        created_at=now,
        updated_at=now,
    )
    session.add(post)
    await session.flush()
    return post


async def set_absence(
    session: AsyncSession, principal: Principal, post_id: str, body: AbsenceBody, if_match: int | None, now: dt.datetime
) -> Post:
    post = await session.scalar(
        select(Post).where(Post.id == post_id, scope_filter(principal, POST_READ, Post.area_code))
    )
    if post is None:
        raise not_found("post", post_id)
    _stale(post, if_match)
    require_scope(principal, POST_MANAGE, post.area_code)
    post.a_absent = body.absent
    post.absent_since = now if body.absent else None
    post.updated_at = now
    await session.flush()
    return post


async def list_posts(session: AsyncSession, principal: Principal) -> list[Post]:
    stmt = select(Post).where(scope_filter(principal, POST_READ, Post.area_code)).order_by(Post.area_code, Post.name)
    return list((await session.scalars(stmt)).all())


# --- inquiries -------------------------------------------------------------------------------


def _step(session: AsyncSession, inquiry: Inquiry, action: str, note: str, at: dt.datetime, actor: str | None) -> None:
    session.add(InquiryStep(id=new_id(), inquiry_id=inquiry.id, at=at, action=action, note=note, actor_name=actor))


async def create_inquiry(session: AsyncSession, principal: Principal, body: InquiryCreate, now: dt.datetime) -> Inquiry:
    """The clerk who first receives a matter owns it (首问负责制)."""
    township = _township(principal, INQUIRY_HANDLE, body.township_code)
    inquiry_id = new_id()
    inquiry = Inquiry(
        id=inquiry_id,
        number=await business_number(session, "ZX", township, now.astimezone(COUNTY_ZONE).year),
        area_code=township,
        channel=body.channel,
        subject=body.subject,
        inquirer_name=body.inquirer_name,
        inquirer_contact=body.inquirer_contact,
        status="open",
        owner_id=principal.subject,
        owner_username=me(principal),
        owner_name=principal.name,
        first_owner_username=me(principal),
        taken_at=now,
        handovers=0,
        correlation_id=inquiry_id,
        created_at=now,
        updated_at=now,
    )
    session.add(inquiry)
    _step(session, inquiry, "received", f"{principal.name}首问接待", now, principal.name)
    await session.flush()
    return inquiry


async def inquiry_from_ticket(
    session: AsyncSession, p: TicketAssigned, *, correlation_id: str, at: dt.datetime
) -> None:
    """A 12345 matter dispatched to a service centre waits in its queue until a clerk takes it."""
    if await session.scalar(select(Inquiry.id).where(Inquiry.ticket_id == p.ticket_id)):
        return  # assigned again (or redelivered): the centre already has it
    township = p.unit.area_code if area_level(p.unit.area_code) == "township" else p.township_code
    inquiry_id = new_id()
    inquiry = Inquiry(
        id=inquiry_id,
        number=await business_number(session, "ZX", township, at.astimezone(COUNTY_ZONE).year),
        area_code=township,
        channel="hotline_12345" if p.source == "hotline" else "dispatch",
        subject=p.description,
        category=p.category,
        status="queued",
        handovers=0,
        ticket_id=p.ticket_id,
        ticket_number=p.number,
        deadline=p.deadline,
        correlation_id=correlation_id,
        created_at=at,
        updated_at=at,
    )
    session.add(inquiry)
    _step(session, inquiry, "queued", f"指挥中心转办工单{p.number}，待窗口认领", at, None)


async def _inquiry(
    session: AsyncSession, principal: Principal, inquiry_id: str, if_match: int | None = None
) -> Inquiry:
    row = await session.scalar(
        select(Inquiry).where(Inquiry.id == inquiry_id, scope_filter(principal, INQUIRY_READ, Inquiry.area_code))
    )
    if row is None:
        raise not_found("inquiry", inquiry_id)
    _stale(row, if_match)
    return row


async def get_inquiry(
    session: AsyncSession, principal: Principal, inquiry_id: str
) -> tuple[Inquiry, list[InquiryStep]]:
    row = await _inquiry(session, principal, inquiry_id)
    steps = (
        await session.scalars(select(InquiryStep).where(InquiryStep.inquiry_id == row.id).order_by(InquiryStep.at))
    ).all()
    return row, list(steps)


async def list_inquiries(
    session: AsyncSession,
    principal: Principal,
    *,
    status: str | None,
    owner_username: str | None,
    correlation_id: str | None,
    limit: int,
    cursor: str | None,
) -> list[Inquiry]:
    stmt = select(Inquiry).where(scope_filter(principal, INQUIRY_READ, Inquiry.area_code))
    stmt = where_equal(
        stmt,
        ((Inquiry.status, status), (Inquiry.owner_username, owner_username), (Inquiry.correlation_id, correlation_id)),
    )
    stmt = paginate(stmt, Inquiry.created_at, Inquiry.id, limit=limit, cursor=cursor)
    return list((await session.scalars(stmt)).all())


async def _require_owner(session: AsyncSession, principal: Principal, row: Inquiry) -> None:
    require_scope(principal, INQUIRY_HANDLE, row.area_code)
    if row.status != "open":
        raise Problem(409, "invalid_state", "Not allowed now", f"the inquiry is {row.status}")
    if not rules.may_act(me(principal), row.owner_username, await post_states(session, [row.area_code])):
        raise Problem(
            403, "not_owner", "Not yours", f"{row.owner_name} owns this inquiry until handing it over (首问负责制)"
        )


async def take(
    session: AsyncSession, principal: Principal, inquiry_id: str, if_match: int | None, now: dt.datetime
) -> Inquiry:
    row = await _inquiry(session, principal, inquiry_id, if_match)
    require_scope(principal, INQUIRY_HANDLE, row.area_code)
    if row.status != "queued":
        raise Problem(409, "invalid_state", "Not allowed now", f"the inquiry is {row.status}; {row.owner_name} owns it")
    row.status, row.owner_id, row.owner_username, row.owner_name = (
        "open",
        principal.subject,
        me(principal),
        principal.name,
    )
    row.first_owner_username, row.taken_at, row.updated_at = me(principal), now, now
    _step(session, row, "taken", f"{principal.name}认领，首问负责", now, principal.name)
    await session.flush()
    return row


async def handover(
    session: AsyncSession,
    principal: Principal,
    inquiry_id: str,
    body: HandoverBody,
    if_match: int | None,
    now: dt.datetime,
) -> Inquiry:
    row = await _inquiry(session, principal, inquiry_id, if_match)
    await _require_owner(session, principal, row)
    if body.to_username == row.owner_username:
        raise Problem(422, "same_owner", "Invalid request", "to_username: hand over to someone else")
    previous = row.owner_name
    row.owner_id, row.owner_username, row.owner_name = None, body.to_username, body.to_name
    row.handovers += 1
    row.updated_at = now
    _step(session, row, "handed_over", f"{previous}移交{body.to_name}：{body.note}", now, principal.name)
    await session.flush()
    return row


async def answer(
    session: AsyncSession,
    principal: Principal,
    inquiry_id: str,
    body: AnswerBody,
    if_match: int | None,
    now: dt.datetime,
) -> Inquiry:
    row = await _inquiry(session, principal, inquiry_id, if_match)
    await _require_owner(session, principal, row)
    row.status, row.answer, row.answered_at, row.answered_by_name, row.updated_at = (
        "answered",
        body.answer,
        now,
        principal.name,
        now,
    )
    _step(session, row, "answered", body.answer, now, principal.name)
    await emit(
        session,
        InquiryAnswered(
            inquiry_id=row.id,
            number=row.number,
            township_code=row.area_code,
            owner_id=principal.subject,
            owner_username=me(principal),
            channel=row.channel,
            ticket_id=row.ticket_id,
            ticket_number=row.ticket_number,
            answered_at=now,
            handovers=row.handovers,
        ),
        subject=row.id,
        township=row.area_code,
        correlation_id=row.correlation_id,
    )
    await session.flush()
    return row


async def queue(session: AsyncSession, principal: Principal) -> tuple[set[str], list[Inquiry], list[Application]]:
    """What waits for this clerk: their own matters, an absent A's they back up, and the centre's unclaimed ones."""
    townships = {b.area for b in principal.bindings_for(INQUIRY_HANDLE)}
    serving = rules.serves(me(principal), await post_states(session, townships))
    in_scope = scope_filter(principal, INQUIRY_HANDLE, Inquiry.area_code)
    inquiries = (
        await session.scalars(
            select(Inquiry)
            .where(
                in_scope,
                or_(and_(Inquiry.status == "open", Inquiry.owner_username.in_(serving)), Inquiry.status == "queued"),
            )
            .order_by(Inquiry.created_at)
            .limit(200)
        )
    ).all()
    app_scope = scope_filter(principal, INQUIRY_HANDLE, Application.area_code)
    applications = (
        await session.scalars(
            select(Application)
            .where(
                app_scope,
                or_(
                    and_(
                        Application.status.in_(("received", "awaiting_materials")),
                        or_(Application.received_by_username.in_(serving), Application.channel == "proxy"),
                    ),
                    and_(Application.status == "decided", Application.clerk_username.in_(serving)),
                ),
            )
            .order_by(Application.priority.desc(), Application.received_at)
            .limit(200)
        )
    ).all()
    return serving, list(inquiries), list(applications)
