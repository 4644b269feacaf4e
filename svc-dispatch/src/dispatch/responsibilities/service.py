"""Use cases of the responsibility list: the version in force, routing by it, publishing a new one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Final, NamedTuple

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.categories.models import Category
from dispatch.db import serialize_on
from dispatch.responsibilities import rules, spreadsheet
from dispatch.responsibilities.models import ResponsibilityEntry, ResponsibilityList
from dispatch.responsibilities.schemas import (
    DomainOut,
    EntryIn,
    EntryOut,
    ListOut,
    ListPublish,
    UnitKind,
    UnitKindOut,
    VersionSummary,
)
from jiceng_shared import county, units
from jiceng_shared.contracts import dispatch as contracts
from jiceng_shared.contracts.common import UnitRef
from jiceng_shared.db import new_id
from jiceng_shared.errors import FieldErrors, Problem, not_found
from jiceng_shared.identity import Principal
from jiceng_shared.outbox import emit
from jiceng_shared.versioning import VersionedList, check_effective_from

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


#: the list is versioned as a whole: one version in force at any instant (jiceng_shared.versioning)
VERSIONS = VersionedList(number=ResponsibilityList.version, effective_from=ResponsibilityList.effective_from)
#: the version in force at ``at`` (its id and number), built once: routing asks it for every new ticket
_IN_FORCE = VERSIONS.in_force_of_the_list_stmt().with_only_columns(ResponsibilityList.id, ResponsibilityList.version)
#: the same as a subquery (parameter ``at``): opening a ticket reads it with the category in one round trip
IN_FORCE = _IN_FORCE.subquery("list_in_force")


class InForce(NamedTuple):
    """The list version in force: its id and number."""

    id: str
    version: int


#: ``route(in_force=UNREAD)``: the caller has not read the list in force, route reads it
UNREAD: Final = InForce("", -1)


async def _with_entries(session: AsyncSession, lst: ResponsibilityList | None) -> ListVersion | None:
    if lst is None:
        return None
    entries = (await session.scalars(select(ResponsibilityEntry).where(ResponsibilityEntry.list_id == lst.id))).all()
    return ListVersion(lst, sorted(entries, key=lambda e: (e.position, e.item_code)))


async def in_force(session: AsyncSession, at: dt.datetime) -> ListVersion | None:
    return await _with_entries(session, await VERSIONS.in_force(session, at))


async def by_version(session: AsyncSession, version: int) -> ListVersion | None:
    return await _with_entries(session, await VERSIONS.pinned(session, version))


async def current_and_future(session: AsyncSession, now: dt.datetime) -> list[ListVersion]:
    out = []
    for lst in await VERSIONS.in_force_and_future(session, now):
        version = await _with_entries(session, lst)
        assert version is not None
        out.append(version)
    return out


@dataclass(frozen=True)
class _RouteEntry:
    primary_kind: str
    primary_dept: str
    cooperating: tuple[tuple[str, str], ...]


#: list id → category → what routing needs of its item. A published version is never edited (a
#: change is a new version with a new id), so an entry cached once stays true: no invalidation;
#: only which version is in force is asked of the database for every ticket
_ROUTES: dict[str, dict[str, _RouteEntry]] = {}
_ROUTES_KEPT = 32


async def _routes_of(session: AsyncSession, list_id: str) -> dict[str, _RouteEntry]:
    routes = _ROUTES.get(list_id)
    if routes is None:
        e = ResponsibilityEntry
        rows = await session.execute(
            select(e.category, e.primary_kind, e.primary_dept, e.cooperating).where(
                e.list_id == list_id, e.category.is_not(None)
            )
        )
        routes = {
            category: _RouteEntry(kind, dept, tuple((c["kind"], c["dept"]) for c in cooperating or ()))
            for category, kind, dept, cooperating in rows.all()
        }
        if len(_ROUTES) >= _ROUTES_KEPT:
            _ROUTES.pop(next(iter(_ROUTES)))
        _ROUTES[list_id] = routes
    return routes


async def route(
    session: AsyncSession,
    category: str,
    township_code: str,
    at: dt.datetime,
    *,
    functional_department: bool,
    in_force: InForce | None = UNREAD,
) -> Routing:
    """The primary and cooperating units of ``category`` in ``township_code`` by the list in force at
    ``at`` (``in_force``: that list, when the caller read it with :data:`IN_FORCE` at ``at``)."""
    lst = (await session.execute(_IN_FORCE, {"at": at})).first() if in_force is UNREAD else in_force
    if lst is None:
        return Routing(None, None, problem="没有生效的属地管理责任清单")
    version = lst.version
    entry = (await _routes_of(session, lst.id)).get(category)
    if entry is None:
        return Routing(version, None, problem=f"责任清单 v{version} 未列明该类事件")
    try:
        primary = rules.resolve(entry.primary_kind, entry.primary_dept, township_code)
    except units.UnknownUnit:
        return Routing(version, None, problem=f"本镇街没有责任单位 {entry.primary_kind}:{entry.primary_dept}")
    if not rules.may_handle(primary.kind, functional_department=functional_department):
        return Routing(version, None, problem="职能部门事项不得派给镇街（国办函〔2025〕66号）")
    cooperating = []
    for kind, dept in entry.cooperating:
        try:
            cooperating.append(rules.resolve(kind, dept, township_code))
        except units.UnknownUnit:
            continue  # a cooperating unit the township does not have is simply not involved there
    return Routing(version, primary, cooperating)


async def open_categories(session: AsyncSession) -> dict[str, str]:
    """Categories a list may route (not retired), code → Chinese label."""
    rows = await session.execute(select(Category.code, Category.label_zh).where(Category.retired_at.is_(None)))
    return dict(rows.all())


#: the free-text fields of an item, and the first characters a spreadsheet takes for a formula
TEXT_FIELDS = ("domain_code", "domain_zh", "item_code", "item_zh", "township_duties", "basis")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def check_entries(
    entries: Sequence[EntryIn | None], *, categories: Collection[str], functional: Collection[str]
) -> list[tuple[int, str, str, str]]:
    """Every reason the items cannot make a list, as (index, field, code, message); ``None`` entries
    (rows that did not even parse) take part in nothing."""
    issues: list[tuple[int, str, str, str]] = []
    seen_categories: set[str] = set()
    seen_items: set[str] = set()
    domain_names: dict[str, str] = {}
    for i, entry in enumerate(entries):
        if entry is None:
            continue
        if entry.category is not None:
            if entry.category not in categories:
                issues.append((i, "category", "unknown_category", f"{entry.category!r} is not a category in use"))
            if entry.category in seen_categories:
                issues.append((i, "category", "duplicate_category", f"{entry.category} is listed twice"))
            seen_categories.add(entry.category)
        if entry.item_code:
            if entry.item_code in seen_items:
                issues.append((i, "item_code", "duplicate_item", f"item {entry.item_code} is listed twice"))
            seen_items.add(entry.item_code)
        if entry.domain_code:
            named = domain_names.setdefault(entry.domain_code, entry.domain_zh)
            if named != entry.domain_zh:
                issues.append(
                    (i, "domain_zh", "inconsistent_domain", f"domain {entry.domain_code} is named {named} above")
                )
        for name in TEXT_FIELDS:
            value = getattr(entry, name)
            if value and value[0] in FORMULA_STARTS:
                # a cell an office suite would run as a formula when the export is opened (CSV injection)
                issues.append((i, name, "formula_like_text", f"{name} must not start with {value[0]!r}"))
        for where, unit in [("primary", entry.primary)] + [
            (f"cooperating.{j}", c) for j, c in enumerate(entry.cooperating)
        ]:
            if not rules.known_unit_kind(unit.kind, unit.dept):
                issues.append((i, where, "unknown_unit", f"no {unit.kind} with department {unit.dept}"))
        if entry.category is not None and not rules.may_handle(
            entry.primary.kind, functional_department=entry.category in functional
        ):
            issues.append(
                (
                    i,
                    "primary",
                    "functional_department_matter",
                    f"{entry.category} is a functional department's matter and cannot be given to a township organ",
                )
            )
    return issues


async def _check_effective(
    session: AsyncSession, errors: FieldErrors, effective_from: dt.datetime, now: dt.datetime
) -> None:
    """Never in the past, never before the latest version (which would then never be in force)."""
    latest = await VERSIONS.latest(session)
    check_effective_from(
        errors,
        effective_from,
        now=now,
        latest=latest.effective_from if latest else None,
        tolerance=PAST_TOLERANCE,
        past_code="effective_in_past",
        before_latest_code="effective_before_latest",
    )


async def write_version(
    session: AsyncSession,
    principal: Principal | None,
    *,
    effective_from: dt.datetime,
    note: str,
    entries: Sequence[EntryIn],
    now: dt.datetime,
) -> ListVersion:
    """Write the next version (checked already) and publish it."""
    await serialize_on(session, "responsibility-list-version")
    lst = ResponsibilityList(
        id=new_id(),
        version=await VERSIONS.next_number(session),
        effective_from=effective_from,
        note=note,
        created_at=now,
        created_by=(principal.username or principal.name or principal.subject) if principal else "seed",
    )
    session.add(lst)
    await session.flush()  # the entries refer to it (no ORM relationship orders the inserts)
    rows = [
        ResponsibilityEntry(
            id=new_id(),
            list_id=lst.id,
            position=i,
            domain_code=e.domain_code,
            domain_zh=e.domain_zh,
            item_code=e.item_code or f"E{i + 1:03d}",
            item_zh=e.item_zh,
            category=e.category,
            primary_kind=e.primary.kind,
            primary_dept=e.primary.dept,
            cooperating=[c.model_dump() for c in e.cooperating],
            township_duties=e.township_duties,
            basis=e.basis,
        )
        for i, e in enumerate(entries)
    ]
    session.add_all(rows)
    await session.flush()
    await emit(
        session,
        contracts.ResponsibilityListPublished(
            list_version=lst.version,
            effective_from=effective_from,
            items=len(rows),
            domains=len({e.domain_code for e in rows}),
            note=note,
            published_at=now,
        ),
        subject=f"responsibility-list-v{lst.version}",
        township=county.current().code,
    )
    return ListVersion(lst, rows)


async def publish(
    session: AsyncSession, principal: Principal, body: ListPublish, *, now: dt.datetime, functional: set[str]
) -> ListVersion:
    """Publish a new version; ``functional`` are the categories marked as functional-department matters."""
    effective_from = body.effective_from or now
    errors = FieldErrors()
    await _check_effective(session, errors, effective_from, now)
    categories = await open_categories(session)
    for i, where, code, message in check_entries(body.entries, categories=categories, functional=functional):
        errors.add(f"entries.{i}.{where}", code, message)
    errors.raise_if_any()
    return await write_version(
        session, principal, effective_from=effective_from, note=body.note, entries=body.entries, now=now
    )


#: where a problem of an entry field shows in the spreadsheet
_COLUMN_OF = {"category": "category", "primary": "primary_dept"} | {name: name for name in TEXT_FIELDS}


def parse_rows(rows: Sequence[spreadsheet.Row]) -> tuple[list[EntryIn | None], list[tuple[int, str, str, str]]]:
    """The rows as entries (None where a row does not parse) and every parse problem as
    (row number, column, code, message)."""
    entries: list[EntryIn | None] = []
    issues: list[tuple[int, str, str, str]] = []
    for row in rows:
        c = row.cells
        bad: list[tuple[str, str, str]] = []
        for column in ("domain_code", "domain_zh", "item_code", "item_zh", "primary_kind", "primary_dept"):
            if not c[column]:
                bad.append((column, "required", f"{column} is empty"))
        if c["primary_kind"] and c["primary_kind"] not in rules.KIND_LABELS:
            bad.append(
                (
                    "primary_kind",
                    "unknown_unit_kind",
                    f"{c['primary_kind']!r} is not one of {', '.join(rules.KIND_LABELS)}",
                )
            )
        cooperating = []
        for token in filter(None, (t.strip() for t in c["cooperating"].split("|"))):
            kind, _, dept = token.partition(":")
            if kind not in rules.KIND_LABELS or not dept:
                bad.append(("cooperating", "invalid_unit", f"{token!r} is not kind:dept"))
            else:
                cooperating.append({"kind": kind, "dept": dept})
        entry = None
        # the row takes part in the list's checks as far as it parses: every bad cell is named at once
        if c["primary_kind"] in rules.KIND_LABELS and c["primary_dept"]:
            try:
                entry = EntryIn(
                    domain_code=c["domain_code"],
                    domain_zh=c["domain_zh"],
                    item_code=c["item_code"],
                    item_zh=c["item_zh"],
                    category=c["category"] or None,
                    primary={"kind": c["primary_kind"], "dept": c["primary_dept"]},
                    cooperating=cooperating,
                    township_duties=c["township_duties"],
                    basis=c["basis"],
                )
            except ValidationError as exc:
                for e in exc.errors():
                    field = str(e["loc"][0]) if e["loc"] else "item_code"
                    column = {"primary": "primary_dept"}.get(field, field)
                    bad.append((column if column in spreadsheet.COLUMNS else "item_code", "invalid_value", e["msg"]))
        issues += [(row.number, column, code, message) for column, code, message in bad]
        entries.append(entry)
    return entries, issues


def read_sheet(data: bytes, content_type: str) -> list[spreadsheet.Row]:
    kind = content_type.split(";")[0].strip().lower()
    if kind == spreadsheet.BINARY_TYPE:
        kind = spreadsheet.XLSX_TYPE if data.startswith(spreadsheet.ZIP_MAGIC) else spreadsheet.CSV_TYPE
    try:
        if kind == spreadsheet.XLSX_TYPE:
            return spreadsheet.read_xlsx(data)
        if kind in (spreadsheet.CSV_TYPE, "application/csv"):
            return spreadsheet.read_csv(data)
    except spreadsheet.SheetError as exc:
        raise Problem(422, "unreadable_sheet", "Invalid spreadsheet", str(exc)) from exc
    raise Problem(
        415,
        "unsupported_media_type",
        "Unsupported media type",
        f"send the list as {spreadsheet.CSV_TYPE}, {spreadsheet.XLSX_TYPE} or {spreadsheet.BINARY_TYPE}",
    )


def entries_of_sheet(
    rows: Sequence[spreadsheet.Row], *, categories: Collection[str], functional: Collection[str], errors: FieldErrors
) -> list[EntryIn]:
    """The items of a spreadsheet, every bad row named in ``errors`` (``rows.<row number>.<column>``)."""
    if not rows:
        errors.add("rows", "empty_list", "the spreadsheet holds no item")
        return []
    entries, issues = parse_rows(rows)
    for i, where, code, message in check_entries(entries, categories=categories, functional=functional):
        column = "cooperating" if where.startswith("cooperating") else _COLUMN_OF[where]
        issues.append((rows[i].number, column, code, message))
    for number, column, code, message in sorted(issues, key=lambda x: (x[0], spreadsheet.COLUMNS.index(x[1]))):
        errors.add(f"rows.{number}.{column}", code, message)
    return [e for e in entries if e is not None]


async def import_sheet(
    session: AsyncSession,
    principal: Principal,
    data: bytes,
    content_type: str,
    *,
    effective_from: dt.datetime | None,
    note: str,
    now: dt.datetime,
    functional: set[str],
) -> ListVersion:
    """Publish a new version from a CSV or XLSX file: all or nothing, every bad row named at once."""
    rows = read_sheet(data, content_type)
    errors = FieldErrors()
    effective_from = effective_from or now
    await _check_effective(session, errors, effective_from, now)
    entries = entries_of_sheet(rows, categories=await open_categories(session), functional=functional, errors=errors)
    errors.raise_if_any()
    return await write_version(session, principal, effective_from=effective_from, note=note, entries=entries, now=now)


def sheet_rows(version: ListVersion) -> list[list[str]]:
    """The version as spreadsheet rows (spreadsheet.COLUMNS), in list order."""
    return [
        [
            e.domain_code,
            e.domain_zh,
            e.item_code,
            e.item_zh,
            e.category or "",
            e.primary_kind,
            e.primary_dept,
            "|".join(f"{c['kind']}:{c['dept']}" for c in e.cooperating),
            e.township_duties,
            e.basis,
        ]
        for e in version.entries
    ]


async def history(session: AsyncSession, now: dt.datetime) -> list[VersionSummary]:
    """Every version, oldest first, with its number of items and whether it is the one in force."""
    current = await VERSIONS.in_force(session, now)
    counts = dict(
        (
            await session.execute(
                select(ResponsibilityEntry.list_id, func.count()).group_by(ResponsibilityEntry.list_id)
            )
        ).all()
    )
    return [
        VersionSummary(
            version=v.version,
            effective_from=v.effective_from,
            note=v.note,
            created_at=v.created_at,
            created_by=v.created_by,
            items=counts.get(v.id, 0),
            in_force=current is not None and v.id == current.id,
        )
        for v in await VERSIONS.history(session)
    ]


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
    known = UnitKind(kind)
    return UnitKindOut(kind=known, kind_zh=known.label_zh, dept=dept, unit=unit)


def to_out(version: ListVersion, *, township_code: str | None, functional: set[str], labels: dict[str, str]) -> ListOut:
    lst = version.list
    domains: dict[str, DomainOut] = {}
    for e in version.entries:
        domain = domains.setdefault(e.domain_code, DomainOut(code=e.domain_code, name_zh=e.domain_zh, items=0))
        domain.items += 1
    return ListOut(
        version=lst.version,
        effective_from=lst.effective_from,
        note=lst.note,
        created_at=lst.created_at,
        created_by=lst.created_by,
        township_code=township_code,
        domains=list(domains.values()),
        entries=[
            EntryOut(
                domain_code=e.domain_code,
                domain_zh=e.domain_zh,
                item_code=e.item_code,
                item_zh=e.item_zh,
                category=e.category,
                category_zh=labels.get(e.category) if e.category else None,
                functional_department=e.category in functional,
                primary=_kind_out(e.primary_kind, e.primary_dept, township_code),
                cooperating=[_kind_out(c["kind"], c["dept"], township_code) for c in e.cooperating],
                township_duties=e.township_duties,
                basis=e.basis,
            )
            for e in version.entries
        ],
    )


def check_township(code: str | None) -> None:
    if code is not None and county.current().township(code) is None:
        raise Problem(422, "unknown_township", "Invalid request", f"township_code: no township {code}")
