"""Demo data of svc-grid: the area tree of the demo county with grid polygons (idempotent)."""

from __future__ import annotations

from jiceng_shared import demo
from jiceng_shared.db import utcnow
from jiceng_shared.service import ServiceContext

from grid.areas.models import Area


def demo_areas() -> list[Area]:
    now = utcnow()
    areas = [Area(code=demo.COUNTY_CODE, name=demo.COUNTY_NAME, level="county", created_at=now)]
    areas += [
        Area(code=t.code, name=t.name, level="township", parent_code=demo.COUNTY_CODE, township_code=t.code, created_at=now)
        for t in demo.TOWNSHIPS
    ]
    areas += [
        Area(code=v.code, name=v.name, level=v.kind, parent_code=v.township, township_code=v.township, created_at=now)
        for v in demo.VILLAGES
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
        for g in demo.GRIDS
    ]
    return areas


async def seed(ctx: ServiceContext) -> None:
    async with ctx.db.transaction() as session:
        for area in demo_areas():
            if await session.get(Area, area.code) is None:
                session.add(area)
