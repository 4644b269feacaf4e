"""The front desk: first-inquiry responsibility, A/B posts, and 12345 matters from the command centre."""

import datetime as dt

from approval_testkit import API, BUFENG, XINCHENG, as_, outbox, receive
from sqlalchemy import func, select

from approval.frontdesk.models import Inquiry
from jiceng_shared.contracts.common import UnitRef
from jiceng_shared.contracts.dispatch import TicketAssigned
from jiceng_shared.testing.plugin import eventually

A, B, LEADER = "window_clerk.bufeng", "window_clerk2.bufeng", "township_leader.bufeng"


async def new_inquiry(svc, who: str = A) -> dict:
    response = await svc.client.post(
        f"{API}/inquiries", json={"subject": "老年人优待证需要什么材料？", "inquirer_name": "王先生"}, headers=as_(who)
    )
    assert response.status_code == 201, response.text
    return response.json()


async def inquiry_action(svc, inquiry_id: str, action: str, body: dict | None = None, *, who: str):
    return await svc.client.post(f"{API}/inquiries/{inquiry_id}/{action}", json=body or {}, headers=as_(who))


async def bufeng_post(svc) -> dict:
    posts = (await svc.client.get(f"{API}/posts", headers=as_(LEADER))).json()["items"]
    [post] = [p for p in posts if p["name"] == "综合受理1号窗口"]
    return post


async def test_the_first_clerk_owns_an_inquiry_until_handing_it_over_explicitly(approval):
    inquiry = await new_inquiry(approval)
    assert inquiry["status"] == "open" and inquiry["owner_username"] == A and inquiry["number"].startswith("ZX-")
    response = await inquiry_action(approval, inquiry["id"], "answer", {"answer": "身份证和照片"}, who=B)
    assert response.status_code == 403 and response.json()["code"] == "not_owner"
    handed = await inquiry_action(
        approval,
        inquiry["id"],
        "handover",
        {"to_username": B, "to_name": "步凤镇窗口人员乙", "note": "涉及社保，转乙岗"},
        who=A,
    )
    assert handed.status_code == 200 and handed.json()["owner_username"] == B and handed.json()["handovers"] == 1
    response = await inquiry_action(approval, inquiry["id"], "answer", {"answer": "x"}, who=A)
    assert response.status_code == 403 and response.json()["code"] == "not_owner"
    answered = await inquiry_action(approval, inquiry["id"], "answer", {"answer": "携带身份证和一寸照片"}, who=B)
    assert answered.json()["status"] == "answered" and answered.json()["first_owner_username"] == A
    [event] = [e for e in await outbox(approval, "approval.inquiry.answered") if e.subject == inquiry["id"]]
    assert event.data["owner_username"] == B and event.data["handovers"] == 1
    again = await inquiry_action(approval, inquiry["id"], "answer", {"answer": "y"}, who=B)
    assert again.status_code == 409 and again.json()["code"] == "invalid_state"


async def test_when_the_a_post_is_absent_the_b_post_takes_its_queue(approval):
    post = await bufeng_post(approval)
    assert (post["a_username"], post["b_username"], post["on_duty_username"]) == (A, B, A)
    inquiry = await new_inquiry(approval, A)
    application = await receive(approval, "homestead_building", ["id_card"], check_later=True, who=A)
    queue_b = (await approval.client.get(f"{API}/queue", headers=as_(B))).json()
    assert queue_b["serving"] == [B] and inquiry["id"] not in {i["id"] for i in queue_b["inquiries"]}
    assert application["id"] not in {a["id"] for a in queue_b["applications"]}
    assert (await inquiry_action(approval, inquiry["id"], "answer", {"answer": "x"}, who=B)).status_code == 403

    absent = await approval.client.post(
        f"{API}/posts/{post['id']}/absence",
        json={"absent": True},
        headers=as_(LEADER) | {"If-Match": f'"{post["version"]}"'},
    )
    assert absent.status_code == 200 and absent.json()["on_duty_username"] == B
    try:
        queue_b = (await approval.client.get(f"{API}/queue", headers=as_(B))).json()
        assert queue_b["serving"] == sorted([A, B])
        assert inquiry["id"] in {i["id"] for i in queue_b["inquiries"]}
        [queued] = [a for a in queue_b["applications"] if a["id"] == application["id"]]
        assert "*" in queued["applicant_id_number_masked"] and "applicant_id_number" not in queued
        answered = await inquiry_action(approval, inquiry["id"], "answer", {"answer": "B岗代为答复"}, who=B)
        assert answered.status_code == 200 and answered.json()["answered_at"]
    finally:
        back = await approval.client.post(
            f"{API}/posts/{post['id']}/absence", json={"absent": False}, headers=as_(LEADER)
        )
        assert back.json()["on_duty_username"] == A


async def test_every_post_has_another_clerk_as_its_backup(approval):
    response = await approval.client.post(
        f"{API}/posts",
        json={"name": "2号窗口", "a_username": A, "a_name": "甲", "b_username": A, "b_name": "甲"},
        headers=as_(LEADER),
    )
    assert response.status_code == 422 and response.json()["code"] == "backup_required"
    response = await approval.client.post(
        f"{API}/posts",
        json={
            "name": "2号窗口",
            "township_code": BUFENG,
            "a_username": A,
            "a_name": "甲",
            "b_username": B,
            "b_name": "乙",
        },
        headers=as_("township_leader.xincheng"),
    )
    assert response.status_code == 403 and response.json()["code"] == "scope_denied"
    ok = await approval.client.post(
        f"{API}/posts",
        json={"name": "2号窗口", "a_username": B, "a_name": "乙", "b_username": A, "b_name": "甲"},
        headers=as_(LEADER),
    )
    assert ok.status_code == 201
    xincheng = (await approval.client.get(f"{API}/posts", headers=as_("window_clerk.xincheng"))).json()["items"]
    assert {p["area_code"] for p in xincheng} == {XINCHENG}


def ticket(ticket_id: str, dept: str = "apv") -> TicketAssigned:
    unit = UnitRef(
        code=f"{BUFENG}:{dept}",
        area_code=BUFENG,
        dept=dept,
        name="步凤镇行政审批局（为民服务中心）",
        kind="township_office",
    )
    return TicketAssigned(
        ticket_id=ticket_id,
        number=f"GD-{ticket_id}",
        category="service_consultation",
        description="市民来电咨询残疾人证办理流程",
        township_code=BUFENG,
        area_code=BUFENG,
        unit=unit,
        deadline=dt.datetime(2026, 11, 25, 15, 59, 59, tzinfo=dt.UTC),
        assigned_at=dt.datetime(2026, 11, 20, 2, tzinfo=dt.UTC),
        source="hotline",
        source_ref="call-1",
    )


async def test_a_12345_matter_dispatched_to_the_centre_waits_in_its_queue_until_a_clerk_takes_it(approval):
    await approval.publish(ticket("t-apv-1"), subject="t-apv-1", township=BUFENG, correlation_id="call-1")
    await approval.publish(ticket("t-apv-1"), subject="t-apv-1", township=BUFENG, correlation_id="call-1")  # again
    await approval.publish(ticket("t-cle-1", dept="cle"), subject="t-cle-1", township=BUFENG, correlation_id="call-2")

    async def queued():
        listed = await approval.client.get(f"{API}/inquiries", params={"correlation_id": "call-1"}, headers=as_(A))
        return listed.json()["items"]

    [inquiry] = await eventually(queued)
    assert inquiry["status"] == "queued" and inquiry["owner_username"] is None
    assert inquiry["channel"] == "hotline_12345" and inquiry["ticket_number"] == "GD-t-apv-1"
    assert inquiry["channel_zh"] == "12345热线转办" and inquiry["deadline"] == "2026-11-25T15:59:59Z"
    assert inquiry["id"] in {
        i["id"] for i in (await approval.client.get(f"{API}/queue", headers=as_(B))).json()["inquiries"]
    }
    hidden = await approval.client.get(f"{API}/inquiries/{inquiry['id']}", headers=as_("window_clerk.xincheng"))
    assert hidden.status_code == 404
    taken = await inquiry_action(approval, inquiry["id"], "take", who=B)
    assert taken.status_code == 200 and taken.json()["owner_username"] == B
    twice = await inquiry_action(approval, inquiry["id"], "take", who=A)
    assert twice.status_code == 409
    answered = await inquiry_action(approval, inquiry["id"], "answer", {"answer": "已电话告知"}, who=B)
    [event] = [e for e in await outbox(approval, "approval.inquiry.answered") if e.subject == inquiry["id"]]
    assert answered.status_code == 200 and event.data["ticket_id"] == "t-apv-1" and event.correlationid == "call-1"
    # only the service centre's matters become inquiries, once each: the duplicate is applied once,
    # the enforcement office's ticket is acked without a transaction
    await approval.drained("tickets")
    inbox = approval.ctx.db.infra.inbox
    async with approval.ctx.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(inbox)) == 2
        n = await session.scalar(select(func.count()).select_from(Inquiry).where(Inquiry.ticket_id.is_not(None)))
    assert n == 1
