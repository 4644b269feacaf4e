"""Use cases of the catalogue: read the version in force, write new versions, shape guides."""

from __future__ import annotations

import datetime as dt
import time
import weakref
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.pool import Pool

from approval.catalogue import rules
from approval.catalogue.models import CatalogueItem, CatalogueMaterial
from approval.catalogue.schemas import ItemBody, ItemCreate
from jiceng_shared import county
from jiceng_shared.db import new_id
from jiceng_shared.errors import Problem, not_found
from jiceng_shared.identity import Principal
from jiceng_shared.pagination import paginate, where_equal
from jiceng_shared.scope import require_scope
from jiceng_shared.versioning import VersionedList, check_effective_from

READ = "approval.catalogue.read"
MANAGE = "approval.catalogue.manage"


@dataclass(frozen=True)
class MaterialSpec:
    code: str
    name: str
    requirement: str
    shared_source: str | None
    description: str | None


#: materials per catalogue version id; versions never change, so the cache never goes stale
_MATERIALS: dict[str, tuple[MaterialSpec, ...]] = {}


async def materials_of(session: AsyncSession, item_id: str) -> tuple[MaterialSpec, ...]:
    cached = _MATERIALS.get(item_id)
    if cached is None:
        rows = await session.scalars(
            select(CatalogueMaterial).where(CatalogueMaterial.item_id == item_id).order_by(CatalogueMaterial.position)
        )
        cached = tuple(MaterialSpec(r.code, r.name, r.requirement, r.shared_source, r.description) for r in rows)
        if len(_MATERIALS) > 10_000:
            _MATERIALS.clear()
        _MATERIALS[item_id] = cached
    return cached


#: the catalogue is versioned item by item (jiceng_shared.versioning); ``effective_to`` is only the
#: record of when a later version took over (the next version's ``effective_from``), not a repeal
CATALOGUE_VERSIONS = VersionedList(
    number=CatalogueItem.version, effective_from=CatalogueItem.effective_from, key=CatalogueItem.code
)


#: the in-force version of one item code, code and day as parameters, built once: building a query
#: (and its cache key) per application cost more CPU than running it; and walking the code's
#: versions is cheaper for PostgreSQL than ranking every item's
_IN_FORCE_OF_A_CODE = CATALOGUE_VERSIONS.in_force_of_an_item_stmt()


async def current(session: AsyncSession, code: str, on: dt.date) -> CatalogueItem | None:
    """The version of ``code`` in force on ``on`` (withdrawn versions included; callers check ``in_service``).
    An application is pinned to it: it keeps that version's id whatever is published later."""
    return await session.scalar(_IN_FORCE_OF_A_CODE, {"key": code, "at": on})


#: how long a reading of the version in force is used (seconds): what is in force changes only when
#: a version is written; a write here drops the readings of this process at once, a write through
#: another replica reaches this one's applications within this time
IN_FORCE_SECONDS = 2.0

#: a version and its materials
InForce = tuple[CatalogueItem, tuple[MaterialSpec, ...]]

#: the readings of :func:`in_force`, per database (its pool, which every engine of the database
#: shares), by (code, day): (when read, what was read)
_IN_FORCE: weakref.WeakKeyDictionary[Pool, dict[tuple[str, dt.date], tuple[float, InForce | None]]] = (
    weakref.WeakKeyDictionary()
)


async def in_force(session: AsyncSession, code: str, on: dt.date) -> InForce | None:
    """:func:`current` with its :func:`materials_of`, read again at most every
    :data:`IN_FORCE_SECONDS` and outside the session's transaction: every application received
    needs it, and the read (a round trip and the ORM load of the row) cost more CPU than any other
    part of an acceptance at the window. The row is detached: versions are not edited
    (``effective_to`` aside), and callers only read it."""
    engine = _engine(session)
    readings = _IN_FORCE.get(engine.pool)
    if readings is None:
        readings = _IN_FORCE[engine.pool] = {}
    now = time.monotonic()
    reading = readings.get((code, on))
    if reading is not None and now - reading[0] < IN_FORCE_SECONDS:
        return reading[1]
    # a connection of its own, in autocommit: the caller's session is not touched (its transaction
    # may not have begun), and a read of reference data needs no transaction
    async with AsyncSession(engine.execution_options(isolation_level="AUTOCOMMIT")) as reader:
        item = await reader.scalar(_IN_FORCE_OF_A_CODE, {"key": code, "at": on})
        found = None if item is None else (item, await materials_of(reader, item.id))
    if len(readings) > 10_000:
        readings.clear()
    readings[(code, on)] = (now, found)
    return found


def _engine(session: AsyncSession) -> AsyncEngine:
    engine = session.bind
    assert isinstance(engine, AsyncEngine)
    return engine


def _versions_changed(session: AsyncSession) -> None:
    """A version was written: the readings of this process are dropped (now, and once more when the
    transaction ends, in case a reading was taken between the write and its commit)."""
    pool = _engine(session).pool
    _IN_FORCE.pop(pool, None)

    def drop(*_: Any) -> None:
        _IN_FORCE.pop(pool, None)

    event.listen(session.sync_session, "after_transaction_end", drop, once=True)


async def list_current(
    session: AsyncSession,
    on: dt.date,
    *,
    kind: str | None = None,
    department: str | None = None,
    cross_township: bool | None = None,
    proxy: bool | None = None,
    in_service: bool | None = None,
    limit: int,
    cursor: str | None,
) -> list[CatalogueItem]:
    stmt = where_equal(
        CATALOGUE_VERSIONS.in_force_stmt(on),
        (
            (CatalogueItem.kind, kind),
            (CatalogueItem.department, department),
            (CatalogueItem.cross_township, cross_township),
            (CatalogueItem.proxy, proxy),
            (CatalogueItem.in_service, in_service),
        ),
    )
    stmt = paginate(stmt, CatalogueItem.created_at, CatalogueItem.id, limit=limit, cursor=cursor)
    return list((await session.scalars(stmt)).all())


async def versions(session: AsyncSession, code: str) -> list[CatalogueItem]:
    rows = await CATALOGUE_VERSIONS.history(session, code)
    if not rows:
        raise not_found("catalogue item", code)
    return rows


def _check(
    body: ItemBody,
    limits: rules.StatutoryLimits,
    effective_from: dt.date,
    today: dt.date,
    latest: dt.date | None = None,
) -> None:
    errors = rules.check_item(
        kind=body.kind,
        limit_workdays=body.limit_workdays,
        joint=body.joint,
        department=body.department,
        delegated_townships=body.delegated_townships,
        material_codes=[m.code for m in body.materials],
        limits=limits,
    )
    # a list change takes effect today or later, never backdated, never before the latest version
    check_effective_from(
        errors,
        effective_from,
        now=today,
        latest=latest,
        past_code="effective_date_in_past",
        before_latest_code="effective_date_before_latest",
    )
    errors.raise_if_any()


def write_version(
    session: AsyncSession,
    principal: Principal,
    code: str,
    version: int,
    body: ItemBody,
    effective_from: dt.date,
    now: dt.datetime,
) -> CatalogueItem:
    _versions_changed(session)
    item = CatalogueItem(
        id=new_id(),
        code=code,
        version=version,
        name=body.name,
        department=body.department,
        delegated_townships=list(dict.fromkeys(body.delegated_townships)),
        township_window=body.township_window,
        kind=body.kind,
        limit_workdays=body.limit_workdays,
        joint=body.joint,
        cross_township=body.cross_township,
        proxy=body.proxy,
        online=body.online,
        conditions=body.conditions,
        legal_basis=body.legal_basis,
        fee=body.fee,
        in_service=body.in_service,
        effective_from=effective_from,
        effective_to=None,
        change_note=body.change_note,
        created_by_id=principal.subject,
        created_by_name=principal.name,
        created_at=now,
    )
    session.add(item)
    session.add_all(
        CatalogueMaterial(
            id=new_id(),
            item_id=item.id,
            code=m.code,
            name=m.name,
            requirement=m.requirement,
            shared_source=m.shared_source,
            description=m.description,
            position=i,
        )
        for i, m in enumerate(body.materials)
    )
    return item


async def create_item(
    session: AsyncSession,
    principal: Principal,
    body: ItemCreate,
    *,
    today: dt.date,
    now: dt.datetime,
    limits: rules.StatutoryLimits,
) -> CatalogueItem:
    require_scope(principal, MANAGE, county.current().code)
    effective_from = body.effective_from or today
    _check(body, limits, effective_from, today)
    if await session.scalar(select(CatalogueItem.id).where(CatalogueItem.code == body.code).limit(1)):
        raise Problem(
            409, "item_exists", "Item exists", f"catalogue item {body.code} exists; PUT a new version instead"
        )
    item = write_version(session, principal, body.code, 1, body, effective_from, now)
    await session.flush()
    return item


async def new_version(
    session: AsyncSession,
    principal: Principal,
    code: str,
    body: ItemBody,
    *,
    today: dt.date,
    now: dt.datetime,
    limits: rules.StatutoryLimits,
) -> CatalogueItem:
    """Write the next version; every earlier version, and every application on it, stays as it was."""
    require_scope(principal, MANAGE, county.current().code)
    latest = await CATALOGUE_VERSIONS.latest(session, code, for_update=True)
    if latest is None:
        raise not_found("catalogue item", code)
    effective_from = body.effective_from or today
    _check(body, limits, effective_from, today, latest.effective_from)
    latest.effective_to = effective_from
    item = write_version(session, principal, code, latest.version + 1, body, effective_from, now)
    await session.flush()
    return item


# --- shapes ----------------------------------------------------------------------------------


def handled_by_zh(item: CatalogueItem) -> str:
    org = county.current()
    dept = org.department_name(item.department)
    if not item.township_window:
        return f"由{dept}在县级政务服务大厅受理和审批，镇（街道）为民服务中心不予受理"
    if item.delegated_townships:
        names = "、".join(t.name for t in org.townships if t.code in item.delegated_townships)
        return f"镇（街道）为民服务中心综合受理；已赋权{names}，由其行政审批局审批；其余由{dept}审批"
    return f"镇（街道）为民服务中心综合受理，{dept}审批，统一窗口出件"


def time_limit_zh(item: CatalogueItem, instant_minutes: int) -> str:
    if item.kind == "instant":
        return f"即办件：材料齐全的，受理后{instant_minutes}分钟内办结"
    return f"承诺件：受理后{item.limit_workdays}个工作日内办结"


def statutory_limit_zh(item: CatalogueItem, limits: rules.StatutoryLimits) -> str:
    if item.kind == "instant":
        return "当场办结"
    ceiling = limits.ceiling(item.joint)
    return (
        f"法定{ceiling}个工作日，经负责人批准可延长{limits.extension_ceiling(item.joint)}个工作日；"
        f"作出决定后{limits.issue}个工作日内颁发、送达；听证、检验检测、鉴定和专家评审时间不计入"
    )
