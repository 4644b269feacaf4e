"""The area tree, scoped reads, and the grid size rule (300/1,000; dense 500/1,500)."""

import pytest

from grid.areas.rules import GridSizeLimits, grid_code_parent, grid_oversize
from jiceng_shared.testing.plugin import headers_for, principal

BUFENG_GRID_1 = "320971100201001"
XINCHENG = "320971001000"


def test_ordinary_grid_limit_is_300_households_and_1000_people():
    limits = GridSizeLimits()
    assert grid_oversize(300, 1000, False, limits) == []
    assert grid_oversize(301, 1000, False, limits) == ["301 households > 300"]
    assert grid_oversize(300, 1001, False, limits) == ["1001 people > 1000"]


def test_dense_grid_limit_is_500_households_and_1500_people():
    limits = GridSizeLimits()
    assert grid_oversize(500, 1500, True, limits) == []
    assert grid_oversize(501, 1501, True, limits) == ["501 households > 500", "1501 people > 1500"]


def test_grid_codes_are_village_code_plus_three_digits():
    assert grid_code_parent(BUFENG_GRID_1) == "320971100201"
    for bad in ("320971100201000", "3209711002010011", "320971100000001"):
        with pytest.raises(ValueError):
            grid_code_parent(bad)


async def test_the_oversized_demo_grid_is_flagged_for_splitting(grid):
    admin = headers_for(principal(("county_admin", "320971000000")))
    response = await grid.client.get("/api/grid/v1/areas", params={"level": "grid", "limit": 200}, headers=admin)
    assert response.status_code == 200 and response.json()["next_cursor"] is None
    flagged = {a["code"]: a["split_reasons"] for a in response.json()["items"] if a["needs_split"]}
    assert flagged == {"320971100201002": ["340 households > 300", "1100 people > 1000"]}


async def test_a_grid_worker_sees_their_grids_and_the_areas_above_but_not_the_other_township(grid):
    worker = headers_for(principal(("grid_worker", BUFENG_GRID_1)))
    codes = [a["code"] for a in (await grid.client.get("/api/grid/v1/areas", headers=worker)).json()["items"]]
    assert codes == ["320971000000", "320971100000", "320971100201", BUFENG_GRID_1]
    assert (await grid.client.get(f"/api/grid/v1/areas/{XINCHENG}", headers=worker)).status_code == 404
    detail = (await grid.client.get(f"/api/grid/v1/areas/{BUFENG_GRID_1}", headers=worker)).json()
    assert detail["polygon"]["type"] == "Polygon" and detail["level_zh"] == "网格"


async def test_without_the_internal_token_the_service_gives_nothing_away(grid):
    response = await grid.client.get("/api/grid/v1/areas")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert set(response.json()) <= {"type", "title", "status", "code", "request_id"}
    bogus = await grid.client.get("/api/grid/v1/areas", headers={"x-jiceng-internal": "not-a-token"})
    assert bogus.status_code == 401
