"""The grid admission list (网格准入清单, 001): versioned; a task of a type not on the list in force is
refused with ``not_on_admission_list``; grid workers report back (``grid.task.completed``)."""

import datetime as dt
import json
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from sqlalchemy import select

from grid.tasks import rules
from jiceng_shared.testing.plugin import headers_for, principal

SH = ZoneInfo("Asia/Shanghai")
COUNTY = "320971000000"
GRID = "320971100201001"
admin = principal(("county_admin", COUNTY), name="县管理员")
leader = principal(("township_leader", "320971100000"), name="镇领导")
civil = principal(("dept_staff", "320971100000", "civil_affairs"), name="民政干部")
worker = principal(("grid_worker", GRID), name="网格员甲")
other_worker = principal(("grid_worker", "320971100201002"), name="网格员乙")


def at(y, m, d, h=9) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=SH)


async def api(grid, method, path, who, **kw):
    return await grid.client.request(method, f"/api/grid/v1{path}", headers=headers_for(who), **kw)


def task(task_type="population_survey", due_on="2026-12-10", **extra) -> dict:
    return {
        "task_type": task_type,
        "title": "核查独居老人信息",
        "instructions": "逐户核对联系方式",
        "grid_codes": [GRID],
        "due_on": due_on,
    } | extra


def test_the_version_in_force_is_the_highest_whose_day_has_come():
    v1 = SimpleNamespace(version=1, effective_from=dt.date(2026, 1, 1))
    v2 = SimpleNamespace(version=2, effective_from=dt.date(2026, 12, 1))
    assert rules.in_force([v1, v2], dt.date(2026, 11, 30)) is v1
    assert rules.in_force([v1, v2], dt.date(2026, 12, 1)) is v2
    assert rules.in_force([v1, v2], dt.date(2025, 12, 31)) is None
    assert rules.state("assigned", dt.date(2026, 12, 10), dt.date(2026, 12, 10)) == "assigned"
    assert rules.state("assigned", dt.date(2026, 12, 10), dt.date(2026, 12, 11)) == "overdue"


async def test_tasks_only_of_listed_types_reach_grid_workers(grid, clock):
    clock.set(at(2026, 11, 30))
    body = {
        "county_code": COUNTY,
        "effective_from": "2026-12-01",
        "task_types": [{"code": "population_survey", "name": "人口信息核查", "department": "civil_affairs"}],
    }
    published = await api(grid, "POST", "/admission-lists", admin, json=body)
    assert published.status_code == 201 and published.json()["version"] == 1
    twice = await api(grid, "POST", "/admission-lists", admin, json=body | {"task_types": body["task_types"] * 2})
    assert twice.status_code == 422 and twice.json()["code"] == "duplicate_task_type"
    assert (await api(grid, "POST", "/admission-lists", leader, json=body)).status_code == 403

    early = await api(grid, "POST", "/tasks", leader, json=task())
    assert early.status_code == 422 and early.json()["code"] == "not_on_admission_list"  # not in force yet
    assert (await api(grid, "GET", "/admission-lists", worker)).json()["items"] == []

    clock.set(at(2026, 12, 1))
    assert [v["version"] for v in (await api(grid, "GET", "/admission-lists", worker)).json()["items"]] == [1]
    refused = await api(grid, "POST", "/tasks", leader, json=task("fire_safety_check"))
    assert refused.status_code == 422 and refused.json()["code"] == "not_on_admission_list"
    both = await api(grid, "POST", "/tasks", leader, json=task("fire_safety_check", "2026-11-30"))
    assert {e["code"] for e in both.json()["errors"]} == {"not_on_admission_list", "due_in_past"}
    assigned = await api(grid, "POST", "/tasks", civil, json=task())
    assert assigned.status_code == 201, assigned.text
    assert assigned.json()["dept"] == "civil_affairs" and assigned.json()["list_version"] == 1
    assignment = assigned.json()["assignments"][0]

    mine = (await api(grid, "GET", "/tasks", worker)).json()["items"]
    assert [a["id"] for a in mine] == [assignment["id"]] and mine[0]["state"] == "assigned"
    assert (await api(grid, "GET", "/tasks", other_worker)).json()["items"] == []
    assert [a["id"] for a in (await api(grid, "GET", "/tasks", civil)).json()["items"]] == [assignment["id"]]
    police = principal(("dept_staff", "320971100000", "psb"))
    assert (await api(grid, "GET", "/tasks", police)).json()["items"] == []

    clock.set(at(2026, 12, 11))
    assert (await api(grid, "GET", "/tasks", worker)).json()["items"][0]["state"] == "overdue"
    path = f"/tasks/{assignment['id']}/report"
    assert (await api(grid, "POST", path, other_worker, json={"report": "x", "version": 1})).status_code == 404
    done = await api(grid, "POST", path, worker, json={"report": "已核查12户", "version": 1})
    assert done.status_code == 200 and done.json()["state"] == "completed" and done.json()["on_time"] is False
    again = await api(grid, "POST", path, worker, json={"report": "x", "version": 2})
    assert again.status_code == 409 and again.json()["code"] == "task_completed"

    outbox = grid.ctx.db.infra.outbox
    async with grid.ctx.db.session() as s:
        rows = (await s.execute(select(outbox.c.envelope).where(outbox.c.type == "grid.task.completed"))).all()
    events = [json.loads(r.envelope)["data"] for r in rows]
    assert [(e["task_type"], e["on_time"], e["worker_id"]) for e in events] == [
        ("population_survey", False, worker.subject)
    ]


async def test_a_new_admission_list_never_takes_effect_in_the_past_nor_before_the_latest(grid, clock):
    """The shared versioned-list rules (jiceng_shared.versioning), on both sides of each date."""
    clock.set(at(2027, 3, 10))
    body = {"county_code": COUNTY, "task_types": [{"code": "flood_check", "name": "汛期巡查"}]}
    past = await api(grid, "POST", "/admission-lists", admin, json=body | {"effective_from": "2027-03-09"})
    assert past.status_code == 422 and past.json()["code"] == "effective_from_in_past"
    later = await api(grid, "POST", "/admission-lists", admin, json=body | {"effective_from": "2027-04-01"})
    assert later.status_code == 201, later.text
    before = await api(grid, "POST", "/admission-lists", admin, json=body | {"effective_from": "2027-03-31"})
    assert before.status_code == 422 and before.json()["code"] == "effective_date_before_latest"
    same = await api(grid, "POST", "/admission-lists", admin, json=body | {"effective_from": "2027-04-01"})
    assert same.status_code == 201 and same.json()["version"] == later.json()["version"] + 1
