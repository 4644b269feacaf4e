"""Every list of the service answers ``{items, next_cursor}``: a page of ``limit`` items comes with
a cursor that yields the rest, in the order of the whole list (``Feed.walk``)."""

import datetime as dt

from assessment.appeals.models import Appeal
from assessment.gridworkers.models import DismissalReview, PeriodResult, Survey
from jiceng_shared import units
from jiceng_shared.testing.plugin import headers_for, principal

BUFENG, XINCHENG, COUNTY = "320971100000", "320971001000", "320971000000"
VILLAGE = "320971100201"
admin = principal(("county_admin", COUNTY))
NOW = dt.datetime(2026, 3, 10, 1, 0, tzinfo=dt.UTC)


async def add(feed, *rows):
    async with feed.running.ctx.db.transaction() as session:
        session.add_all(rows)


async def test_the_lists_summed_per_township_page_by_township(feed):
    for unit in (units.township_office(BUFENG, "cle"), units.township_office(XINCHENG, "cle")):
        await feed.assigned(feed.uid("t-"), unit, feed.local("2026-03-05 09:00"), township=unit.area_code)
    await feed.settle()
    centres = await feed.walk("/dispatch-centres", admin, limit=1, period="2026-03")
    assert len(centres) >= 2 and [c["township_code"] for c in centres] == sorted(c["township_code"] for c in centres)
    areas = await feed.walk("/units/by-area", admin, limit=1, period="2026-03")
    assert len(areas) >= 2 and [a["area_code"] for a in areas] == sorted(a["area_code"] for a in areas)
    stationed = await feed.walk("/stationed/results", admin, limit=2, period="2026")
    assert len(stationed) > 2


async def test_the_published_list_and_an_items_versions_page_by_code_and_version(feed):
    items = await feed.walk("/items", admin, limit=2)
    assert len(items) > 2 and [i["code"] for i in items] == sorted(i["code"] for i in items)
    code = items[0]["code"]
    change = {"label_zh": "修订", "max_points": 20, "basis": "细则（修订）", "effective_from": "2027-01-01"}
    for day in ("2027-01-01", "2027-02-01"):
        revised = await feed.post(f"/items/{code}/versions", admin, change | {"effective_from": day})
        assert revised.status_code == 201, revised.text
    versions = await feed.walk(f"/items/{code}/versions", admin, limit=1)
    assert [v["version"] for v in versions] == [1, 2, 3]


async def test_the_grid_workers_lists_page_by_worker_and_newest_first(feed):
    workers = [feed.uid("pw-") for _ in range(3)]
    for n, worker in enumerate(workers):
        await feed.rostered(worker, f"{VILLAGE}{80 + n:03d}", dt.date(2025, 1, 1))
    await feed.settle()
    scores = await feed.walk("/grid-workers", admin, limit=2, period="2026-02", township_code=BUFENG)
    assert {w["worker"]["worker_id"] for w in scores} >= set(workers)
    await add(
        feed,
        *(
            Survey(
                id=feed.uid("s-"), worker_id=w, grid_code=f"{VILLAGE}{80 + n:03d}", township_code=BUFENG,
                period="2025-Q3", seed="x", candidates=[], sample_size=0, drawn=[], created_at=NOW, created_by="t",
            )
            for n, w in enumerate(workers)
        ),
        *(
            PeriodResult(
                worker_id=w, period="2025-Q3", kind="quarter", township_code=BUFENG,
                grid_code=f"{VILLAGE}{80 + n:03d}", work_score=80.0, satisfaction_rate=0.9, score=84.0,
                failing=False, grade_by_score="pass", bar=None, capped=False, grade="pass", award_yuan=0,
                parts={}, assessed_at=NOW, assessed_by="t",
            )
            for n, w in enumerate(workers)
        ),
        *(
            DismissalReview(
                id=feed.uid("r-"), worker_id=w, township_code=BUFENG, reason="failing_quarters",
                basis_key="2025-Q3", basis={}, status="open", opened_at=NOW + dt.timedelta(minutes=n),
            )
            for n, w in enumerate(workers)
        ),
    )  # fmt: skip
    surveys = await feed.walk("/grid-workers/surveys", admin, limit=2, period="2025-Q3")
    assert [s["worker_id"] for s in surveys] == sorted(workers)
    results = await feed.walk("/grid-workers/results", admin, limit=2, period="2025-Q3")
    assert [r["worker_id"] for r in results] == sorted(workers)
    reviews = await feed.walk("/grid-workers/dismissal-reviews", admin, limit=2, township_code=BUFENG)
    assert [r["worker_id"] for r in reviews if r["worker_id"] in workers] == workers[::-1]  # newest first


async def test_appeals_page_newest_first(feed):
    subject = feed.uid("clerk-")
    await add(
        feed,
        *(
            Appeal(
                id=feed.uid("a-"), subject_kind="clerk", subject_id=subject, area_code=BUFENG, dept=None,
                period="2026-01", figure="on_time_rate", reasons="理由", assessing_level="township", filed_by="t",
                filed_at=NOW + dt.timedelta(minutes=n), window_ends_at=NOW + dt.timedelta(days=5), status="filed",
            )
            for n in range(3)
        ),
    )  # fmt: skip
    appeals = await feed.walk("/appeals", admin, limit=2, subject_id=subject)
    assert len(appeals) == 3 and [a["filed_at"] for a in appeals] == sorted(
        (a["filed_at"] for a in appeals), reverse=True
    )


async def test_a_cursor_the_api_did_not_issue_is_a_400(feed):
    for path in ("/appeals", "/grid-workers/surveys", "/units/by-area", "/items"):
        response = await feed.running.client.get(
            f"/api/assessment/v1{path}", params={"cursor": "bm9wZQ"}, headers=headers_for(admin)
        )
        assert response.status_code == 400 and response.json()["code"] == "invalid_cursor", path
