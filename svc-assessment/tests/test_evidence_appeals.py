"""Explainable scores: every figure links to the facts (and events) behind it; a subject appeals a
figure within the configured window (``appeal_window_days`` = 10), decided by the assessing level."""

import datetime as dt

from assessment.config import AssessmentSettings
from jiceng_shared import units
from jiceng_shared.testing.plugin import ServiceClock, headers_for, principal

BUFENG, COUNTY = "320971100000", "320971000000"
CLE_B = units.township_office(BUFENG, "cle")
GRID = "320971100201051"

admin = principal(("county_admin", COUNTY))
assessor_b = principal(("assessor", BUFENG), username="assessor.bufeng")
assessor_county = principal(("assessor", COUNTY), username="assessor.county")
leader_b = principal(("township_leader", BUFENG), username="township_leader.bufeng")


async def test_a_unit_s_figures_link_to_their_tickets(feed):
    t1, t2 = feed.uid("t-"), feed.uid("t-")
    await feed.assigned(t1, CLE_B, feed.local("2026-02-09 09:00"))
    await feed.assigned(t2, CLE_B, feed.local("2026-02-09 10:00"))
    await feed.closed(t1, CLE_B, feed.local("2026-02-10 09:00"), on_time=True)
    await feed.settle()
    evidence = await feed.get("/evidence/units", admin, unit_code=CLE_B.code, period="2026-02")
    facts = [(f["kind"], f["ref"], f["on_time"]) for f in evidence["items"]]
    assert facts == [("assignment", t1, None), ("assignment", t2, None), ("closure", t1, True)]
    closure = evidence["items"][2]
    assert closure["kind_zh"] == "结案" and closure["feeds"] == ["closed", "closed_on_time"]
    assert closure["correlation_id"] and closure["period"] == "2026-02"
    outsider = principal(("township_leader", "320971001000"))
    response = await feed.running.client.get(
        "/api/assessment/v1/evidence/units",
        params={"unit_code": CLE_B.code, "period": "2026-02"},
        headers=headers_for(outsider),
    )
    assert response.status_code == 404


async def test_a_grid_worker_s_score_links_to_visits_and_reports(feed):
    worker = feed.uid("w-")
    await feed.rostered(worker, GRID, dt.date(2026, 1, 1))
    incident, voided = feed.uid("i-"), feed.uid("i-")
    await feed.visit(worker, GRID, feed.local("2026-02-11 10:00"))
    await feed.incident(incident, worker, GRID, feed.local("2026-02-12 10:00"))
    await feed.incident(voided, worker, GRID, feed.local("2026-02-13 10:00"))
    await feed.voided(voided, BUFENG, feed.local("2026-02-13 11:00"))
    await feed.settle()
    evidence = await feed.get("/evidence/grid-workers", admin, worker_id=worker, period="2026-Q1")
    reports = {f["ref"]: f["detail"]["voided"] for f in evidence["items"] if f["kind"] == "report"}
    assert reports == {incident: False, voided: True}
    assert [f["kind"] for f in evidence["items"]][0] == "visit"


async def test_a_clerk_s_ratings_are_listed_behind_the_rating_figures(feed):
    clerk, rating = feed.uid("c-"), feed.uid("r-")
    await feed.rating(rating, clerk, 2, feed.local("2026-02-05 10:00"))
    await feed.settle()
    evidence = await feed.get("/evidence/clerks", admin, clerk_id=clerk, period="2026-02")
    assert [(f["kind"], f["ref"], f["detail"]["level"]) for f in evidence["items"]] == [("rating", rating, 2)]


async def test_an_appeal_is_filed_within_the_window_and_decided_by_the_assessing_level(feed):
    assert AssessmentSettings().appeal_window_days == 10
    clock = ServiceClock(feed.running.ctx)
    staff = principal(("dept_staff", BUFENG, "cle"), username="dept_staff.cle.bufeng")
    body = {"subject_kind": "unit", "subject_id": CLE_B.code, "period": "2026-03", "figure": "closure_rate"}
    body["reasons"] = "3月两张工单已依法移送，不应计入应结案"
    clock.set(feed.local("2026-03-20 10:00"))
    early = await feed.post("/appeals", staff, body)
    assert early.status_code == 409 and early.json()["code"] == "period_not_ended"

    clock.set(feed.local("2026-04-03 10:00"))
    closed = await feed.post("/periods/2026-03/close", assessor_b, {"township_code": BUFENG})
    assert closed.status_code == 201, closed.text
    # the window runs 10 days from the month's closure (3 April): to 13 April 23:59:59
    clock.set(feed.local("2026-04-13 23:59"))
    filed = await feed.post("/appeals", staff, body)
    assert filed.status_code == 201, filed.text
    appeal = filed.json()
    assert (appeal["status"], appeal["assessing_level"], appeal["filed_by"]) == (
        "filed",
        "township",
        "dept_staff.cle.bufeng",
    )
    clock.set(feed.local("2026-04-14 00:01"))
    late = await feed.post("/appeals", staff, body)
    assert late.status_code == 409 and late.json()["code"] == "appeal_window_closed"

    decision = {"appeal_id": appeal["id"], "outcome": "upheld", "note": "经核实属依法移送，予以更正"}
    county = await feed.post("/appeals/decisions", assessor_county, decision)
    assert county.status_code == 403 and county.json()["code"] == "scope_denied"  # the township assessed
    decided = await feed.post("/appeals/decisions", assessor_b, decision)
    assert decided.status_code == 200, decided.text
    assert (decided.json()["status"], decided.json()["status_zh"], decided.json()["decided_by"]) == (
        "upheld",
        "申诉成立",
        "assessor.bufeng",
    )
    again = await feed.post("/appeals/decisions", assessor_b, {**decision, "outcome": "rejected"})
    assert again.status_code == 409 and again.json()["code"] == "appeal_decided"
    listed = (await feed.get("/appeals", leader_b, subject_id=CLE_B.code))["items"]
    assert [a["id"] for a in listed] == [appeal["id"]] and listed[0]["decision_note"]

    # a grid worker appeals their own annual grade; the county decides
    worker = feed.uid("w-")
    await feed.rostered(worker, GRID, dt.date(2026, 1, 1))
    await feed.settle()
    me = principal(("grid_worker", GRID), username=f"grid.{worker}")
    colleague = principal(("grid_worker", GRID), username="grid.someone-else")
    clock.set(feed.local("2027-01-10 20:00"))
    grade_appeal = {"subject_kind": "grid_worker", "subject_id": worker, "period": "2026", "figure": "grade"}
    grade_appeal["reasons"] = "满意度测评对象不在本网格"
    assert (await feed.post("/appeals", colleague, grade_appeal)).status_code == 403
    mine = await feed.post("/appeals", me, grade_appeal)
    assert mine.status_code == 201 and mine.json()["assessing_level"] == "county", mine.text
    clock.set(feed.local("2027-01-11 00:00"))  # 10 days after the year ended
    assert (await feed.post("/appeals", me, grade_appeal)).json()["code"] == "appeal_window_closed"
    ruling = {"appeal_id": mine.json()["id"], "outcome": "rejected", "note": "抽取记录可复现，测评有效"}
    assert (await feed.post("/appeals/decisions", assessor_b, ruling)).status_code == 403
    assert (await feed.post("/appeals/decisions", assessor_county, ruling)).json()["status"] == "rejected"
    clock.reset()


async def test_nobody_decides_an_appeal_they_filed_or_that_is_their_own(feed):
    clock = ServiceClock(feed.running.ctx)
    # a township officer who assesses and also files for the unit on its behalf
    both = principal(("township_leader", BUFENG), ("assessor", BUFENG), username="leader.and.assessor")
    body = {"subject_kind": "unit", "subject_id": CLE_B.code, "period": "2026-05", "figure": "closure_rate"}
    body["reasons"] = "5月工单已依法移送"
    clock.set(feed.local("2026-06-03 10:00"))
    await feed.post("/periods/2026-05/close", assessor_b, {"township_code": BUFENG})
    filed = await feed.post("/appeals", both, body)
    assert filed.status_code == 201, filed.text
    decision = {"appeal_id": filed.json()["id"], "outcome": "upheld", "note": "自己决定"}
    own = await feed.post("/appeals/decisions", both, decision)
    assert own.status_code == 403 and own.json()["code"] == "own_appeal"
    assert (await feed.post("/appeals/decisions", assessor_b, decision)).status_code == 200

    # a grid worker who is also an assessor of the county never rules on their own grade
    worker = feed.uid("w-")
    await feed.rostered(worker, GRID, dt.date(2026, 1, 1))
    await feed.settle()
    me = principal(("grid_worker", GRID), ("assessor", COUNTY), username=f"grid.{worker}")
    clock.set(feed.local("2027-01-05 20:00"))
    grade = {"subject_kind": "grid_worker", "subject_id": worker, "period": "2026", "figure": "grade"}
    grade["reasons"] = "测评对象不在本网格"
    mine = await feed.post("/appeals", me, grade)
    assert mine.status_code == 201, mine.text
    ruling = {"appeal_id": mine.json()["id"], "outcome": "upheld", "note": "x"}
    assert (await feed.post("/appeals/decisions", me, ruling)).json()["code"] == "own_appeal"
    assert (await feed.post("/appeals/decisions", assessor_county, ruling)).status_code == 200
    clock.reset()
