"""Cooperating units (配合单位) see the ticket and answer for their part; a joint action (联合执法
1+1+N) brings one enforcement squad and N departments onto one ticket, each with its task; the
ticket closes only when the primary unit's feedback is in and verified."""

from jiceng_shared import demo
from jiceng_shared.testing.plugin import demo_principal, principal

BUFENG, COUNTY = demo.BUFENG.code, demo.COUNTY_CODE
nrp = demo_principal("dept_staff.nrp")
police = demo_principal("dept_staff.psb.bufeng")
dispatcher = demo_principal("dispatcher.bufeng")
worker = demo_principal("grid_worker.bufeng")
office = principal(("dept_staff", BUFENG, "cle"), name="综合执法办工作人员")


async def construction_ticket(desk) -> dict:
    incident = desk.incident(category="illegal_construction")
    await desk.report(incident)
    return await desk.ticket_for(incident)


async def test_cooperating_units_see_the_ticket_and_give_their_part_without_closing_it(desk):
    ticket = await construction_ticket(desk)
    assert ticket["unit"]["code"] == f"{BUFENG}:cle"
    parts = {p["unit_code"]: p for p in ticket["parts"]}
    assert set(parts) == {f"{BUFENG}:psb", f"{COUNTY}:nrp"}
    assert all(p["role"] == "cooperating" and p["task"].startswith("配合") for p in parts.values())
    # the cooperating units see it (in their lists too), masked like every list
    assert (await desk.get(ticket["id"], nrp))["id"] == ticket["id"]
    assert ticket["id"] in {t["id"] for t in await desk.listed(police)}
    answered = await desk.post(
        f"/tickets/{ticket['id']}/parts/{parts[f'{BUFENG}:psb']['id']}/feedback", {"outcome": "已出警维持秩序"}, police
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["answer"] == "已出警维持秩序"
    body = await desk.get(ticket["id"])
    assert body["status"] == "dispatched" and body["timeline"][-1]["kind"] == "cooperation"
    twice = await desk.post(
        f"/tickets/{ticket['id']}/parts/{parts[f'{BUFENG}:psb']['id']}/feedback", {"outcome": "x"}, police
    )
    assert twice.status_code == 409 and twice.json()["code"] == "already_answered"
    # nobody answers another unit's part; a cooperating unit's answer does not make the ticket verifiable
    other = await desk.post(
        f"/tickets/{ticket['id']}/parts/{parts[f'{BUFENG}:psb']['id']}/feedback", {"outcome": "x"}, nrp
    )
    assert other.status_code == 404
    early = await desk.post(f"/tickets/{ticket['id']}/verification", {"passed": True}, worker)
    assert early.status_code == 409
    # the primary unit's feedback, verified, closes it
    assert (await desk.post(f"/tickets/{ticket['id']}/feedback", {"outcome": "已拆除"}, office)).status_code == 200
    closed = await desk.post(f"/tickets/{ticket['id']}/verification", {"passed": True}, worker)
    assert closed.json()["status"] == "closed"


async def street_ticket(desk) -> dict:
    incident = desk.incident(category="street_occupation")
    await desk.report(incident)
    return await desk.ticket_for(incident)


async def test_a_joint_action_brings_a_squad_and_n_departments_each_with_its_task(desk):
    ticket = await street_ticket(desk)
    await desk.get(ticket["id"], nrp, status=404)
    body = {
        "squad": {"unit_code": f"{BUFENG}:cle", "task": "现场执法"},
        "departments": [
            {"unit_code": f"{COUNTY}:nrp", "task": "出具用地性质认定"},
            {"unit_code": f"{BUFENG}:psb", "task": "现场秩序维护"},
        ],
    }
    response = await desk.post(f"/tickets/{ticket['id']}/joint-action", body, dispatcher)
    assert response.status_code == 201, response.text
    parts = {p["unit_code"]: p for p in response.json()["items"]}
    assert parts[f"{BUFENG}:cle"]["role"] == "squad" and parts[f"{COUNTY}:nrp"]["role"] == "department"
    seen = await desk.get(ticket["id"], nrp)
    assert seen["timeline"][-1]["kind"] == "joint_action" and len(seen["parts"]) == 3
    answer = await desk.post(
        f"/tickets/{ticket['id']}/parts/{parts[f'{COUNTY}:nrp']['id']}/feedback", {"outcome": "属违法占地"}, nrp
    )
    assert answer.status_code == 200
    again = await desk.post(f"/tickets/{ticket['id']}/joint-action", body, dispatcher)
    assert again.status_code == 409 and again.json()["code"] == "already_joined"


async def test_a_bad_joint_action_names_every_bad_unit_and_writes_nothing(desk):
    ticket = await street_ticket(desk)
    before = await desk.counts()
    body = {
        "squad": {"unit_code": f"{BUFENG}:psb", "task": "x"},
        "departments": [{"unit_code": "320971000000:nobody", "task": "y"}],
    }
    response = await desk.post(f"/tickets/{ticket['id']}/joint-action", body, dispatcher)
    assert response.status_code == 422 and response.json()["code"] == "validation_failed"
    codes = {(e["field"], e["code"]) for e in response.json()["errors"]}
    assert codes == {
        ("squad.unit_code", "not_an_enforcement_squad"),
        ("departments[0].unit_code", "unknown_unit"),
    }
    assert await desk.counts() == before
    refused = await desk.post(f"/tickets/{ticket['id']}/joint-action", body, police)
    assert refused.status_code == 403
