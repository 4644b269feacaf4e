"""Satisfaction callbacks (回访, loop 2): a citizen's ticket waits for its callback after verification;
satisfied closes it, dissatisfied reopens it once, a second dissatisfied goes to the township
leader's decision; callers are masked for everyone but the centre."""

from dispatch.tickets import rules
from dispatch.tickets.enums import CallbackResult
from jiceng_shared import demo
from jiceng_shared.testing.plugin import demo_principal, principal

BUFENG, XINCHENG = demo.BUFENG.code, demo.XINCHENG.code
hotline = principal(("dept_system", XINCHENG, "h12345"), kind="client", name="12345热线平台")
samr_system = principal(("dept_system", XINCHENG, "samr"), kind="client")
market = demo_principal("dept_staff.samr.xincheng")
dispatcher = demo_principal("dispatcher.xincheng")
leader = demo_principal("township_leader.xincheng")


async def verified_ticket(desk, ticket: dict | None = None) -> dict:
    if ticket is None:
        body = {
            "category": "consumer_complaint",
            "description": "超市销售过期食品",
            "township_code": XINCHENG,
            "caller": {"name": "王小明", "phone": "13800001234"},
        }
        response = await desk.post("/tickets", body, hotline)
        assert response.status_code == 201, response.text
        ticket = response.json()
    assert (await desk.post(f"/tickets/{ticket['id']}/feedback", {"outcome": "已下架"}, market)).status_code == 200
    response = await desk.post(f"/tickets/{ticket['id']}/verification", {"passed": True}, dispatcher)
    assert response.status_code == 200, response.text
    return response.json()


async def kinds(desk, ticket_id: str) -> list[str]:
    return [t for t, _ in await desk.events_of(ticket_id)]


async def data_of(desk, ticket_id: str, kind: str) -> list[dict]:
    return [e["data"] for t, e in await desk.events_of(ticket_id) if t == kind]


async def test_a_verified_citizen_ticket_waits_for_its_callback_and_satisfied_closes_it(desk):
    ticket = await verified_ticket(desk)
    assert ticket["status"] == "callback_pending" and ticket["status_zh"] == "待回访"
    [verified] = await data_of(desk, ticket["id"], "dispatch.ticket.verified")
    assert verified["awaiting_callback"] is True and verified["on_time"] is True
    assert "dispatch.ticket.closed" not in await kinds(desk, ticket["id"])
    response = await desk.post(f"/tickets/{ticket['id']}/callback", {"result": "satisfied"}, dispatcher)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "closed" and body["callback_result"] == "satisfied"
    assert body["callbacks"][0]["channel"] == "centre" and body["callbacks"][0]["result_zh"] == "满意"
    [recorded] = await data_of(desk, ticket["id"], "dispatch.callback.recorded")
    assert recorded["result"] == "satisfied" and recorded["resolved"] is True and recorded["attempt"] == 1
    assert recorded["unit"]["code"] == f"{XINCHENG}:samr"
    assert (await kinds(desk, ticket["id"]))[-1] == "dispatch.ticket.closed"


async def test_dissatisfied_reopens_once_then_the_township_leader_decides(desk):
    ticket = await verified_ticket(desk)
    first = await desk.post(
        f"/tickets/{ticket['id']}/callback", {"result": "dissatisfied", "note": "仍在销售"}, hotline
    )
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["status"] == "reopened" and body["rework_count"] == 1 and body["callbacks"][0]["channel"] == "h12345"
    [reopened] = await data_of(desk, ticket["id"], "dispatch.ticket.reopened")
    assert reopened["reason"].startswith("回访不满意") and reopened["rework_count"] == 1
    again = await verified_ticket(desk, body)
    assert again["status"] == "callback_pending"
    second = await desk.post(f"/tickets/{ticket['id']}/callback", {"result": "dissatisfied"}, dispatcher)
    body = second.json()
    assert body["status"] == "awaiting_decision" and body["rework_count"] == 1 and body["callback_count"] == 2
    assert [c["attempt"] for c in body["callbacks"]] == [1, 2]
    recorded = await data_of(desk, ticket["id"], "dispatch.callback.recorded")
    assert [(r["attempt"], r["resolved"]) for r in recorded] == [(1, False), (2, False)]
    # only the township leader decides
    assert (
        await desk.post(f"/tickets/{ticket['id']}/callback/decision", {"reopen": False, "note": "x"}, dispatcher)
    ).status_code == 403
    decided = await desk.post(
        f"/tickets/{ticket['id']}/callback/decision", {"reopen": False, "note": "已依法答复，诉求超出政策"}, leader
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "closed" and decided.json()["timeline"][-2]["kind"] == "callback_decision"
    assert (await kinds(desk, ticket["id"]))[-1] == "dispatch.ticket.closed"


async def test_the_leader_may_send_it_back_for_rework_again(desk):
    ticket = await verified_ticket(desk)
    reopened = (await desk.post(f"/tickets/{ticket['id']}/callback", {"result": "dissatisfied"}, dispatcher)).json()
    await verified_ticket(desk, reopened)
    await desk.post(f"/tickets/{ticket['id']}/callback", {"result": "dissatisfied"}, dispatcher)
    decided = await desk.post(f"/tickets/{ticket['id']}/callback/decision", {"reopen": True, "note": "再办"}, leader)
    assert decided.json()["status"] == "reopened" and decided.json()["rework_count"] == 2


async def test_callbacks_out_of_order_are_409_and_write_nothing(desk):
    # a grid ticket has no citizen to call back
    incident = desk.incident(township=XINCHENG, category="public_security_hazard")
    await desk.report(incident)
    grid_ticket = await desk.ticket_for(incident)
    before = await desk.counts()
    response = await desk.post(f"/tickets/{grid_ticket['id']}/callback", {"result": "satisfied"}, dispatcher)
    assert response.status_code == 409 and response.json()["code"] == "no_citizen"
    # a citizen's ticket not yet verified; a decision without a second dissatisfied callback
    ticket = await verified_ticket(desk)
    await desk.post(f"/tickets/{ticket['id']}/callback", {"result": "basically_satisfied"}, dispatcher)
    before = await desk.counts()
    twice = await desk.post(f"/tickets/{ticket['id']}/callback", {"result": "satisfied"}, dispatcher)
    assert twice.status_code == 409 and twice.json()["code"] == "invalid_state"
    decision = await desk.post(f"/tickets/{ticket['id']}/callback/decision", {"reopen": True, "note": "x"}, leader)
    assert decision.status_code == 409
    bad = await desk.post(f"/tickets/{ticket['id']}/callback", {"result": "meh", "resolved": "perhaps"}, dispatcher)
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} >= {"result", "resolved"}
    assert await desk.counts() == before


async def test_only_the_centre_or_the_posting_system_calls_back(desk):
    ticket = await verified_ticket(desk)
    # the market-regulation system reads the ticket (its department handles it) but did not take the call
    response = await desk.post(f"/tickets/{ticket['id']}/callback", {"result": "satisfied"}, samr_system)
    assert response.status_code == 403 and response.json()["code"] == "scope_denied"
    response = await desk.post(f"/tickets/{ticket['id']}/callback", {"result": "satisfied"}, market)
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


async def test_callers_are_masked_for_everyone_but_the_centre(desk):
    ticket = await verified_ticket(desk)
    full = {"name": "王小明", "phone": "13800001234"}
    assert (await desk.get(ticket["id"], dispatcher))["caller"] == full
    assert (await desk.get(ticket["id"], hotline))["caller"] == full  # the system that took the call
    masked = {"name": "王**", "phone": "138****1234"}
    assert (await desk.get(ticket["id"], market))["caller"] == masked
    assert (await desk.get(ticket["id"], demo_principal("county_admin")))["caller"] == masked
    listed = {t["id"]: t for t in await desk.listed(dispatcher)}
    # lists are masked for everyone, in fields of their own
    assert listed[ticket["id"]]["caller_masked"] == {"name_masked": "王**", "phone_masked": "138****1234"}
    assert "caller" not in listed[ticket["id"]]


def test_a_dissatisfied_callback_reopens_exactly_callback_reopen_max_times():
    d = CallbackResult.DISSATISFIED
    assert rules.callback_outcome(d, reopened_before=0, reopen_max=1) == "reopen"
    assert rules.callback_outcome(d, reopened_before=1, reopen_max=1) == "leader_decision"
    assert rules.callback_outcome(d, reopened_before=1, reopen_max=2) == "reopen"
    assert rules.callback_outcome(CallbackResult.BASICALLY_SATISFIED, reopened_before=0) == "close"
    assert rules.TicketRules().callback_reopen_max == 1
