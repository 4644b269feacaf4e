"""Deadlines: 15 minutes for instant items, promised working days, pauses, extensions, the hand-out limit."""

from approval_testkit import API, HOMESTEAD_COMPLETE, act, as_, count, get, local, outbox, receive

from approval import jobs
from approval.applications.models import Extension

CLERK = "window_clerk.bufeng"
OFFICER = "approval_officer.bufeng"
LEADER = "township_leader.bufeng"


async def overdue_events(svc, app_id):
    return [e.data["phase"] for e in await outbox(svc, "approval.application.overdue", subject=app_id)]


async def test_an_instant_item_finished_at_the_fifteenth_minute_is_on_time(approval, clock):
    start = clock.set(local(2026, 11, 16, 9))
    app = await receive(approval, "elderly_card", ["id_card", "photo"])
    assert app["deadline"] == "2026-11-16T01:15:00Z"
    clock.set(start.replace(minute=15))
    done = await act(approval, app["id"], "handout", {}, who=CLERK)  # decided and handed out at the window (即办)
    assert done["status"] == "completed" and done["on_time"] and done["overrun_seconds"] == 0 and not done["overdue"]
    assert done["rating_code"]
    [event] = await outbox(approval, "approval.application.completed", subject=app["id"])
    assert event.data["on_time"] is True and event.data["instant"] is True and event.data["clerk_username"] == CLERK
    assert await overdue_events(approval, app["id"]) == []


async def test_an_instant_item_finished_a_second_past_fifteen_minutes_is_an_overrun(approval, clock):
    start = clock.set(local(2026, 11, 16, 9))
    app = await receive(approval, "elderly_card", ["id_card", "photo"])
    clock.set(start.replace(minute=15, second=1))
    done = await act(approval, app["id"], "handout", {}, who=CLERK)
    assert not done["on_time"] and done["overrun_seconds"] == 1 and done["overdue"]
    assert await overdue_events(approval, app["id"]) == ["instant"]
    [event] = await outbox(approval, "approval.application.completed", subject=app["id"])
    assert event.data["on_time"] is False and event.data["overrun_seconds"] == 1


async def test_the_scanner_reports_an_unfinished_instant_item_once_after_fifteen_minutes(approval, clock):
    start = clock.set(local(2026, 11, 16, 9))
    app = await receive(approval, "elderly_card", ["id_card", "photo"])
    await jobs.scan(approval.ctx, start.replace(minute=15))
    assert await overdue_events(approval, app["id"]) == []
    await jobs.scan(approval.ctx, start.replace(minute=15, second=1))
    await jobs.scan(approval.ctx, start.replace(minute=30))
    assert await overdue_events(approval, app["id"]) == ["instant"]
    assert (await get(approval, app["id"]))["overdue"] is True
    listed = await approval.client.get(
        f"{API}/applications", params={"overdue": True, "limit": 200}, headers=as_(CLERK)
    )
    assert app["id"] in {a["id"] for a in listed.json()["items"]}


async def test_a_committed_item_is_overdue_the_moment_its_last_working_day_ends(approval, clock):
    clock.set(local(2026, 9, 29, 11))
    app = await receive(approval, "homestead_building", HOMESTEAD_COMPLETE)
    assert app["deadline"] == "2026-10-26T15:59:59Z"  # 15 working days over National Day
    await jobs.scan(approval.ctx, local(2026, 10, 26, 23, 59))
    assert await overdue_events(approval, app["id"]) == []
    await jobs.scan(approval.ctx, local(2026, 10, 27, 0, 0))
    assert await overdue_events(approval, app["id"]) == ["decision"]
    [event] = await outbox(approval, "approval.application.overdue", subject=app["id"])
    assert event.data["deadline"].startswith("2026-10-26T15:59:59") and event.data["clerk_username"] == CLERK


async def test_a_pause_for_appraisal_stops_the_clock_and_moves_the_deadline_by_the_days_paused(approval, clock):
    clock.set(local(2026, 11, 2, 9))
    app = await receive(approval, "homestead_building", HOMESTEAD_COMPLETE)
    assert app["deadline"] == "2026-11-23T15:59:59Z"  # 15 working days from Mon Nov 2
    paused = await act(
        approval, app["id"], "pauses", {"reason": "appraisal", "note": "房屋安全鉴定"}, who=OFFICER, expect=201
    )
    assert paused["paused"] is True and paused["pauses"][0]["reason_zh"] == "鉴定"
    # while paused, nothing is overdue, and nothing is decided
    await jobs.scan(approval.ctx, local(2026, 11, 30, 9))
    assert await overdue_events(approval, app["id"]) == []
    clock.set(local(2026, 11, 5, 15))
    response = await approval.client.post(
        f"{API}/applications/{app['id']}/decision", json={"outcome": "approved"}, headers=as_(OFFICER)
    )
    assert response.status_code == 409 and response.json()["code"] == "clock_paused"
    resumed = await act(approval, app["id"], "pauses/" + paused["pauses"][0]["id"] + "/end", who=OFFICER)
    # Nov 3, 4, 5: three working days paused
    assert resumed["paused_days"] == 3 and resumed["pauses"][0]["workdays"] == 3 and not resumed["paused"]
    assert resumed["deadline"] == "2026-11-26T15:59:59Z"
    public_notes = [s["note"] for s in resumed["timeline"] if s["public"]]
    assert any("不计入审批时限" in n for n in public_notes)


async def test_an_approved_extension_adds_working_days_up_to_the_statutory_ten(approval, clock):
    clock.set(local(2026, 11, 2, 9))
    app = await receive(approval, "homestead_building", HOMESTEAD_COMPLETE)
    too_long = await approval.client.post(
        f"{API}/applications/{app['id']}/extensions", json={"days": 11, "reason": "需实地核查"}, headers=as_(OFFICER)
    )
    assert too_long.status_code == 422 and too_long.json()["code"] == "extension_exceeds_ceiling"
    requested = await act(
        approval, app["id"], "extensions", {"days": 10, "reason": "需实地核查"}, who=OFFICER, expect=201
    )
    [ext] = requested["extensions"]
    assert ext["status"] == "requested" and requested["deadline"] == app["deadline"]
    # the window clerk is not the head
    response = await approval.client.post(
        f"{API}/applications/{app['id']}/extensions/{ext['id']}/decision", json={"approve": True}, headers=as_(CLERK)
    )
    assert response.status_code == 403
    approved = await act(approval, app["id"], f"extensions/{ext['id']}/decision", {"approve": True}, who=LEADER)
    assert approved["extension_days"] == 10 and approved["extensions"][0]["status"] == "approved"
    assert approved["deadline"] == "2026-12-07T15:59:59Z"  # Nov 23 + 10 working days
    assert any("延长10个工作日" in s["note"] for s in approved["timeline"] if s["public"])
    before = await _extensions(approval)
    more = await approval.client.post(
        f"{API}/applications/{app['id']}/extensions", json={"days": 1, "reason": "再延"}, headers=as_(OFFICER)
    )
    assert more.status_code == 422 and more.json()["code"] == "extension_exceeds_ceiling"
    assert await _extensions(approval) == before


async def _extensions(svc):
    return await count(svc, Extension)


async def test_an_extension_after_the_deadline_has_passed_is_not_approved(approval, clock):
    clock.set(local(2026, 11, 2, 9))
    app = await receive(approval, "resident_pension_enrolment", ["id_card", "enrolment_form"])
    requested = await act(approval, app["id"], "extensions", {"days": 2, "reason": "系统故障"}, who=OFFICER, expect=201)
    clock.set(local(2026, 11, 6, 9))  # 3 working days ended on Thu Nov 5
    response = await approval.client.post(
        f"{API}/applications/{app['id']}/extensions/{requested['extensions'][0]['id']}/decision",
        json={"approve": True},
        headers=as_(LEADER),
    )
    assert response.status_code == 409 and response.json()["code"] == "deadline_passed"


async def test_the_back_office_decides_and_one_window_hands_out_within_ten_working_days(approval, clock):
    clock.set(local(2026, 11, 2, 9))
    app = await receive(approval, "homestead_building", HOMESTEAD_COMPLETE)
    response = await approval.client.post(
        f"{API}/applications/{app['id']}/decision", json={"outcome": "approved"}, headers=as_(CLERK)
    )
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    clock.set(local(2026, 11, 9, 9))
    decided = await act(approval, app["id"], "decision", {"outcome": "approved"}, who=OFFICER)
    assert decided["status"] == "decided" and decided["issue_deadline"] == "2026-11-23T15:59:59Z"
    await jobs.scan(approval.ctx, local(2026, 11, 23, 23, 59))
    assert await overdue_events(approval, app["id"]) == []
    await jobs.scan(approval.ctx, local(2026, 11, 24, 0, 1))
    assert await overdue_events(approval, app["id"]) == ["issue"]
    clock.set(local(2026, 11, 24, 10))
    done = await act(approval, app["id"], "handout", {"delivery": "mail"}, who="window_clerk2.bufeng")
    assert done["status"] == "completed" and done["on_time"] is False and done["overrun_seconds"] > 0
    assert done["delivery"] == "mail"
    assert await overdue_events(approval, app["id"]) == ["issue"]  # reported once


async def test_a_refusal_states_its_reasons_and_the_appeal_route(approval):
    app = await receive(approval, "homestead_building", HOMESTEAD_COMPLETE)
    response = await approval.client.post(
        f"{API}/applications/{app['id']}/decision", json={"outcome": "rejected"}, headers=as_(OFFICER)
    )
    assert response.status_code == 422 and response.json()["code"] == "reasons_required"
    refused = await act(
        approval, app["id"], "decision", {"outcome": "rejected", "reasons": "选址位于永久基本农田"}, who=OFFICER
    )
    assert refused["outcome_zh"] == "不予准予" and "行政复议" in refused["appeal_route"]
    [decision] = [r for r in refused["receipts"] if r["kind"] == "decision"]
    assert decision["number"].startswith("JD-") and decision["content"]["reasons"] == "选址位于永久基本农田"
    done = await act(approval, app["id"], "handout", {}, who=CLERK)
    [event] = await outbox(approval, "approval.application.completed", subject=app["id"])
    assert event.data["outcome"] == "rejected" and done["status"] == "completed"


async def test_a_county_item_is_decided_by_the_county_department_not_the_township(approval):
    app = await receive(approval, "disability_certificate", ["application_form", "id_card", "photo"])
    assert app["competent_unit_code"] == "320971000000:soc" and app["competent_unit_name"] == "社会事业局"
    response = await approval.client.post(
        f"{API}/applications/{app['id']}/decision", json={"outcome": "approved"}, headers=as_(OFFICER)
    )
    assert response.status_code == 403 and response.json()["code"] == "scope_denied"
    decided = await act(approval, app["id"], "decision", {"outcome": "approved"}, who="approval_officer.soc")
    assert decided["status"] == "decided"
    # and the county officer sees only their department's work
    listed = await approval.client.get(
        f"{API}/applications", params={"limit": 200}, headers=as_("approval_officer.soc")
    )
    assert listed.json()["items"] and {a["competent_unit_code"] for a in listed.json()["items"]} == {"320971000000:soc"}


async def test_actions_in_the_wrong_state_are_conflicts(approval):
    app = await receive(approval, "homestead_building", HOMESTEAD_COMPLETE)
    for action, body, who in (("accept", {}, CLERK), ("handout", {}, CLERK), ("notices", {"items": []}, CLERK)):
        response = await approval.client.post(f"{API}/applications/{app['id']}/{action}", json=body, headers=as_(who))
        assert response.status_code == 409 and response.json()["code"] == "invalid_state", action
    instant = await receive(approval, "elderly_card", ["id_card", "photo"])
    response = await approval.client.post(
        f"{API}/applications/{instant['id']}/pauses", json={"reason": "hearing"}, headers=as_(OFFICER)
    )
    assert response.status_code == 409 and response.json()["code"] == "invalid_state"


async def test_the_window_finishes_an_instant_item_and_refuses_it_only_with_reasons(approval):
    app = await receive(approval, "elderly_card", ["id_card", "photo"])
    response = await approval.client.post(
        f"{API}/applications/{app['id']}/handout", json={"outcome": "rejected"}, headers=as_(CLERK)
    )
    assert response.status_code == 422 and response.json()["code"] == "reasons_required"
    done = await act(approval, app["id"], "handout", {"outcome": "rejected", "reasons": "户籍不在本县"}, who=CLERK)
    assert done["outcome"] == "rejected" and done["decision_reasons"] == "户籍不在本县"
    assert "行政复议" in done["appeal_route"] and done["status"] == "completed"
    committed = await receive(approval, "homestead_building", HOMESTEAD_COMPLETE)
    await act(approval, committed["id"], "decision", {"outcome": "approved"}, who=OFFICER)
    response = await approval.client.post(
        f"{API}/applications/{committed['id']}/handout",
        json={"outcome": "rejected", "reasons": "x"},
        headers=as_(CLERK),
    )
    assert response.status_code == 409 and response.json()["code"] == "invalid_state"
