"""Use cases on areas: administer villages/communities and grids, each change a new version with
its effective date, published as ``grid.area.changed`` (one transaction each, nothing written on
error)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from grid.areas import rules
from grid.areas.models import Area, AreaVersion
from grid.areas.rules import GridSizeLimits, Tolerance
from grid.areas.schemas import (
    AreaChange,
    AreaCreate,
    AreaRetire,
    AreaStatus,
    CountsUpdate,
    GridMerge,
    GridSplit,
    GridType,
    LayerImport,
    PolygonUpdate,
)
from grid.incidents.models import Incident
from grid.people.models import Household
from grid.people.schemas import HouseholdStatus
from grid.residents.models import Resident
from grid.residents.schemas import ResidentStatus
from grid.roster import service as roster
from grid.roster.models import RosterEntry
from jiceng_shared.contracts.grid import AreaChanged
from jiceng_shared.db import new_id
from jiceng_shared.errors import FieldErrors, Problem, not_found
from jiceng_shared.identity import Principal
from jiceng_shared.outbox import emit
from jiceng_shared.scope import require_scope
from jiceng_shared.workdays import WorkdayCalendar

MANAGE = "grid.area.manage"
#: the first version of the areas loaded from the county's files is in force since this instant
ORIGIN = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
#: an incident is open until its ticket is closed
CLOSED_INCIDENT = "closed"


@dataclass(frozen=True)
class Env:
    now: dt.datetime
    tolerance: Tolerance
    limits: GridSizeLimits
    #: the county's calendar (the local day a change takes effect on)
    cal: WorkdayCalendar = field(default_factory=WorkdayCalendar)
    #: 002 art. 2: full-time grid workers per grid (a split's parts keep to it)
    full_time_per_grid: int = 1


# --- versions and events --------------------------------------------------------------------------


def _snapshot(area: Area, change: str, actor: str, now: dt.datetime, **links: list[str]) -> AreaVersion:
    return AreaVersion(
        id=new_id(),
        code=area.code,
        version=area.version,
        name=area.name,
        level=area.level,
        parent_code=area.parent_code,
        township_code=area.township_code,
        grid_type=area.grid_type,
        polygon=area.polygon,
        households=area.households,
        people=area.people,
        dense=area.dense,
        status=area.status,
        effective_from=area.effective_from or ORIGIN,
        effective_to=None,
        change=change,
        predecessors=links.get("predecessors", []),
        successors=links.get("successors", []),
        recorded_by=actor,
        recorded_at=now,
    )


def first_version(area: Area, actor: str = "seed") -> AreaVersion:
    """Version 1 of an area loaded from the county's files (in force since :data:`ORIGIN`)."""
    area.version, area.status, area.effective_from = 1, area.status or "active", area.effective_from or ORIGIN
    return _snapshot(area, AreaChange.CREATED, actor, area.created_at)


async def _record(
    session: AsyncSession,
    area: Area,
    change: AreaChange,
    *,
    effective_from: dt.datetime,
    actor: str,
    now: dt.datetime,
    new: bool = False,
    predecessors: Iterable[str] = (),
    successors: Iterable[str] = (),
) -> None:
    """Make the area's current state its next version, in force from ``effective_from``, and publish it."""
    if new:
        area.version = 1
        session.add(area)
    else:
        previous = await session.scalar(
            select(AreaVersion).where(AreaVersion.code == area.code, AreaVersion.version == area.version)
        )
        if previous is not None:
            previous.effective_to = effective_from
        area.version += 1
    area.effective_from = effective_from
    links = {"predecessors": sorted(predecessors), "successors": sorted(successors)}
    session.add(_snapshot(area, change, actor, now, **links))
    await emit(
        session,
        AreaChanged(
            code=area.code,
            name=area.name,
            kind=area.level,
            parent_code=area.parent_code or "",
            township_code=area.township_code or "",
            polygon=area.polygon,
            status=area.status,
            effective_from=effective_from,
            area_version=area.version,
            change=change.value,
            grid_type=area.grid_type,
            households=area.households,
            people=area.people,
            dense=area.dense,
            **links,
        ),
        subject=area.code,
        township=area.township_code or area.code,
    )


# --- checks shared by the use cases ------------------------------------------------------------------


def _effective(requested: dt.datetime | None, now: dt.datetime, errors: FieldErrors) -> dt.datetime:
    if requested is None:
        return now
    if requested.tzinfo is None:
        errors.add("effective_from", "naive_datetime", "give the instant with its offset (e.g. +08:00)")
        return now
    if requested < now:
        errors.add("effective_from", "effective_in_past", "a change takes effect now or later, never before")
    return requested.astimezone(dt.UTC)


def _changeable(area: Area, now: dt.datetime) -> None:
    if area.status != AreaStatus.ACTIVE:
        raise Problem(409, "area_retired", "Area retired", f"{area.code} is retired; its code is never used again")
    if area.effective_from and area.effective_from > now:
        raise Problem(
            409,
            "change_pending",
            "A change is pending",
            f"{area.code} has a change taking effect at {area.effective_from.isoformat()}; change it after that",
        )


async def _serialize(session: AsyncSession, code: str) -> None:
    """Changes of one township run one after the other (row lock on the township, or on the county
    for a layer): two splits at once cannot both take the next code or both retire the same grid."""
    level = "county" if code.endswith("000000") else "township"
    anchor = code[:6] + "000000" if level == "county" else code[:9] + "000"
    await session.execute(select(Area.code).where(Area.code == anchor).with_for_update())


async def _manageable(session: AsyncSession, principal: Principal, code: str, level: str | None = None) -> Area:
    if code.isdigit() and len(code) in (12, 15):
        await _serialize(session, code)
    area = await session.get(Area, code)
    if area is None or (level == "grid" and area.level != "grid"):
        raise not_found("grid" if level == "grid" else "area", code)
    require_scope(principal, MANAGE, code)
    return area


async def _used_codes(session: AsyncSession, parent_code: str, width: int) -> set[str]:
    prefix = parent_code[:9] if width == 12 else parent_code
    low, high = prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)
    rows = await session.scalars(select(Area.code).where(Area.code >= low, Area.code < high))
    return {c for c in rows.all() if len(c) == width}


async def _active_grids(session: AsyncSession, village: str, *, excluding: Iterable[str] = ()) -> list[Area]:
    rows = await session.scalars(
        select(Area).where(Area.parent_code == village, Area.level == "grid", Area.status == AreaStatus.ACTIVE)
    )
    skip = set(excluding)
    return [a for a in rows.all() if a.code not in skip]


def _check_polygon(
    field: str,
    polygon: dict[str, Any] | None,
    *,
    parent: Area | None,
    siblings: list[tuple[str, dict[str, Any]]],
    env: Env,
    errors: FieldErrors,
) -> bool:
    """Valid, inside its parent's polygon (if drawn), and overlapping no sibling; False when invalid."""
    if polygon is None:
        return False
    problem = rules.polygon_problem(polygon)
    if problem:
        errors.add(field, "invalid_polygon", problem)
        return False
    geom = rules.geometry(polygon)
    if (
        parent is not None
        and parent.polygon
        and not rules.lies_inside(geom, rules.geometry(parent.polygon), env.tolerance)
    ):
        errors.add(field, "outside_parent", f"the boundary goes beyond {parent.code} ({parent.name})")
    crossed = [code for code, other in siblings if rules.overlaps(geom, rules.geometry(other), env.tolerance)]
    if crossed:
        errors.add(field, "overlaps_sibling", f"the boundary overlaps {', '.join(sorted(crossed))}")
    return True


def _next_code(field: str, parent_code: str, used: set[str], width: int, errors: FieldErrors) -> str | None:
    try:
        return rules.next_code(parent_code, used, width)
    except ValueError as exc:
        errors.add(field, "no_code_left", str(exc))
        return None


def _check_code(field: str, code: str, level: str, parent_code: str, used: set[str], errors: FieldErrors) -> None:
    try:
        expected_parent = rules.grid_code_parent(code) if level == "grid" else rules.village_code_township(code)
    except ValueError as exc:
        errors.add(field, "invalid_code", str(exc))
        return
    if expected_parent != parent_code:
        what = "village/community" if level == "grid" else "township"
        errors.add(field, "code_not_under_parent", f"{code} must extend its {what} code {parent_code}")
    elif code in used:
        errors.add(field, "area_code_used", f"{code} is or was in use; a code is never given again")


# --- use cases ---------------------------------------------------------------------------------------------


async def create_area(session: AsyncSession, principal: Principal, body: AreaCreate, env: Env) -> list[Area]:
    errors = FieldErrors()
    effective = _effective(body.effective_from, env.now, errors)
    await _serialize(session, body.parent_code)
    require_scope(principal, MANAGE, body.parent_code)
    parent = await session.get(Area, body.parent_code)
    wanted_parent = ("township",) if body.level != "grid" else ("village", "community")
    if parent is None or parent.level not in wanted_parent or parent.status != AreaStatus.ACTIVE:
        errors.add("parent_code", "unknown_parent", f"no active {' or '.join(wanted_parent)} {body.parent_code}")
        parent = None
    width = 15 if body.level == "grid" else 12
    used = await _used_codes(session, body.parent_code, width)
    code = body.code or (_next_code("code", body.parent_code, used, width, errors) if parent is not None else None)
    if code is not None:
        _check_code("code", code, "grid" if body.level == "grid" else "village", body.parent_code, used, errors)
    if body.level == "grid":
        if body.polygon is None:
            errors.add("polygon", "polygon_required", "a grid is drawn: give its boundary")
        for name in ("households", "people"):
            if getattr(body, name) is None:
                errors.add(name, "count_required", f"a grid's {name} are entered with it")
        siblings = [(g.code, g.polygon) for g in await _active_grids(session, body.parent_code) if g.polygon]
        _check_polygon("polygon", body.polygon, parent=parent, siblings=siblings, env=env, errors=errors)
    elif body.polygon is not None:
        _check_polygon("polygon", body.polygon, parent=parent, siblings=[], env=env, errors=errors)
    errors.raise_if_any()
    assert code is not None
    area = Area(
        code=code,
        name=body.name,
        level=body.level,
        parent_code=body.parent_code,
        township_code=code[:9] + "000",
        grid_type=(body.grid_type or "basic") if body.level == "grid" else None,
        polygon=body.polygon,
        households=body.households,
        people=body.people,
        dense=body.dense,
        status=AreaStatus.ACTIVE,
        created_at=env.now,
    )
    await _record(
        session, area, AreaChange.CREATED, effective_from=effective, actor=principal.subject, now=env.now, new=True
    )
    return [area]


async def redraw(session: AsyncSession, principal: Principal, code: str, body: PolygonUpdate, env: Env) -> list[Area]:
    area = await _manageable(session, principal, code)
    _changeable(area, env.now)
    errors = FieldErrors()
    effective = _effective(body.effective_from, env.now, errors)
    parent = await session.get(Area, area.parent_code) if area.parent_code else None
    siblings = (
        [
            (g.code, g.polygon)
            for g in await _active_grids(session, area.parent_code or "", excluding=[code])
            if g.polygon
        ]
        if area.level == "grid"
        else []
    )
    _check_polygon("polygon", body.polygon, parent=parent, siblings=siblings, env=env, errors=errors)
    if area.level in ("village", "community"):
        geom = rules.geometry(body.polygon) if not errors else None
        for grid in await _active_grids(session, code):
            if (
                geom is not None
                and grid.polygon
                and not rules.lies_inside(rules.geometry(grid.polygon), geom, env.tolerance)
            ):
                errors.add("polygon", "grid_outside", f"grid {grid.code} would lie outside the new boundary")
    errors.raise_if_any()
    area.polygon = body.polygon
    await _record(session, area, AreaChange.REDRAWN, effective_from=effective, actor=principal.subject, now=env.now)
    return [area]


async def recount(session: AsyncSession, principal: Principal, code: str, body: CountsUpdate, env: Env) -> list[Area]:
    area = await _manageable(session, principal, code, "grid")
    _changeable(area, env.now)
    errors = FieldErrors()
    effective = _effective(body.effective_from, env.now, errors)
    for name in ("households", "people"):
        given = getattr(body, name) is not None
        if body.from_base_data and given:
            errors.add(name, "counts_from_base_data", f"{name} is counted from the base data; leave it out")
        elif not body.from_base_data and not given:
            errors.add(name, "required", f"enter {name}, or set from_base_data")
    errors.raise_if_any()
    if body.from_base_data:
        area.households, area.people = await base_data_counts(session, code)
    else:
        area.households, area.people = body.households, body.people
    if body.dense is not None:
        area.dense = body.dense
    await _record(session, area, AreaChange.RECOUNTED, effective_from=effective, actor=principal.subject, now=env.now)
    return [area]


async def base_data_counts(session: AsyncSession, grid_code: str) -> tuple[int, int]:
    """The households and the people of grid's base data registered in the grid and still there."""
    households = await session.scalar(
        select(func.count()).where(Household.grid_code == grid_code, Household.status == HouseholdStatus.ACTIVE)
    )
    people = await session.scalar(
        select(func.count()).where(Resident.grid_code == grid_code, Resident.status == ResidentStatus.ACTIVE)
    )
    return households or 0, people or 0


async def split(session: AsyncSession, principal: Principal, code: str, body: GridSplit, env: Env) -> list[Area]:
    """拆分: the parts cover the old grid exactly and overlap neither each other nor the siblings."""
    old = await _manageable(session, principal, code, "grid")
    _changeable(old, env.now)
    errors = FieldErrors()
    effective = _effective(body.effective_from, env.now, errors)
    village = old.parent_code or rules.grid_code_parent(code)
    parent = await session.get(Area, village)
    used = await _used_codes(session, village, 15)
    siblings = [(g.code, g.polygon) for g in await _active_grids(session, village, excluding=[code]) if g.polygon]
    codes: list[str] = []
    geoms = []
    for i, part in enumerate(body.parts):
        part_code = part.code or _next_code(f"parts.{i}.code", village, used | set(codes), 15, errors)
        if part_code is None:
            continue
        _check_code(f"parts.{i}.code", part_code, "grid", village, used | set(codes), errors)
        codes.append(part_code)
        if _check_polygon(f"parts.{i}.polygon", part.polygon, parent=parent, siblings=siblings, env=env, errors=errors):
            geoms.append((i, rules.geometry(part.polygon)))
    for a in range(len(geoms)):
        for b in range(a + 1, len(geoms)):
            (i, ga), (j, gb) = geoms[a], geoms[b]
            if rules.overlaps(ga, gb, env.tolerance):
                errors.add(f"parts.{j}.polygon", "parts_overlap", f"part {j} overlaps part {i}")
    if (
        len(geoms) == len(body.parts)
        and old.polygon
        and not rules.covers_exactly(rules.geometry(old.polygon), [g for _, g in geoms], env.tolerance)
    ):
        errors.add("parts", "split_not_covering", f"the parts' union must equal the boundary of {code}")
    await _check_residents(session, code, body, errors)
    households = await _place_households(session, code, body, errors)
    day = env.cal.local_date(effective)
    posts = await _carry_roster(session, code, body, day, env.full_time_per_grid, errors)
    errors.raise_if_any()

    for part_code, part in zip(codes, body.parts, strict=False):
        new = Area(
            code=part_code,
            name=part.name,
            level="grid",
            parent_code=village,
            township_code=old.township_code,
            grid_type=old.grid_type,
            polygon=part.polygon,
            households=part.households,
            people=part.people,
            dense=part.dense,
            status=AreaStatus.ACTIVE,
            created_at=env.now,
        )
        await _record(
            session,
            new,
            AreaChange.SPLIT,
            effective_from=effective,
            actor=principal.subject,
            now=env.now,
            new=True,
            predecessors=[code],
        )
        for resident_id in part.resident_ids:
            resident = await session.get_one(Resident, resident_id)
            resident.grid_code, resident.updated_at = part_code, env.now
    for household, i in households:
        household.grid_code, household.updated_at = codes[i], env.now
    await session.flush()
    for entry, i in posts:
        to = None if i is None else await session.get_one(Area, codes[i])
        await roster.move_entry(session, entry, to, day=day, actor=principal.subject, now=env.now)
    await roster.drop_backups(session, code)
    old.status = AreaStatus.RETIRED
    await _record(
        session, old, AreaChange.SPLIT, effective_from=effective, actor=principal.subject, now=env.now, successors=codes
    )
    return [old, *[await session.get_one(Area, c) for c in codes]]


async def _place_households(
    session: AsyncSession, code: str, body: GridSplit, errors: FieldErrors
) -> list[tuple[Household, int]]:
    """Each active household of the split grid goes to the part its members go to (a household
    lives in one grid); one with no registered member goes to the part that names it."""
    part_of = {rid: i for i, part in enumerate(body.parts) for rid in part.resident_ids}
    parts_of: dict[str, set[int]] = {}
    for rid, household_no in (
        await session.execute(select(Resident.id, Resident.household_no).where(Resident.grid_code == code))
    ).all():
        if rid in part_of:
            parts_of.setdefault(household_no, set()).add(part_of[rid])
    households = (
        await session.scalars(
            select(Household)
            .where(Household.grid_code == code, Household.status == "active")
            .order_by(Household.household_no)
        )
    ).all()
    by_id = {h.id: h for h in households}
    named: dict[str, int] = {}
    for i, part in enumerate(body.parts):
        for k, household_id in enumerate(part.household_ids):
            field_ = f"parts.{i}.household_ids.{k}"
            household = by_id.get(household_id)
            if household is None:
                errors.add(field_, "unknown_household", f"{household_id} is not an active household of {code}")
            elif household_id in named:
                errors.add(field_, "household_twice", f"{household_id} is already in part {named[household_id]}")
            elif parts_of.get(household.household_no, {i}) != {i}:
                errors.add(field_, "household_divided", f"the members of {household.household_no} go elsewhere")
            else:
                named[household_id] = i
    placed: list[tuple[Household, int]] = []
    divided, left = [], []
    for h in households:
        parts = parts_of.get(h.household_no, set())
        if len(parts) > 1:
            divided.append(h.household_no)
        elif parts:
            placed.append((h, next(iter(parts))))
        elif h.id in named:
            placed.append((h, named[h.id]))
        else:
            left.append(h.household_no)
    if divided:
        errors.add(
            "parts", "household_divided", f"a household lives in one grid; members split apart: {', '.join(divided)}"
        )
    if left:
        errors.add(
            "parts",
            "households_unassigned",
            f"{len(left)} households of {code} have no member in a part and are named by none: {', '.join(left[:20])}",
        )
    return placed


async def _carry_roster(
    session: AsyncSession, code: str, body: GridSplit, day: dt.date, full_time_per_grid: int, errors: FieldErrors
) -> list[tuple[RosterEntry, int | None]]:
    """Every post held on the split grid on ``day``, with the part its person takes it to (None: it ends)."""
    entries = {e.id: e for e in await roster.entries_on(session, code, day)}
    going: dict[str, int] = {}
    for i, part in enumerate(body.parts):
        full_time = 0
        for k, entry_id in enumerate(part.roster_entry_ids):
            field_ = f"parts.{i}.roster_entry_ids.{k}"
            entry = entries.get(entry_id)
            if entry is None:
                errors.add(field_, "unknown_roster_entry", f"{entry_id} is no post held on {code} on {day}")
            elif entry_id in going:
                errors.add(field_, "roster_entry_twice", f"{entry_id} already goes to part {going[entry_id]}")
            else:
                going[entry_id] = i
                full_time += entry.post == "full_time"
        if full_time > full_time_per_grid:
            errors.add(
                f"parts.{i}.roster_entry_ids",
                "full_time_post_taken",
                f"at most {full_time_per_grid} full-time grid worker(s) per grid (002 art. 2)",
            )
    return [(e, going.get(e.id)) for e in entries.values()]


async def _check_residents(session: AsyncSession, code: str, body: GridSplit, errors: FieldErrors) -> None:
    """Every resident registered in the split grid goes to exactly one part."""
    registered = set((await session.scalars(select(Resident.id).where(Resident.grid_code == code))).all())
    seen: dict[str, int] = {}
    for i, part in enumerate(body.parts):
        for k, resident_id in enumerate(part.resident_ids):
            field = f"parts.{i}.resident_ids.{k}"
            if resident_id not in registered:
                errors.add(field, "unknown_resident", f"{resident_id} is not registered in {code}")
            elif resident_id in seen:
                errors.add(field, "resident_twice", f"{resident_id} is already in part {seen[resident_id]}")
            else:
                seen[resident_id] = i
    left = sorted(registered - set(seen))
    if left:
        errors.add(
            "parts", "residents_unassigned", f"{len(left)} residents of {code} are in no part: {', '.join(left[:20])}"
        )


async def merge(session: AsyncSession, principal: Principal, body: GridMerge, env: Env) -> list[Area]:
    """合并: grids of one village/community become one grid; its boundary is their union."""
    errors = FieldErrors()
    effective = _effective(body.effective_from, env.now, errors)
    for code in sorted({c[:9] for c in body.grids if c.isdigit() and len(c) == 15}):
        await _serialize(session, code + "000")
    grids: list[Area] = []
    for i, code in enumerate(body.grids):
        grid = await session.get(Area, code)
        if grid is None or grid.level != "grid":
            errors.add(f"grids.{i}", "unknown_grid", f"no grid {code}")
        elif grid.status != AreaStatus.ACTIVE:
            errors.add(f"grids.{i}", "area_retired", f"{code} is retired")
        elif grid.effective_from and grid.effective_from > env.now:
            errors.add(f"grids.{i}", "change_pending", f"{code} has a change still to take effect")
        elif any(g.code == code for g in grids):
            errors.add(f"grids.{i}", "duplicate_grid", f"{code} is named twice")
        else:
            grids.append(grid)
    villages = {g.parent_code for g in grids}
    if len(villages) > 1:
        errors.add("grids", "grids_of_several_villages", "only grids of one village/community are merged")
    errors.raise_if_any()
    for grid in grids:
        require_scope(principal, MANAGE, grid.code)
    village = grids[0].parent_code or ""
    used = await _used_codes(session, village, 15)
    code = body.code or _next_code("code", village, used, 15, errors)
    if code is not None:
        _check_code("code", code, "grid", village, used, errors)
    polygon = None
    if all(g.polygon for g in grids):
        polygon = rules.union_geojson([rules.geometry(g.polygon) for g in grids])
        if polygon["type"] != "Polygon":
            errors.add("grids", "grids_not_adjacent", "merged grids must form one piece (they share a boundary)")
    errors.raise_if_any()
    assert code is not None
    merged_codes = [g.code for g in grids]
    area = Area(
        code=code,
        name=body.name,
        level="grid",
        parent_code=village,
        township_code=grids[0].township_code,
        grid_type=grids[0].grid_type,
        polygon=polygon,
        households=sum(g.households or 0 for g in grids),
        people=sum(g.people or 0 for g in grids),
        dense=body.dense,
        status=AreaStatus.ACTIVE,
        created_at=env.now,
    )
    await _record(
        session,
        area,
        AreaChange.MERGED,
        effective_from=effective,
        actor=principal.subject,
        now=env.now,
        new=True,
        predecessors=merged_codes,
    )
    for resident in (await session.scalars(select(Resident).where(Resident.grid_code.in_(merged_codes)))).all():
        resident.grid_code, resident.updated_at = code, env.now
    for household in (
        await session.scalars(
            select(Household).where(Household.grid_code.in_(merged_codes), Household.status == "active")
        )
    ).all():
        household.grid_code, household.updated_at = code, env.now
    for grid in grids:
        grid.status = AreaStatus.RETIRED
        await _record(
            session,
            grid,
            AreaChange.MERGED,
            effective_from=effective,
            actor=principal.subject,
            now=env.now,
            successors=[code],
        )
    return [area, *grids]


async def retire(session: AsyncSession, principal: Principal, code: str, body: AreaRetire, env: Env) -> list[Area]:
    """撤销: refused while the area still has active grids, open incidents or registered people."""
    area = await _manageable(session, principal, code)
    if area.level not in ("village", "community", "grid"):
        raise Problem(
            409, "area_not_retirable", "Not retirable", "townships and the county come from the county's files"
        )
    _changeable(area, env.now)
    errors = FieldErrors()
    effective = _effective(body.effective_from, env.now, errors)
    errors.raise_if_any()
    prefix = code if area.level == "grid" else code
    low, high = prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)
    blockers: dict[str, int] = {}
    if area.level != "grid":
        blockers["active_grids"] = len(await _active_grids(session, code))
    blockers["open_incidents"] = (
        await session.scalar(
            select(func.count()).where(
                Incident.grid_code >= low, Incident.grid_code < high, Incident.status != CLOSED_INCIDENT
            )
        )
        or 0
    )
    blockers["registered_people"] = (
        await session.scalar(select(func.count()).where(Resident.grid_code >= low, Resident.grid_code < high)) or 0
    )
    blocking = {k: v for k, v in blockers.items() if v}
    if blocking:
        what = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in blocking.items())
        code_ = (
            "area_has_open_incidents"
            if "open_incidents" in blocking
            else ("area_has_people" if "registered_people" in blocking else "area_has_grids")
        )
        raise Problem(409, code_, "Area still in use", f"{code} still has {what}", blockers=blocking)
    area.status = AreaStatus.RETIRED
    await _record(session, area, AreaChange.RETIRED, effective_from=effective, actor=principal.subject, now=env.now)
    return [area]


# --- a whole layer ---------------------------------------------------------------------------------------

_LEVELS = ("village", "community", "grid")


async def import_layer(session: AsyncSession, principal: Principal, body: LayerImport, env: Env) -> list[Area]:
    """A FeatureCollection of villages/communities and grids, all or nothing: new codes are
    created, existing ones get the feature's boundary, name and counts as their next version."""
    errors = FieldErrors()
    effective = _effective(body.effective_from, env.now, errors)
    for county_code in (await session.scalars(select(Area.code).where(Area.level == "county"))).all():
        await _serialize(session, county_code)
    features: list[dict[str, Any]] = []  # the valid ones, normalised
    by_code: dict[str, int] = {}
    for i, feature in enumerate(body.features):
        f = f"features.{i}"
        p = feature.properties
        level, code, parent_code, name = p.get("level"), p.get("code"), p.get("parent_code"), p.get("name")
        bad = len(errors.errors)
        if level not in _LEVELS:
            errors.add(f"{f}.properties.level", "invalid_level", f"level is one of {', '.join(_LEVELS)}")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            errors.add(f"{f}.properties.name", "invalid_name", "a name of 1 to 100 characters")
        if not isinstance(code, str) or not isinstance(parent_code, str):
            errors.add(f"{f}.properties.code", "invalid_code", "code and parent_code are strings of digits")
        elif level in _LEVELS:
            try:
                expected = rules.grid_code_parent(code) if level == "grid" else rules.village_code_township(code)
            except ValueError as exc:
                errors.add(f"{f}.properties.code", "invalid_code", str(exc))
            else:
                if expected != parent_code:
                    errors.add(f"{f}.properties.code", "code_not_under_parent", f"{code} must extend {parent_code}")
            if code in by_code:
                errors.add(f"{f}.properties.code", "duplicate_feature", f"{code} is also feature {by_code[code]}")
        if p.get("grid_type") is not None and p.get("grid_type") not in tuple(GridType):
            errors.add(f"{f}.properties.grid_type", "invalid_grid_type", f"grid_type is one of {', '.join(GridType)}")
        counts: dict[str, Any] = {}
        if level == "grid":
            for key in ("households", "people"):
                value = p.get(key)
                if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    errors.add(f"{f}.properties.{key}", "invalid_count", f"{key}: a whole number ≥ 0")
                counts[key] = value
            if feature.geometry is None:
                errors.add(f"{f}.geometry", "polygon_required", "a grid is drawn: give its boundary")
        if feature.geometry is not None and (problem := rules.polygon_problem(feature.geometry)):
            errors.add(f"{f}.geometry", "invalid_polygon", problem)
        if len(errors.errors) == bad:
            by_code[code] = i
            features.append(
                {
                    "i": i,
                    "level": level,
                    "code": code,
                    "parent_code": parent_code,
                    "name": name,
                    "polygon": feature.geometry,
                    "dense": bool(p.get("dense", False)),
                    "grid_type": p.get("grid_type") or "basic",
                    **counts,
                }
            )
    # the areas as they stand, then the features over them
    existing = {a.code: a for a in (await session.scalars(select(Area))).all()}
    for feat in features:
        f, area = f"features.{feat['i']}", existing.get(feat["code"])
        if area is not None and (area.status != AreaStatus.ACTIVE or area.level != feat["level"]):
            why = (
                "is retired (codes are never given again)" if area.status != AreaStatus.ACTIVE else f"is a {area.level}"
            )
            errors.add(f"{f}.properties.code", "area_code_used", f"{feat['code']} {why}")
        elif area is not None and area.effective_from and area.effective_from > env.now:
            errors.add(f"{f}.properties.code", "change_pending", f"{feat['code']} has a change still to take effect")
        parent = existing.get(feat["parent_code"])
        in_layer = feat["parent_code"] in by_code
        wanted = ("township",) if feat["level"] != "grid" else ("village", "community")
        if not in_layer and (parent is None or parent.level not in wanted or parent.status != AreaStatus.ACTIVE):
            errors.add(
                f"{f}.properties.parent_code",
                "unknown_parent",
                f"no active {' or '.join(wanted)} {feat['parent_code']}",
            )
        require_scope(principal, MANAGE, feat["code"])
    polygons: dict[str, dict[str, Any] | None] = {
        c: a.polygon for c, a in existing.items() if a.status == AreaStatus.ACTIVE
    } | {feat["code"]: feat["polygon"] for feat in features}
    parents: dict[str, str | None] = {
        c: a.parent_code for c, a in existing.items() if a.status == AreaStatus.ACTIVE
    } | {feat["code"]: feat["parent_code"] for feat in features}
    levels = {c: a.level for c, a in existing.items()} | {feat["code"]: feat["level"] for feat in features}
    for feat in features:
        if feat["polygon"] is None:
            continue
        f = f"features.{feat['i']}.geometry"
        geom = rules.geometry(feat["polygon"])
        parent_polygon = polygons.get(feat["parent_code"])
        if parent_polygon and not rules.lies_inside(geom, rules.geometry(parent_polygon), env.tolerance):
            errors.add(f, "outside_parent", f"the boundary goes beyond {feat['parent_code']}")
        crossed = sorted(
            c
            for c, other in polygons.items()
            if c != feat["code"]
            and other
            and parents.get(c) == feat["parent_code"]
            and levels.get(c) == feat["level"]
            and by_code.get(c, -1) < feat["i"]  # a pair of features is named once, at the later one
            and rules.overlaps(geom, rules.geometry(other), env.tolerance)
        )
        if crossed:
            errors.add(f, "overlaps_sibling", f"the boundary overlaps {', '.join(crossed)}")
    errors.raise_if_any()

    changed: list[Area] = []
    # parents first, so a village created by the layer exists before its grids
    for feat in sorted(features, key=lambda x: (x["level"] == "grid", x["code"])):
        area = existing.get(feat["code"])
        is_grid = feat["level"] == "grid"
        fields = {
            "name": feat["name"],
            "polygon": feat["polygon"],
            "households": feat.get("households"),
            "people": feat.get("people"),
            "dense": feat["dense"] if is_grid else False,
        }
        if area is None:
            area = Area(
                code=feat["code"],
                level=feat["level"],
                parent_code=feat["parent_code"],
                township_code=feat["code"][:9] + "000",
                grid_type=feat["grid_type"] if is_grid else None,
                status=AreaStatus.ACTIVE,
                created_at=env.now,
                **fields,
            )
            await _record(
                session,
                area,
                AreaChange.IMPORTED,
                effective_from=effective,
                actor=principal.subject,
                now=env.now,
                new=True,
            )
        else:
            if all(getattr(area, k) == v for k, v in fields.items()):
                continue  # unchanged: no new version
            for key, value in fields.items():
                setattr(area, key, value)
            await _record(
                session, area, AreaChange.IMPORTED, effective_from=effective, actor=principal.subject, now=env.now
            )
        changed.append(area)
    return changed
