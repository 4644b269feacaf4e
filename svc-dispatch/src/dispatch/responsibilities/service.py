"""Use cases of the responsibility list: the version in force, routing by it, publishing a new one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.db import serialize_on
from dispatch.responsibilities import rules
from dispatch.responsibilities.models import ResponsibilityEntry, ResponsibilityList
from dispatch.responsibilities.schemas import EntryOut, ListOut, ListPublish, UnitKindOut
from jiceng_shared import county, units
from jiceng_shared.categories import CATEGORY_BY_CODE
from jiceng_shared.contracts.common import UnitRef
from jiceng_shared.db import new_id
from jiceng_shared.errors import FieldErrors, Problem, not_found
from jiceng_shared.identity import Principal

READ = "dispatch.responsibility.read"
MANAGE = "dispatch.responsibility.manage"
#: clock skew tolerated between the caller and us for "effective now"
PAST_TOLERANCE = dt.timedelta(minutes=5)


@dataclass
class ListVersion:
    list: ResponsibilityList
    entries: list[ResponsibilityEntry]

    def entry(self, category: str) -> ResponsibilityEntry | None:
        return next((e for e in self.entries if e.category == category), None)


@dataclass
class Routing:
    version: int | None
    primary: UnitRef | None
    cooperating: list[UnitRef] = field(default_factory=list)
    #: why no primary unit could be chosen (the ticket then waits for the dispatcher)
    problem: str | None = None


async def _with_entries(session: AsyncSession, lst: ResponsibilityList | None) -> ListVersion | None:
    if lst is None:
        return None
    entries = (await session.scalars(select(ResponsibilityEntry).where(ResponsibilityEntry.list_id == lst.id))).all()
    return ListVersion(lst, sorted(entries, key=lambda e: e.category))


async def in_force(session: AsyncSession, at: dt.datetime) -> ListVersion | None:
    stmt = (
        select(ResponsibilityList)
        .where(ResponsibilityList.effective_from <= at)
        .order_by(ResponsibilityList.effective_from.desc(), ResponsibilityList.version.desc())
        .limit(1)
    )
    return await _with_entries(session, await session.scalar(stmt))


async def by_version(session: AsyncSession, version: int) -> ListVersion | None:
    return await _with_entries(
        session, await session.scalar(select(ResponsibilityList).where(ResponsibilityList.version == version))
    )


async def current_and_future(session: AsyncSession, now: dt.datetime) -> list[ListVersion]:
    current = await in_force(session, now)
    future = (await session.scalars(select(ResponsibilityList).where(ResponsibilityList.effective_from > now))).all()
    out = [current] if current else []
    for lst in future:
        version = await _with_entries(session, lst)
        assert version is not None
        out.append(version)
    return out


async def route(
    session: AsyncSession, category: str, township_code: str, at: dt.datetime, *, functional_department: bool
) -> Routing:
    """The primary and cooperating units of ``category`` in ``township_code`` by the list in force at ``at``."""
    version = await in_force(session, at)
    if version is None:
        return Routing(None, None, problem="没有生效的属地管理责任清单")
    entry = version.entry(category)
    if entry is None:
        return Routing(version.list.version, None, problem=f"责任清单 v{version.list.version} 未列明该类事件")
    try:
        primary = rules.resolve(entry.primary_kind, entry.primary_dept, township_code)
    except units.UnknownUnit:
        return Routing(
            version.list.version, None, problem=f"本镇街没有责任单位 {entry.primary_kind}:{entry.primary_dept}"
        )
    if not rules.may_handle(primary.kind, functional_department=functional_department):
        return Routing(version.list.version, None, problem="职能部门事项不得派给镇街（国办函〔2025〕66号）")
    cooperating = []
    for coop in entry.cooperating:
        try:
            cooperating.append(rules.resolve(coop["kind"], coop["dept"], township_code))
        except units.UnknownUnit:
            continue  # a cooperating unit the township does not have is simply not involved there
    return Routing(version.list.version, primary, cooperating)


async def publish(
    session: AsyncSession, principal: Principal, body: ListPublish, *, now: dt.datetime, functional: set[str]
) -> ListVersion:
    """Publish a new version; ``functional`` are the categories marked as functional-department matters."""
    effective_from = body.effective_from or now
    errors = FieldErrors()
    if effective_from < now - PAST_TOLERANCE:
        errors.add("effective_from", "effective_in_past", "a new version cannot take effect in the past")
    seen: set[str] = set()
    for i, entry in enumerate(body.entries):
        if entry.category not in CATEGORY_BY_CODE:
            errors.add(f"entries.{i}.category", "unknown_category", f"{entry.category!r} is not a category")
        if entry.category in seen:
            errors.add(f"entries.{i}.category", "duplicate_category", f"{entry.category} is listed twice")
        seen.add(entry.category)
        for where, unit in [("primary", entry.primary)] + [
            (f"cooperating.{j}", c) for j, c in enumerate(entry.cooperating)
        ]:
            if not rules.known_unit_kind(unit.kind, unit.dept):
                errors.add(f"entries.{i}.{where}", "unknown_unit", f"no {unit.kind} with department {unit.dept}")
        if not rules.may_handle(entry.primary.kind, functional_department=entry.category in functional):
            errors.add(
                f"entries.{i}.primary",
                "functional_department_matter",
                f"{entry.category} is a functional department's matter and cannot be given to a township organ",
            )
    errors.raise_if_any()

    await serialize_on(session, "responsibility-list-version")
    latest = await session.scalar(select(func.max(ResponsibilityList.version)))
    lst = ResponsibilityList(
        id=new_id(),
        version=(latest or 0) + 1,
        effective_from=effective_from,
        note=body.note,
        created_at=now,
        created_by=principal.username or principal.name or principal.subject,
    )
    session.add(lst)
    await session.flush()  # the entries refer to it (no ORM relationship orders the inserts)
    entries = [
        ResponsibilityEntry(
            id=new_id(),
            list_id=lst.id,
            category=e.category,
            primary_kind=e.primary.kind,
            primary_dept=e.primary.dept,
            cooperating=[c.model_dump() for c in e.cooperating],
        )
        for e in body.entries
    ]
    session.add_all(entries)
    await session.flush()
    return ListVersion(lst, sorted(entries, key=lambda e: e.category))


async def read(session: AsyncSession, *, at: dt.datetime, version: int | None) -> ListVersion:
    found = await by_version(session, version) if version is not None else await in_force(session, at)
    if found is None:
        raise not_found("responsibility list", str(version) if version is not None else None)
    return found


def _kind_out(kind: str, dept: str, township_code: str | None) -> UnitKindOut:
    unit = None
    if township_code is not None or kind == "county_department":
        try:
            unit = rules.resolve(kind, dept, township_code or "")
        except units.UnknownUnit:
            unit = None
    return UnitKindOut(kind=kind, kind_zh=rules.KIND_LABELS[kind], dept=dept, unit=unit)  # type: ignore[arg-type]


def to_out(version: ListVersion, *, township_code: str | None, functional: set[str]) -> ListOut:
    lst = version.list
    return ListOut(
        version=lst.version,
        effective_from=lst.effective_from,
        note=lst.note,
        created_at=lst.created_at,
        created_by=lst.created_by,
        township_code=township_code,
        entries=[
            EntryOut(
                category=e.category,
                category_zh=CATEGORY_BY_CODE[e.category].label_zh if e.category in CATEGORY_BY_CODE else None,
                functional_department=e.category in functional,
                primary=_kind_out(e.primary_kind, e.primary_dept, township_code),
                cooperating=[_kind_out(c["kind"], c["dept"], township_code) for c in e.cooperating],
            )
            for e in version.entries
        ],
    )


def check_township(code: str | None) -> None:
    if code is not None and county.current().township(code) is None:
        raise Problem(422, "unknown_township", "Invalid request", f"township_code: no township {code}")
