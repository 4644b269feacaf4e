"""Use cases of residents: register one in your grid, keep the record current (every change in the
history), deregister (moved away, deceased), list them (masked), read one record."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from grid.people import history
from grid.people import service as people
from grid.residents import queries as residents_queries
from grid.residents import rules
from grid.residents.models import Resident, ResidentGroup
from grid.residents.queries import readable
from grid.residents.schemas import Deregistration, ResidentCreate, ResidentUpdate
from grid.roster.service import grid_area, township_of
from jiceng_shared import personaldata
from jiceng_shared.db import new_id
from jiceng_shared.errors import FieldErrors, Problem, not_found
from jiceng_shared.identity import Principal
from jiceng_shared.pagination import paginate, where_equal
from jiceng_shared.scope import require_scope
from jiceng_shared.workdays import COUNTY_ZONE

REGISTER = "grid.resident.register"
LIST = residents_queries.LIST
READ = "grid.resident.read"
#: membership of the sensitive registers (community corrections, drug rehabilitation, released prisoners)
SENSITIVE = "grid.register.sensitive"

ART11 = (
    "ethnicity",
    "education",
    "building_id",
    "house_no",
    "housing",
    "social_security",
    "employment",
    "employer",
    "income_band",
    "safety_notes",
    "group_details",
)


def _plain(fields: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (
            v.value
            if hasattr(v, "value")
            else [x.value if hasattr(x, "value") else x for x in v]
            if isinstance(v, list)
            else v
        )
        for k, v in fields.items()
    }


async def _check(
    session: AsyncSession,
    grid_code: str,
    *,
    id_number: str | None,
    phone: str | None,
    groups: list[str],
    details: dict[str, Any],
    building_id: str | None,
) -> FieldErrors:
    errors = rules.check_resident(id_number=id_number, phone=phone, special_groups=groups)
    for e in rules.check_group_details(groups, details).errors:
        errors.add(e["field"], e["code"], e["message"])
    await people._building_in_grid(session, building_id, grid_code, errors)
    return errors


def _set_groups(session: AsyncSession, resident: Resident) -> None:
    for group in resident.special_groups:
        session.add(ResidentGroup.of(resident, group))


async def register(session: AsyncSession, principal: Principal, body: ResidentCreate, *, now: dt.datetime) -> Resident:
    grid = await grid_area(session, body.grid_code)
    # the grid worker of that grid (A or B post) keeps its base data
    require_scope(principal, REGISTER, grid.code)
    groups = sorted(set(body.special_groups))
    errors = await _check(
        session,
        grid.code,
        id_number=body.id_number,
        phone=body.phone,
        groups=groups,
        details=body.group_details,
        building_id=body.building_id,
    )
    if body.lives_here_since is not None and body.lives_here_since > now.astimezone(COUNTY_ZONE).date():
        errors.add("lives_here_since", "date_in_future", "the person cannot have come to live here after today")
    errors.raise_if_any()
    township = township_of(grid)
    taken = await session.scalar(
        select(Resident.id).where(
            Resident.township_code == township, Resident.id_number_hash.in_(personaldata.lookups(body.id_number))
        )
    )
    if taken is not None:
        raise Problem(409, "resident_exists", "Already registered", "this person is already registered in the township")
    art11 = _plain(body.model_dump(include=set(ART11)))
    resident = Resident(
        id=new_id(),
        grid_code=grid.code,
        township_code=township,
        name=body.name,
        id_number=body.id_number,
        phone=body.phone,
        address=body.address,
        household_no=body.household_no,
        household_head=body.household_head,
        special_groups=groups,
        lives_here_since=body.lives_here_since,
        **art11,
        status="active",
        registered_by=principal.subject,
        created_at=now,
        updated_at=now,
    )
    session.add(resident)
    await session.flush()
    _set_groups(session, resident)
    await people.ensure_household(
        session,
        principal,
        grid_code=grid.code,
        township_code=township,
        household_no=body.household_no,
        address=body.address,
        building_id=body.building_id,
        now=now,
    )
    history.record(
        session,
        entity="resident",
        entity_id=resident.id,
        grid_code=grid.code,
        action="created",
        changes={
            "name": [None, body.name],
            "household_no": [None, body.household_no],
            "special_groups": [None, groups],
        },
        principal=principal,
        now=now,
    )
    await session.flush()
    return resident


async def _for_change(session: AsyncSession, principal: Principal, resident_id: str, version: int) -> Resident:
    resident = await session.scalar(select(Resident).where(Resident.id == resident_id, readable(principal)))
    if resident is None:
        raise not_found("resident", resident_id)
    require_scope(principal, REGISTER, resident.grid_code)
    if resident.version != version:
        raise Problem(409, "concurrent_update", "Changed by someone else", "reload the record and retry")
    if resident.status != "active":
        raise Problem(409, "resident_deregistered", "Deregistered", f"the record is closed ({resident.status})")
    return resident


async def update(
    session: AsyncSession, principal: Principal, resident_id: str, body: ResidentUpdate, *, now: dt.datetime
) -> Resident:
    resident = await _for_change(session, principal, resident_id, body.version)
    fields = _plain(body.model_dump(exclude={"version"}, exclude_unset=True))
    if "special_groups" in fields:
        fields["special_groups"] = sorted(set(fields["special_groups"] or []))
    groups = fields.get("special_groups", resident.special_groups)
    details = fields.get("group_details", resident.group_details) or {}
    (
        await _check(
            session,
            resident.grid_code,
            id_number=None,
            phone=fields.get("phone"),
            groups=groups,
            details=details,
            building_id=fields.get("building_id"),
        )
    ).raise_if_any()
    changes = history.update(session, resident, fields, entity="resident", principal=principal, now=now)
    if "special_groups" in changes:
        await session.execute(delete(ResidentGroup).where(ResidentGroup.resident_id == resident.id))
        _set_groups(session, resident)
    await session.flush()
    return resident


async def deregister(
    session: AsyncSession,
    principal: Principal,
    resident_id: str,
    body: Deregistration,
    *,
    now: dt.datetime,
    today: dt.date,
) -> Resident:
    resident = await _for_change(session, principal, resident_id, body.version)
    errors = FieldErrors()
    if body.reason == "active":
        errors.add("reason", "invalid_reason", "moved_away or deceased")
    if body.on > today:
        errors.add("on", "date_in_future", "a deregistration records what happened")
    errors.raise_if_any()
    changes = history.diff(resident, {"status": body.reason.value, "deregistered_on": body.on})
    resident.updated_at = now
    await session.execute(delete(ResidentGroup).where(ResidentGroup.resident_id == resident.id))
    history.record(
        session,
        entity="resident",
        entity_id=resident.id,
        grid_code=resident.grid_code,
        action="deregistered",
        changes=changes,
        principal=principal,
        now=now,
    )
    await session.flush()
    await people.household_if_emptied(session, principal, resident, now=now)
    await session.flush()
    return resident


async def list_residents(
    session: AsyncSession,
    principal: Principal,
    *,
    grid_code: str | None,
    household_no: str | None,
    limit: int,
    cursor: str | None,
    special_group: str | None = None,
    status: str | None = None,
    building_id: str | None = None,
    sensitive: frozenset[str] = frozenset(),
) -> list[Resident]:
    stmt = select(Resident).where(readable(principal))
    stmt = where_equal(
        stmt,
        (
            (Resident.grid_code, grid_code),
            (Resident.household_no, household_no),
            (Resident.status, status),
            (Resident.building_id, building_id),
        ),
    )
    if special_group is not None:
        if special_group in sensitive:
            # a sensitive register: only within the grids where the caller may see its membership
            stmt = stmt.where(readable(principal, SENSITIVE))
        members = select(ResidentGroup.resident_id).where(residents_queries.in_groups([special_group]))
        stmt = stmt.where(Resident.id.in_(members))
    stmt = paginate(stmt, Resident.created_at, Resident.id, limit=limit, cursor=cursor)
    return list((await session.scalars(stmt)).all())


async def get_resident(session: AsyncSession, principal: Principal, resident_id: str) -> Resident:
    resident = await session.scalar(select(Resident).where(Resident.id == resident_id, readable(principal, READ)))
    if resident is None:
        raise not_found("resident", resident_id)
    return resident
