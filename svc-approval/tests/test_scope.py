"""Scope: cross-township applications are seen by both townships; nobody else sees anything."""

from approval_testkit import (
    API,
    BUFENG,
    BUFENG_VILLAGE,
    XINCHENG,
    XINCHENG_COMMUNITY,
    act,
    applicant,
    as_,
    outbox,
    receive,
)

from jiceng_shared.testing.plugin import headers_for, principal

GRID_1 = BUFENG_VILLAGE + "001"
GRID_2 = BUFENG_VILLAGE + "002"


async def sees(svc, app_id: str, headers: dict) -> bool:
    one = await svc.client.get(f"{API}/applications/{app_id}", headers=headers)
    listed = await svc.client.get(f"{API}/applications", params={"correlation_id": app_id}, headers=headers)
    assert one.status_code in (200, 404) and listed.status_code == 200
    in_list = [a["id"] for a in listed.json()["items"]] == [app_id]
    assert in_list == (one.status_code == 200)
    return one.status_code == 200


async def test_a_cross_township_item_is_accepted_anywhere_routed_home_and_visible_to_both(approval):
    app = await receive(
        approval,
        "resident_pension_enrolment",
        ["id_card", "enrolment_form"],
        who="window_clerk.xincheng",
        applicant=applicant(area_code=BUFENG_VILLAGE),
    )
    assert app["status"] == "accepted" and app["cross_township"] is True
    assert app["township_code"] == XINCHENG and app["competent_unit_code"] == f"{BUFENG}:apv"
    assert app["competent_township_code"] == BUFENG
    [event] = await outbox(approval, "approval.application.accepted", subject=app["id"])
    assert event.data["township_code"] == XINCHENG and event.data["competent_township_code"] == BUFENG
    assert event.data["cross_township"] is True and event.township == XINCHENG
    for who in (
        "window_clerk.xincheng",
        "window_clerk.bufeng",
        "approval_officer.bufeng",
        "township_leader.bufeng",
        "township_leader.xincheng",
        "auditor",
        "county_admin",
    ):
        assert await sees(approval, app["id"], as_(who)), who
    for who in ("village_agent.xincheng", "village_agent.bufeng", "grid_worker.bufeng", "approval_officer.soc"):
        assert not await sees(approval, app["id"], as_(who)), who
    # the accepting township's back office may not decide it: the competent township does
    response = await approval.client.post(
        f"{API}/applications/{app['id']}/decision",
        json={"outcome": "approved"},
        headers=as_("approval_officer.xincheng"),
    )
    assert response.status_code == 403 and response.json()["code"] == "scope_denied"
    await act(approval, app["id"], "decision", {"outcome": "approved"}, who="approval_officer.bufeng")
    done = await act(approval, app["id"], "handout", {}, who="window_clerk.xincheng")
    assert done["status"] == "completed"


async def test_a_clerk_of_the_other_township_sees_nothing_and_cannot_act(approval):
    app = await receive(
        approval, "homestead_building", ["application_form", "id_card", "village_opinion"], check_later=True
    )
    assert not await sees(approval, app["id"], as_("window_clerk.xincheng"))
    response = await approval.client.post(
        f"{API}/applications/{app['id']}/accept", json={}, headers=as_("window_clerk.xincheng")
    )
    assert response.status_code == 404
    response = await approval.client.post(
        f"{API}/applications",
        json={
            "item_code": "elderly_card",
            "applicant": applicant(),
            "township_code": BUFENG,
        },
        headers=as_("window_clerk.xincheng"),
    )
    assert response.status_code == 403 and response.json()["code"] == "scope_denied"


async def test_a_village_agent_submits_for_a_resident_and_the_centre_accepts(approval):
    agent = as_("village_agent.bufeng")
    body = {
        "item_code": "elderly_card",
        "applicant": applicant("李奶奶", area_code=BUFENG_VILLAGE),
        "materials": [{"code": "id_card"}, {"code": "photo"}],
        "door_to_door": True,
        "green_channel": "elderly",
    }
    response = await approval.client.post(f"{API}/proxy-applications", json=body, headers=agent)
    assert response.status_code == 201, response.text
    app = response.json()
    assert app["channel"] == "proxy" and app["status"] == "received" and app["area_code"] == BUFENG_VILLAGE
    assert app["proxy_agent_name"] == "步凤村代办员" and app["door_to_door"] and app["priority"]
    assert await sees(approval, app["id"], agent)
    assert await sees(approval, app["id"], as_("window_clerk.bufeng"))
    for who in ("village_agent.xincheng", "window_clerk.xincheng"):
        assert not await sees(approval, app["id"], as_(who)), who
    # the agent may not accept: that is the centre's act
    response = await approval.client.post(f"{API}/applications/{app['id']}/accept", json={}, headers=agent)
    assert response.status_code == 403
    accepted = await act(approval, app["id"], "accept", who="window_clerk.bufeng")
    assert accepted["status"] == "accepted" and accepted["clerk_username"] == "window_clerk.bufeng"
    [event] = await outbox(approval, "approval.application.accepted", subject=app["id"])
    assert event.data["proxy"] is True and event.data["proxy_agent_username"] == "village_agent.bufeng"
    assert event.data["area_code"] == BUFENG_VILLAGE


async def test_an_agent_tells_everything_missing_at_once_and_brings_the_rest(approval):
    agent = as_("village_agent.bufeng")
    body = {
        "item_code": "disability_certificate",
        "applicant": applicant(area_code=BUFENG_VILLAGE),
        "materials": [{"code": "id_card"}],
    }
    app = (await approval.client.post(f"{API}/proxy-applications", json=body, headers=agent)).json()
    assert app["status"] == "awaiting_materials"
    assert {i["code"] for i in app["notices"][0]["items"]} == {"application_form", "photo"}
    [event] = await outbox(approval, "approval.notice.issued", subject=app["id"])
    assert event.data["clerk_username"] == "village_agent.bufeng"
    supplied = await act(
        approval,
        app["id"],
        "materials",
        {"materials": [{"code": "application_form"}, {"code": "photo"}]},
        who="village_agent.bufeng",
    )
    assert supplied["status"] == "received"


async def test_agents_submit_only_for_their_own_area_and_only_proxy_able_items(approval):
    agent = as_("village_agent.bufeng")
    elsewhere = {"item_code": "elderly_card", "applicant": applicant(area_code=XINCHENG_COMMUNITY), "materials": []}
    response = await approval.client.post(f"{API}/proxy-applications", json=elsewhere, headers=agent)
    assert response.status_code == 403 and response.json()["code"] == "scope_denied"
    not_proxy = {"item_code": "homestead_building", "applicant": applicant(area_code=BUFENG_VILLAGE), "materials": []}
    response = await approval.client.post(f"{API}/proxy-applications", json=not_proxy, headers=agent)
    assert response.status_code == 422 and response.json()["code"] == "item_not_proxyable"
    no_area = {"item_code": "elderly_card", "applicant": applicant(), "materials": []}
    response = await approval.client.post(f"{API}/proxy-applications", json=no_area, headers=agent)
    assert response.status_code == 422 and response.json()["code"] == "applicant_area_required"
    clerk = await approval.client.post(f"{API}/proxy-applications", json=elsewhere, headers=as_("window_clerk.bufeng"))
    assert clerk.status_code == 403 and clerk.json()["code"] == "permission_denied"


async def test_a_grid_worker_submits_for_a_resident_of_their_grid_and_the_next_grid_sees_nothing(approval):
    worker = headers_for(principal(("grid_worker", GRID_1), name="网格员甲", username="gw1"))
    neighbour = headers_for(principal(("grid_worker", GRID_2), name="网格员乙", username="gw2"))
    body = {
        "item_code": "elderly_card",
        "applicant": applicant(area_code=GRID_1),
        "materials": [{"code": "id_card"}, {"code": "photo"}],
    }
    response = await approval.client.post(f"{API}/proxy-applications", json=body, headers=worker)
    assert response.status_code == 201, response.text
    app = response.json()
    assert app["area_code"] == GRID_1
    assert await sees(approval, app["id"], worker)
    assert await sees(approval, app["id"], as_("village_agent.bufeng"))  # the village covers its grids
    assert not await sees(approval, app["id"], neighbour)
