"""Administering villages/communities and grids: unified codes never reused, boundaries inside
the parent and not overlapping (both sides of the tolerance), splits that cover the old grid
exactly, merges, retirement refused while in use, a whole layer imported all or nothing, every
change versioned and published; incidents land in the grid in force when they are reported."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from grid.areas.models import Area, AreaVersion
from grid.areas.rules import METRES_PER_DEGREE
from grid.people.models import Household
from grid.residents.models import Resident
from grid.roster.models import BackupPost, RosterEntry
from jiceng_shared.testing.plugin import ServiceClock, headers_for, principal

BUFENG = "320971100000"
XINCHENG = "320971001000"
API = "/api/grid/v1/areas"


def admin() -> dict[str, str]:
    """The county administrator's internal token, made when used (it lives two minutes)."""
    return headers_for(principal(("county_admin", "320971000000"), name="县级管理员"))


#: the tolerance of the tests (the default setting): 1 m
TOL = 1.0
T0 = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)


def metres(m: float) -> float:
    """Degrees of latitude for ``m`` metres (the tests move boundaries north-south)."""
    return m / METRES_PER_DEGREE


def box(x0: float, y0: float, x1: float, y1: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


@pytest.fixture
def clock(grid):
    c = ServiceClock(grid.ctx)
    c.set(T0)
    yield c
    c.reset()


_next_lng = [121.0]


async def new_village(grid, *, polygon: bool = True) -> tuple[str, float]:
    """A village of its own for each test (0.1° wide, at a fresh longitude), and its west edge."""
    x = _next_lng[0]
    _next_lng[0] += 0.2
    body = {"level": "village", "parent_code": BUFENG, "name": f"测试村{x}"}
    if polygon:
        body["polygon"] = box(x, 33.0, x + 0.1, 33.1)
    response = await grid.client.post(API, json=body, headers=admin())
    assert response.status_code == 201, response.text
    return response.json()["changed"][0]["code"], x


async def new_grid(grid, village: str, polygon: dict, households: int = 100, people: int = 300, **extra):
    body = {"level": "grid", "parent_code": village, "name": "网格", "polygon": polygon}
    body |= {"households": households, "people": people, **extra}
    return await grid.client.post(API, json=body, headers=admin())


def errors_of(response) -> dict[str, str]:
    return {e["field"]: e["code"] for e in response.json().get("errors", [])}


def code_of(response) -> str:
    return response.json()["code"]


async def published(grid, code: str) -> list[dict]:
    outbox = grid.ctx.db.infra.outbox
    async with grid.ctx.db.session() as session:
        rows = (await session.execute(select(outbox.c.envelope).where(outbox.c.type == "grid.area.changed"))).all()
    events = [json.loads(r.envelope)["data"] for r in rows]
    return sorted((e for e in events if e["code"] == code), key=lambda e: e["area_version"])


# --- codes --------------------------------------------------------------------------------------------


async def test_a_grid_code_is_its_village_code_plus_three_digits_and_is_never_reused(grid, clock):
    village, x = await new_village(grid)
    first = await new_grid(grid, village, box(x, 33.0, x + 0.01, 33.01))
    assert first.status_code == 201, first.text
    code = first.json()["changed"][0]["code"]
    assert code == village + "001"

    retired = await grid.client.post(f"{API}/{code}/retire", json={"reason": "撤并"}, headers=admin())
    assert retired.status_code == 200, retired.text
    assert retired.json()["changed"][0]["status"] == "retired"

    again = await new_grid(grid, village, box(x, 33.0, x + 0.01, 33.01), code=code)
    assert again.status_code == 422 and code_of(again) == "area_code_used"
    # the next grid takes the next number: the retired one is never given again
    nxt = await new_grid(grid, village, box(x, 33.0, x + 0.01, 33.01))
    assert nxt.status_code == 201 and nxt.json()["changed"][0]["code"] == village + "002"

    foreign = await new_grid(grid, village, box(x + 0.05, 33.0, x + 0.06, 33.01), code="320971001001777")
    assert code_of(foreign) == "code_not_under_parent"
    retired_again = await grid.client.post(f"{API}/{code}/retire", json={"reason": "x"}, headers=admin())
    assert retired_again.status_code == 409 and retired_again.json()["code"] == "area_retired"


async def test_a_create_names_every_bad_field_at_once_and_writes_nothing(grid, clock):
    village, x = await new_village(grid)
    body = {
        "level": "grid",
        "parent_code": village,
        "name": "坏网格",
        "polygon": {
            "type": "Polygon",
            "coordinates": [[[x, 33.0], [x + 0.01, 33.01], [x + 0.01, 33.0], [x, 33.01], [x, 33.0]]],
        },
        "effective_from": (T0 - dt.timedelta(days=1)).isoformat(),
    }
    response = await grid.client.post(API, json=body, headers=admin())
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert errors_of(response) == {
        "effective_from": "effective_in_past",
        "households": "count_required",
        "people": "count_required",
        "polygon": "invalid_polygon",
    }
    async with grid.ctx.db.session() as session:
        assert await session.scalar(select(Area).where(Area.parent_code == village)) is None
    unknown_parent = await new_grid(grid, "320971100999", box(x, 33.0, x + 0.01, 33.01))
    assert code_of(unknown_parent) == "unknown_parent"


async def test_only_the_county_administrator_manages_areas(grid, clock):
    leader = headers_for(principal(("township_leader", BUFENG)))
    body = {"level": "village", "parent_code": BUFENG, "name": "越权村"}
    response = await grid.client.post(API, json=body, headers=leader)
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


# --- geometry, both sides of the tolerance ---------------------------------------------------------------


async def test_a_grid_may_stick_out_of_its_village_by_less_than_the_tolerance_not_more(grid, clock):
    village, x = await new_village(grid)
    top = 33.1
    inside = await new_grid(grid, village, box(x, top - 0.01, x + 0.01, top + metres(TOL * 0.8)))
    assert inside.status_code == 201, inside.text
    outside = await new_grid(grid, village, box(x + 0.02, top - 0.01, x + 0.03, top + metres(TOL * 1.2)))
    assert outside.status_code == 422 and code_of(outside) == "outside_parent"


async def test_siblings_may_touch_within_the_tolerance_but_not_overlap_beyond_it(grid, clock):
    village, x = await new_village(grid)
    assert (await new_grid(grid, village, box(x, 33.0, x + 0.01, 33.01))).status_code == 201
    touching = await new_grid(grid, village, box(x, 33.01 - metres(TOL * 0.8), x + 0.01, 33.02))
    assert touching.status_code == 201, touching.text
    overlapping = await new_grid(grid, village, box(x, 33.02 - metres(TOL * 1.2), x + 0.01, 33.03))
    assert overlapping.status_code == 422 and code_of(overlapping) == "overlaps_sibling"
    assert village + "002" in overlapping.json()["detail"]


async def test_the_tolerance_is_a_setting(service_runner):
    from grid.main import spec

    async with service_runner(spec, area_tolerance_metres=5.0) as wide:
        await wide.seed()
        ServiceClock(wide.ctx).set(T0)
        village, x = await new_village(wide)
        assert (await new_grid(wide, village, box(x, 33.0, x + 0.01, 33.01))).status_code == 201
        # a 3 m overlap is digitising noise under a 5 m tolerance
        assert (await new_grid(wide, village, box(x, 33.01 - metres(3), x + 0.01, 33.02))).status_code == 201


# --- split, merge, counts -----------------------------------------------------------------------------------


def halves(x: float, y0: float = 33.0, y1: float = 33.01, *, gap: float = 0.0, overlap: float = 0.0):
    mid = x + 0.005
    return box(x, y0, mid + overlap, y1), box(mid + gap, y0, x + 0.01, y1)


async def test_a_split_must_cover_the_old_grid_exactly(grid, clock):
    village, x = await new_village(grid)
    code = (await new_grid(grid, village, box(x, 33.0, x + 0.01, 33.01), 340, 1100)).json()["changed"][0]["code"]

    def parts(a: dict, b: dict) -> dict:
        return {
            "parts": [
                {"name": "北", "polygon": a, "households": 170, "people": 550},
                {"name": "南", "polygon": b, "households": 170, "people": 550},
            ]
        }

    # gaps and overlaps narrower than the tolerance are digitising noise (degrees of longitude
    # here are shorter than the metre-degrees of latitude: 0.8 m-degrees are under 1 m)
    gap_big = await grid.client.post(
        f"{API}/{code}/split", json=parts(*halves(x, gap=metres(TOL * 1.5))), headers=admin()
    )
    assert gap_big.status_code == 422 and errors_of(gap_big) == {"parts": "split_not_covering"}
    overlap_big = await grid.client.post(
        f"{API}/{code}/split", json=parts(*halves(x, overlap=metres(TOL * 1.5))), headers=admin()
    )
    assert code_of(overlap_big) == "parts_overlap"
    beyond = await grid.client.post(
        f"{API}/{code}/split", json=parts(*halves(x, y1=33.01 + metres(TOL * 1.5))), headers=admin()
    )
    assert errors_of(beyond) == {"parts": "split_not_covering"}
    async with grid.ctx.db.session() as session:
        assert (await session.get(Area, code)).status == "active"  # nothing written on error

    near = await grid.client.post(f"{API}/{code}/split", json=parts(*halves(x, gap=metres(TOL * 0.8))), headers=admin())
    assert near.status_code == 201, near.text
    changed = {a["code"]: a for a in near.json()["changed"]}
    assert changed[code]["status"] == "retired"
    new_codes = sorted(c for c in changed if c != code)
    assert new_codes == [village + "002", village + "003"]
    assert all(not changed[c]["needs_split"] for c in new_codes)

    [created, retired] = await published(grid, code)
    assert created["change"] == "created" and retired["status"] == "retired" and retired["change"] == "split"
    assert retired["successors"] == new_codes and retired["area_version"] == 2
    [part] = await published(grid, new_codes[0])
    assert part["predecessors"] == [code] and part["kind"] == "grid" and part["parent_code"] == village
    assert part["township_code"] == BUFENG and part["polygon"]["type"] == "Polygon"


async def test_the_split_flag_follows_the_counts(grid, clock):
    village, x = await new_village(grid)
    code = (await new_grid(grid, village, box(x, 33.0, x + 0.01, 33.01), 300, 1000)).json()["changed"][0]["code"]

    async def flag() -> list[str]:
        return (await grid.client.get(f"{API}/{code}", headers=admin())).json()["split_reasons"]

    assert await flag() == []
    await grid.client.put(f"{API}/{code}/counts", json={"households": 301, "people": 1000}, headers=admin())
    assert await flag() == ["301 households > 300"]
    await grid.client.put(
        f"{API}/{code}/counts", json={"households": 500, "people": 1500, "dense": True}, headers=admin()
    )
    assert await flag() == []
    await grid.client.put(f"{API}/{code}/counts", json={"households": 501, "people": 1501}, headers=admin())
    assert await flag() == ["501 households > 500", "1501 people > 1500"]
    versions = (await grid.client.get(f"{API}/{code}/versions", headers=admin())).json()["items"]
    assert [v["change"] for v in versions] == ["created", "recounted", "recounted", "recounted"]
    assert versions[0]["effective_to"] == versions[1]["effective_from"]


async def test_the_counts_can_be_taken_from_the_base_data_and_are_either_entered_or_counted(grid, clock):
    code = "320971001001001"  # a demo grid of Xincheng: 420 households and 1,300 people entered
    async with grid.ctx.db.session() as session:
        households = await session.scalar(
            select(func.count()).where(Household.grid_code == code, Household.status == "active")
        )
        people = await session.scalar(
            select(func.count()).where(Resident.grid_code == code, Resident.status == "active")
        )
    assert people > 0 and (households, people) != (420, 1300)
    before = await grid.client.get(f"{API}/{code}/versions", headers=admin())
    both = await grid.client.put(
        f"{API}/{code}/counts", json={"households": 1, "from_base_data": True}, headers=admin()
    )
    assert both.status_code == 422 and errors_of(both) == {"households": "counts_from_base_data"}
    neither = await grid.client.put(f"{API}/{code}/counts", json={"dense": True}, headers=admin())
    assert neither.status_code == 422 and errors_of(neither) == {"households": "required", "people": "required"}
    assert (await grid.client.get(f"{API}/{code}/versions", headers=admin())).json() == before.json()

    counted = await grid.client.put(f"{API}/{code}/counts", json={"from_base_data": True}, headers=admin())
    assert counted.status_code == 200, counted.text
    area = (await grid.client.get(f"{API}/{code}", headers=admin())).json()
    assert (area["households"], area["people"]) == (households, people)
    assert area["split_reasons"] == []  # the flag follows the counted figures
    versions = (await grid.client.get(f"{API}/{code}/versions", headers=admin())).json()["items"]
    assert versions[-1]["change"] == "recounted" and len(versions) == len(before.json()["items"]) + 1


async def test_merged_grids_become_one_with_their_union_and_summed_counts(grid, clock):
    village, x = await new_village(grid)
    a = (await new_grid(grid, village, box(x, 33.0, x + 0.01, 33.01), 100, 300)).json()["changed"][0]["code"]
    b = (await new_grid(grid, village, box(x + 0.01, 33.0, x + 0.02, 33.01), 120, 350)).json()["changed"][0]["code"]
    far = (await new_grid(grid, village, box(x + 0.05, 33.0, x + 0.06, 33.01))).json()["changed"][0]["code"]
    apart = await grid.client.post(f"{API}/merge", json={"grids": [a, far], "name": "合并"}, headers=admin())
    assert apart.status_code == 422 and code_of(apart) == "grids_not_adjacent"
    merged = await grid.client.post(f"{API}/merge", json={"grids": [a, b], "name": "合并网格"}, headers=admin())
    assert merged.status_code == 201, merged.text
    new = merged.json()["changed"][0]
    assert new["code"] == village + "004" and (new["households"], new["people"]) == (220, 650)
    assert new["polygon"]["type"] == "Polygon"
    again = await grid.client.post(f"{API}/merge", json={"grids": [a, "320971100201999"], "name": "x"}, headers=admin())
    assert errors_of(again) == {"grids.0": "area_retired", "grids.1": "unknown_grid"}


# --- retirement ---------------------------------------------------------------------------------------------


async def test_retiring_an_area_still_in_use_is_refused_with_a_clear_code(grid, clock):
    village, x = await new_village(grid)
    code = (await new_grid(grid, village, box(x, 33.0, x + 0.01, 33.01))).json()["changed"][0]["code"]
    worker = headers_for(principal(("grid_worker", code)))
    incident = await grid.client.post(
        "/api/grid/v1/incidents",
        json={
            "category": "street_occupation",
            "description": "占道",
            "grid_code": code,
            "location": {"type": "Point", "coordinates": [x + 0.005, 33.005]},
        },
        headers=worker,
    )
    assert incident.status_code == 201, incident.text
    refused = await grid.client.post(f"{API}/{code}/retire", json={"reason": "撤并"}, headers=admin())
    assert refused.status_code == 409 and refused.json()["code"] == "area_has_open_incidents"
    assert refused.json()["blockers"] == {"open_incidents": 1}
    village_refused = await grid.client.post(f"{API}/{village}/retire", json={"reason": "撤并"}, headers=admin())
    assert village_refused.status_code == 409 and village_refused.json()["code"] == "area_has_open_incidents"
    assert village_refused.json()["blockers"] == {"active_grids": 1, "open_incidents": 1}

    demo_grid_with_people = "320971001001002"
    people = await grid.client.post(f"{API}/{demo_grid_with_people}/retire", json={"reason": "x"}, headers=admin())
    assert people.status_code == 409 and people.json()["code"] == "area_has_people"

    empty, _ = await new_village(grid, polygon=False)
    gone = await grid.client.post(f"{API}/{empty}/retire", json={"reason": "撤并"}, headers=admin())
    assert gone.status_code == 200 and gone.json()["changed"][0]["status"] == "retired"


# --- incidents and versions ------------------------------------------------------------------------------------


async def test_an_incident_keeps_the_grid_it_was_reported_in_and_later_ones_land_in_the_new_grids(grid, clock):
    village, x = await new_village(grid)
    old = (await new_grid(grid, village, box(x, 33.0, x + 0.01, 33.01), 340, 1100)).json()["changed"][0]["code"]
    worker = headers_for(principal(("grid_worker", old), name="老网格网格员"))
    north_point = [x + 0.0025, 33.005]
    south_point = [x + 0.0075, 33.005]

    def report(point, grid_code=old):
        body = {
            "category": "street_occupation",
            "description": "占道经营",
            "grid_code": grid_code,
            "location": {"type": "Point", "coordinates": point},
        }
        return grid.client.post("/api/grid/v1/incidents", json=body, headers=worker)

    before = await report(north_point)
    assert before.status_code == 201 and before.json()["grid_code"] == old

    # the split is decided now and takes effect in two hours
    effective = T0 + dt.timedelta(hours=2)
    a, b = halves(x)
    split = await grid.client.post(
        f"{API}/{old}/split",
        json={
            "effective_from": effective.isoformat(),
            "parts": [
                {"name": "西", "polygon": a, "households": 170, "people": 550},
                {"name": "东", "polygon": b, "households": 170, "people": 550},
            ],
        },
        headers=admin(),
    )
    assert split.status_code == 201, split.text
    west, east = village + "002", village + "003"

    clock.set(effective - dt.timedelta(seconds=1))
    still_old = await report(south_point)
    assert still_old.status_code == 201 and still_old.json()["grid_code"] == old

    async def in_use() -> list[str]:
        response = await grid.client.get(API, params={"parent_code": village}, headers=admin())
        return [a["code"] for a in response.json()["items"]]

    assert await in_use() == [old]

    clock.set(effective)
    assert await in_use() == [west, east]
    after = await report(south_point)
    assert after.status_code == 201, after.text
    assert after.json()["grid_code"] == east and after.json()["township_code"] == BUFENG
    assert (await report(north_point, west)).json()["grid_code"] == west
    assert (await report([x + 0.02, 33.005])).json()["code"] == "point_outside_grid"

    incident = (await grid.client.get(f"/api/grid/v1/incidents/{before.json()['id']}", headers=worker)).json()
    assert incident["grid_code"] == old
    # another grid's worker does not report into the successors of a grid they never held
    stranger = headers_for(principal(("grid_worker", "320971100201001")))
    body = {
        "category": "street_occupation",
        "description": "x",
        "grid_code": old,
        "location": {"type": "Point", "coordinates": south_point},
    }
    denied = await grid.client.post("/api/grid/v1/incidents", json=body, headers=stranger)
    assert denied.status_code == 403 and denied.json()["code"] == "scope_denied"


# --- a whole layer ---------------------------------------------------------------------------------------------


def feature(props: dict, geometry: dict | None) -> dict:
    return {"type": "Feature", "properties": props, "geometry": geometry}


async def test_a_layer_is_imported_all_or_nothing_naming_every_bad_feature(grid, clock):
    x = _next_lng[0]
    _next_lng[0] += 0.2
    village = "320971100301"
    good = [
        feature(
            {"level": "village", "code": village, "parent_code": BUFENG, "name": "导入村"}, box(x, 33.0, x + 0.1, 33.1)
        ),
        feature(
            {
                "level": "grid",
                "code": village + "001",
                "parent_code": village,
                "name": "导入一",
                "households": 10,
                "people": 30,
            },
            box(x, 33.0, x + 0.01, 33.01),
        ),
        feature(
            {
                "level": "grid",
                "code": village + "002",
                "parent_code": village,
                "name": "导入二",
                "households": 10,
                "people": 30,
            },
            box(x + 0.01, 33.0, x + 0.02, 33.01),
        ),
    ]
    bad = [
        *good,
        feature(
            {
                "level": "grid",
                "code": village + "003",
                "parent_code": village,
                "name": "重叠",
                "households": 1,
                "people": 1,
            },
            box(x + 0.005, 33.0, x + 0.015, 33.01),
        ),
        feature(
            {
                "level": "grid",
                "code": "320971001001009",
                "parent_code": village,
                "name": "错码",
                "households": -1,
                "people": 2,
            },
            box(x + 0.05, 33.0, x + 0.06, 33.01),
        ),
        feature(
            {
                "level": "grid",
                "code": village + "005",
                "parent_code": village,
                "name": "出界",
                "households": 1,
                "people": 1,
            },
            box(x + 0.05, 33.095, x + 0.06, 33.11),
        ),
        feature(
            {
                "level": "grid",
                "code": "320971100201001",
                "parent_code": "320971100201",
                "name": "无图",
                "households": 1,
                "people": 1,
            },
            None,
        ),
    ]
    response = await grid.client.post(
        f"{API}/import", json={"type": "FeatureCollection", "features": bad}, headers=admin()
    )
    assert response.status_code == 422
    assert errors_of(response) == {
        "features.3.geometry": "overlaps_sibling",
        "features.4.properties.code": "code_not_under_parent",
        "features.4.properties.households": "invalid_count",
        "features.5.geometry": "outside_parent",
        "features.6.geometry": "polygon_required",
    }
    async with grid.ctx.db.session() as session:
        assert await session.get(Area, village) is None

    ok = await grid.client.post(f"{API}/import", json={"type": "FeatureCollection", "features": good}, headers=admin())
    assert ok.status_code == 200, ok.text
    assert sorted(a["code"] for a in ok.json()["changed"]) == [village, village + "001", village + "002"]
    # the same layer again changes nothing; a changed boundary is the grid's next version
    assert (
        await grid.client.post(f"{API}/import", json={"type": "FeatureCollection", "features": good}, headers=admin())
    ).json()["changed"] == []
    good[2]["geometry"] = box(x + 0.01, 33.0, x + 0.02, 33.02)
    again = await grid.client.post(
        f"{API}/import", json={"type": "FeatureCollection", "features": good}, headers=admin()
    )
    assert [(a["code"], a["version"]) for a in again.json()["changed"]] == [(village + "002", 2)]
    async with grid.ctx.db.session() as session:
        rows = (await session.scalars(select(AreaVersion).where(AreaVersion.code == village + "002"))).all()
    assert sorted(r.version for r in rows) == [1, 2]


async def test_a_split_grid_hands_its_residents_households_and_posts_to_its_parts(grid, clock):
    code = "320971001001002"  # a demo grid of Xincheng: three residents in two households
    async with grid.ctx.db.session() as session:
        ids = sorted((await session.scalars(select(Resident.id).where(Resident.grid_code == code))).all())
    assert len(ids) == 3  # ids[0] alone in household -0000, ids[1] and ids[2] in -0001
    since = dt.date(2026, 11, 1)
    async with grid.ctx.db.transaction() as session:
        empty = Household(
            id="hh-empty-" + code,
            grid_code=code,
            township_code=XINCHENG,
            household_no=code + "-0099",
            address="新城社区空户",
            status="active",
            created_at=T0,
            updated_at=T0,
        )
        worker, helper = (
            RosterEntry(
                id=f"re-{post}-{code}",
                grid_code=code,
                community_code=code[:12],
                township_code=XINCHENG,
                worker_id=f"w-{post}",
                name="网格员",
                post=post,
                since=since,
                created_by="test",
                created_at=T0,
            )
            for post in ("full_time", "auxiliary")
        )
        pair = BackupPost(
            grid_code=code, backup_grid_code=code[:12] + "001", township_code=XINCHENG, set_by="t", set_at=T0
        )
        session.add_all([empty, worker, helper, pair])
    a, b = halves(120.21, 33.38, 33.39)

    def body(first: list[str], second: list[str], *, households=(), posts=(), unknown_post=False) -> dict:
        west = {"name": "西", "polygon": a, "households": 140, "people": 450, "resident_ids": first}
        east = {"name": "东", "polygon": b, "households": 140, "people": 450, "resident_ids": second}
        west["roster_entry_ids"] = [*posts, *(["nobody"] if unknown_post else [])]
        east["household_ids"] = list(households)
        return {"parts": [west, east]}

    async def refused(payload: dict) -> list[tuple[str, str]]:
        response = await grid.client.post(f"{API}/{code}/split", json=payload, headers=admin())
        assert response.status_code == 422, response.text
        return [(e["field"], e["code"]) for e in response.json()["errors"]]

    bad = await refused(body([ids[0], "nobody"], [ids[0]], households=[empty.id]))
    assert ("parts.0.resident_ids.1", "unknown_resident") in bad
    assert ("parts.1.resident_ids.0", "resident_twice") in bad and ("parts", "residents_unassigned") in bad
    divided = await refused(body([ids[1]], [ids[0], ids[2]], households=[empty.id]))
    assert divided == [("parts", "household_divided")]  # a household lives in one grid
    assert await refused(body(ids[:1], ids[1:])) == [("parts", "households_unassigned")]
    assert await refused(body(ids[:1], ids[1:], households=[empty.id], unknown_post=True)) == [
        ("parts.0.roster_entry_ids.0", "unknown_roster_entry")
    ]

    done = await grid.client.post(
        f"{API}/{code}/split", json=body(ids[:1], ids[1:], households=[empty.id], posts=[worker.id]), headers=admin()
    )
    assert done.status_code == 201, done.text
    west, east = sorted(c["code"] for c in done.json()["changed"] if c["code"] != code)
    day = T0.astimezone(grid.ctx.calendar.zone).date()
    async with grid.ctx.db.session() as session:
        moved = dict((await session.execute(select(Resident.id, Resident.grid_code).where(Resident.id.in_(ids)))).all())
        homes = dict(
            (
                await session.execute(
                    select(Household.household_no, Household.grid_code).where(Household.household_no.like(code + "%"))
                )
            ).all()
        )
        posts = (
            await session.scalars(select(RosterEntry).where(RosterEntry.worker_id.in_(["w-full_time", "w-auxiliary"])))
        ).all()
        pairs = (
            await session.scalars(
                select(BackupPost).where((BackupPost.grid_code == code) | (BackupPost.backup_grid_code == code))
            )
        ).all()
    assert moved == {ids[0]: west, ids[1]: east, ids[2]: east}
    assert homes == {code + "-0000": west, code + "-0001": east, code + "-0099": east}
    held = sorted((p.worker_id, p.grid_code, p.since, p.until) for p in posts)
    ended = max(since, day - dt.timedelta(days=1))
    assert held == [
        ("w-auxiliary", code, since, ended),  # not taken to a part: the post ends
        ("w-full_time", code, since, ended),
        ("w-full_time", west, day, None),  # the full-time worker takes the western part
    ]
    assert pairs == []  # the retired grid's A/B pair ends


@pytest.mark.parametrize(
    "polygon",
    [
        {"type": "Polygon", "coordinates": "x"},
        {"type": "Polygon", "coordinates": [[[120.0, 33.0]]]},
        {"type": "Polygon", "coordinates": [[[120.0, 33.0], [120.0, 33.0], [120.0, 33.0], [120.0, 33.0]]]},
        {"type": "Point", "coordinates": [120.0, 33.0]},
        {"type": "Polygon", "coordinates": [[[500.0, 33.0], [501.0, 33.0], [501.0, 34.0], [500.0, 33.0]]]},
        {"type": "Polygon"},
        {},
    ],
)
async def test_whatever_a_caller_sends_as_a_boundary_is_a_4xx_never_a_500(grid, clock, polygon):
    village, x = await new_village(grid)
    response = await new_grid(grid, village, polygon)
    assert response.status_code == 422, response.text
    assert code_of(response) == "invalid_polygon"
    split = await grid.client.post(
        f"{API}/320971100201001/split",
        json={"parts": [{"name": "a", "polygon": polygon, "households": 1, "people": 1}] * 2},
        headers=admin(),
    )
    assert split.status_code == 422 and "parts.0.polygon" in errors_of(split)
    layer = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": polygon}]}
    imported = await grid.client.post(f"{API}/import", json=layer, headers=admin())
    assert imported.status_code == 422 and "features.0.geometry" in errors_of(imported)


async def test_an_unknown_parent_is_named_with_every_other_bad_field(grid, clock):
    body = {"level": "grid", "parent_code": "320971100999", "name": "x", "polygon": {"type": "Polygon"}}
    response = await grid.client.post(API, json=body, headers=admin())
    assert errors_of(response) == {
        "parent_code": "unknown_parent",
        "households": "count_required",
        "people": "count_required",
        "polygon": "invalid_polygon",
    }
