"""Every list of svc-grid answers ``{items, next_cursor}``: a page of ``limit`` items comes with a
cursor, and following the cursors yields exactly the whole list, in its order, each item once.
Closed sets in requests are enums: an unknown value is refused with 422 naming the field."""

import datetime as dt
from zoneinfo import ZoneInfo

from grid.people.rules import CREDIT_CHARS, credit_check_character
from grid.residents.rules import check_character
from jiceng_shared.testing.plugin import headers_for, principal

SH = ZoneInfo("Asia/Shanghai")
COUNTY = "320971000000"
TOWNSHIP = "320971100000"
VILLAGE = "320971100201"
GRID = "320971100201001"
POINT = {"type": "Point", "coordinates": [120.305, 33.305]}

admin = principal(("county_admin", COUNTY), name="县管理员")
leader = principal(("township_leader", TOWNSHIP), name="镇领导")
director = principal(("community_director", VILLAGE), name="步凤村主任")
worker = principal(("grid_worker", GRID), name="网格员甲", subject="lists-worker")


def at(y, m, d, h=9) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=SH)


async def api(grid, method, path, who, **kw):
    return await grid.client.request(method, f"/api/grid/v1{path}", headers=headers_for(who), **kw)


async def pages(grid, path, who, limit=2, **params) -> list[list[dict]]:
    """Every page of a list, following its cursors."""
    out, cursor = [], None
    while True:
        query = params | {"limit": limit} | ({"cursor": cursor} if cursor else {})
        response = await api(grid, "GET", path, who, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"items", "next_cursor"}
        assert len(body["items"]) <= limit
        out.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return out
        assert len(body["items"]) == limit  # a page short of the limit is the last
        assert len(out) < 100, f"{path}: the cursors do not end"


async def assert_pages_make_the_list(grid, path, who, key="id", limit=2, **params) -> list[dict]:
    whole = await api(grid, "GET", path, who, params=params | {"limit": 200})
    assert whole.status_code == 200, whole.text
    assert whole.json()["next_cursor"] is None
    expected = [item[key] for item in whole.json()["items"]]
    walked = await pages(grid, path, who, limit=limit, **params)
    assert len(walked) >= 2, f"{path}: the data do not fill two pages of {limit}"
    assert [item[key] for page in walked for item in page] == expected, path
    assert len(set(expected)) == len(expected)
    return whole.json()["items"]


async def test_the_area_lists_page_by_code_and_by_version(grid):
    areas = await assert_pages_make_the_list(grid, "/areas", admin, key="code", level="grid")
    assert [a["code"] for a in areas] == sorted(a["code"] for a in areas)
    for households in (10, 11, 12):
        recount = await api(grid, "PUT", f"/areas/{GRID}/counts", admin, json={"households": households, "people": 40})
        assert recount.status_code == 200, recount.text
    versions = await assert_pages_make_the_list(grid, f"/areas/{GRID}/versions", admin, key="version")
    assert [v["version"] for v in versions] == sorted(v["version"] for v in versions)
    # the township has two grids: pages of one
    sizes = await assert_pages_make_the_list(grid, "/grid-sizes", leader, key="grid_code", limit=1)
    assert [s["grid_code"] for s in sizes] == sorted(s["grid_code"] for s in sizes)


async def test_the_roster_and_the_due_lists_page(grid, clock):
    clock.set(at(2026, 11, 2))
    for n in range(3):
        body = {
            "grid_code": GRID,
            "worker_id": f"aux-{n}",
            "name": f"辅助员{n}",
            "post": "auxiliary",
            "since": "2026-01-01",
        }
        assert (await api(grid, "POST", "/roster", director, json=body)).status_code == 201
    await assert_pages_make_the_list(grid, "/roster", director, grid_code=GRID)
    await assert_pages_make_the_list(grid, "/visits/due", leader, key="grid_code", limit=1)


async def test_visits_and_diaries_page_newest_first(grid, clock):
    clock.set(at(2026, 9, 1))
    full_time = {"grid_code": GRID, "worker_id": worker.subject, "name": worker.name, "post": "full_time"}
    assert (await api(grid, "POST", "/roster", director, json=full_time | {"since": "2026-09-01"})).status_code == 201
    clock.set(at(2026, 9, 30, 18))
    for hour in (8, 9, 10):
        patrol = {
            "grid_code": GRID,
            "kind": "patrol",
            "visited_at": at(2026, 9, 29, hour).isoformat(),
            "location": POINT,
        }
        assert (await api(grid, "POST", "/visits", worker, json=patrol)).status_code == 201
    visits = await assert_pages_make_the_list(grid, "/visits", worker, grid_code=GRID)
    assert [v["visited_at"] for v in visits] == sorted((v["visited_at"] for v in visits), reverse=True)
    for day in ("2026-09-15", "2026-09-16", "2026-09-17"):
        opened = await api(grid, "POST", "/diaries", worker, json={"grid_code": GRID, "day": day})
        assert opened.status_code == 201, opened.text
    diaries = await assert_pages_make_the_list(grid, "/diaries", worker, grid_code=GRID)
    assert [d["day"] for d in diaries] == sorted((d["day"] for d in diaries), reverse=True)
    missing = await assert_pages_make_the_list(
        grid, "/diaries/missing", director, key="day", grid_code=GRID, **{"from": "2026-09-01", "to": "2026-09-29"}
    )
    assert {"2026-09-15", "2026-09-16", "2026-09-17"}.isdisjoint({m["day"] for m in missing})


def credit_code(n: int) -> str:
    first17 = "91320971" + "".join(CREDIT_CHARS[(n >> (5 * i)) % 31] for i in range(9))
    return first17 + credit_check_character(first17)


async def test_base_data_lists_and_a_record_s_history_page(grid):
    for n in range(3):
        household = {"grid_code": GRID, "household_no": f"L-{n}", "address": "步凤村十组"}
        assert (await api(grid, "POST", "/households", worker, json=household)).status_code == 201
        building = {"grid_code": GRID, "name": f"楼{n}", "address": "步凤村十组", "use": "residential"}
        assert (await api(grid, "POST", "/buildings", worker, json=building)).status_code == 201
        enterprise = {
            "grid_code": GRID,
            "name": f"企业{n}",
            "credit_code": credit_code(1000 + n),
            "legal_representative": "王法人",
            "address": "步凤村十组",
        }
        created = await api(grid, "POST", "/enterprises", worker, json=enterprise)
        assert created.status_code == 201, created.text
    await assert_pages_make_the_list(grid, "/households", worker, grid_code=GRID)
    await assert_pages_make_the_list(grid, "/buildings", worker, grid_code=GRID)
    await assert_pages_make_the_list(grid, "/enterprises", worker, grid_code=GRID)

    record = created.json()
    for version, employees in ((1, 5), (2, 6)):
        body = {"version": version, "employees": employees}
        assert (await api(grid, "PATCH", f"/enterprises/{record['id']}", worker, json=body)).status_code == 200
    history = await assert_pages_make_the_list(grid, f"/history/enterprise/{record['id']}", worker)
    assert [h["action"] for h in history][0] == "created"


async def test_a_special_register_pages_by_grid(grid):
    for n in range(3):
        first17 = f"32097119600101{n}23"
        body = {
            "grid_code": GRID,
            "name": f"残疾人{n}",
            "id_number": first17 + check_character(first17),
            "address": "步凤村十一组",
            "household_no": f"R-{n}",
            "household_head": True,
            "special_groups": ["disabled"],
        }
        created = await api(grid, "POST", "/residents", worker, json=body)
        assert created.status_code == 201, created.text
    whole = (await api(grid, "GET", "/registers/disabled", worker, params={"limit": 200})).json()
    assert whole["next_cursor"] is None and len(whole["items"]) >= 3
    walked, cursor = [], None
    while True:
        query = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await api(grid, "GET", "/registers/disabled", worker, params=query)).json()
        assert page["group"] == "disabled" and len(page["items"]) <= 2
        walked += page["items"]
        if (cursor := page["next_cursor"]) is None:
            break
    assert [m["resident_id"] for m in walked] == [m["resident_id"] for m in whole["items"]]


async def test_admission_lists_tasks_and_disputes_page(grid, clock):
    clock.set(at(2026, 11, 30))
    for day in ("2026-12-01", "2026-12-02", "2026-12-03"):
        body = {"county_code": COUNTY, "effective_from": day, "task_types": [{"code": "survey", "name": "核查"}]}
        assert (await api(grid, "POST", "/admission-lists", admin, json=body)).status_code == 201
    lists = await assert_pages_make_the_list(grid, "/admission-lists", admin, all=True)
    assert [v["version"] for v in lists] == sorted(v["version"] for v in lists)

    clock.set(at(2026, 12, 4))
    grids = [a["code"] for a in (await api(grid, "GET", "/areas", leader, params={"level": "grid"})).json()["items"]]
    task = {"task_type": "survey", "title": "核查", "instructions": "逐户", "due_on": "2026-12-20"}
    assigned = await api(grid, "POST", "/tasks", leader, json=task | {"grid_codes": grids[:3]})
    assert assigned.status_code == 201, assigned.text
    await assert_pages_make_the_list(grid, "/tasks", leader, limit=1)

    for n in range(3):
        dispute = {
            "grid_code": GRID,
            "kind": "neighbour",
            "description": f"纠纷{n}",
            "location": POINT,
            "parties": [{"name": "张三", "role": "applicant"}, {"name": "李四"}],
        }
        assert (await api(grid, "POST", "/disputes", worker, json=dispute)).status_code == 201
    listed = await assert_pages_make_the_list(grid, "/disputes", worker, grid_code=GRID)
    assert listed[0]["parties"][1]["role"] == "party"  # the role a party is given when none is said


async def test_a_cursor_not_issued_by_the_list_is_refused(grid):
    for cursor in ("not-a-cursor", "WyJrcyIsIFsxXV0"):  # the second is ["ks", [1]]: one part, areas use one
        response = await api(grid, "GET", "/visits", admin, params={"cursor": cursor})
        assert response.status_code == 400 and response.json()["code"] == "invalid_cursor"
    wrong_type = await api(grid, "GET", "/diaries/missing", director, params={"cursor": "WyJrcyIsIFsxLCAyLCAzXV0"})
    assert wrong_type.status_code == 400 and wrong_type.json()["code"] == "invalid_cursor"


async def test_an_unknown_value_of_a_closed_set_is_refused_naming_the_field(grid):
    dispute = {
        "grid_code": GRID,
        "kind": "neighbour",
        "description": "纠纷",
        "location": POINT,
        "parties": [{"name": "张三", "role": "bystander"}],
    }
    refused = await api(grid, "POST", "/disputes", worker, json=dispute)
    assert refused.status_code == 422 and refused.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in refused.json()["errors"]] == ["parties.0.role"]

    enterprise = {
        "grid_code": GRID,
        "name": "企业",
        "credit_code": credit_code(77),
        "legal_representative": "王法人",
        "address": "步凤村",
    }
    created = await api(grid, "POST", "/enterprises", worker, json=enterprise)
    assert created.status_code == 201 and created.json()["status"] == "active"
    path = f"/enterprises/{created.json()['id']}"
    refused = await api(grid, "PATCH", path, worker, json={"version": 1, "status": "bankrupt"})
    assert refused.status_code == 422 and [e["field"] for e in refused.json()["errors"]] == ["status"]
    closed = await api(grid, "PATCH", path, worker, json={"version": 1, "status": "closed"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"

    layer = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": None,
                "properties": {"level": "village", "code": "320971100299", "parent_code": TOWNSHIP, "name": "新村"}
                | {"grid_type": "special"},
            }
        ],
    }
    refused = await api(grid, "POST", "/areas/import", admin, json=layer)
    assert refused.status_code == 422, refused.text
    assert "features.0.properties.grid_type" in [e["field"] for e in refused.json()["errors"]]

    # "overdue" is a state computed from the due date, not a stored status to filter on
    refused = await api(grid, "GET", "/tasks", leader, params={"status": "overdue"})
    assert refused.status_code == 422 and [e["field"] for e in refused.json()["errors"]] == ["status"]


def test_the_period_enum_is_the_rules_periods():
    from grid.visits.rules import PERIODS
    from grid.visits.schemas import VisitPeriod

    assert tuple(VisitPeriod) == PERIODS
