"""Data of svc-grid: the area tree of the county (ctx.org: the demo county or JICENG_COUNTY_DIR's)
with grid polygons, and, as demo data, a few residents in every grid (fictitious people with valid-looking identity numbers) (idempotent)."""

from __future__ import annotations

from sqlalchemy import select

from grid.areas.models import Area, AreaVersion
from grid.areas.service import first_version
from grid.categories import service as categories
from grid.people.models import Household
from grid.residents.models import Resident, ResidentGroup
from grid.residents.rules import check_character
from jiceng_shared import county
from jiceng_shared.db import utcnow
from jiceng_shared.service import ServiceContext


def demo_areas(org: county.Organisation | None = None) -> list[Area]:
    org = org or county.current()
    now = utcnow()
    areas = [Area(code=org.code, name=org.name, level="county", created_at=now)]
    areas += [
        Area(
            code=t.code,
            name=t.name,
            level="township",
            parent_code=org.code,
            township_code=t.code,
            created_at=now,
        )
        for t in org.townships
    ]
    areas += [
        Area(
            code=v.code,
            name=v.name,
            level=v.kind,
            parent_code=v.township,
            township_code=v.township,
            # a village drawn in the county's areas.geojson bounds its grids (grid.areas.rules)
            polygon=org.village_polygons.get(v.code),
            created_at=now,
        )
        for v in org.villages
    ]
    areas += [
        Area(
            code=g.code,
            name=g.name,
            level="grid",
            parent_code=g.village,
            township_code=g.village[:9] + "000",
            grid_type="basic",
            polygon=g.polygon,
            households=g.households,
            people=g.people,
            dense=g.dense,
            created_at=now,
        )
        for g in org.grids
    ]
    return areas


#: (name, birth date, special groups, household head) of the demo residents of each grid
_PEOPLE = (
    ("王秀英", "19480312", ["empty_nest_elderly"], True),
    ("李建国", "19750906", [], True),
    ("李小明", "20120514", ["left_behind_children"], False),
)


def demo_residents(org: county.Organisation | None = None) -> list[Resident]:
    org = org or county.current()
    now = utcnow()
    residents = []
    for g_index, grid in enumerate(org.grids):
        for p_index, (name, born, groups, head) in enumerate(_PEOPLE):
            first17 = grid.village[:6] + born + f"{g_index * 10 + p_index + 1:03d}"
            household = f"{grid.code}-{1 if p_index else 0:04d}"
            residents.append(
                Resident(
                    id=f"00000000-0000-4000-8000-{g_index:04d}{p_index:08d}",
                    grid_code=grid.code,
                    township_code=grid.village[:9] + "000",
                    name=name,
                    id_number=first17 + check_character(first17),
                    phone=f"1381234{g_index:02d}{p_index:02d}",
                    address=f"{grid.name}{p_index + 1}号",
                    household_no=household,
                    household_head=head,
                    special_groups=groups,
                    status="active",
                    registered_by="seed",
                    created_at=now,
                    updated_at=now,
                )
            )
    return residents


async def seed(ctx: ServiceContext) -> None:
    async with ctx.db.transaction() as session:
        versioned = set((await session.scalars(select(AreaVersion.code))).all())
        for area in demo_areas(ctx.org):
            if await session.get(Area, area.code) is None:
                session.add(area)
                if area.code not in versioned:
                    session.add(first_version(area))
        await session.flush()
        existing = set((await session.scalars(select(Resident.id))).all())
        new = [r for r in demo_residents(ctx.org) if r.id not in existing]
        session.add_all(new)
        await session.flush()
        session.add_all(ResidentGroup.of(r, g) for r in new for g in r.special_groups)
        households = set((await session.execute(select(Household.township_code, Household.household_no))).all())
        for r in new:
            if (r.township_code, r.household_no) not in households:
                households.add((r.township_code, r.household_no))
                session.add(
                    Household(
                        id=f"00000000-0000-4000-9000-{r.id[-12:]}",
                        grid_code=r.grid_code,
                        township_code=r.township_code,
                        household_no=r.household_no,
                        address=r.address,
                        status="active",
                        created_at=r.created_at,
                        updated_at=r.created_at,
                    )
                )
        # the first copy of the category dictionary; dispatch.category.changed keeps it current
        await categories.seed_from_county(session, utcnow())
