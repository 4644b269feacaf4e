"""Loop 5, the grid side, through the gateway: a grid worker's month with all six processes, real
NATS and PostgreSQL, on today's real PRC calendar.

The community director puts the worker on the roster of grid 001 (A) and a colleague on grid 002
(B), paired as A/B posts; the worker registers base data (a solitary elderly person living here
since January, a disabled person, an enterprise); the due list shows the elderly person overdue
and the disabled person due; a visit is recorded; the overdue scan publishes the missed visit once;
the day's diary is prefilled, completed and signed by the director; A is recorded absent and B
sees and does A's work, recorded for A's grid; a dispute is mediated and resolved in the grid; a
task outside the admission list is refused and a listed one reported back; and the grid's events
reach assessment, whose grid-worker figures (read through the gateway) count them for the worker.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

import nats
import pytest

from grid.residents.rules import check_character
from jiceng_shared.testing.journey import Journey
from jiceng_shared.testing.plugin import eventually
from jiceng_shared.workdays import COUNTY_ZONE, WorkdayCalendar

pytestmark = pytest.mark.e2e

API = "/api/grid/v1"
WORKER, DIRECTOR, LEADER, ADMIN = (
    "grid_worker.bufeng",
    "community_director.bufeng",
    "township_leader.bufeng",
    "county_admin",
)
BUFENG, VILLAGE = "320971100000", "320971100201"
GRID_A, GRID_B = "320971100201001", "320971100201002"
INSIDE_A = [120.3051, 33.3049]


@pytest.fixture
async def journey(stack):
    j = Journey(stack.url("gateway"))
    yield j
    await j.close()


def id_number(seed: str) -> str:
    first17 = "320971" + seed
    return first17 + check_character(first17)


async def subject_of(j: Journey, headers: dict[str, str]) -> str:
    return (await j.client.get("/auth/me", headers=headers)).json()["subject"]


async def call(j: Journey, headers: dict[str, str], method: str, path: str, body=None, status=(200, 201)):
    response = await j.client.request(method, f"{API}{path}", json=body, headers=headers)
    assert response.status_code in status, f"{method} {path}: {response.status_code} {response.text}"
    return response.json()


async def grid_events(stack) -> list[dict]:
    """Every grid event on the platform's stream (the stream assessment's consumers read)."""
    prefix = stack.env["JICENG_EVENTS_PREFIX"]
    nc = await nats.connect(stack.env["JICENG_NATS_URL"])
    try:
        js = nc.jetstream()
        sub = await js.subscribe(f"{prefix}.grid.>", stream=prefix.upper(), ordered_consumer=True)
        events = []
        while True:
            try:
                msg = await sub.next_msg(timeout=1.0)
            except (TimeoutError, nats.errors.TimeoutError):
                return events
            events.append(json.loads(msg.data))
    finally:
        await nc.close()


async def test_a_grid_workers_month(journey, stack):
    j = journey
    worker = await j.headers(WORKER)
    director = await j.headers(DIRECTOR)
    leader = await j.headers(LEADER)
    admin = await j.headers(ADMIN)
    cal = WorkdayCalendar()
    now = dt.datetime.now(COUNTY_ZONE)

    # a colleague on grid 002 only: the B post of grid 001
    username = f"grid_worker_b.{uuid.uuid4().hex[:6]}"
    created = await j.client.post(
        "/api/iam/v1/users",
        json={"username": username, "display_name": "网格员乙", "area": BUFENG, "password": "B-post passphrase 2"},
        headers=admin,
    )
    assert created.status_code < 300, created.text
    user = created.json()
    bound = await j.client.post(
        "/api/iam/v1/bindings",
        json={"subject_id": user["id"], "role": "grid_worker", "area": GRID_B},
        headers=admin,
    )
    assert bound.status_code < 300, bound.text
    token = await j.client.post(
        "/auth/token", data={"grant_type": "password", "username": username, "password": "B-post passphrase 2"}
    )
    b_post = {"Authorization": f"Bearer {token.json()['access_token']}"}
    a_id, b_id = await subject_of(j, worker), await subject_of(j, b_post)

    # --- roster and A/B posts
    for grid, who, name in ((GRID_A, a_id, "网格员甲"), (GRID_B, b_id, "网格员乙")):
        entry = {"grid_code": grid, "worker_id": who, "name": name, "post": "full_time", "since": "2026-01-01"}
        await call(j, director, "POST", "/roster", entry, status=(201,))
    second = await j.client.post(
        f"{API}/roster",
        json={"grid_code": GRID_A, "worker_id": "someone", "name": "丙", "post": "full_time", "since": "2026-01-01"},
        headers=director,
    )
    assert second.status_code == 409 and second.json()["code"] == "full_time_post_taken"
    await call(j, director, "PUT", "/roster/backups", {"grid_code": GRID_A, "backup_grid_code": GRID_B})

    # --- base data
    elder = await call(
        j,
        worker,
        "POST",
        "/residents",
        {
            "grid_code": GRID_A,
            "name": "孙独居",
            "id_number": id_number("19400101091"),
            "address": "步凤村九组1号",
            "household_no": f"E2E-{uuid.uuid4().hex[:6]}",
            "special_groups": ["solitary_elderly"],
            "lives_here_since": "2026-01-01",
        },
        status=(201,),
    )
    disabled = await call(
        j,
        worker,
        "POST",
        "/residents",
        {
            "grid_code": GRID_A,
            "name": "周残疾",
            "id_number": id_number("19600101092"),
            "address": "步凤村九组2号",
            "household_no": f"E2E-{uuid.uuid4().hex[:6]}",
            "special_groups": ["disabled"],
            "employment": "unemployed",
            "social_security": ["minimum_living"],
        },
        status=(201,),
    )
    bad_code = await j.client.post(
        f"{API}/enterprises",
        json={
            "grid_code": GRID_A,
            "name": "坏码",
            "credit_code": "91350100M000100Y44",
            "legal_representative": "x",
            "address": "x",
        },
        headers=worker,
    )
    assert bad_code.status_code == 422 and bad_code.json()["code"] == "invalid_credit_code"

    # --- the due list: the elderly person's weekly visit was missed, the disabled person's is due
    [due] = (await call(j, worker, "GET", f"/visits/due?grid_code={GRID_A}"))["items"]
    states = {i["resident_id"]: i for i in due["items"] if i["subject"] == "person"}
    assert states[elder["id"]]["state"] == "overdue" and states[elder["id"]]["name_masked"] == "孙**"
    assert states[disabled["id"]]["state"] == "due"

    # --- a visit recorded on the last working day up to now (the diary's day)
    visited = now - dt.timedelta(minutes=1)
    day = visited.date()
    while not cal.is_workday(day):
        day -= dt.timedelta(days=1)
    if day != visited.date():
        visited = dt.datetime.combine(day, dt.time(9, 0), tzinfo=COUNTY_ZONE)
    visit = await call(
        j,
        worker,
        "POST",
        "/visits",
        {
            "grid_code": GRID_A,
            "kind": "home_visit",
            "resident_id": disabled["id"],
            "visited_at": visited.isoformat(),
            "location": {"type": "Point", "coordinates": INSIDE_A},
            "found": "低保材料需更新",
            "done": "帮助准备材料",
        },
        status=(201,),
    )
    assert visit["outside_grid"] is False
    future = await j.client.post(
        f"{API}/visits",
        json={
            "grid_code": GRID_A,
            "kind": "patrol",
            "visited_at": (now + dt.timedelta(hours=2)).isoformat(),
            "location": {"type": "Point", "coordinates": INSIDE_A},
        },
        headers=worker,
    )
    assert future.status_code == 422 and future.json()["code"] == "visited_in_future"

    # --- one overdue: published once
    first = await call(j, admin, "POST", "/visits/overdue-scan")
    again = await call(j, admin, "POST", "/visits/overdue-scan")
    assert first["published"] >= 1 and again["published"] == 0

    # --- the diary of that day: prefilled, completed, signed by the director only
    diary = await call(j, worker, "POST", "/diaries", {"grid_code": GRID_A, "day": day.isoformat()}, status=(201,))
    assert visit["id"] in [v["id"] for v in diary["summary"]["visits"]]
    diary = await call(j, worker, "PATCH", f"/diaries/{diary['id']}", {"content": "走访残疾人一户", "version": 1})
    refused = await j.client.post(f"{API}/diaries/{diary['id']}/sign", headers=leader)
    assert refused.status_code == 403
    signed = await call(j, director, "POST", f"/diaries/{diary['id']}/sign")
    assert signed["status"] == "signed"

    # --- A absent today: B sees A's due list and does A's patrol, recorded for A's grid
    before = await j.client.get(f"{API}/visits/due", params={"grid_code": GRID_A}, headers=b_post)
    assert before.status_code == 403
    today = now.date()
    await call(
        j,
        director,
        "POST",
        "/roster/absences",
        {"grid_code": GRID_A, "first_day": today.isoformat(), "last_day": today.isoformat(), "reason": "病假"},
        status=(201,),
    )
    [covering] = (await call(j, b_post, "GET", f"/visits/due?grid_code={GRID_A}"))["items"]
    assert covering["covering"] is True
    patrol = await call(
        j,
        b_post,
        "POST",
        "/visits",
        {
            "grid_code": GRID_A,
            "kind": "patrol",
            "visited_at": (now - dt.timedelta(seconds=30)).isoformat(),
            "location": {"type": "Point", "coordinates": INSIDE_A},
        },
        status=(201,),
    )
    assert patrol["grid_code"] == GRID_A and patrol["covering_for"] == a_id

    # --- a dispute mediated and resolved in the grid
    dispute = await call(
        j,
        worker,
        "POST",
        "/disputes",
        {
            "grid_code": GRID_A,
            "kind": "neighbour",
            "description": "排水沟堵塞引发邻里争执",
            "location": {"type": "Point", "coordinates": INSIDE_A},
            "parties": [{"name": "张大山", "role": "applicant"}, {"name": "李小河", "role": "respondent"}],
        },
        status=(201,),
    )
    await call(j, worker, "POST", f"/disputes/{dispute['id']}/mediation", {"note": "现场协调", "version": 1})
    resolved = await call(
        j, worker, "POST", f"/disputes/{dispute['id']}/resolve", {"outcome": "共同清理", "version": 2}
    )
    assert resolved["status"] == "resolved" and resolved["parties"][0]["name_masked"] == "张**"

    # --- the admission list: an unlisted task is refused, a listed one reported back
    current = (await call(j, admin, "GET", "/admission-lists"))["items"]
    types = current[0]["task_types"] if current else []
    if "population_survey" not in {t["code"] for t in types}:
        types = [*types, {"code": "population_survey", "name": "人口信息核查"}]
        await call(
            j,
            admin,
            "POST",
            "/admission-lists",
            {"county_code": "320971000000", "effective_from": today.isoformat(), "task_types": types},
            status=(201,),
        )
    task = {
        "title": "核查",
        "instructions": "逐户核对",
        "grid_codes": [GRID_A],
        "due_on": (today + dt.timedelta(days=7)).isoformat(),
    }
    unlisted = await j.client.post(f"{API}/tasks", json=task | {"task_type": "sign_up_for_tourism_app"}, headers=leader)
    assert unlisted.status_code == 422 and unlisted.json()["code"] == "not_on_admission_list"
    assigned = await call(j, leader, "POST", "/tasks", task | {"task_type": "population_survey"}, status=(201,))
    assignment = assigned["assignments"][0]
    done = await call(j, worker, "POST", f"/tasks/{assignment['id']}/report", {"report": "已核查", "version": 1})
    assert done["state"] == "completed" and done["on_time"] is True

    # --- the grid's events are on the stream assessment reads
    wanted = {
        "grid.worker.rostered",
        "grid.household.registered",
        "grid.visit.recorded",
        "grid.visit.overdue",
        "grid.diary.signed",
        "grid.task.completed",
    }

    async def arrived() -> bool:
        types = {e["type"].removeprefix("gov.jiceng.") for e in await grid_events(stack)}
        missing = wanted - types
        assert not missing, f"not on the stream: {sorted(missing)}"
        return True

    await eventually(arrived, timeout=30, interval=1)
    events = await grid_events(stack)
    overdue = [
        e["data"]
        for e in events
        if e["type"].endswith("grid.visit.overdue") and e["data"]["resident_id"] == elder["id"]
    ]
    # once per missed obligation: the weekly visit, and the household's half-yearly one (living here since January)
    assert sorted(o["group"] for o in overdue) == ["household", "solitary_elderly"]
    signed_events = [
        e["data"] for e in events if e["type"].endswith("grid.diary.signed") and e["data"]["diary_id"] == diary["id"]
    ]
    assert signed_events and signed_events[0]["worker_id"] == a_id
    covered = [
        e["data"] for e in events if e["type"].endswith("grid.visit.recorded") and e["data"]["visit_id"] == patrol["id"]
    ]
    assert covered and covered[0]["covering_for"] == a_id

    # --- and assessment counts them: the worker's figures of each month, through the gateway
    expected: dict[str, dict[str, int]] = {}

    def expect(month: str, field: str) -> None:
        expected.setdefault(month, {}).setdefault(field, 0)
        expected[month][field] += 1

    expect(visited.strftime("%Y-%m"), "visits")
    weekly = next(o for o in overdue if o["group"] == "solitary_elderly")
    expect(weekly["due_on"][:7], "visits_overdue")
    expect(day.strftime("%Y-%m"), "diaries")
    expect(dt.datetime.now(COUNTY_ZONE).strftime("%Y-%m"), "tasks")

    async def counted() -> bool:
        for month, fields in expected.items():
            response = await j.client.get(
                "/api/assessment/v1/grid-workers", params={"period": month, "worker_id": a_id}, headers=leader
            )
            assert response.status_code == 200, response.text
            [figures] = response.json()["items"]
            assert figures["worker"]["worker_id"] == a_id
            short = {f: n for f, n in fields.items() if figures["counts"].get(f, 0) < n}
            assert not short, f"{month}: assessment counts {figures['counts']}, expected at least {fields}"
        return True

    await eventually(counted, timeout=30, interval=1)
