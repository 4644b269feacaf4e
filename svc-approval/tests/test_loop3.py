"""Loop 3 of flows.md at the service level: a resident's application at the window, and the events it sends.

The events are read back from JetStream (what svc-assessment consumes), not from the outbox.
"""

import nats
from approval_testkit import API, BUFENG, BUFENG_VILLAGE, XINCHENG, act, applicant, as_, local, rate, receive

from approval import jobs
from jiceng_shared.events import CloudEvent
from jiceng_shared.testing.plugin import eventually

CLERK, OFFICER, LEADER = "window_clerk.bufeng", "approval_officer.bufeng", "township_leader.bufeng"


async def stream_events(svc) -> list[CloudEvent]:
    nc = await nats.connect(svc.ctx.settings.nats_url)
    try:
        sub = await nc.jetstream().subscribe(f"{svc.prefix}.approval.>", ordered_consumer=True)
        events = []
        while True:
            try:
                msg = await sub.next_msg(timeout=0.5)
            except (TimeoutError, nats.errors.TimeoutError):
                return events
            events.append(CloudEvent.model_validate_json(msg.data))
    finally:
        await nc.close()


async def test_loop_3_a_residents_application_at_the_window(approval, clock):
    # 1. township A's clerk receives a committed item with one material missing: one notice lists it
    clock.set(local(2026, 9, 28, 9))
    app = await receive(approval, "homestead_building", ["application_form", "id_card"])
    assert app["status"] == "awaiting_materials"
    assert [i["code"] for i in app["notices"][0]["items"]] == ["village_opinion"]

    # 2. the material arrives; accepted; 15 working days over National Day and its make-up Saturday
    clock.set(local(2026, 9, 29, 11))
    await act(approval, app["id"], "materials", {"materials": [{"code": "village_opinion"}]}, who=CLERK)
    accepted = await act(approval, app["id"], "accept", who=CLERK)
    assert accepted["deadline"] == "2026-10-26T15:59:59Z"

    # 3. the back office approves, one window hands out, the resident rates 不满意 with the code
    clock.set(local(2026, 10, 12, 10))
    await act(approval, app["id"], "decision", {"outcome": "approved"}, who=OFFICER)
    clock.set(local(2026, 10, 13, 10))
    done = await act(approval, app["id"], "handout", {}, who=CLERK)
    assert done["on_time"] is True
    await rate(approval, done, 2, comment="补材料跑了两趟", contact="13700000000")
    rectifications = await approval.client.get(
        f"{API}/rectifications", params={"application_id": app["id"]}, headers=as_(LEADER)
    )
    [row] = rectifications.json()["items"]
    assert row["due_at"] == "2026-10-20T15:59:59Z"  # five working days after Oct 13
    for path, body, who in (
        # another clerk handles it: the rated clerk never reaches the rater (51号)
        ("assign", {"assignee_username": "window_clerk2.bufeng", "assignee_name": "步凤镇窗口人员乙"}, LEADER),
        ("callback", {"reached": True, "note": "已回访致歉"}, "window_clerk2.bufeng"),
        ("close", {"outcome": "fixed", "note": "推行材料预审，一次办好"}, "window_clerk2.bufeng"),
    ):
        clock.advance(days=1)
        response = await approval.client.post(f"{API}/rectifications/{row['id']}/{path}", json=body, headers=as_(who))
        assert response.status_code == 200, response.text
    assert response.json()["on_time"] is True

    # 4. an instant item within 15 minutes, and one reported overdue past them
    start = clock.set(local(2026, 10, 19, 9))
    quick = await receive(approval, "elderly_card", ["id_card", "photo"])
    clock.advance(minutes=12)
    assert (await act(approval, quick["id"], "handout", {}, who=CLERK))["on_time"] is True
    clock.set(start)
    slow = await receive(approval, "elderly_card", ["id_card", "photo"])
    await jobs.scan(approval.ctx, start.replace(minute=16))

    # 5. a village agent's proxy application; a cross-township item at B's window for A's resident
    proxy = (
        await approval.client.post(
            f"{API}/proxy-applications",
            json={
                "item_code": "elderly_card",
                "applicant": applicant("李奶奶", area_code=BUFENG_VILLAGE),
                "materials": [{"code": "id_card"}, {"code": "photo"}],
                "door_to_door": True,
                "green_channel": "elderly",
            },
            headers=as_("village_agent.bufeng"),
        )
    ).json()
    await act(approval, proxy["id"], "accept", who=CLERK)
    cross = await receive(
        approval,
        "resident_pension_enrolment",
        ["id_card", "enrolment_form"],
        who="window_clerk.xincheng",
        applicant=applicant(area_code=BUFENG_VILLAGE),
    )
    assert cross["competent_unit_code"] == f"{BUFENG}:apv"
    routed = await approval.client.get(
        f"{API}/applications", params={"competent_area_code": BUFENG, "cross_township": True}, headers=as_(OFFICER)
    )
    assert cross["id"] in {a["id"] for a in routed.json()["items"]}

    # what assessment receives, through JetStream
    ids = {app["id"], quick["id"], slow["id"], proxy["id"], cross["id"]}

    async def all_published():
        events = [e for e in await stream_events(approval) if e.correlationid in ids]
        kinds = sorted(e.short_type for e in events)
        expected = sorted(
            [
                "approval.notice.issued",
                "approval.application.accepted",
                "approval.application.completed",
                "approval.rating.submitted",
                "approval.rating.rectified",
                "approval.application.accepted",
                "approval.application.completed",
                "approval.application.accepted",
                "approval.application.overdue",
                "approval.application.accepted",
                "approval.application.accepted",
            ]
        )
        return events if kinds == expected else None

    events = await eventually(all_published, timeout=20)
    by_type = {}
    for e in events:
        by_type.setdefault(e.short_type, []).append(e)
    clerk_ids = {e.data["clerk_id"] for e in events if e.data.get("clerk_username") == CLERK}
    assert clerk_ids == {"demo-window_clerk.bufeng"}
    [overdue] = by_type["approval.application.overdue"]
    assert overdue.data["phase"] == "instant" and overdue.subject == slow["id"]
    [rectified] = by_type["approval.rating.rectified"]
    assert rectified.data["on_time"] is True and rectified.data["clerk_username"] == CLERK
    [rated] = by_type["approval.rating.submitted"]
    assert rated.data["bad"] is True and rated.data["level"] == 2 and "13700000000" not in rated.model_dump_json()
    townships = {e.subject: e.township for e in by_type["approval.application.accepted"]}
    assert townships[cross["id"]] == XINCHENG and townships[proxy["id"]] == BUFENG
    assert all(e.source == "/svc-approval" and e.type.startswith("gov.jiceng.approval.") for e in events)
