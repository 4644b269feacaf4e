"""Hotline and department intake: who may post where, what is stored, bad input writes nothing."""

import itertools

from jiceng_shared import demo
from jiceng_shared.testing.plugin import demo_principal, principal

BUFENG, XINCHENG = demo.BUFENG.code, demo.XINCHENG.code
hotline = principal(
    ("dept_system", BUFENG, "h12345"),
    ("dept_system", XINCHENG, "h12345"),
    kind="client",
    name="12345政务服务便民热线平台",
)
hotline_bufeng_only = principal(("dept_system", BUFENG, "h12345"), kind="client")
samr_system = principal(("dept_system", BUFENG, "samr"), ("dept_system", XINCHENG, "samr"), kind="client")


_calls = itertools.count(1)


def complaint(**overrides):
    """A complaint about a place of its own: different calls are never merged as duplicates (并单)."""
    body = {
        "category": "consumer_complaint",
        "description": "市民反映超市销售过期食品",
        "township_code": XINCHENG,
        "location": {"type": "Point", "coordinates": [120.205 + 0.002 * next(_calls), 33.385]},
        "caller": {"name": "王小明", "phone": "13800001234"},
    }
    return body | overrides


async def test_the_hotline_posts_a_complaint_routed_to_the_stationed_market_regulation_office(desk):
    response = await desk.post("/tickets", complaint(), hotline)
    assert response.status_code == 201, response.text
    ticket = response.json()
    assert response.headers["location"].endswith(ticket["id"])
    assert ticket["status"] == "dispatched" and ticket["source"] == "hotline" and ticket["intake_dept"] == "h12345"
    assert ticket["unit"]["code"] == f"{XINCHENG}:samr" and ticket["unit"]["kind"] == "stationed_office"
    assert ticket["area_code"] == XINCHENG and ticket["correlation_id"] == ticket["id"]
    assert ticket["handle_limit"] == {"value": 5, "unit": "working_days"}
    assert ticket["caller"] == {"name": "王小明", "phone": "13800001234"}
    events = [t for t, _ in await desk.events_of(ticket["id"])]
    assert events == ["dispatch.ticket.created", "dispatch.ticket.assigned"]


async def test_the_caller_contact_is_masked_in_lists(desk):
    ticket = (await desk.post("/tickets", complaint(), hotline)).json()
    listed = next(t for t in await desk.listed(hotline) if t["id"] == ticket["id"])
    assert listed["caller_masked"] == {"name_masked": "王**", "phone_masked": "138****1234"}
    assert "caller" not in listed  # the full contact is in the detail only


async def test_the_centre_reads_the_full_caller_in_the_detail_only(desk):
    ticket = (await desk.post("/tickets", complaint(), hotline)).json()
    dispatcher = demo_principal("dispatcher.xincheng")
    detail = await desk.get(ticket["id"], dispatcher)
    assert detail["caller"] == {"name": "王小明", "phone": "13800001234"}
    listed = next(t for t in await desk.listed(dispatcher) if t["id"] == ticket["id"])
    assert listed["caller_masked"]["phone_masked"] == "138****1234" and "caller" not in listed


async def test_a_department_system_and_the_centre_post_with_their_own_source(desk):
    by_samr = await desk.post("/tickets", complaint(township_code=BUFENG, caller=None), samr_system)
    assert by_samr.status_code == 201 and by_samr.json()["source"] == "department"
    assert by_samr.json()["intake_dept"] == "samr"
    by_centre = await desk.post(
        "/tickets",
        complaint(township_code=BUFENG, category="neighbour_dispute", location=None),
        demo_principal("dispatcher.bufeng"),
    )
    assert by_centre.status_code == 201, by_centre.text
    assert by_centre.json()["source"] == "centre" and by_centre.json()["unit"]["code"] == f"{BUFENG}:sgov"


async def test_posting_the_same_external_reference_again_returns_the_same_ticket(desk):
    first = await desk.post("/tickets", complaint(external_ref="12345-2026-000777"), hotline)
    before = await desk.counts()
    again = await desk.post("/tickets", complaint(external_ref="12345-2026-000777"), hotline)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert await desk.counts() == before


async def test_an_unknown_category_is_refused_and_nothing_is_written(desk):
    before = await desk.counts()
    response = await desk.post("/tickets", complaint(category="flying_saucer"), hotline)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "unknown_category"
    assert await desk.counts() == before


async def test_a_township_outside_the_callers_scope_is_refused_and_nothing_is_written(desk):
    before = await desk.counts()
    response = await desk.post("/tickets", complaint(township_code=XINCHENG), hotline_bufeng_only)
    assert response.status_code == 403 and response.json()["code"] == "scope_denied"
    response = await desk.post("/tickets", complaint(township_code=XINCHENG), demo_principal("dispatcher.bufeng"))
    assert response.status_code == 403 and response.json()["code"] == "scope_denied"
    assert await desk.counts() == before


async def test_missing_and_malformed_fields_are_named_at_once_and_nothing_is_written(desk):
    before = await desk.counts()
    response = await desk.post("/tickets", {"township_code": "12", "caller": {"phone": "call me"}, "extra": 1}, hotline)
    assert response.status_code == 422 and response.json()["code"] == "validation_failed"
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"category", "description", "township_code", "caller.phone", "extra"} <= fields
    # an area inside the caller's township that is not a township itself
    response = await desk.post("/tickets", complaint(township_code="320971100201"), demo_principal("dispatcher.bufeng"))
    assert response.status_code == 422 and response.json()["code"] == "unknown_township"
    response = await desk.post("/tickets", complaint(location={"type": "Point", "coordinates": [200, 0]}), hotline)
    assert response.status_code == 422
    assert await desk.counts() == before


async def test_only_the_intake_roles_may_post(desk):
    response = await desk.post("/tickets", complaint(township_code=BUFENG), demo_principal("grid_worker.bufeng"))
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


async def test_the_hotline_reads_back_only_the_tickets_it_posted(desk):
    mine = (await desk.post("/tickets", complaint(), hotline)).json()
    incident = desk.incident(XINCHENG)
    await desk.report(incident)
    grid_ticket = await desk.ticket_for(incident)
    by_samr = (await desk.post("/tickets", complaint(caller=None), samr_system)).json()
    listed = await desk.listed(hotline)
    assert mine["id"] in {t["id"] for t in listed}
    assert all(t["intake_dept"] == "h12345" for t in listed)
    await desk.get(grid_ticket["id"], hotline, status=404)
    await desk.get(by_samr["id"], hotline, status=404)
    # the market-regulation system reads what it posted and what its department handles
    samr_view = {t["id"] for t in await desk.listed(samr_system)}
    assert {mine["id"], by_samr["id"]} <= samr_view and grid_ticket["id"] not in samr_view


async def test_the_caller_is_encrypted_in_the_table_and_found_by_the_phone_s_keyed_hash(desk):
    from sqlalchemy import text

    from jiceng_shared import personaldata

    ticket = (await desk.post("/tickets", complaint(), hotline)).json()
    async with desk.running.ctx.db.session() as s:
        name, phone, phone_hash = (
            await s.execute(
                text("SELECT caller_name, caller_phone, caller_phone_hash FROM tickets WHERE id = :id"),
                {"id": ticket["id"]},
            )
        ).one()
    assert name.startswith("enc:1:sm4:") and "王小明" not in name
    assert phone.startswith("enc:1:sm4:") and "13800001234" not in phone
    assert phone_hash == personaldata.lookup("13800001234")
