"""Applications at the window: acceptance, the one-time notice, non-acceptance, bad input, concurrency."""

from approval_testkit import (
    API,
    BUFENG,
    HOMESTEAD_COMPLETE,
    XINCHENG,
    act,
    applicant,
    as_,
    count,
    get,
    local,
    outbox,
    public,
    receive,
)
from sqlalchemy import text

from approval import jobs
from approval.applications.models import Application, Notice

CLERK = "window_clerk.bufeng"


async def written(svc) -> tuple[int, int, int]:
    return await count(svc, Application), await count(svc, Notice), len(await outbox(svc))


async def test_complete_materials_are_accepted_at_once_with_a_dated_receipt_and_the_event(approval):
    app = await receive(approval, "homestead_building", HOMESTEAD_COMPLETE, green_channel="elderly", door_to_door=True)
    assert app["status"] == "accepted" and app["status_zh"] == "已受理"
    assert app["receipt_number"].startswith("SL-320971100-") and app["check_code"]
    assert app["competent_unit_code"] == f"{BUFENG}:apv" and app["priority"] and app["green_channel_zh"] == "老年人"
    assert app["clerk_username"] == CLERK and app["deadline"] is not None and not app["deemed_accepted"]
    detail = await get(approval, app["id"])
    [receipt] = [r for r in detail["receipts"] if r["kind"] == "acceptance"]
    assert receipt["number"] == app["receipt_number"] and receipt["kind_zh"] == "受理通知书"
    assert receipt["issued_on"] == app["accepted_on"]
    [event] = await outbox(approval, "approval.application.accepted", subject=app["id"])
    assert event.data["clerk_id"] == "demo-window_clerk.bufeng" and event.data["clerk_username"] == CLERK
    assert event.data["competent_township_code"] == BUFENG and event.data["limit_workdays"] == 15
    assert event.data["instant"] is False and event.data["priority"] is True and event.correlationid == app["id"]


async def test_after_acceptances_at_once_every_connection_of_the_pool_writes_in_a_transaction_again(approval):
    # an acceptance at once is one statement run in autocommit: the connection that ran it goes
    # back to the pool in transactions (a request after it writes all or nothing)
    for _ in range(3):
        await receive(approval, "homestead_building", HOMESTEAD_COMPLETE)
    db = approval.ctx.db
    sessions = [db.sessionmaker() for _ in range(db.engine.pool.size())]  # every connection at once
    try:
        for session in sessions:
            await session.begin()
            first = await session.scalar(text("SELECT pg_current_xact_id()"))
            assert await session.scalar(text("SELECT pg_current_xact_id()")) == first
    finally:
        for session in sessions:
            await session.close()


async def test_an_application_accepted_at_once_has_its_timeline_in_order_and_its_materials_on_file(approval):
    app = await receive(approval, "homestead_building", HOMESTEAD_COMPLETE, note="申请人携带原件")
    detail = await get(approval, app["id"])
    # received, the clerk's note and accepted share one instant: they read back in the order written
    assert [s["action"] for s in detail["timeline"]] == ["received", "note", "accepted"]
    assert [m["code"] for m in detail["materials"]] == [m["code"] for m in app["materials"]]
    assert all(m["present"] for m in detail["materials"] if m["code"] in HOMESTEAD_COMPLETE)
    assert detail["version"] == app["version"] == 1


async def test_incomplete_materials_get_one_notice_listing_every_missing_and_defective_item(approval):
    app = await receive(approval, "homestead_building", [{"code": "id_card", "defect": "身份证已过期"}])
    assert app["status"] == "awaiting_materials"
    [notice] = app["notices"]
    listed = {(i["code"], i["problem"]) for i in notice["items"]}
    assert listed == {("application_form", "missing"), ("village_opinion", "missing"), ("id_card", "defective")}
    assert notice["number"].startswith("BZ-") and notice["in_time"]
    # the shared household register is never asked for
    assert "household_register" not in {i["code"] for i in notice["items"]}
    [event] = await outbox(approval, "approval.notice.issued", subject=app["id"])
    assert event.data["missing_count"] == 3 and event.data["defective_count"] == 1 and event.data["sequence"] == 1
    assert event.data["in_time"] is True and event.data["clerk_username"] == CLERK


async def test_every_material_present_but_one_not_in_lawful_form_gets_the_notice_not_an_acceptance(approval):
    materials = ["application_form", {"code": "id_card", "defect": "身份证已过期"}, "village_opinion"]
    app = await receive(approval, "homestead_building", materials)
    assert app["status"] == "awaiting_materials" and app["accepted_on"] is None
    [notice] = app["notices"]
    assert [(i["code"], i["problem"]) for i in notice["items"]] == [("id_card", "defective")]
    assert await outbox(approval, "approval.application.accepted", subject=app["id"]) == []
    # and checked later, the clerk may not accept it while the notice window is open
    later = await receive(approval, "homestead_building", materials, check_later=True)
    response = await approval.client.post(f"{API}/applications/{later['id']}/accept", json={}, headers=as_(CLERK))
    assert response.status_code == 422 and response.json()["code"] == "materials_incomplete"
    assert response.json()["missing"] == [] and response.json()["defective"] == ["id_card"]


async def test_supplied_materials_then_acceptance_count_the_deadline_from_acceptance(approval, clock):
    clock.set(local(2026, 9, 28, 9))
    app = await receive(approval, "homestead_building", ["application_form", "id_card"])
    assert app["status"] == "awaiting_materials"
    clock.set(local(2026, 9, 29, 11))
    supplied = await act(approval, app["id"], "materials", {"materials": [{"code": "village_opinion"}]}, who=CLERK)
    assert supplied["status"] == "received"
    accepted = await act(approval, app["id"], "accept", who=CLERK)
    # 15 working days from Tue Sep 29 over National Day (Oct 1-7 off, Sat Oct 10 worked): Mon Oct 26
    assert accepted["accepted_on"] == "2026-09-29"
    assert accepted["deadline"] == "2026-10-26T15:59:59Z"


async def test_accepting_with_materials_missing_is_refused_while_the_notice_window_is_open(approval):
    app = await receive(approval, "homestead_building", ["application_form"], check_later=True)
    assert app["status"] == "received" and app["notices"] == []
    before = await written(approval)
    response = await approval.client.post(f"{API}/applications/{app['id']}/accept", json={}, headers=as_(CLERK))
    assert response.status_code == 422 and response.json()["code"] == "materials_incomplete"
    assert response.json()["missing"] == ["id_card", "village_opinion"]
    assert await written(approval) == before


async def test_a_second_notice_asking_for_a_material_present_at_the_first_check_is_refused_and_recorded(approval):
    app = await receive(approval, "homestead_building", ["id_card", "village_opinion"])
    assert [i["code"] for i in app["notices"][0]["items"]] == ["application_form"]
    await act(
        approval, app["id"], "materials", {"materials": [{"code": "application_form", "defect": "未签字"}]}, who=CLERK
    )
    before = await written(approval)
    version = (await get(approval, app["id"]))["version"]
    response = await approval.client.post(
        f"{API}/applications/{app['id']}/notices",
        json={"items": [{"code": "id_card", "note": "请补充复印件"}]},
        headers=as_(CLERK),
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "material_was_present"
    assert await written(approval) == before
    assert (await get(approval, app["id"]))["version"] == version
    # the attempt is on record for supervision
    violations = (
        await approval.client.get(
            f"{API}/violations", params={"application_id": app["id"]}, headers=as_("township_leader.bufeng")
        )
    ).json()["items"]
    assert [(v["kind"], v["material_codes"], v["clerk_username"]) for v in violations] == [
        ("material_was_present", ["id_card"], CLERK)
    ]
    # supervision data: the leader sees it on the application, the clerk does not
    assert len((await get(approval, app["id"], "township_leader.bufeng"))["violations"]) == 1
    assert (await get(approval, app["id"]))["violations"] == []
    # what arrived after the first notice may be asked again
    follow_up = await act(
        approval,
        app["id"],
        "notices",
        {"items": [{"code": "application_form", "note": "需本人签字"}]},
        who=CLERK,
        expect=201,
    )
    assert [n["sequence"] for n in follow_up["notices"]] == [1, 2]
    assert follow_up["notices"][1]["items"][0]["problem"] == "defective"


async def test_a_notice_may_not_ask_for_a_shared_or_unknown_material(approval):
    app = await receive(approval, "homestead_building", HOMESTEAD_COMPLETE, check_later=True)
    before = await written(approval)
    for code, problem in (("household_register", "material_obtainable_by_sharing"), ("passport", "unknown_material")):
        response = await approval.client.post(
            f"{API}/applications/{app['id']}/notices", json={"items": [{"code": code}]}, headers=as_(CLERK)
        )
        assert response.status_code == 422 and response.json()["code"] == problem
    empty = await approval.client.post(
        f"{API}/applications/{app['id']}/notices", json={"items": []}, headers=as_(CLERK)
    )
    assert empty.status_code == 422 and empty.json()["code"] == "empty_notice"
    assert await written(approval) == before


async def test_an_unknown_item_or_material_is_refused_and_nothing_is_written(approval):
    before = await written(approval)
    response = await approval.client.post(
        f"{API}/applications", json={"item_code": "moon_landing", "applicant": applicant()}, headers=as_(CLERK)
    )
    assert response.status_code == 422 and response.json()["code"] == "unknown_item"
    response = await approval.client.post(
        f"{API}/applications",
        json={
            "item_code": "elderly_card",
            "applicant": applicant(),
            "materials": [{"code": "id_card"}, {"code": "visa"}],
        },
        headers=as_(CLERK),
    )
    assert response.status_code == 422 and response.json()["code"] == "unknown_material"
    assert response.json()["errors"][0]["field"] == "materials.1.code"
    response = await approval.client.post(
        f"{API}/applications",
        json={"item_code": "elderly_card", "applicant": {"name": ""}, "surprise": 1},
        headers=as_(CLERK),
    )
    assert response.status_code == 422 and response.json()["code"] == "validation_failed"
    assert {"applicant.name", "applicant.id_number", "surprise"} <= {e["field"] for e in response.json()["errors"]}
    assert await written(approval) == before


async def test_a_notice_on_the_fifth_working_day_is_in_time_and_on_the_sixth_is_refused(approval, clock):
    clock.set(local(2026, 9, 30, 16))
    on_time = await receive(approval, "homestead_building", ["id_card"], check_later=True)
    late = await receive(approval, "homestead_building", ["id_card"], check_later=True)
    assert on_time["notice_due"] == "2026-10-13T15:59:59Z"  # Oct 8, 9, Sat 10, 12, 13
    clock.set(local(2026, 10, 13, 23, 59))
    notice = await act(approval, on_time["id"], "notices", {"items": []}, who=CLERK, expect=201)
    assert notice["status"] == "awaiting_materials" and notice["notices"][0]["in_time"]
    clock.set(local(2026, 10, 14, 0, 1))
    before = await written(approval)
    response = await approval.client.post(
        f"{API}/applications/{late['id']}/notices", json={"items": []}, headers=as_(CLERK)
    )
    assert response.status_code == 409 and response.json()["code"] == "notice_period_expired"
    assert await written(approval) == before


async def test_without_a_notice_in_time_the_application_counts_as_accepted_on_the_day_received(approval, clock):
    clock.set(local(2026, 9, 30, 16))
    app = await receive(approval, "homestead_building", ["id_card"], check_later=True)
    await jobs.scan(approval.ctx, local(2026, 10, 13, 23, 59))
    assert (await get(approval, app["id"]))["status"] == "received"
    await jobs.scan(approval.ctx, local(2026, 10, 14, 0, 1))
    deemed = await get(approval, app["id"])
    assert deemed["status"] == "accepted" and deemed["deemed_accepted"]
    assert deemed["accepted_on"] == "2026-09-30" and deemed["clerk_username"] == CLERK
    # 15 working days counted from the day received: Oct 8 ... Tue Oct 27
    assert deemed["deadline"] == "2026-10-27T15:59:59Z"
    [event] = await outbox(approval, "approval.application.accepted", subject=app["id"])
    assert event.data["deemed_accepted"] is True and event.data["clerk_username"] == CLERK
    # a clerk accepting after the window gets the same: accepted on the day received, even incomplete
    clock.set(local(2026, 10, 9, 9))
    explicit = await receive(approval, "homestead_building", ["id_card"], check_later=True)
    clock.set(local(2026, 10, 16, 9))  # the window closed with Thu Oct 15 (Sat 10, 12, 13, 14, 15)
    accepted = await act(approval, explicit["id"], "accept", who=CLERK)
    assert accepted["accepted_on"] == "2026-10-09" and accepted["deemed_accepted"]


async def test_a_matter_outside_the_remit_gets_a_non_acceptance_decision_naming_the_competent_authority(approval):
    county = await receive(approval, "construction_planning_permit", ["application_form"])
    assert (
        county["status"] == "not_accepted" and county["competent_authority"] == "自然资源和规划局（县级政务服务大厅）"
    )
    detail = await get(approval, county["id"])
    [receipt] = detail["receipts"]
    assert receipt["kind"] == "non_acceptance" and receipt["number"].startswith("BSL-320971100-")
    assert receipt["content"]["competent_authority"] == county["competent_authority"] and receipt["issued_on"]
    # homestead building is not cross-township: a Xincheng resident is sent home
    elsewhere = await receive(
        approval, "homestead_building", HOMESTEAD_COMPLETE, applicant=applicant(area_code=XINCHENG)
    )
    assert elsewhere["status"] == "not_accepted" and elsewhere["competent_authority"] == "新城街道为民服务中心"
    assert await outbox(approval, "approval.application.accepted", subject=county["id"]) == []
    # and the clerk can refuse explicitly after looking at the matter
    app = await receive(approval, "elderly_card", ["id_card"], check_later=True)
    refused = await act(
        approval, app["id"], "non-acceptance", {"reason": "申请人未满60周岁", "competent_authority": "无"}, who=CLERK
    )
    assert refused["status"] == "not_accepted" and refused["non_acceptance_reason"] == "申请人未满60周岁"


async def test_two_clerks_cannot_overwrite_each_other(approval):
    app = await receive(approval, "homestead_building", HOMESTEAD_COMPLETE, check_later=True)
    response = await approval.client.get(f"{API}/applications/{app['id']}", headers=as_(CLERK))
    assert response.headers["etag"] == f'"{app["version"]}"'
    stale = {"If-Match": f'"{app["version"]}"'}
    first = await act(approval, app["id"], "accept", who=CLERK, headers=stale)
    assert first["version"] == app["version"] + 1
    before = await written(approval)
    response = await approval.client.post(
        f"{API}/applications/{app['id']}/non-acceptance",
        json={"reason": "x", "competent_authority": "y"},
        headers=as_("window_clerk2.bufeng") | stale,
    )
    assert response.status_code == 412 and response.json()["code"] == "version_mismatch"
    assert await written(approval) == before
    garbage = await approval.client.post(
        f"{API}/applications/{app['id']}/accept", json={}, headers=as_(CLERK) | {"If-Match": "yesterday"}
    )
    assert garbage.status_code == 400 and garbage.json()["code"] == "invalid_if_match"


async def test_the_public_status_page_needs_the_check_code_and_shows_only_public_notes(approval):
    app = await receive(approval, "homestead_building", ["id_card"])
    await act(
        approval, app["id"], "notes", {"text": "申请人态度强硬，注意沟通", "public": False}, who=CLERK, expect=201
    )
    await act(approval, app["id"], "notes", {"text": "请携带村委会盖章的意见", "public": True}, who=CLERK, expect=201)
    url = f"{API}/public/applications/lookup"
    number = app["receipt_number"]
    response = await approval.client.post(
        url, json={"receipt_number": number, "check_code": app["check_code"].lower()}, headers=public()
    )
    assert response.status_code == 200
    status = response.json()
    notes = " ".join(s["note"] for s in status["timeline"])
    assert "请携带村委会盖章的意见" in notes and "态度强硬" not in notes
    assert {m["code"] for m in status["missing_materials"]} == {"application_form", "village_opinion"}
    assert "clerk_id" not in status and "applicant_id_number" not in status
    wrong = await approval.client.post(url, json={"receipt_number": number, "check_code": "WRONG123"}, headers=public())
    unknown = await approval.client.post(
        url, json={"receipt_number": "SL-0-0-1", "check_code": app["check_code"]}, headers=public()
    )
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json()["detail"] == unknown.json()["detail"]


async def test_lists_filter_and_mask_the_id_number(approval):
    app = await receive(approval, "elderly_card", ["id_card", "photo"], green_channel="veteran")
    listed = await approval.client.get(f"{API}/applications", params={"correlation_id": app["id"]}, headers=as_(CLERK))
    [row] = listed.json()["items"]
    assert row["applicant_id_number_masked"] == "320911********1234" and row["green_channel_zh"] == "退役军人"
    assert "applicant_id_number" not in row and "applicant_phone" not in row
    priority = await approval.client.get(
        f"{API}/applications", params={"priority": True, "limit": 200}, headers=as_(CLERK)
    )
    assert app["id"] in {a["id"] for a in priority.json()["items"]}
    assert all(a["priority"] for a in priority.json()["items"])


async def test_the_detail_alone_carries_the_full_id_number_and_phone(approval):
    app = await receive(approval, "elderly_card", ["id_card", "photo"])
    detail = await get(approval, app["id"])
    assert detail["applicant_id_number"] == "320911195001011234" and detail["applicant_phone"] == "13800000000"
    assert detail["applicant_id_number_masked"] == "320911********1234"


async def test_the_applicant_s_id_number_and_phone_are_encrypted_in_the_table(approval):
    app = await receive(approval, "elderly_card", ["id_card", "photo"])
    async with approval.ctx.db.session() as s:
        number, phone = (
            await s.execute(
                text("SELECT applicant_id_number, applicant_phone FROM applications WHERE id = :id"), {"id": app["id"]}
            )
        ).one()
    assert number.startswith("enc:1:sm4:") and "320911" not in number
    assert phone.startswith("enc:1:sm4:") and "13800000000" not in phone


async def test_proxy_flags_and_green_channel_are_kept(approval):
    app = await receive(
        approval, "elderly_card", ["id_card", "photo"], extended_hours=True, holiday=True, green_channel="disabled"
    )
    detail = await get(approval, app["id"])
    assert (detail["extended_hours"], detail["holiday"], detail["door_to_door"]) == (True, True, False)
    assert detail["green_channel"] == "disabled" and detail["priority"] is True


async def test_a_clerk_at_two_windows_names_the_township(approval):
    from jiceng_shared.testing.plugin import headers_for, principal

    both = principal(("window_clerk", BUFENG), ("window_clerk", XINCHENG), username="roving")
    body = {
        "item_code": "elderly_card",
        "applicant": applicant(),
        "materials": [{"code": "id_card"}, {"code": "photo"}],
    }
    response = await approval.client.post(f"{API}/applications", json=body, headers=headers_for(both))
    assert response.status_code == 422 and response.json()["code"] == "township_required"
    response = await approval.client.post(
        f"{API}/applications", json=body | {"township_code": XINCHENG}, headers=headers_for(both)
    )
    assert response.status_code == 201 and response.json()["township_code"] == XINCHENG
