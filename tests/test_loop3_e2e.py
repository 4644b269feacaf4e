"""Loop 3 of flows.md through the gateway: a resident's application at the window, with all six
processes, real NATS and PostgreSQL, on today's real PRC calendar.

A committed item with a material missing gets one notice listing it; the material arrives, the
application is accepted with a working-day deadline; the back office approves, one window hands
out; the resident rates 不满意 with the rating code (anonymously); a rectification is assigned,
called back and closed; assessment shows the clerk's rating and rectification. An instant item
is finished within 15 minutes; a village agent's proxy application and a cross-township one are
visible where they belong, and nowhere else.
"""

from __future__ import annotations

import datetime as dt

import pytest

from jiceng_shared.testing import web
from jiceng_shared.testing.journey import Journey, current_period
from jiceng_shared.workdays import WorkdayCalendar

pytestmark = pytest.mark.e2e

API = "/api/approval/v1"
CLERK, OFFICER, LEADER = "window_clerk.bufeng", "approval_officer.bufeng", "township_leader.bufeng"
BUFENG, BUFENG_VILLAGE = "320971100000", "320971100201"


def applicant(name: str, area_code: str | None = None) -> dict:
    body = {"name": name, "id_number": "320911195001011234", "phone": "13800000000"}
    return body | ({"area_code": area_code} if area_code else {})


@pytest.fixture
async def journey(stack):
    j = Journey(stack.url("gateway"))
    yield j
    await j.close()


async def test_an_application_goes_from_notice_to_rectified_bad_rating(journey):
    received = await journey.ok(
        CLERK,
        f"{API}/applications",
        {
            "item_code": "homestead_building",
            "applicant": applicant("张三"),
            "materials": [{"code": "application_form"}, {"code": "id_card"}],
        },
        status=201,
    )
    assert received["status"] == "awaiting_materials"
    [notice] = received["notices"]
    assert [item["code"] for item in notice["items"]] == ["village_opinion"]  # every missing item, at once
    app_id = received["id"]

    await journey.ok(CLERK, f"{API}/applications/{app_id}/materials", {"materials": [{"code": "village_opinion"}]})
    accepted = await journey.ok(CLERK, f"{API}/applications/{app_id}/accept", {})
    accepted_at = dt.datetime.fromisoformat(accepted["accepted_at"])
    expected = WorkdayCalendar().deadline(accepted_at, 15)  # the item's promise, on the PRC calendar
    assert dt.datetime.fromisoformat(accepted["deadline"]) == expected

    await journey.ok(OFFICER, f"{API}/applications/{app_id}/decision", {"outcome": "approved"})
    done = await journey.ok(CLERK, f"{API}/applications/{app_id}/handout", {})
    assert done["status"] == "completed" and done["on_time"] is True

    # the resident, anonymous, with the receipt number and the rating code handed out
    public = web.client(journey.gateway)
    try:
        status = await public.post(  # the check code in the body, never in the URL
            f"{API}/public/applications/lookup",
            json={"receipt_number": done["receipt_number"], "check_code": received["check_code"]},
        )
        assert status.status_code == 200
        rated = await public.post(
            f"{API}/public/ratings",
            json={
                "receipt_number": done["receipt_number"],
                "rating_code": done["rating_code"],
                "level": 2,
                "comment": "补材料跑了两趟",
            },
        )
        assert rated.status_code == 201, rated.text
        again = await public.post(
            f"{API}/public/ratings",
            json={"receipt_number": done["receipt_number"], "rating_code": done["rating_code"], "level": 5},
        )
        assert again.status_code == 409 and again.json()["code"] == "already_rated"
    finally:
        await public.aclose()

    [rectification] = (await journey.get(LEADER, f"{API}/rectifications", application_id=app_id)).json()["items"]
    path = f"{API}/rectifications/{rectification['id']}"
    # handled by another clerk of the township: the rated clerk never reaches the rater (51号)
    handler = "window_clerk2.bufeng"
    await journey.ok(LEADER, f"{path}/assign", {"assignee_username": handler, "assignee_name": "步凤镇窗口人员乙"})
    await journey.ok(handler, f"{path}/callback", {"reached": True, "note": "已回访致歉"})
    closed = await journey.ok(handler, f"{path}/close", {"outcome": "fixed", "note": "推行材料预审"})
    assert closed["on_time"] is True

    def clerk_row(page: dict) -> dict | None:
        return next((c for c in page["items"] if c["clerk"]["clerk_username"] == CLERK), None)

    figures = await journey.until(
        "assessor.bufeng",
        f"/api/assessment/v1/window/clerks?period={current_period()}",
        lambda page: (row := clerk_row(page)) is not None
        and row["ratings"]["bad_ratings"] >= 1
        and row["counts"]["rectified"] >= 1
        and row["counts"]["notices_issued"] >= 1,
    )
    row = clerk_row(figures)
    assert row["ratings"]["ratings_by_level"]["2"] >= 1
    theirs = (
        await journey.get("assessor.xincheng", "/api/assessment/v1/window/clerks", period=current_period())
    ).json()["items"]
    assert clerk_row({"items": theirs}) is None  # Xincheng's assessor does not see Bufeng's clerk

    # the other township's clerk sees none of it
    assert (await journey.get("window_clerk.xincheng", f"{API}/applications/{app_id}")).status_code == 404
    assert (await journey.get("window_clerk.xincheng", f"{API}/applications", correlation_id=app_id)).json()[
        "items"
    ] == []


async def test_instant_proxy_and_cross_township_applications(journey):
    quick = await journey.ok(
        CLERK,
        f"{API}/applications",
        {
            "item_code": "elderly_card",
            "applicant": applicant("赵大爷"),
            "materials": [{"code": "id_card"}, {"code": "photo"}],
            "green_channel": "elderly",
        },
        status=201,
    )
    handed = await journey.ok(CLERK, f"{API}/applications/{quick['id']}/handout", {})
    assert handed["on_time"] is True  # finished within the 15 minutes of an instant item

    proxy = await journey.ok(
        "village_agent.bufeng",
        f"{API}/proxy-applications",
        {
            "item_code": "elderly_card",
            "applicant": applicant("李奶奶", BUFENG_VILLAGE),
            "materials": [{"code": "id_card"}, {"code": "photo"}],
            "door_to_door": True,
            "green_channel": "elderly",
        },
        status=201,
    )
    assert (await journey.get("village_agent.bufeng", f"{API}/applications/{proxy['id']}")).status_code == 200
    assert (await journey.get("village_agent.xincheng", f"{API}/applications/{proxy['id']}")).status_code == 404

    cross = await journey.ok(
        "window_clerk.xincheng",
        f"{API}/applications",
        {
            "item_code": "resident_pension_enrolment",
            "applicant": applicant("钱女士", BUFENG_VILLAGE),
            "materials": [{"code": "id_card"}, {"code": "enrolment_form"}],
        },
        status=201,
    )
    assert cross["competent_unit_code"] == f"{BUFENG}:apv"
    # accepted in Xincheng, routed to Bufeng: both see it
    assert (await journey.get("window_clerk.xincheng", f"{API}/applications/{cross['id']}")).status_code == 200
    assert (await journey.get(OFFICER, f"{API}/applications/{cross['id']}")).status_code == 200
