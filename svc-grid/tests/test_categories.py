"""Grid's own copy of the category dictionary: seeded from the county file, kept current from
dispatch.category.changed without a restart; a late, older event never undoes a newer one."""

import datetime as dt

from jiceng_shared.contracts.dispatch import CategoryChanged
from jiceng_shared.testing.plugin import eventually, headers_for, principal

GRID_1 = "320971100201001"
COUNTY = "320971000000"
worker = principal(("grid_worker", GRID_1), name="网格员甲")


def report(category: str) -> dict:
    return {
        "category": category,
        "description": "路边倾倒建筑垃圾",
        "grid_code": GRID_1,
        "location": {"type": "Point", "coordinates": [120.305, 33.305]},
    }


def changed(code: str, *, version: int, retired: bool = False, label: str = "乱倒建筑垃圾") -> CategoryChanged:
    return CategoryChanged(
        code=code,
        label_zh=label,
        major="streetscape",
        urgent=False,
        dispatch_limit_minutes=30,
        handle_limit_value=2,
        handle_limit_unit="working_days",
        functional_department=False,
        retired=retired,
        change="retired" if retired else "created" if version == 1 else "updated",
        category_version=version,
        changed_at=dt.datetime(2026, 11, 29, 8, tzinfo=dt.UTC) + dt.timedelta(minutes=version),
    )


async def post(grid, category: str) -> int:
    response = await grid.client.post("/api/grid/v1/incidents", json=report(category), headers=headers_for(worker))
    assert response.status_code in (201, 422), response.text
    if response.status_code == 422:
        assert response.json()["code"] == "unknown_category"
    return response.status_code


async def test_the_county_files_categories_are_known_from_the_start(grid):
    # the 41 categories of the demo county's categories.csv, beyond the first ten
    assert await post(grid, "straw_burning") == 201
    assert await post(grid, "street_occupation") == 201


async def test_a_category_created_in_dispatch_is_accepted_and_a_retired_one_refused_without_restart(grid):
    code = "illegal_dumping_grid"
    assert await post(grid, code) == 422  # unknown until dispatch publishes it
    await grid.publish(changed(code, version=1), subject=code, township=COUNTY)

    async def accepted():
        return await post(grid, code) == 201 or None

    await eventually(accepted)
    await grid.publish(changed(code, version=2, retired=True), subject=code, township=COUNTY)

    async def refused():
        return await post(grid, code) == 422 or None

    await eventually(refused)
    # the creation redelivered late (an older version) does not bring the category back
    await grid.publish(changed(code, version=1), subject=code, township=COUNTY)
    await grid.drained("categories")
    assert await post(grid, code) == 422
