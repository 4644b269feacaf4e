"""Every process keeps its copy of the areas administered in svc-grid, without a restart, and a
process started later loads every change (jiceng_shared.areafeed): real NATS, real databases."""

from __future__ import annotations

from dispatch.main import spec as dispatch_spec
from grid.main import spec as grid_spec
from jiceng_shared.testing.plugin import eventually, headers_for, principal


def admin() -> dict[str, str]:
    """The county administrator's internal token, made when used (it lives two minutes)."""
    return headers_for(principal(("county_admin", "320971000000")))


VILLAGE = "320971100201"


def box(x0: float, y0: float, x1: float, y1: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


async def test_a_new_and_a_split_grid_reach_another_service_and_a_restarted_one(service_runner):
    async with service_runner(grid_spec) as grid:
        await grid.seed()
        async with service_runner(dispatch_spec, events_prefix=grid.prefix) as dispatch:
            body = {
                "level": "grid",
                "parent_code": VILLAGE,
                "name": "步凤村第三网格",
                "polygon": box(120.32, 33.30, 120.33, 33.31),
                "households": 340,
                "people": 1100,
            }
            created = await grid.client.post("/api/grid/v1/areas", json=body, headers=admin())
            assert created.status_code == 201, created.text
            code = created.json()["changed"][0]["code"]

            async def known() -> bool:
                area = dispatch.ctx.areas.get(code)
                return area is not None and area.status == "active" and area.township_code == "320971100000"

            await eventually(known)
            assert dispatch.ctx.areas.active(code) is True

            parts = [
                {"name": "西", "polygon": box(120.32, 33.30, 120.325, 33.31), "households": 170, "people": 550},
                {"name": "东", "polygon": box(120.325, 33.30, 120.33, 33.31), "households": 170, "people": 550},
            ]
            split = await grid.client.post(f"/api/grid/v1/areas/{code}/split", json={"parts": parts}, headers=admin())
            assert split.status_code == 201, split.text

            async def split_seen() -> bool:
                return dispatch.ctx.areas.active(code) is False and len(dispatch.ctx.areas.children(VILLAGE)) == 3

            await eventually(split_seen)
            assert grid.ctx.areas.active(code) is False  # svc-grid's own process keeps the copy too

        # a process started afterwards (a restart, a new replica) loads every change from the bucket
        async with service_runner(dispatch_spec, events_prefix=grid.prefix) as restarted:
            await eventually(lambda: _loaded(restarted))
            assert restarted.ctx.areas.active(code) is False
            successors = restarted.ctx.areas.get(code).successors
            assert [restarted.ctx.areas.active(c) for c in successors] == [True, True]


async def _loaded(service) -> bool:
    return service.ctx.areas.loaded.is_set()


async def test_the_registry_of_every_process_follows_the_changes_when_they_take_effect(service_runner):
    import datetime as dt

    async with service_runner(grid_spec) as grid:
        await grid.seed()
        async with service_runner(dispatch_spec, events_prefix=grid.prefix) as dispatch:
            org = dispatch.ctx.org
            village = await grid.client.post(
                "/api/grid/v1/areas",
                json={"level": "community", "parent_code": "320971001000", "name": "新城第二社区"},
                headers=admin(),
            )
            assert village.status_code == 201, village.text
            code = village.json()["changed"][0]["code"]
            await eventually(lambda: _has(org.village(code)))
            assert org.village(code).kind == "community"

            # a grid taking effect in a moment enters the registry then, not before
            soon = (grid.ctx.now() + dt.timedelta(seconds=2)).isoformat()
            body = {
                "level": "grid",
                "parent_code": code,
                "name": "新城第二社区第一网格",
                "polygon": box(120.22, 33.38, 120.23, 33.39),
                "households": 10,
                "people": 30,
                "effective_from": soon,
            }
            created = await grid.client.post("/api/grid/v1/areas", json=body, headers=admin())
            assert created.status_code == 201, created.text
            grid_code = created.json()["changed"][0]["code"]
            await eventually(lambda: _has(dispatch.ctx.areas.get(grid_code)))
            assert org.grid(grid_code) is None
            await eventually(lambda: _has(org.grid(grid_code)), timeout=10)
            assert org.grid(grid_code).village == code


async def _has(value) -> bool:
    return value is not None
