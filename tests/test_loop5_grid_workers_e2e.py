"""Loop 5 through the gateway, the grid workers' side: a township's grid workers through a year.

Grid's events (the roster, the households, visits, diaries, tasks) are published on the stack's
own event stream as svc-grid publishes them; svc-assessment counts them. Through the gateway,
Bufeng's assessor draws each worker's respondents at random and records their answers; the
county grades the year: 15 % of seven workers is one 优秀, the satisfaction bars hold, the 800
yuan award goes to finance in CSV and XLSX; three verified complaints open a dismissal review,
which the township decides.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

import nats
import openpyxl
import pytest

from jiceng_shared.contracts import grid
from jiceng_shared.events import EventPayload, build_event, nats_subject
from jiceng_shared.testing.journey import BUFENG, Journey
from jiceng_shared.testing.plugin import eventually
from jiceng_shared.workdays import COUNTY_ZONE

pytestmark = pytest.mark.e2e

API = "/api/assessment/v1/grid-workers"
ASSESSOR, COUNTY = "assessor.bufeng", "county_admin"
YEAR = 2025  # a year that is over on the real clock the stack runs on
#: grids of Bufeng's village of their own (the demo's grids 001 and 002 are left to other tests)
VILLAGE = "320971100201"


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=COUNTY_ZONE)


class GridFeed:
    """Publishes svc-grid's events on the stack's stream, as svc-grid does."""

    def __init__(self, nc: nats.NATS, prefix: str) -> None:
        self.js = nc.jetstream()
        self.prefix = prefix

    async def send(self, payload: EventPayload, subject: str) -> None:
        event = build_event(payload, source="/svc-grid", subject=subject, township=BUFENG)
        await self.js.publish(
            nats_subject(self.prefix, payload.event_type),
            event.model_dump_json().encode(),
            headers={"Nats-Msg-Id": event.id},
        )


@pytest.fixture
async def feed(stack):
    nc = await nats.connect(stack.env["JICENG_NATS_URL"])
    try:
        yield GridFeed(nc, stack.env["JICENG_EVENTS_PREFIX"])
    finally:
        await nc.close()


@pytest.fixture
async def journey(stack):
    j = Journey(stack.url("gateway"))
    yield j
    await j.close()


#: name → (visits, overdue visits, diaries signed every week, tasks, satisfied of five respondents)
WORKERS = {
    "top": (1, 0, True, 1, 5),  # work 100, satisfaction 100 % → 100: 优秀
    "capped": (1, 1, True, 1, 5),  # work 83.33 → 90: 优秀 by score, beyond 15 % of seven → 合格
    "barred": (1, 0, True, 1, 4),  # satisfaction 80 % → 92 by score, below 85 %: not 优秀 → 合格
    "basic": (1, 0, True, 1, 3),  # satisfaction 60 % → 84 by score, below 70 %: 基本合格
    "steady": (1, 0, False, 1, 5),  # no diaries: work 66.67 → 80: 合格
    "low": (1, 0, False, 0, 4),  # work 50 → 62: 基本合格
    "absent": (0, 0, False, 0, 1),  # nothing done → 8: 不合格
}


async def test_a_township_s_grid_workers_through_a_year(feed, journey):
    run = uuid.uuid4().hex[:6]
    ids = {name: f"gw-{name}-{run}" for name in WORKERS}
    grids = {name: f"{VILLAGE}{31 + i:03d}" for i, name in enumerate(WORKERS)}
    for name, worker in ids.items():
        visits, overdue, diaries, tasks, _ = WORKERS[name]
        g = grids[name]
        await feed.send(
            grid.WorkerRostered(
                roster_id=f"r-{worker}",
                worker_id=worker,
                username=f"grid.{worker}",
                name=f"网格员{name}",
                post="full_time",
                grid_code=g,
                township_code=BUFENG,
                since=dt.date(YEAR, 1, 1),
            ),
            worker,
        )
        for h in range(5):
            await feed.send(
                grid.HouseholdRegistered(
                    household_id=f"hh-{worker}-{h}",
                    grid_code=g,
                    township_code=BUFENG,
                    registered_at=local(f"{YEAR - 1}-12-01 09:00"),
                ),
                f"hh-{worker}-{h}",
            )
        for v in range(visits):
            await feed.send(
                grid.VisitRecorded(
                    visit_id=f"v-{worker}-{v}",
                    grid_code=g,
                    township_code=BUFENG,
                    worker_id=worker,
                    kind="routine",
                    visited_at=local(f"{YEAR}-03-0{v + 1} 10:00"),
                ),
                worker,
            )
        for v in range(overdue):
            await feed.send(
                grid.VisitOverdue(
                    grid_code=g,
                    township_code=BUFENG,
                    worker_id=worker,
                    resident_id=f"p-{worker}-{v}",
                    group="elderly",
                    due_on=dt.date(YEAR, 6, 10),
                ),
                worker,
            )
        if diaries:
            for month in range(1, 13):
                for day in (3, 10, 17, 24):
                    await feed.send(
                        grid.DiarySigned(
                            diary_id=f"d-{worker}-{month}-{day}",
                            grid_code=g,
                            township_code=BUFENG,
                            worker_id=worker,
                            day=dt.date(YEAR, month, day),
                            signed_by="grid_chief.bufeng",
                        ),
                        worker,
                    )
        for t in range(tasks):
            await feed.send(
                grid.TaskCompleted(
                    task_id=f"k-{worker}-{t}",
                    task_type="population_survey",
                    grid_code=g,
                    township_code=BUFENG,
                    worker_id=worker,
                    due_on=dt.date(YEAR, 9, 30),
                    completed_at=local(f"{YEAR}-09-20 10:00"),
                    on_time=True,
                ),
                worker,
            )

    async def counted() -> dict | None:
        response = await journey.get(ASSESSOR, API, period=str(YEAR), township_code=BUFENG, limit=200)
        assert response.status_code == 200, response.text
        listed = response.json()["items"]
        mine = {s["worker"]["worker_id"]: s for s in listed if s["worker"]["worker_id"] in ids.values()}
        if len(mine) < len(ids) or mine[ids["top"]]["counts"]["diaries"] < 48:
            return None
        if any(mine[ids[n]]["counts"]["tasks"] < WORKERS[n][3] for n in WORKERS):
            return None
        return mine

    scores = await eventually(counted, timeout=90, interval=0.5)
    top = scores[ids["top"]]
    assert (
        top["rates"]["diary_rate"] == 1.0
        and top["formulas"]["diary_rate"]["shown"] == "民情日志签署率 = 48 / 48 = 100.00%"
    )
    assert scores[ids["capped"]]["rates"]["visit_completion_rate"] == 0.5

    # each worker's respondents drawn at random from the grid's households, their answers recorded
    for name, worker in ids.items():
        survey = await journey.ok(
            ASSESSOR, f"{API}/surveys", {"worker_id": worker, "period": str(YEAR), "sample_size": 5}, status=201
        )
        assert sorted(survey["drawn"]) == sorted(f"hh-{worker}-{h}" for h in range(5))
        check = await journey.get(COUNTY, f"{API}/surveys/draw-check", survey_id=survey["id"])
        assert check.status_code == 200 and check.json()["reproduced"]
        satisfied = WORKERS[name][4]
        for i, household in enumerate(survey["drawn"]):
            result = "satisfied" if i < satisfied else "dissatisfied"
            await journey.ok(
                ASSESSOR,
                f"{API}/surveys/answers",
                {"survey_id": survey["id"], "household_id": household, "result": result},
                status=201,
            )

    # the township's assessor may not grade the year; the county does
    refused = await journey.post(ASSESSOR, f"{API}/years/{YEAR}/grade", {"township_code": BUFENG})
    assert refused.status_code == 403, refused.text
    graded = await journey.ok(COUNTY, f"{API}/years/{YEAR}/grade", {"township_code": BUFENG}, status=201)
    by = {r["worker_id"]: r for r in graded["results"]}
    assert set(ids.values()) <= set(by)
    got = {name: (by[w]["score"], by[w]["grade"]) for name, w in ids.items()}
    assert got == {
        "top": (100.0, "excellent"),
        "capped": (90.0, "pass"),
        "barred": (92.0, "pass"),
        "basic": (84.0, "basic_pass"),
        "steady": (80.0, "pass"),
        "low": (62.0, "basic_pass"),
        "absent": (8.0, "fail"),
    }
    assert by[ids["capped"]]["capped"] and by[ids["barred"]]["bar"] == "satisfaction_below_excellent"
    assert by[ids["basic"]]["bar"] == "satisfaction_below_pass"
    assert [w for w, r in by.items() if r["grade"] == "excellent"] == [ids["top"]]
    assert by[ids["top"]]["award_yuan"] == 800 and by[ids["top"]]["grade_zh"] == "优秀"

    # three verified complaints in the year open a dismissal review
    for n in range(3):
        done = await journey.ok(
            ASSESSOR,
            f"{API}/complaints",
            {
                "worker_id": ids["absent"],
                "reference": f"TS-{run}-{n}",
                "verified_on": f"{YEAR}-1{n}-15",
                "note": "查证属实",
            },
            status=201,
        )
    assert done["review_opened"]["reason"] == "verified_complaints"
    reviews = (await journey.get(COUNTY, f"{API}/dismissal-reviews", township_code=BUFENG, limit=200)).json()["items"]
    (review,) = [r for r in reviews if r["worker_id"] == ids["absent"] and r["status"] == "open"]
    # decided by the township, with its reasons, once
    decision = {"decision": "dismissed", "note": "经镇党委研究，予以解聘"}
    decided = await journey.ok(
        "township_leader.bufeng", f"{API}/dismissal-reviews/{review['id']}/decision", decision, status=200
    )
    assert (decided["status"], decided["decision_note"]) == ("dismissed", "经镇党委研究，予以解聘")
    again = await journey.post(ASSESSOR, f"{API}/dismissal-reviews/{review['id']}/decision", decision)
    assert again.status_code == 409 and again.json()["code"] == "review_decided"

    # the award, exported to finance
    exported = await journey.get(COUNTY, f"{API}/awards", year=str(YEAR), township_code=BUFENG)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][3] == "姓名" and rows[0][7] == "奖励金额(元)"
    mine = [r for r in rows[1:] if r[4] == f"grid.{ids['top']}"]
    assert len(mine) == 1 and mine[0][6] == "优秀" and mine[0][7] == "800"
    xlsx = await journey.get(COUNTY, f"{API}/awards", year=str(YEAR), township_code=BUFENG, format="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][7] == "奖励金额(元)" and [r[7] for r in values[1:] if r[4] == f"grid.{ids['top']}"] == [800]

    # the year's results of the township's grid workers, as the organisation department files them
    for fmt in ("csv", "xlsx"):
        results = await journey.get(
            COUNTY,
            "/api/assessment/v1/exports/results",
            level="grid_workers",
            period=str(YEAR),
            township_code=BUFENG,
            format=fmt,
        )
        assert results.status_code == 200, results.text
        if fmt == "csv":
            table = list(csv.reader(io.StringIO(results.content.decode("utf-8-sig"))))
        else:
            table = [
                [c.value for c in row] for row in openpyxl.load_workbook(io.BytesIO(results.content)).active.iter_rows()
            ]
        assert (
            table[0][:5] == ["序号", "乡镇(街道)代码", "村(社区)代码", "网格编码", "姓名"]
            and table[0][13] == "考核等次"
        )
        grades = {row[4]: row[13] for row in table[1:] if str(row[4]).startswith("网格员")}
        assert grades == {
            "网格员top": "优秀",
            "网格员capped": "合格",
            "网格员barred": "合格",
            "网格员basic": "基本合格",
            "网格员steady": "合格",
            "网格员low": "基本合格",
            "网格员absent": "不合格",
        }
