"""The published list as data, and manual ratings against it: nothing beyond the list, points within
the item's maximum, in scope, not on a closed month; the window staff score they make up."""

import pytest

from assessment.items.models import AssessmentItem, ManualRating
from jiceng_shared import units
from jiceng_shared.testing.plugin import demo_principal, headers_for, principal

BUFENG, XINCHENG, COUNTY = "320971100000", "320971001000", "320971000000"
CLE_B = units.township_office(BUFENG, "cle")

assessor_b = demo_principal("assessor.bufeng")
assessor_x = demo_principal("assessor.xincheng")
admin = demo_principal("county_admin")

VETO = {
    "code": "unit.major_safety_accident",
    "kind": "veto",
    "subject_kind": "unit",
    "label_zh": "发生重大安全生产责任事故",
    "basis": "省委办公厅一票否决事项目录（示例）",
    "effective_from": "2025-01-01",
    "township_codes": [BUFENG],
}


async def post(feed, path, body, who):
    return await feed.running.client.post(f"/api/assessment/v1{path}", json=body, headers=headers_for(who))


def rating(subject_id, item_code, *, kind="clerk", period="2025-10", **extra):
    return {"period": period, "subject_kind": kind, "subject_id": subject_id, "item_code": item_code} | extra


@pytest.fixture(scope="module")
async def clerk(feed):
    """A Bufeng clerk rated 非常满意 twice in October 2025 (public-rating points 20 of 20)."""
    me = feed.uid("clerk-")
    for _ in range(2):
        await feed.rating(feed.uid("rt-"), me, 5, feed.local("2025-10-10 10:00"))
    await feed.settle()
    return me


async def test_the_seeded_list_holds_the_window_staff_score_items(feed):
    items = (await feed.get("/items", assessor_b, subject_kind="clerk", kind="score", limit=200))["items"]
    assert {(i["code"], i["max_points"]) for i in items} == {
        ("window.discipline", 30),
        ("window.skills", 30),
        ("window.service_conduct", 20),
    }
    assert all(i["kind_zh"] == "评分项" for i in items)


async def test_an_item_outside_the_published_list_is_refused_and_nothing_is_written(feed, clerk):
    before = await feed.rows(ManualRating)
    for item in ("window.loyalty_pledge", VETO["code"]):  # never published / not yet published
        response = await post(
            feed, "/manual-ratings", rating(CLE_B.code, item, kind="unit", outcome="triggered"), assessor_b
        )
        assert response.status_code == 422 and response.json()["code"] == "item_not_in_list", item
    assert await feed.rows(ManualRating) == before


async def test_the_county_publishes_a_veto_item_and_only_then_it_may_be_applied(feed):
    refused = await post(feed, "/items", VETO, assessor_b)
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    created = await post(feed, "/items", VETO, admin)
    assert created.status_code == 201 and created.json()["kind_zh"] == "一票否决"
    duplicate = await post(feed, "/items", VETO, admin)
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "item_exists"

    before = await feed.rows(ManualRating)
    early = await post(
        feed,
        "/manual-ratings",
        rating(CLE_B.code, VETO["code"], kind="unit", period="2024-12", outcome="triggered"),
        assessor_b,
    )
    assert early.status_code == 422 and early.json()["code"] == "item_not_in_list"  # not in force yet
    wrong = await post(feed, "/manual-ratings", rating(CLE_B.code, VETO["code"], kind="unit", points=5), assessor_b)
    assert wrong.status_code == 422 and {e["code"] for e in wrong.json()["errors"]} == {
        "points_not_applicable",
        "invalid_outcome",
    }
    assert await feed.rows(ManualRating) == before

    applied = await post(
        feed,
        "/manual-ratings",
        rating(CLE_B.code, VETO["code"], kind="unit", outcome="triggered", note="9月发生较大事故"),
        assessor_b,
    )
    assert applied.status_code == 201, applied.text
    assert applied.json()["outcome_zh"] == "触发否决" and applied.json()["rated_by"] == "assessor.bufeng"
    shown = await feed.get(f"/units/{CLE_B.code}/indicators", admin, period="2025-10")
    assert [r["item_code"] for r in shown["manual_ratings"]] == [VETO["code"]]


async def test_a_veto_item_applies_only_to_the_townships_the_list_names(feed):
    unnamed = {**VETO, "code": "unit.veto_everywhere"}
    del unnamed["township_codes"]
    refused = await post(feed, "/items", unnamed, admin)
    assert refused.status_code == 422 and refused.json()["code"] == "veto_needs_townships"
    not_township = await post(feed, "/items", {**unnamed, "township_codes": ["320971100201"]}, admin)
    assert not_township.status_code == 422 and not_township.json()["code"] == "not_a_township"
    xincheng_only = {**VETO, "code": "unit.xincheng_flood_veto", "township_codes": [XINCHENG]}
    created = await post(feed, "/items", xincheng_only, admin)
    assert created.status_code == 201 and created.json()["township_codes"] == [XINCHENG]
    before = await feed.rows(ManualRating)
    elsewhere = await post(
        feed,
        "/manual-ratings",
        rating(CLE_B.code, xincheng_only["code"], kind="unit", outcome="triggered"),
        assessor_b,
    )
    assert elsewhere.status_code == 422 and elsewhere.json()["code"] == "item_not_applicable"
    assert await feed.rows(ManualRating) == before
    # where the list names the township (VETO names Bufeng) it applies: see the test above


async def test_bad_items_are_refused_with_every_reason(feed):
    before = await feed.rows(AssessmentItem)
    no_points = VETO | {"code": "unit.extra_score", "kind": "score"}
    response = await post(feed, "/items", no_points, admin)
    assert response.status_code == 422 and response.json()["code"] == "max_points_required"
    response = await post(feed, "/items", VETO | {"code": "Bad Code!", "kind": "pledge", "max_points": 0}, admin)
    assert response.status_code == 422 and {e["field"] for e in response.json()["errors"]} == {"code", "max_points"}
    assert await feed.rows(AssessmentItem) == before


async def test_score_points_stay_within_the_items_maximum(feed, clerk):
    before = await feed.rows(ManualRating)
    over = await post(feed, "/manual-ratings", rating(clerk, "window.discipline", points=30.5), assessor_b)
    assert over.status_code == 422 and over.json()["code"] == "points_out_of_range"
    no_points = await post(feed, "/manual-ratings", rating(clerk, "window.discipline"), assessor_b)
    assert no_points.status_code == 422 and no_points.json()["code"] == "points_required"
    other_kind = await post(
        feed, "/manual-ratings", rating(clerk, "window.discipline", kind="unit", points=3), assessor_b
    )
    assert other_kind.status_code == 404  # no unit of that id
    assert await feed.rows(ManualRating) == before
    full = await post(feed, "/manual-ratings", rating(clerk, "window.discipline", points=30), assessor_b)
    assert full.status_code == 201
    again = await post(feed, "/manual-ratings", rating(clerk, "window.discipline", points=29), assessor_b)
    assert again.status_code == 409 and again.json()["code"] == "already_rated"


async def test_the_staff_score_adds_the_rated_items_and_the_public_rating_points(feed, clerk):
    """discipline 30 (rated above) + skills 28 + service conduct, + public rating 20 (average 5)."""
    await post(feed, "/manual-ratings", rating(clerk, "window.discipline", points=30), assessor_b)  # 201 or 409
    assert (
        await post(feed, "/manual-ratings", rating(clerk, "window.skills", points=28), assessor_b)
    ).status_code == 201
    partial = (await feed.get(f"/window/clerks/{clerk}", assessor_b, period="2025-10"))["score"]
    assert partial["complete"] is False and partial["total"] == 78.0 and partial["public_rating_points"] == 20.0
    assert partial["public_rating_weight"] == 20
    response = await post(feed, "/manual-ratings", rating(clerk, "window.service_conduct", points=18), assessor_b)
    assert response.status_code == 201
    detail = await feed.get(f"/window/clerks/{clerk}", assessor_b, period="2025-10")
    assert detail["score"]["complete"] is True and detail["score"]["total"] == 96.0
    assert {i["item_code"]: i["points"] for i in detail["score"]["items"]} == {
        "window.discipline": 30.0,
        "window.skills": 28.0,
        "window.service_conduct": 18.0,
    }
    assert detail["score_total"] == 96.0 and len(detail["manual_ratings"]) == 3
    listed = await feed.get("/window/clerks", assessor_b, period="2025-10", limit=200)
    assert next(c for c in listed["items"] if c["clerk"]["clerk_id"] == clerk)["score_total"] == 96.0


async def test_manual_ratings_stay_in_scope_and_off_closed_months(feed, clerk):
    before = await feed.rows(ManualRating)
    other = await post(feed, "/manual-ratings", rating(clerk, "window.skills", period="2025-11", points=20), assessor_x)
    assert other.status_code == 404  # a Bufeng clerk does not exist for Xincheng
    leader = await post(
        feed,
        "/manual-ratings",
        rating(clerk, "window.skills", period="2025-11", points=20),
        demo_principal("township_leader.bufeng"),
    )
    assert leader.status_code == 403 and leader.json()["code"] == "permission_denied"
    assert await feed.rows(ManualRating) == before
    county = principal(("assessor", COUNTY))
    closing = await feed.running.client.post("/api/assessment/v1/periods/2025-09/close", headers=headers_for(county))
    assert closing.status_code == 201
    before = await feed.rows(ManualRating)
    closed = await post(
        feed, "/manual-ratings", rating(clerk, "window.skills", period="2025-09", points=20), assessor_b
    )
    assert closed.status_code == 409 and closed.json()["code"] == "period_closed"
    assert await feed.rows(ManualRating) == before

    assert (await feed.get("/manual-ratings", assessor_x))["items"] == []
    mine = await feed.get("/manual-ratings", assessor_b, subject_id=clerk)
    assert mine["items"] and all(r["area_code"] == BUFENG for r in mine["items"])


async def test_the_list_is_versioned_item_by_item_and_a_rating_keeps_its_version(feed, clerk):
    from jiceng_shared.testing.plugin import ServiceClock

    clock = ServiceClock(feed.running.ctx)
    clock.set(feed.local("2026-11-15 10:00"))
    code = "clerk." + feed.uid("v").replace("-", "_").lower()
    first = await post(
        feed,
        "/items",
        {
            "code": code,
            "kind": "score",
            "subject_kind": "clerk",
            "label_zh": "窗口环境",
            "max_points": 10,
            "basis": "细则（2026）",
            "effective_from": "2026-01-01",
        },
        admin,
    )
    assert first.status_code == 201 and first.json()["version"] == 1
    october = await post(feed, "/manual-ratings", rating(clerk, code, period="2026-10", points=9), assessor_b)
    assert october.status_code == 201 and october.json()["item_version"] == 1

    change = {"label_zh": "窗口环境（修订）", "max_points": 20, "basis": "细则（2026 修订）"}
    path = f"/items/{code}/versions"
    # a new version never takes effect in the past
    past = await post(feed, path, change | {"effective_from": "2026-11-14"}, admin)
    assert past.status_code == 422 and past.json()["errors"][0]["code"] == "effective_from_in_past"
    refused = await post(feed, path, change | {"effective_from": "2026-12-01"}, assessor_b)
    assert refused.status_code == 403
    second = await post(feed, path, change | {"effective_from": "2026-12-01", "base_version": 1}, admin)
    assert second.status_code == 201, second.text
    assert (second.json()["version"], second.json()["kind"], second.json()["max_points"]) == (2, "score", 20)
    stale = await post(feed, path, change | {"effective_from": "2026-12-05", "base_version": 1}, admin)
    assert stale.status_code == 409 and stale.json()["code"] == "concurrent_update"
    before_latest = await post(feed, path, change | {"effective_from": "2026-11-30"}, admin)
    assert before_latest.status_code == 422
    assert before_latest.json()["errors"][0]["code"] == "effective_date_before_latest"

    # both sides of the effective day
    on_30th = (await feed.get("/items", assessor_b, in_force_on="2026-11-30", limit=200))["items"]
    on_1st = (await feed.get("/items", assessor_b, in_force_on="2026-12-01", limit=200))["items"]
    assert [(i["version"], i["max_points"]) for i in on_30th if i["code"] == code] == [(1, 10)]
    assert [(i["version"], i["max_points"]) for i in on_1st if i["code"] == code] == [(2, 20)]
    assert [
        (i["version"]) for i in (await feed.get("/items", assessor_b, limit=200))["items"] if i["code"] == code
    ] == [2]
    assert [v["version"] for v in (await feed.get(path, assessor_b))["items"]] == [1, 2]

    # a month is rated against its version: 15 points exceed November's 10, fit December's 20
    november = await post(feed, "/manual-ratings", rating(clerk, code, period="2026-11", points=15), assessor_b)
    assert november.status_code == 422 and november.json()["code"] == "points_out_of_range"
    december = await post(feed, "/manual-ratings", rating(clerk, code, period="2026-12", points=15), assessor_b)
    assert december.status_code == 201 and december.json()["item_version"] == 2
    kept = await feed.get("/manual-ratings", assessor_b, subject_id=clerk, period="2026-10")
    assert [r["item_version"] for r in kept["items"] if r["item_code"] == code] == [1]
    clock.reset()


async def test_a_value_outside_a_closed_set_is_refused_naming_every_such_field(feed):
    body = {"period": "2026-10", "subject_kind": "robot", "subject_id": "x", "item_code": "x", "outcome": "maybe"}
    refused = await post(feed, "/manual-ratings", body, assessor_b)
    assert refused.status_code == 422 and refused.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in refused.json()["errors"]} == {"subject_kind", "outcome"}
    listed = await feed.running.client.get(
        "/api/assessment/v1/items", params={"kind": "bonus"}, headers=headers_for(assessor_b)
    )
    assert listed.status_code == 422 and [e["field"] for e in listed.json()["errors"]] == ["kind"]
