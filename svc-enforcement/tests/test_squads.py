"""Squads under dual leadership (the township ≥ 60 % of a stationed squad's assessment, the county
bureau the rest) and 1+1+N joint operations: one ticket, one squad, N departments, each part on record."""

import uuid

from enforcement.squads.models import JointOperation, Squad
from enforcement.testing import API, BUFENG, GRID_A, LEADER, OFFICER, count_rows, wait_for_event
from jiceng_shared.testing.plugin import demo_principal, headers_for

PAIR = ["enforcement_officer.bufeng", "enforcement_officer2.bufeng"]
SAMR_STAFF = demo_principal("dept_staff.samr.bufeng")


async def post(svc, path, body, who=OFFICER):
    return await svc.client.post(f"{API}{path}", json=body, headers=headers_for(who))


def stationed(**overrides):
    return {
        "name": "市场监管局步凤派驻中队",
        "township_code": BUFENG,
        "kind": "stationed",
        "county_dept": "samr",
        "members": PAIR,
        "leader": PAIR[0],
    } | overrides


async def test_a_stationed_squad_is_weighted_60_township_40_county_and_published(enforcement):
    response = await post(enforcement, "/squads", stationed(), LEADER)
    assert response.status_code == 201, response.text
    squad = response.json()
    assert (squad["township_weight_percent"], squad["county_weight_percent"]) == (60, 40)
    event = await wait_for_event(
        enforcement, "enforcement.squad.registered", lambda e: e.data["squad_id"] == squad["id"]
    )
    assert event.data["kind"] == "stationed" and event.data["county_dept"] == "samr"
    assert (event.data["township_weight_percent"], event.data["county_weight_percent"]) == (60, 40)
    more = await post(enforcement, "/squads", stationed(township_weight_percent=70), LEADER)
    assert (more.json()["township_weight_percent"], more.json()["county_weight_percent"]) == (70, 30)
    own = await post(
        enforcement, "/squads", stationed(kind="township", county_dept=None, name="步凤镇执法一队"), LEADER
    )
    assert (own.json()["township_weight_percent"], own.json()["county_weight_percent"]) == (100, 0)


async def test_bad_squads_name_every_field_and_write_nothing(enforcement):
    before = await count_rows(enforcement, Squad, enforcement.ctx.db.infra.outbox)
    bad = await post(
        enforcement,
        "/squads",
        stationed(
            county_dept=None,
            members=["enforcement_officer.bufeng", "enforcement_officer3.bufeng"],
            leader="nobody",
            township_weight_percent=59,
        ),
        LEADER,
    )
    assert bad.status_code == 422
    assert {(e["field"], e["code"]) for e in bad.json()["errors"]} == {
        ("county_dept", "county_dept_required"),
        ("township_weight_percent", "township_weight_too_low"),
        ("leader", "leader_not_member"),
        ("members", "certificate_invalid"),
    }
    alone = await post(enforcement, "/squads", stationed(members=[PAIR[0]]), LEADER)
    assert alone.status_code == 422 and alone.json()["code"] == "two_officers_required"
    officer = await post(enforcement, "/squads", stationed())
    assert officer.status_code == 403
    assert await count_rows(enforcement, Squad, enforcement.ctx.db.infra.outbox) == before


async def test_a_joint_operation_completes_once_every_department_has_recorded_its_part(enforcement):
    squad = (await post(enforcement, "/squads", stationed(), LEADER)).json()
    ticket = str(uuid.uuid4())
    body = {
        "ticket_id": ticket,
        "squad_id": squad["id"],
        "area_code": GRID_A,
        "title": "某餐饮店油烟扰民及占道经营联合整治",
        "departments": [{"dept": "samr", "task": "食品经营许可检查"}, {"dept": "sep", "task": "油烟排放检测"}],
    }
    twice = await post(enforcement, "/joint-operations", {**body, "departments": body["departments"] * 2})
    assert twice.status_code == 422 and twice.json()["code"] == "department_twice"
    started = await post(enforcement, "/joint-operations", body)
    assert started.status_code == 201, started.text
    op = started.json()
    assert op["status"] == "under_way" and op["number"].startswith("LH-320971100-")
    early = await post(enforcement, f"/joint-operations/{op['id']}/complete", None)
    assert early.status_code == 409 and early.json()["missing"] == ["samr", "sep"]
    not_theirs = await post(
        enforcement, f"/joint-operations/{op['id']}/parts", {"dept": "sep", "outcome": "合格"}, SAMR_STAFF
    )
    assert not_theirs.status_code == 403
    samr = await post(
        enforcement,
        f"/joint-operations/{op['id']}/parts",
        {"dept": "samr", "outcome": "许可证有效，责令整改后厨"},
        SAMR_STAFF,
    )
    assert samr.status_code == 200, samr.text
    sep = await post(
        enforcement, f"/joint-operations/{op['id']}/parts", {"dept": "sep", "outcome": "油烟超标，移交处理"}
    )
    assert sep.status_code == 200
    done = await post(enforcement, f"/joint-operations/{op['id']}/complete", None)
    assert done.status_code == 200 and done.json()["status"] == "completed"
    assert [d["recorded_by_name"] for d in done.json()["departments"]][0]
    event = await wait_for_event(
        enforcement, "enforcement.joint_operation.completed", lambda e: e.data["operation_id"] == op["id"]
    )
    assert event.data["ticket_id"] == ticket and event.data["departments"] == ["samr", "sep"]
    assert (event.data["squad_kind"], event.data["township_weight_percent"], event.data["county_weight_percent"]) == (
        "stationed",
        60,
        40,
    )
    assert await count_rows(enforcement, JointOperation) >= (1,)
