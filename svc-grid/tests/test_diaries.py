"""Work diaries (002 art. 20): one per worker and PRC working day, prefilled from the day's visits,
patrols and incidents, signed only by the grid's community director, immutable once signed
(``grid.diary.signed``); days without one show as missing."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

from sqlalchemy import select

from grid.diaries import rules
from jiceng_shared.testing.plugin import headers_for, principal
from jiceng_shared.workdays import WorkdayCalendar

SH = ZoneInfo("Asia/Shanghai")
VILLAGE = "320971100201"
GRID_A, GRID_B = "320971100201001", "320971100201002"
worker = principal(("grid_worker", GRID_A), name="网格员甲", subject="diary-worker-a")
colleague = principal(("grid_worker", GRID_B), name="网格员乙", subject="diary-worker-b")
director = principal(("community_director", VILLAGE), name="步凤村主任")
other_director = principal(("community_director", "320971001001"), name="新城社区主任")
leader = principal(("township_leader", "320971100000"), name="镇领导")


def at(y, m, d, h=9) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=SH)


async def api(grid, method, path, who, **kw):
    return await grid.client.request(method, f"/api/grid/v1{path}", headers=headers_for(who), **kw)


def test_diary_days_follow_the_prc_calendar():
    cal = WorkdayCalendar()
    days = rules.diary_days(dt.date(2026, 9, 30), dt.date(2026, 10, 12), cal, workdays_only=True)
    # National Day: 1-7 October off; Saturday 10 October is a make-up working day, Sunday 11 is not
    assert days == [
        dt.date(2026, 9, 30),
        dt.date(2026, 10, 8),
        dt.date(2026, 10, 9),
        dt.date(2026, 10, 10),
        dt.date(2026, 10, 12),
    ]
    assert len(rules.diary_days(dt.date(2026, 9, 30), dt.date(2026, 10, 12), cal, workdays_only=False)) == 13
    assert rules.check_day(dt.date(2026, 10, 10), dt.date(2026, 10, 12), cal, workdays_only=True).errors == []
    assert (
        rules.check_day(dt.date(2026, 10, 7), dt.date(2026, 10, 12), cal, workdays_only=True).errors[0]["code"]
        == "not_a_working_day"
    )
    assert rules.check_day(dt.date(2026, 10, 7), dt.date(2026, 10, 12), cal, workdays_only=False).errors == []
    assert rules.check_day(dt.date(2026, 10, 12), dt.date(2026, 10, 12), cal, workdays_only=True).errors == []
    assert (
        rules.check_day(dt.date(2026, 10, 13), dt.date(2026, 10, 12), cal, workdays_only=True).errors[0]["code"]
        == "day_in_future"
    )
    assert not rules.check_span(dt.date(2026, 1, 1), dt.date(2026, 4, 2), 92)  # 92 days
    assert rules.check_span(dt.date(2026, 1, 1), dt.date(2026, 4, 3), 92).errors[0]["code"] == "period_too_long"


async def test_a_diary_is_prefilled_completed_signed_and_then_immutable(grid, clock):
    clock.set(at(2026, 9, 1))
    roster = {
        "grid_code": GRID_A,
        "worker_id": worker.subject,
        "name": worker.name,
        "post": "full_time",
        "since": "2026-09-01",
    }
    assert (await api(grid, "POST", "/roster", director, json=roster)).status_code == 201

    clock.set(at(2026, 10, 10, 17))  # the make-up Saturday after National Day
    point = {"type": "Point", "coordinates": [120.305, 33.305]}
    patrol = {"grid_code": GRID_A, "kind": "patrol", "visited_at": at(2026, 10, 10, 8).isoformat(), "location": point}
    assert (await api(grid, "POST", "/visits", worker, json=patrol)).status_code == 201
    home = patrol | {"kind": "home_visit", "household_no": f"{GRID_A}-0000", "found": "门前积水"}
    assert (await api(grid, "POST", "/visits", worker, json=home)).status_code == 201
    incident = {"category": "environment_pollution", "description": "排污", "grid_code": GRID_A, "location": point}
    assert (await api(grid, "POST", "/incidents", worker, json=incident)).status_code == 201

    opened = await api(grid, "POST", "/diaries", worker, json={"grid_code": GRID_A, "day": "2026-10-10"})
    assert opened.status_code == 201, opened.text
    diary = opened.json()
    assert diary["summary"]["patrols"] == 1 and diary["summary"]["home_visits"] == 1
    assert len(diary["summary"]["incidents"]) == 1 and diary["status"] == "draft"
    again = await api(grid, "POST", "/diaries", worker, json={"grid_code": GRID_A, "day": "2026-10-10"})
    assert again.status_code == 409 and again.json()["code"] == "diary_exists"
    holiday = await api(grid, "POST", "/diaries", worker, json={"grid_code": GRID_A, "day": "2026-10-07"})
    assert holiday.status_code == 422 and holiday.json()["code"] == "not_a_working_day"
    future = await api(grid, "POST", "/diaries", worker, json={"grid_code": GRID_A, "day": "2026-10-11"})
    assert future.status_code == 422 and future.json()["code"] == "day_in_future"

    path = f"/diaries/{diary['id']}"
    done = await api(grid, "PATCH", path, worker, json={"content": "巡查一次，走访一户，上报排污", "version": 1})
    assert done.status_code == 200 and done.json()["content"].startswith("巡查")
    stale = await api(grid, "PATCH", path, worker, json={"content": "x", "version": 1})
    assert stale.status_code == 409
    not_mine = await api(grid, "PATCH", path, colleague, json={"content": "x", "version": 2})
    assert not_mine.status_code == 404

    assert (await api(grid, "POST", f"{path}/sign", worker)).json()["code"] == "permission_denied"
    assert (await api(grid, "POST", f"{path}/sign", leader)).json()["code"] == "permission_denied"
    assert (await api(grid, "POST", f"{path}/sign", other_director)).status_code == 404
    signed = await api(grid, "POST", f"{path}/sign", director)
    assert signed.status_code == 200 and signed.json()["status"] == "signed"
    assert signed.json()["signed_by_name"] == "步凤村主任"

    outbox = grid.ctx.db.infra.outbox
    async with grid.ctx.db.session() as s:
        rows = (await s.execute(select(outbox.c.envelope).where(outbox.c.type == "grid.diary.signed"))).all()
    published = [json.loads(r.envelope)["data"] for r in rows]
    assert [(e["diary_id"], e["day"], e["worker_id"]) for e in published] == [
        (diary["id"], "2026-10-10", worker.subject)
    ]

    frozen = await api(grid, "PATCH", path, worker, json={"content": "改", "version": signed.json()["version"]})
    assert frozen.status_code == 409 and frozen.json()["code"] == "diary_signed"
    twice = await api(grid, "POST", f"{path}/sign", director)
    assert twice.status_code == 409 and twice.json()["code"] == "diary_signed"


async def test_working_days_without_a_diary_show_as_missing(grid, clock):
    clock.set(at(2026, 10, 13))
    absence = {"grid_code": GRID_A, "first_day": "2026-10-09", "last_day": "2026-10-09", "reason": "事假"}
    assert (await api(grid, "POST", "/roster/absences", director, json=absence)).status_code == 201
    listed = await api(
        grid,
        "GET",
        "/diaries/missing",
        director,
        params={"grid_code": GRID_A, "from": "2026-09-30", "to": "2026-10-12"},
    )
    assert listed.status_code == 200, listed.text
    # 30 Sept, 8 Oct and 12 Oct: the holidays and Sunday 11 owe none, the 9th was an absence, the 10th is written
    assert [m["day"] for m in listed.json()["items"]] == ["2026-09-30", "2026-10-08", "2026-10-12"]
    assert {m["worker_id"] for m in listed.json()["items"]} == {worker.subject}
    too_long = await api(grid, "GET", "/diaries/missing", director, params={"from": "2026-01-01", "to": "2026-10-12"})
    assert too_long.status_code == 422 and too_long.json()["code"] == "period_too_long"
    default = await api(grid, "GET", "/diaries/missing", director, params={"limit": 200})
    assert default.status_code == 200 and default.json()["items"][-1]["day"] == "2026-10-12"
