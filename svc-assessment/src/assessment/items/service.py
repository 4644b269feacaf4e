"""Use cases of the published list and of manual ratings against it."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from assessment.items import rules
from assessment.items.models import AssessmentItem, ManualRating
from assessment.items.schemas import ItemCreate, ItemRevise, ManualRatingCreate
from assessment.paging import keyset
from assessment.periods.overlay import closed_months, load_closures
from assessment.periods.rules import month_bounds
from assessment.units import service as units
from assessment.units.models import Unit
from assessment.window import service as window
from assessment.window.models import Clerk
from jiceng_shared.db import new_id
from jiceng_shared.errors import FieldErrors, Problem, not_found
from jiceng_shared.identity import Principal
from jiceng_shared.observability import request_id_var
from jiceng_shared.pagination import paginate, where_equal
from jiceng_shared.scope import require_scope, scope_filter
from jiceng_shared.versioning import VersionedList, check_effective_from
from jiceng_shared.workdays import COUNTY_ZONE

ITEM_READ = "assessment.item.read"
ITEM_MANAGE = "assessment.item.manage"
RATING_READ = "assessment.manual_rating.read"
RATING_WRITE = "assessment.manual_rating.write"


def _days(months: Sequence[str]) -> tuple[dt.date, dt.date]:
    first = month_bounds(months[0])[0].date()
    last = month_bounds(months[-1])[1].date() - dt.timedelta(days=1)
    return first, last


#: the list is versioned item by item (jiceng_shared.versioning): versions per code, each in force
#: from its effective day until a later one takes over or its ``effective_to`` has passed
ITEM_VERSIONS = VersionedList(
    number=AssessmentItem.revision,
    effective_from=AssessmentItem.effective_from,
    key=AssessmentItem.code,
    effective_until=AssessmentItem.effective_to,
)


async def in_force_during(
    session: AsyncSession, first: dt.date, last: dt.date, *, code: str | None = None
) -> dict[str, AssessmentItem]:
    """Per code, the version that applies to a period: the one in force on its last day, else (an
    item repealed during the period) the one in force on its first day."""
    out: dict[str, AssessmentItem] = {}
    for day in (first, last):
        stmt = ITEM_VERSIONS.in_force_stmt(day)
        if code is not None:
            stmt = stmt.where(AssessmentItem.code == code)
        for item in (await session.scalars(stmt)).all():
            out[item.code] = item
    return out


# --- the list ---------------------------------------------------------------------------------


async def list_items(
    session: AsyncSession,
    *,
    kind: str | None,
    subject_kind: str | None,
    in_force_on: dt.date | None,
    limit: int,
    cursor: str | None,
) -> list[AssessmentItem]:
    """The county's published list is public inside the platform: everyone assessed may read it.
    With ``in_force_on``, the versions in force that day; without, the latest version of each item.
    By code, one more than ``limit`` (``page_by_key`` cuts it)."""
    if in_force_on is not None:
        stmt = ITEM_VERSIONS.in_force_stmt(in_force_on)
    else:
        latest = (
            select(AssessmentItem.code.label("c"), func.max(AssessmentItem.revision).label("n"))
            .group_by(AssessmentItem.code)
            .subquery()
        )
        stmt = select(AssessmentItem).join(
            latest, (latest.c.c == AssessmentItem.code) & (latest.c.n == AssessmentItem.revision)
        )
    if kind is not None:
        stmt = stmt.where(AssessmentItem.kind == kind)
    if subject_kind is not None:
        stmt = stmt.where(AssessmentItem.subject_kind == subject_kind)
    return list((await session.scalars(keyset(stmt, [AssessmentItem.code], limit=limit, cursor=cursor))).all())


async def create_item(
    session: AsyncSession, principal: Principal, body: ItemCreate, *, now: dt.datetime
) -> AssessmentItem:
    rules.check_item(
        body.kind, body.max_points, body.effective_from, body.effective_to, body.township_codes
    ).raise_if_any()
    if await ITEM_VERSIONS.latest(session, body.code) is not None:
        raise Problem(
            409, "item_exists", "Item exists", f"the list already holds {body.code}; publish its next version"
        )
    item = AssessmentItem(
        **body.model_dump(), revision=1, created_at=now, created_by=principal.username or principal.subject
    )
    session.add(item)
    try:
        await session.flush()
    except IntegrityError:
        raise Problem(409, "item_exists", "Item exists", f"the list already holds {body.code}") from None
    return item


async def revise_item(
    session: AsyncSession, principal: Principal, code: str, body: ItemRevise, *, now: dt.datetime
) -> AssessmentItem:
    """The item's next version, taking effect on its day (never in the past, never before the
    latest version): ratings already given keep the version they were given against."""
    latest = await ITEM_VERSIONS.latest(session, code, for_update=True)
    if latest is None:
        raise not_found("item", code)
    if body.base_version is not None and body.base_version != latest.revision:
        raise Problem(
            409,
            "concurrent_update",
            "Changed by someone else",
            f"version {latest.revision} was published after version {body.base_version}; reload and retry",
        )
    errors = FieldErrors()
    errors.errors += rules.check_item(
        latest.kind, body.max_points, body.effective_from, body.effective_to, body.township_codes
    ).errors
    check_effective_from(
        errors,
        body.effective_from,
        now=now.astimezone(COUNTY_ZONE).date(),
        latest=latest.effective_from,
        past_code="effective_from_in_past",
    )
    errors.raise_if_any()
    item = AssessmentItem(
        code=code,
        revision=latest.revision + 1,
        kind=latest.kind,
        subject_kind=latest.subject_kind,
        label_zh=body.label_zh,
        max_points=body.max_points,
        basis=body.basis,
        effective_from=body.effective_from,
        effective_to=body.effective_to,
        township_codes=body.township_codes,
        created_at=now,
        created_by=principal.username or principal.subject,
    )
    session.add(item)
    try:
        await session.flush()
    except IntegrityError:
        raise Problem(
            409, "concurrent_update", "Changed by someone else", "another version was published meanwhile"
        ) from None
    return item


async def item_history(session: AsyncSession, code: str) -> list[AssessmentItem]:
    versions = await ITEM_VERSIONS.history(session, code)
    if not versions:
        raise not_found("item", code)
    return versions


async def score_items(session: AsyncSession, subject_kind: str, months: Sequence[str]) -> list[AssessmentItem]:
    """The score items of the list in force during the period, for one kind of subject."""
    first, last = _days(months)
    found = await in_force_during(session, first, last)
    return sorted(
        (i for i in found.values() if i.kind == "score" and i.subject_kind == subject_kind), key=lambda i: i.code
    )


# --- manual ratings ---------------------------------------------------------------------------


async def _subject_scope(
    session: AsyncSession, principal: Principal, kind: str, subject_id: str
) -> tuple[str, str | None]:
    """The subject's scope keys, once the caller may rate it (404 if they cannot even see it)."""
    if kind == "unit":
        unit = await session.get(Unit, subject_id)
        if unit is None:
            raise not_found("unit", subject_id)
        area, dept = unit.area_code, unit.dept
        visible = principal.covers(units.READ, area, dept) or principal.covers(RATING_READ, area, dept)
    else:
        clerk = await session.get(Clerk, subject_id)
        if clerk is None:
            raise not_found("clerk", subject_id)
        area, dept = clerk.township_code, None
        visible = principal.covers(window.READ, area) or principal.covers(RATING_READ, area)
    require_scope(principal, RATING_WRITE, area, dept, visible=visible)
    return area, dept


async def create_rating(
    session: AsyncSession, principal: Principal, body: ManualRatingCreate, *, now: dt.datetime
) -> ManualRating:
    area, dept = await _subject_scope(session, principal, body.subject_kind, body.subject_id)
    first, last = _days([body.period])
    item = (await in_force_during(session, first, last, code=body.item_code)).get(body.item_code)
    if item is None:
        raise Problem(
            422,
            "item_not_in_list",
            "Not on the published list",
            f"item_code: {body.item_code} is not on the list in force for {body.period}; "
            "no pledge or veto item may be added beyond the published list",
        )
    if item.subject_kind != body.subject_kind:
        raise Problem(
            422,
            "item_not_applicable",
            "Invalid request",
            f"item_code: {item.code} applies to {item.subject_kind}, not {body.subject_kind}",
        )
    if not rules.applies_to(item.township_codes, area):
        raise Problem(
            422,
            "item_not_applicable",
            "Invalid request",
            f"item_code: {item.code} does not apply to this subject's township (the list names "
            f"{', '.join(item.township_codes or [])})",
        )
    rules.check_rating(item.kind, item.max_points, body.points, body.outcome).raise_if_any()
    if body.period in closed_months(await load_closures(session, [body.period]), area):
        raise Problem(409, "period_closed", "Period closed", f"{body.period} is closed for this subject's area")
    existing = await session.scalar(
        select(ManualRating.id).where(
            ManualRating.period == body.period,
            ManualRating.subject_kind == body.subject_kind,
            ManualRating.subject_id == body.subject_id,
            ManualRating.item_code == item.code,
        )
    )
    if existing is not None:
        raise Problem(
            409,
            "already_rated",
            "Already rated",
            f"{body.subject_id} is already rated on {item.code} for {body.period}",
        )
    rating = ManualRating(
        id=new_id(),
        period=body.period,
        subject_kind=body.subject_kind,
        subject_id=body.subject_id,
        area_code=area,
        dept=dept,
        item_code=item.code,
        item_revision=item.revision,
        item_kind=item.kind,
        points=body.points,
        outcome=body.outcome,
        note=body.note,
        rated_by=principal.username or principal.subject,
        rated_by_name=principal.name,
        request_id=request_id_var.get(),
        created_at=now,
    )
    session.add(rating)
    try:
        await session.flush()
    except IntegrityError:
        raise Problem(409, "already_rated", "Already rated", "rated meanwhile by someone else") from None
    return rating


async def list_ratings(
    session: AsyncSession,
    principal: Principal,
    *,
    period: str | None,
    subject_kind: str | None,
    subject_id: str | None,
    limit: int,
    cursor: str | None,
) -> list[ManualRating]:
    stmt = select(ManualRating).where(scope_filter(principal, RATING_READ, ManualRating.area_code, ManualRating.dept))
    stmt = where_equal(
        stmt,
        (
            (ManualRating.period, period),
            (ManualRating.subject_kind, subject_kind),
            (ManualRating.subject_id, subject_id),
        ),
    )
    stmt = paginate(stmt, ManualRating.created_at, ManualRating.id, limit=limit, cursor=cursor)
    return list((await session.scalars(stmt)).all())


async def ratings_of(
    session: AsyncSession, subject_kind: str, subject_ids: Sequence[str], months: Sequence[str]
) -> dict[str, list[ManualRating]]:
    """Manual ratings of the subjects in the period (the caller has already been scoped to them)."""
    out: dict[str, list[ManualRating]] = defaultdict(list)
    if not subject_ids:
        return out
    rows = await session.scalars(
        select(ManualRating)
        .where(
            ManualRating.subject_kind == subject_kind,
            ManualRating.subject_id.in_(list(subject_ids)),
            ManualRating.period.in_(list(months)),
        )
        .order_by(ManualRating.period, ManualRating.item_code)
    )
    for rating in rows:
        out[rating.subject_id].append(rating)
    return out
