"""Use cases of the enforcement-item list: read what is in force on a date, publish revisions."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement.categories import service as categories
from enforcement.items import rules
from enforcement.items.models import Delegation, ItemRevision
from enforcement.items.schemas import DelegationOut, ItemCreate, ItemFields, ItemOut, ItemRevise
from jiceng_shared import county
from jiceng_shared.db import new_id
from jiceng_shared.errors import FieldErrors, Problem, not_found
from jiceng_shared.identity import Principal
from jiceng_shared.versioning import VersionedList, check_effective_from

READ = "enforcement.item.read"
MANAGE = "enforcement.item.manage"


#: the item list is versioned item by item (jiceng_shared.versioning): revisions per code, each in
#: force from its effective day until a later one takes over or its ``effective_until`` has passed
ITEM_VERSIONS = VersionedList(
    number=ItemRevision.revision,
    effective_from=ItemRevision.effective_from,
    key=ItemRevision.code,
    effective_until=ItemRevision.effective_until,
)


def _in_force_stmt(on: dt.date) -> Select[tuple[ItemRevision]]:
    """Per code, the revision in force on ``on`` (rules.in_force, in SQL)."""
    return ITEM_VERSIONS.in_force_stmt(on)


async def labels_of(session: AsyncSession, revisions: list[ItemRevision]) -> dict[str, str]:
    """The live labels of the categories the revisions name (retired ones keep theirs)."""
    return await categories.labels(session, {c for r in revisions for c in r.categories})


def to_out(revision: ItemRevision, on: dt.date, labels: Mapping[str, str], township_code: str | None = None) -> ItemOut:
    delegated_to = sorted(
        {d.township_code for d in revision.delegations if rules.delegation_covers(d, d.township_code, on)}
    )
    return ItemOut(
        id=revision.id,
        code=revision.code,
        revision=revision.revision,
        name_zh=revision.name_zh,
        categories=list(revision.categories),
        categories_zh=[labels.get(c, c) for c in revision.categories],
        competent_dept=revision.competent_dept,
        competent_dept_zh=county.current().departments.get(revision.competent_dept),
        legal_basis=revision.legal_basis,
        kind=revision.kind,
        kind_zh=rules.KIND_LABELS[revision.kind],
        delegable=revision.delegable,
        restricts_personal_freedom=revision.restricts_personal_freedom,
        national_security=revision.national_security,
        effective_from=revision.effective_from,
        effective_until=revision.effective_until,
        delegations=[
            DelegationOut(
                township_code=d.township_code,
                township_name=getattr(county.current().township(d.township_code), "name", None),
                valid_from=d.valid_from,
                valid_until=d.valid_until,
            )
            for d in revision.delegations
        ],
        delegated_townships=delegated_to,
        delegated=None if township_code is None else township_code in delegated_to,
        on=on,
        created_at=revision.created_at,
        created_by_name=revision.created_by_name,
    )


def _encode(code: str) -> str:
    return base64.urlsafe_b64encode(code.encode()).decode().rstrip("=")


def _decode(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise Problem(400, "invalid_cursor", "Invalid cursor", "the cursor is not one this API issued") from exc


async def list_in_force(
    session: AsyncSession,
    *,
    on: dt.date,
    township_code: str | None,
    delegated: bool | None,
    category: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[ItemRevision], str | None]:
    """Items in force on ``on``, by code. The list is county-wide published policy (行政处罚法 art. 24
    requires the delegation decisions to be public), so it is not filtered by the caller's township."""
    stmt = _in_force_stmt(on).order_by(ItemRevision.code)
    if cursor:
        stmt = stmt.where(ItemRevision.code > _decode(cursor))
    revisions = list((await session.scalars(stmt)).all())
    # categories are a JSON list and delegation is a date rule; the list is a few hundred rows at most
    if category is not None:
        revisions = [r for r in revisions if category in r.categories]
    if delegated is not None and township_code is not None:
        revisions = [r for r in revisions if rules.is_delegated(r.delegations, township_code, on) == delegated]
    page = revisions[:limit]
    next_cursor = _encode(page[-1].code) if len(revisions) > limit else None
    return page, next_cursor


async def in_force_for_code(session: AsyncSession, code: str, on: dt.date) -> ItemRevision | None:
    return await ITEM_VERSIONS.in_force(session, on, code)


async def get_in_force(session: AsyncSession, code: str, on: dt.date) -> ItemRevision:
    revision = await in_force_for_code(session, code, on)
    if revision is None:
        raise not_found("enforcement item in force on " + on.isoformat(), code)
    return revision


async def list_revisions(session: AsyncSession, code: str) -> list[ItemRevision]:
    revisions = await ITEM_VERSIONS.history(session, code)
    if not revisions:
        raise not_found("enforcement item", code)
    return revisions


@dataclass(frozen=True)
class ResolvedItem:
    """What a lead records of the item covering it (a revision in force, with its delegations)."""

    id: str
    code: str
    revision: int
    name_zh: str
    competent_dept: str
    categories: frozenset[str]
    delegations: tuple[rules.DelegationSpec, ...]


#: (day, fingerprint of the revisions table) → the revisions in force that day, by code. Revisions
#: and their delegations are never edited (a change is a new revision, with a new id) and never
#: deleted, so the set in force on a day changes only when a revision is added: the fingerprint
#: (count and extreme ids) changes then, in every replica, without an event to follow
_IN_FORCE: dict[tuple[dt.date, tuple[object, ...]], list[ResolvedItem]] = {}
_IN_FORCE_KEPT = 8
#: the fingerprint's columns (a caller may read them with its own question, in one round trip) and
#: its statement, built once: it is read for every lead, and building a query costs more than running it
FINGERPRINT_COLUMNS = (func.count(ItemRevision.id), func.min(ItemRevision.id), func.max(ItemRevision.id))
_FINGERPRINT = select(*FINGERPRINT_COLUMNS)


async def _in_force_resolved(
    session: AsyncSession, on: dt.date, fingerprint: tuple[object, ...] | None = None
) -> list[ResolvedItem]:
    if fingerprint is None:
        fingerprint = tuple((await session.execute(_FINGERPRINT)).one())
    key = (on, fingerprint)
    cached = _IN_FORCE.get(key)
    if cached is not None:
        return cached
    revisions = (await session.scalars(_in_force_stmt(on).order_by(ItemRevision.code))).all()
    resolved = [
        ResolvedItem(
            id=r.id,
            code=r.code,
            revision=r.revision,
            name_zh=r.name_zh,
            competent_dept=r.competent_dept,
            categories=frozenset(r.categories),
            delegations=tuple(
                rules.DelegationSpec(d.township_code, d.valid_from, d.valid_until) for d in r.delegations
            ),
        )
        for r in revisions
    ]
    if len(_IN_FORCE) >= _IN_FORCE_KEPT:
        _IN_FORCE.pop(next(iter(_IN_FORCE)))
    _IN_FORCE[key] = resolved
    return resolved


async def resolve_for_category(
    session: AsyncSession,
    category: str,
    township_code: str,
    on: dt.date,
    *,
    fingerprint: tuple[object, ...] | None = None,
) -> tuple[ResolvedItem | None, bool]:
    """The item covering an event category on a date, preferring one delegated to the township.
    ``fingerprint``: the values of :data:`FINGERPRINT_COLUMNS` the caller read in this transaction."""
    candidates = [r for r in await _in_force_resolved(session, on, fingerprint) if category in r.categories]
    for revision in candidates:
        if rules.is_delegated(revision.delegations, township_code, on):
            return revision, True
    return (candidates[0], False) if candidates else (None, False)


async def _check(session: AsyncSession, body: ItemFields, effective_from: dt.date, today: dt.date) -> None:
    rules.check_item(
        categories=body.categories,
        open_categories=await categories.open_codes(session, body.categories),
        competent_dept=body.competent_dept,
        delegable=body.delegable,
        restricts_personal_freedom=body.restricts_personal_freedom,
        national_security=body.national_security,
        effective_from=effective_from,
        effective_until=body.effective_until,
        delegations=[rules.DelegationSpec(d.township_code, d.valid_from, d.valid_until) for d in body.delegations],
        today=today,
    ).raise_if_any()


def _revision(
    principal: Principal, code: str, number: int, body: ItemFields, effective_from: dt.date, now: dt.datetime
) -> ItemRevision:
    revision_id = new_id()
    return ItemRevision(
        id=revision_id,
        code=code,
        revision=number,
        name_zh=body.name_zh,
        categories=list(body.categories),
        competent_dept=body.competent_dept,
        legal_basis=body.legal_basis,
        kind=body.kind,
        delegable=body.delegable,
        restricts_personal_freedom=body.restricts_personal_freedom,
        national_security=body.national_security,
        effective_from=effective_from,
        effective_until=body.effective_until,
        created_at=now,
        created_by=principal.subject,
        created_by_name=principal.name,
        delegations=[
            Delegation(
                id=new_id(),
                item_revision_id=revision_id,
                township_code=d.township_code,
                valid_from=d.valid_from,
                valid_until=d.valid_until,
            )
            for d in body.delegations
        ],
    )


async def create_item(
    session: AsyncSession, principal: Principal, body: ItemCreate, today: dt.date, *, now: dt.datetime
) -> ItemRevision:
    effective_from = body.effective_from or today
    await _check(session, body, effective_from, today)
    if await session.scalar(select(ItemRevision.id).where(ItemRevision.code == body.code).limit(1)):
        raise Problem(409, "item_exists", "Item exists", f"item {body.code} exists; PUT a new revision instead")
    revision = _revision(principal, body.code, 1, body, effective_from, now)
    session.add(revision)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Problem(409, "item_exists", "Item exists", f"item {body.code} was created meanwhile") from exc
    return revision


async def revise_item(
    session: AsyncSession, principal: Principal, code: str, body: ItemRevise, today: dt.date, *, now: dt.datetime
) -> ItemRevision:
    latest = await ITEM_VERSIONS.latest(session, code)
    if latest is None:
        raise not_found("enforcement item", code)
    if body.base_revision is not None and body.base_revision != latest.revision:
        raise Problem(
            409,
            "concurrent_update",
            "Changed by someone else",
            f"revision {latest.revision} was published after revision {body.base_revision}; reload and retry",
        )
    effective_from = body.effective_from or today
    await _check(session, body, effective_from, today)
    if effective_from < latest.effective_from:
        # the shared rule of versioned lists: a later revision never starts before the latest one
        errors = FieldErrors()
        check_effective_from(
            errors, effective_from, now=today, latest=latest.effective_from, past_code="effective_from_in_past"
        )
        errors.raise_if_any()
    revision = _revision(principal, code, latest.revision + 1, body, effective_from, now)
    session.add(revision)
    try:
        await session.flush()
    except IntegrityError as exc:
        # two editors raced to publish revision N+1: the (code, revision) constraint lets one win
        raise Problem(
            409,
            "concurrent_update",
            "Changed by someone else",
            "another revision was published meanwhile; reload and retry",
        ) from exc
    return revision
