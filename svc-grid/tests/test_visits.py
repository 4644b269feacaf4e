"""Visits (002 art. 19): the due list of a grid, recording a visit (future times refused, a point
outside the grid flagged), the overdue event published once, the B post covering an absent A,
and a found problem turned into an incident in one step."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from grid.residents.rules import check_character
from grid.visits import service
from grid.visits.models import Visit
from jiceng_shared.testing.plugin import headers_for, principal

SH = ZoneInfo("Asia/Shanghai")
VILLAGE = "320971100201"
GRID_A, GRID_B = "320971100201001", "320971100201002"
INSIDE_A = [120.305, 33.305]
OUTSIDE = [121.0, 34.0]

worker_a = principal(("grid_worker", GRID_A), name="网格员甲", subject="worker-a")
worker_b = principal(("grid_worker", GRID_B), name="网格员乙", subject="worker-b")
director = principal(("community_director", VILLAGE), name="步凤村主任")


def at(y, m, d, h=9) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=SH)


async def api(grid, method, path, who, **kw):
    return await grid.client.request(method, f"/api/grid/v1{path}", headers=headers_for(who), **kw)


async def register(grid, first17: str, name: str, groups: list[str], household: str) -> dict:
    body = {
        "grid_code": GRID_A,
        "name": name,
        "id_number": first17 + check_character(first17),
        "address": "步凤村一组",
        "household_no": household,
        "household_head": True,
        "special_groups": groups,
    }
    response = await api(grid, "POST", "/residents", worker_a, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def visit(resident_id=None, when=None, point=None, **extra) -> dict:
    return {
        "grid_code": GRID_A,
        "kind": "home_visit",
        "resident_id": resident_id,
        "visited_at": (when or at(2027, 1, 12)).isoformat(),
        "location": {"type": "Point", "coordinates": point or INSIDE_A},
        "found": "屋顶漏雨",
        "done": "联系村委会维修",
    } | extra


async def overdue_events(grid) -> list[dict]:
    outbox = grid.ctx.db.infra.outbox
    async with grid.ctx.db.session() as s:
        rows = (await s.execute(select(outbox.c.envelope).where(outbox.c.type == "grid.visit.overdue"))).all()
    return [json.loads(r.envelope)["data"] for r in rows]


async def visits_count(grid) -> int:
    async with grid.ctx.db.session() as s:
        return await s.scalar(select(func.count()).select_from(Visit))


async def test_the_schedule_of_a_grid_overdue_once_then_done_after_a_visit(grid, clock):
    clock.set(at(2027, 1, 1))  # a Friday: registered before the week of 4-10 January
    elder = await register(grid, "32097119400101001", "孙独居", ["solitary_elderly"], "V-0001")
    disabled = await register(grid, "32097119600101002", "周残疾", ["disabled"], "V-0002")

    clock.set(at(2027, 1, 12))  # Tuesday of the next week: the weekly visit of 4-10 January was missed
    due = await api(grid, "GET", "/visits/due", worker_a, params={"grid_code": GRID_A})
    assert due.status_code == 200, due.text
    items = {(i["subject"], i["resident_id"] or i["household_no"]): i for i in due.json()["items"][0]["items"]}
    assert items[("person", elder["id"])]["state"] == "overdue"
    assert items[("person", elder["id"])]["due_on"] == "2027-01-10"
    assert items[("person", elder["id"])]["name_masked"] == "孙**"
    assert items[("person", disabled["id"])]["state"] == "due"  # January is not over
    assert items[("person", disabled["id"])]["due_on"] == "2027-01-31"
    assert items[("household", "V-0001")]["state"] == "due"
    assert items[("patrol", None)]["state"] == "overdue"  # no patrol yesterday

    assert await service.scan(grid.ctx) >= 1
    mine = [e for e in await overdue_events(grid) if e["resident_id"] == elder["id"]]
    assert len(mine) == 1 and mine[0]["group"] == "solitary_elderly" and mine[0]["due_on"] == "2027-01-10"
    await service.scan(grid.ctx)
    assert len([e for e in await overdue_events(grid) if e["resident_id"] == elder["id"]]) == 1  # once

    recorded = await api(grid, "POST", "/visits", worker_a, json=visit(elder["id"]))
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["household_no"] == "V-0001" and not recorded.json()["outside_grid"]
    after = (
        await api(grid, "GET", "/visits/due", worker_a, params={"grid_code": GRID_A, "include_done": True})
    ).json()["items"][0]
    states = {(i["subject"], i["resident_id"] or i["household_no"]): i["state"] for i in after["items"]}
    assert states[("person", elder["id"])] == "done" and states[("household", "V-0001")] == "done"

    patrol = await api(
        grid, "POST", "/visits", worker_a, json=visit(kind="patrol", resident_id=None, found="", done="")
    )
    assert patrol.status_code == 201
    after = (
        await api(grid, "GET", "/visits/due", worker_a, params={"grid_code": GRID_A, "include_done": True})
    ).json()["items"][0]
    assert next(i for i in after["items"] if i["subject"] == "patrol")["state"] == "done"


async def test_bad_visits_are_refused_with_every_field_named_and_nothing_written(grid, clock):
    clock.set(at(2027, 2, 1))
    before = await visits_count(grid)
    future = await api(grid, "POST", "/visits", worker_a, json=visit(None, at(2027, 2, 1, 12), household_no="V-0001"))
    assert future.status_code == 422 and future.json()["code"] == "visited_in_future"
    both = await api(grid, "POST", "/visits", worker_a, json=visit("no-such-person", at(2027, 2, 2)))
    assert both.status_code == 422 and both.json()["code"] == "validation_failed"
    assert {e["code"] for e in both.json()["errors"]} == {"visited_in_future", "unknown_resident"}
    not_a_point = await api(
        grid,
        "POST",
        "/visits",
        worker_a,
        json=visit(household_no="V-0001") | {"location": {"type": "Point", "coordinates": [500, 1]}},
    )
    assert not_a_point.status_code == 422 and not_a_point.json()["errors"][0]["field"].startswith("location")
    no_target = await api(grid, "POST", "/visits", worker_a, json=visit(None, at(2027, 1, 31)))
    assert no_target.status_code == 422 and no_target.json()["code"] == "visit_target_missing"
    other = await api(grid, "POST", "/visits", worker_b, json=visit(None, at(2027, 1, 31), household_no="V-0001"))
    assert other.status_code == 403 and other.json()["code"] == "scope_denied"
    assert await visits_count(grid) == before

    outside = await api(
        grid, "POST", "/visits", worker_a, json=visit(None, at(2027, 1, 31), OUTSIDE, household_no="V-0001")
    )
    assert outside.status_code == 201 and outside.json()["outside_grid"] is True


async def test_the_b_post_covers_the_absent_a_and_its_work_counts_for_a(grid, clock):
    clock.set(at(2027, 3, 1))
    for grid_code, who in ((GRID_A, worker_a), (GRID_B, worker_b)):
        body = {
            "grid_code": grid_code,
            "worker_id": who.subject,
            "name": who.name,
            "post": "full_time",
            "since": "2027-01-01",
        }
        assert (await api(grid, "POST", "/roster", director, json=body)).status_code == 201
    pair = {"grid_code": GRID_A, "backup_grid_code": GRID_B}
    assert (await api(grid, "PUT", "/roster/backups", director, json=pair)).status_code == 200

    refused = await api(grid, "GET", "/visits/due", worker_b, params={"grid_code": GRID_A})
    assert refused.status_code == 403  # A is at work: B does not act on A's grid
    absence = {"grid_code": GRID_A, "first_day": "2027-03-02", "last_day": "2027-03-03", "reason": "培训"}
    assert (await api(grid, "POST", "/roster/absences", director, json=absence)).status_code == 201

    clock.set(at(2027, 3, 2, 15))
    due = await api(grid, "GET", "/visits/due", worker_b, params={"grid_code": GRID_A})
    assert due.status_code == 200 and due.json()["items"][0]["covering"] is True
    mine = await api(grid, "GET", "/visits/due", worker_b)
    assert {d["grid_code"]: d["covering"] for d in mine.json()["items"]} == {GRID_A: True, GRID_B: False}
    other_township = principal(("township_leader", "320971001000"))
    theirs = (await api(grid, "GET", "/visits/due", other_township)).json()["items"]
    assert theirs and all(d["grid_code"].startswith("320971001") for d in theirs)
    done = await api(grid, "POST", "/visits", worker_b, json=visit(None, at(2027, 3, 2, 10), household_no="V-0002"))
    assert done.status_code == 201, done.text
    assert done.json()["grid_code"] == GRID_A and done.json()["covering_for"] == "worker-a"
    assert done.json()["worker_id"] == "worker-b"
    seen = await api(grid, "GET", f"/visits/{done.json()['id']}", worker_b)
    assert seen.status_code == 200

    incident = await api(
        grid, "POST", f"/visits/{done.json()['id']}/incident", worker_b, json={"category": "environment_pollution"}
    )
    assert incident.status_code == 201, incident.text
    assert incident.json()["grid_code"] == GRID_A and incident.json()["description"] == "屋顶漏雨"
    twice = await api(
        grid, "POST", f"/visits/{done.json()['id']}/incident", worker_b, json={"category": "environment_pollution"}
    )
    assert twice.status_code == 409 and twice.json()["code"] == "incident_already_reported"

    reported = await api(
        grid,
        "POST",
        "/incidents",
        worker_b,
        json={
            "category": "environment_pollution",
            "description": "乙代甲上报",
            "grid_code": GRID_A,
            "location": {"type": "Point", "coordinates": [120.306, 33.306]},
        },
    )
    assert reported.status_code == 201, reported.text
    listed = (await api(grid, "GET", "/incidents", worker_b, params={"grid_code": GRID_A})).json()["items"]
    assert reported.json()["id"] in [i["id"] for i in listed]

    clock.set(at(2027, 3, 4))  # A is back
    gone = (await api(grid, "GET", "/incidents", worker_b, params={"grid_code": GRID_A})).json()["items"]
    assert gone == []
    after = await api(grid, "POST", "/visits", worker_b, json=visit(None, at(2027, 3, 4, 8), household_no="V-0002"))
    assert after.status_code == 403


async def test_a_person_living_here_before_registration_is_owed_visits_from_then(grid, clock):
    clock.set(at(2027, 4, 14))  # a Wednesday
    body = {
        "grid_code": GRID_A,
        "name": "吴孤儿",
        "id_number": "32097120150101009" + check_character("32097120150101009"),
        "address": "步凤村二组",
        "household_no": "V-0009",
        "special_groups": ["orphan"],
        "lives_here_since": "2027-01-01",
    }
    future = await api(grid, "POST", "/residents", worker_a, json=body | {"lives_here_since": "2027-04-15"})
    assert future.status_code == 422 and future.json()["code"] == "date_in_future"
    orphan = (await api(grid, "POST", "/residents", worker_a, json=body)).json()
    due = (await api(grid, "GET", "/visits/due", worker_a, params={"grid_code": GRID_A})).json()["items"][0]["items"]
    mine = next(i for i in due if i["resident_id"] == orphan["id"])
    assert mine["state"] == "overdue" and mine["due_on"] == "2027-04-11" and mine["group_zh"] == "孤儿"

    admin = principal(("county_admin", "320971000000"))
    assert (await api(grid, "POST", "/visits/overdue-scan", worker_a)).status_code == 403
    scanned = await api(grid, "POST", "/visits/overdue-scan", admin)
    assert scanned.status_code == 200 and scanned.json()["published"] >= 1
    assert (await api(grid, "POST", "/visits/overdue-scan", admin)).json()["published"] == 0
    assert [e for e in await overdue_events(grid) if e["resident_id"] == orphan["id"]]


async def test_the_township_counts_in_the_database_agree_with_the_rules(grid, clock):
    from grid.visits import queries

    rules_ = service.rules_of(grid.ctx.settings)
    for day in (at(2027, 1, 12), at(2027, 3, 2), at(2027, 4, 14), at(2027, 7, 1), at(2028, 1, 3)):
        today = day.date()
        async with grid.ctx.db.session() as s:
            dues = await queries.obligations(
                s, today=today, visit_rules=rules_, cal=grid.ctx.calendar, township_code="320971100000"
            )
            counted = await queries.township_counts(
                s, today=today, visit_rules=rules_, cal=grid.ctx.calendar, township_code="320971100000"
            )
            overdue = await queries.township_overdue(
                s, today=today, visit_rules=rules_, cal=grid.ctx.calendar, township_code="320971100000"
            )
        expected: dict[str, dict[str, int]] = {}
        for d in dues:
            expected.setdefault(d.grid_code, {"due": 0, "overdue": 0, "done": 0})[d.state] += 1
        assert counted == expected, today
        python_overdue = {(d.key, d.group, d.due_on) for d in dues if d.state == "overdue"}
        assert {(d.key, d.group, d.due_on) for d in overdue} == python_overdue, today
    clock.set(at(2027, 4, 14))
    summary = (await api(grid, "GET", "/visits/due", worker_a)).json()["items"]
    assert {d["grid_code"] for d in summary} == {GRID_A} and summary[0]["items"] == []
    assert summary[0]["overdue"] >= 1


async def test_a_missed_patrol_is_published_once_and_names_no_resident(grid, clock):
    def patrols(events: list[dict], day: str) -> list[dict]:
        return [e for e in events if e["subject"] == "patrol" and e["grid_code"] == GRID_A and e["due_on"] == day]

    clock.set(at(2027, 5, 10))
    patrol = visit(kind="patrol", resident_id=None, when=at(2027, 5, 9, 10), found="", done="")
    assert (await api(grid, "POST", "/visits", worker_a, json=patrol)).status_code == 201
    await service.scan(grid.ctx)
    assert patrols(await overdue_events(grid), "2027-05-09") == []  # patrolled the day before: nothing owed

    clock.set(at(2027, 5, 11))  # no patrol on 10 May
    await service.scan(grid.ctx)
    await service.scan(grid.ctx)
    missed = patrols(await overdue_events(grid), "2027-05-10")
    assert len(missed) == 1
    assert missed[0]["resident_id"] is None and missed[0]["group"] == "patrol" and missed[0]["period"] == "day"
    assert missed[0]["worker_id"] == "worker-a"
