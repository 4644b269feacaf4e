"""Grid workers (002 art. 30-34) from grid's events: evidence, the random draw of respondents and
their answers, the township's quarters, the county's annual grades with the cap and the bars, the
800 yuan award exported to finance, and the dismissal reviews."""

import csv
import datetime as dt
import io

import openpyxl

from jiceng_shared.testing.plugin import ServiceClock, headers_for, principal

BUFENG, XINCHENG, COUNTY = "320971100000", "320971001000", "320971000000"
VILLAGE = "320971100201"

assessor_b = principal(("assessor", BUFENG), name="步凤镇考核人员", username="assessor.bufeng")
assessor_x = principal(("assessor", XINCHENG))
assessor_county = principal(("assessor", COUNTY), name="县考核人员", username="assessor.county")
admin = principal(("county_admin", COUNTY))


def grid_of(n: int, village: str = VILLAGE) -> str:
    return f"{village}{n:03d}"


async def survey_with_answers(feed, worker, period, results, who=assessor_b):
    drawn = await feed.post(
        "/grid-workers/surveys", who, {"worker_id": worker, "period": period, "sample_size": len(results)}
    )
    assert drawn.status_code == 201, drawn.text
    survey = drawn.json()
    for household, result in zip(survey["drawn"], results, strict=False):
        answer = await feed.post(
            "/grid-workers/surveys/answers",
            who,
            {"survey_id": survey["id"], "household_id": household, "result": result},
        )
        assert answer.status_code == 201, answer.text
    return survey


async def test_a_quarter_assessed_by_the_township_and_two_failing_quarters_open_a_dismissal_review(feed):
    clock = ServiceClock(feed.running.ctx)
    clock.set(feed.local("2026-01-05 09:00"))
    weak, strong = feed.uid("w-"), feed.uid("w-")
    g_weak, g_strong = grid_of(11), grid_of(12)
    await feed.rostered(weak, g_weak, dt.date(2025, 1, 1))
    await feed.rostered(strong, g_strong, dt.date(2025, 1, 1))
    for i in range(8):
        await feed.household(f"hw{i}-{weak}", g_weak, feed.local("2025-12-01 09:00"))
        await feed.household(f"hs{i}-{strong}", g_strong, feed.local("2025-12-01 09:00"))
    for quarter_months in (("01", "02", "03"), ("04", "05", "06")):
        for month in quarter_months:
            for day in (5, 12, 19, 26):
                await feed.diary(strong, g_strong, dt.date(2026, int(month), day))
        await feed.visit(strong, g_strong, feed.local(f"2026-{quarter_months[0]}-10 10:00"))
        await feed.task(strong, g_strong, feed.local(f"2026-{quarter_months[0]}-11 10:00"))
    reported, voided = feed.uid("i-"), feed.uid("i-")
    await feed.incident(reported, strong, g_strong, feed.local("2026-02-02 10:00"))
    await feed.incident(voided, strong, g_strong, feed.local("2026-02-03 10:00"))
    await feed.voided(voided, BUFENG, feed.local("2026-02-03 12:00"))
    await feed.visit_overdue(None, g_weak, dt.date(2026, 2, 14))  # no worker named: the grid's worker
    await feed.settle()

    # the random draw: kept with its seed and candidates, and reproduced from them
    drawn = await feed.post(
        "/grid-workers/surveys", assessor_b, {"worker_id": weak, "period": "2026-Q1", "sample_size": 5}
    )
    assert drawn.status_code == 201, drawn.text
    survey = drawn.json()
    assert sorted(survey["candidates"]) == sorted(f"hw{i}-{weak}" for i in range(8))
    assert len(survey["drawn"]) == 5 and set(survey["drawn"]) <= set(survey["candidates"])
    check = await feed.get("/grid-workers/surveys/draw-check", admin, survey_id=survey["id"])
    assert check["reproduced"] and check["redrawn"] == survey["drawn"] and check["seed"] == survey["seed"]
    again = await feed.post("/grid-workers/surveys", assessor_b, {"worker_id": weak, "period": "2026-Q1"})
    assert again.status_code == 409 and again.json()["code"] == "survey_exists"
    outsider = next(h for h in survey["candidates"] if h not in survey["drawn"])
    arranged = await feed.post(
        "/grid-workers/surveys/answers",
        assessor_b,
        {"survey_id": survey["id"], "household_id": outsider, "result": "satisfied"},
    )
    assert arranged.status_code == 422 and arranged.json()["code"] == "not_drawn"
    for household in survey["drawn"]:
        await feed.post(
            "/grid-workers/surveys/answers",
            assessor_b,
            {"survey_id": survey["id"], "household_id": household, "result": "satisfied"},
        )
    twice = await feed.post(
        "/grid-workers/surveys/answers",
        assessor_b,
        {"survey_id": survey["id"], "household_id": survey["drawn"][0], "result": "dissatisfied"},
    )
    assert twice.status_code == 409 and twice.json()["code"] == "already_answered"
    await survey_with_answers(
        feed, strong, "2026-Q1", ["satisfied", "basically_satisfied", "satisfied", "dissatisfied"]
    )

    early = await feed.post("/grid-workers/quarters/2026-Q1/assess", assessor_b, {"township_code": BUFENG})
    assert early.status_code == 409 and early.json()["code"] == "period_not_ended"
    clock.set(feed.local("2026-04-01 09:00"))
    elsewhere = await feed.post("/grid-workers/quarters/2026-Q1/assess", assessor_x, {"township_code": BUFENG})
    assert elsewhere.status_code == 403

    scores = {
        s["worker"]["worker_id"]: s for s in (await feed.get("/grid-workers", assessor_b, period="2026-Q1"))["items"]
    }
    s = scores[strong]
    assert s["counts"]["diaries"] == 12 and s["counts"]["diaries_expected"] == 12
    assert (s["counts"]["reports"], s["counts"]["reports_valid"]) == (2, 1)
    assert s["rates"] == {
        "visit_completion_rate": 1.0,
        "diary_rate": 1.0,
        "valid_report_rate": 0.5,
        "task_on_time_rate": 1.0,
        "verification_on_time_rate": None,  # no verification: left out of the work score
    }
    assert s["formulas"]["valid_report_rate"]["shown"] == "有效上报率 = 1 / 2 = 50.00%"
    assert s["work_score"] == 87.5 and s["satisfaction"]["rate"] == 0.75
    assert s["score"] == round(40 * 0.75 + 60 * 0.875, 2)
    w = scores[weak]
    assert w["counts"]["visits_overdue"] == 1 and w["rates"]["visit_completion_rate"] == 0.0
    assert (w["work_score"], w["satisfaction"]["rate"], w["score"]) == (0.0, 1.0, 40.0)

    q1 = await feed.post("/grid-workers/quarters/2026-Q1/assess", assessor_b, {"township_code": BUFENG})
    assert q1.status_code == 201, q1.text
    by_worker = {r["worker_id"]: r for r in q1.json()["results"]}
    assert by_worker[weak]["failing"] and not by_worker[strong]["failing"]
    assert q1.json()["reviews_opened"] == []  # one failing quarter is not two
    repeat = await feed.post("/grid-workers/quarters/2026-Q1/assess", assessor_b, {"township_code": BUFENG})
    assert repeat.status_code == 409 and repeat.json()["code"] == "already_assessed"

    await survey_with_answers(feed, weak, "2026-Q2", ["satisfied"] * 3)
    incomplete = await feed.post("/grid-workers/quarters/2026-Q2/assess", assessor_b, {"township_code": BUFENG})
    assert incomplete.status_code == 409  # not over yet
    clock.set(feed.local("2026-07-01 09:00"))
    missing = await feed.post("/grid-workers/quarters/2026-Q2/assess", assessor_b, {"township_code": BUFENG})
    assert missing.status_code == 409 and missing.json()["code"] == "satisfaction_missing"
    assert missing.json()["workers"] == [strong]
    await survey_with_answers(feed, strong, "2026-Q2", ["satisfied"] * 3)
    q2 = await feed.post("/grid-workers/quarters/2026-Q2/assess", assessor_b, {"township_code": BUFENG})
    assert q2.status_code == 201, q2.text
    (review,) = q2.json()["reviews_opened"]
    assert (review["worker_id"], review["reason"], review["status"]) == (weak, "failing_quarters", "open")
    assert review["reason_zh"] == "连续两个季度考核不称职"
    assert review["basis"]["quarters"] == ["2026-Q1", "2026-Q2"]

    # verified complaints: the third in a year opens a review, two do not
    for n, day in enumerate(("2025-12-30", "2026-03-02", "2026-05-06")):
        done = await feed.post(
            "/grid-workers/complaints",
            assessor_b,
            {"worker_id": strong, "reference": f"TS-{n}", "verified_on": day, "note": "查证属实"},
        )
        assert done.status_code == 201 and done.json()["review_opened"] is None, done.text
    third = await feed.post(
        "/grid-workers/complaints",
        assessor_b,
        {"worker_id": strong, "reference": "TS-3", "verified_on": "2026-06-20", "note": "查证属实"},
    )
    assert third.json()["review_opened"]["reason"] == "verified_complaints"
    assert third.json()["review_opened"]["basis"]["complaints"] == ["TS-1", "TS-2", "TS-3"]
    reviews = (await feed.get("/grid-workers/dismissal-reviews", assessor_b, township_code=BUFENG))["items"]
    assert {(r["worker_id"], r["reason"]) for r in reviews} == {
        (weak, "failing_quarters"),
        (strong, "verified_complaints"),
    }
    assert (await feed.get("/grid-workers/dismissal-reviews", assessor_x))["items"] == []
    clock.reset()


async def test_a_dismissal_review_is_decided_once_by_the_assessing_level_with_its_reasons(feed):
    worker = feed.uid("w-")
    await feed.rostered(worker, grid_of(71), dt.date(2026, 1, 1))
    await feed.settle()
    for n, day in enumerate(("2026-02-01", "2026-03-02", "2026-04-06")):
        done = await feed.post(
            "/grid-workers/complaints",
            assessor_b,
            {"worker_id": worker, "reference": f"DR-{n}", "verified_on": day, "note": "查证属实"},
        )
        assert done.status_code == 201, done.text
    review = done.json()["review_opened"]
    path = f"/grid-workers/dismissal-reviews/{review['id']}/decision"

    # every bad field named at once; another township's assessor does not see the review
    bad = await feed.post(path, assessor_b, {"decision": "promoted", "note": ""})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} >= {"decision", "note"}
    assert (await feed.post(path, assessor_x, {"decision": "retained", "note": "x"})).status_code == 404
    # a grid worker may read reviews but not decide them
    reader = principal(("grid_chief", BUFENG))
    assert (await feed.post(path, reader, {"decision": "retained", "note": "x"})).status_code == 403

    leader = principal(("township_leader", BUFENG), username="leader.bufeng")
    decided = await feed.post(path, leader, {"decision": "dismissed", "note": "经党委会研究，予以解聘"})
    assert decided.status_code == 200, decided.text
    body = decided.json()
    assert (body["status"], body["status_zh"], body["decided_by"]) == ("dismissed", "予以解聘", "leader.bufeng")
    assert body["decision_note"] == "经党委会研究，予以解聘" and body["decided_at"] is not None
    again = await feed.post(path, assessor_b, {"decision": "retained", "note": "复议"})
    assert again.status_code == 409 and again.json()["code"] == "review_decided"
    listed = (await feed.get("/grid-workers/dismissal-reviews", assessor_b, status="dismissed"))["items"]
    assert [r["id"] for r in listed if r["worker_id"] == worker] == [review["id"]]
    (event,) = [
        e for e in await feed.published("assessment.dismissal_review.decided") if e["data"]["review_id"] == review["id"]
    ]
    assert (event["data"]["decision"], event["data"]["reason"]) == ("dismissed", "verified_complaints")


async def test_the_county_grades_a_year_with_the_cap_and_the_bars_and_exports_the_awards(feed):
    clock = ServiceClock(feed.running.ctx)
    clock.set(feed.local("2026-12-01 09:00"))
    town = "320971102000"  # a township of its own: its seven workers are all it has
    workers = {name: feed.uid(f"{name}-") for name in ("top", "capped", "barred", "basic", "pass", "low", "fail")}
    grids = {name: grid_of(20 + i, "320971102201") for i, name in enumerate(workers)}
    for name, worker in workers.items():
        await feed.rostered(worker, grids[name], dt.date(2026, 12, 1), name=name)
        for i in range(5):
            await feed.household(f"h{i}-{worker}", grids[name], feed.local("2026-12-01 08:00"))
    december = [dt.date(2026, 12, d) for d in (1, 8, 15, 22)]
    for name in ("top", "capped", "barred", "basic", "pass", "low"):
        await feed.visit(workers[name], grids[name], feed.local("2026-12-02 10:00"))
    for name in ("top", "capped", "barred", "basic"):
        for day in december:
            await feed.diary(workers[name], grids[name], day)
    for name in ("top", "capped", "barred", "basic", "pass"):
        await feed.task(workers[name], grids[name], feed.local("2026-12-03 10:00"))
    await feed.visit_overdue(workers["capped"], grids["capped"], dt.date(2026, 12, 4))
    await feed.settle()
    answers = {
        "top": ["satisfied"] * 5,  # work 100, satisfaction 100 % → 100
        "capped": ["satisfied"] * 5,  # work 83.33 → 90: 优秀 by score, over the 15 % of 7
        "barred": ["satisfied"] * 4 + ["dissatisfied"],  # 80 % → 92 by score, barred from 优秀
        "basic": ["satisfied"] * 3 + ["dissatisfied"] * 2,  # 60 % → 84 by score, barred from 合格
        "pass": ["satisfied"] * 5,  # no diaries: work 66.67 → 80
        "low": ["satisfied"] * 4 + ["dissatisfied"],  # work 50 → 62: 基本合格
        "fail": ["dissatisfied"] * 4 + ["satisfied"],  # nothing done → 8
    }
    for name, results in answers.items():
        await survey_with_answers(feed, workers[name], "2026", results, who=assessor_county)

    early = await feed.post("/grid-workers/years/2026/grade", assessor_county, {"township_code": town})
    assert early.status_code == 409 and early.json()["code"] == "period_not_ended"
    clock.set(feed.local("2027-01-04 09:00"))
    assessor_town = principal(("assessor", town))
    township_only = await feed.post("/grid-workers/years/2026/grade", assessor_town, {"township_code": town})
    assert township_only.status_code == 403 and township_only.json()["code"] == "scope_denied"
    graded = await feed.post("/grid-workers/years/2026/grade", assessor_county, {"township_code": town})
    assert graded.status_code == 201, graded.text
    by = {r["worker_id"]: r for r in graded.json()["results"]}
    got = {name: (by[w]["score"], by[w]["grade_by_score"], by[w]["grade"]) for name, w in workers.items()}
    assert got == {
        "top": (100.0, "excellent", "excellent"),
        "capped": (90.0, "excellent", "pass"),
        "barred": (92.0, "excellent", "pass"),
        "basic": (84.0, "pass", "basic_pass"),
        "pass": (80.0, "pass", "pass"),
        "low": (62.0, "basic_pass", "basic_pass"),
        "fail": (8.0, "fail", "fail"),
    }
    assert by[workers["capped"]]["capped"] and by[workers["capped"]]["bar"] is None
    assert by[workers["barred"]]["bar"] == "satisfaction_below_excellent" and not by[workers["barred"]]["capped"]
    assert by[workers["basic"]]["bar"] == "satisfaction_below_pass"
    assert by[workers["top"]]["grade_zh"] == "优秀" and by[workers["top"]]["award_yuan"] == 800
    assert sum(r["award_yuan"] for r in by.values()) == 800

    response = await feed.running.client.get(
        "/api/assessment/v1/grid-workers/awards", params={"year": "2026"}, headers=headers_for(admin)
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["序号", "乡镇(街道)代码", "网格编码", "姓名"] and len(rows) == 2
    assert rows[1][3] == "top" and rows[1][6] == "优秀" and rows[1][7] == "800"
    xlsx = await feed.running.client.get(
        "/api/assessment/v1/grid-workers/awards", params={"year": "2026", "format": "xlsx"}, headers=headers_for(admin)
    )
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[2]][6:8] == ["优秀", 800]

    # the year's results of the level, as the organisation department files them
    results = await feed.running.client.get(
        "/api/assessment/v1/exports/results",
        params={"level": "grid_workers", "period": "2026", "format": "xlsx", "township_code": town},
        headers=headers_for(admin),
    )
    assert results.status_code == 200, results.text
    book = openpyxl.load_workbook(io.BytesIO(results.content))
    table = [[c.value for c in row] for row in book.active.iter_rows()]
    assert table[0] == [
        "序号", "乡镇(街道)代码", "村(社区)代码", "网格编码", "姓名", "岗位", "考核期", "工作实绩得分",
        "群众满意率(%)", "综合得分", "按得分等次", "满意度限制", "优秀比例限制", "考核等次", "奖励金额(元)",
    ]  # fmt: skip
    by_name = {row[4]: row for row in table[1:]}
    assert len(by_name) == 7 and book.active.title == "2026网格员考核结果"
    assert by_name["top"][13:] == ["优秀", 800] and by_name["capped"][12:14] == ["是", "合格"]
    assert by_name["barred"][11] == "满意度低于优秀门槛，不得评为优秀" and by_name["basic"][13] == "基本合格"
    assert by_name["fail"][8:10] == [20.0, 8.0]
    csv_rows = await feed.running.client.get(
        "/api/assessment/v1/exports/results",
        params={"level": "grid_workers", "period": "2026", "township_code": town},
        headers=headers_for(admin),
    )
    parsed = list(csv.reader(io.StringIO(csv_rows.content.decode("utf-8-sig"))))
    assert parsed[0] == table[0] and len(parsed) == 8
    clock.reset()


async def test_missed_patrols_of_two_grids_on_one_day_count_for_each_grids_worker(feed):
    from sqlalchemy import func, select

    from assessment.gridworkers.models import WorkerFact

    one, two = feed.uid("w-"), feed.uid("w-")
    g_one, g_two = grid_of(31), grid_of(32)
    await feed.rostered(one, g_one, dt.date(2026, 1, 1))
    await feed.rostered(two, g_two, dt.date(2026, 1, 1))
    await feed.settle()  # the roster is known before the patrols (a patrol naming no worker is the grid's)
    day = dt.date(2026, 8, 3)
    await feed.patrol_overdue(one, g_one, day)
    await feed.patrol_overdue(None, g_two, day)  # no worker named: the grid's worker
    await feed.patrol_overdue(one, g_one, day)  # the same obligation published again: counted once
    await feed.settle()
    async with feed.running.ctx.db.session() as session:
        counted = dict(
            (
                await session.execute(
                    select(WorkerFact.worker_id, func.count())
                    .where(WorkerFact.kind == "visit_overdue", WorkerFact.worker_id.in_([one, two]))
                    .group_by(WorkerFact.worker_id)
                )
            ).all()
        )
    assert counted == {one: 1, two: 1}


async def test_a_grid_workers_verifications_count_on_time_within_the_limit_of_the_feedback(feed):
    from jiceng_shared import units

    worker, other = feed.uid("w-"), feed.uid("w-")
    grid = grid_of(72)
    await feed.rostered(worker, grid, dt.date(2026, 1, 1))
    await feed.rostered(other, grid_of(73), dt.date(2026, 1, 1))
    # the roster comes on grid's stream, the verifications on dispatch's: on the roster first
    await feed.settle()
    unit = units.township_office(BUFENG, "cle")
    handled = feed.local("2026-03-10 09:00")
    tickets = [feed.uid("t-") for _ in range(4)]
    # exactly at the limit (2 h) is on time; a minute past it is not
    await feed.verified(
        tickets[0], unit, handled + dt.timedelta(hours=2), verified_by=f"grid.{worker}", handled_at=handled
    )
    await feed.verified(
        tickets[1], unit, handled + dt.timedelta(hours=2, minutes=1), verified_by=f"grid.{worker}", handled_at=handled
    )
    # a failed verification is a verification too; redelivered, it counts once
    await feed.reopened(
        tickets[2], unit, handled + dt.timedelta(minutes=30), verified_by=f"grid.{worker}", handled_at=handled
    )
    # a dispatcher's verification and a reopen by callback are no grid worker's figure
    await feed.verified(tickets[3], unit, handled, verified_by="dispatcher.bufeng", handled_at=handled, twice=True)
    await feed.reopened(tickets[3], unit, handled + dt.timedelta(hours=1))
    await feed.settle()

    (row,) = (await feed.get("/grid-workers", assessor_b, period="2026-03", worker_id=worker))["items"]
    assert (row["counts"]["verifications"], row["counts"]["verifications_on_time"]) == (3, 2)
    formula = row["formulas"]["verification_on_time_rate"]
    assert formula["shown"] == "按时核查率 = 2 / 3 = 66.67%" and row["rates"]["verification_on_time_rate"] == 0.6667
    (none,) = (await feed.get("/grid-workers", assessor_b, period="2026-03", worker_id=other))["items"]
    assert none["counts"]["verifications"] == 0 and none["rates"]["verification_on_time_rate"] is None
    evidence = await feed.get("/evidence/grid-workers", assessor_b, period="2026-03", worker_id=worker)
    checks = [i for i in evidence["items"] if i["kind"] == "verification"]
    assert sorted(i["on_time"] for i in checks) == [False, True, True]
    assert {i["kind_zh"] for i in checks} == {"核查"} and checks[0]["feeds"] == [
        "verifications",
        "verifications_on_time",
    ]


async def test_a_verification_that_overtakes_its_verifiers_roster_entry_is_counted_when_the_entry_comes(feed):
    from jiceng_shared import units

    worker = feed.uid("w-")
    unit = units.township_office(BUFENG, "cle")
    handled = feed.local("2026-04-08 10:00")
    ticket = feed.uid("t-")
    # dispatch's stream runs ahead of grid's: the verification comes before the roster entry
    await feed.verified(ticket, unit, handled + dt.timedelta(hours=1), verified_by=f"grid.{worker}", handled_at=handled)
    await feed.settle()
    await feed.rostered(worker, grid_of(74), dt.date(2026, 1, 1))
    await feed.settle()
    (row,) = (await feed.get("/grid-workers", assessor_b, period="2026-04", worker_id=worker))["items"]
    assert (row["counts"]["verifications"], row["counts"]["verifications_on_time"]) == (1, 1)
