"""Duplicates from every channel (并单): a hotline or department report of the same category within
the radius and the window of an open ticket, or from the same caller, joins it; the merged report is
listed on the ticket, published, and its system reads the outcome back."""

import datetime as dt

from jiceng_shared import demo
from jiceng_shared.testing.plugin import principal
from jiceng_shared.workdays import COUNTY_ZONE as SHANGHAI

XINCHENG = demo.XINCHENG.code
hotline = principal(("dept_system", XINCHENG, "h12345"), kind="client", name="12345热线平台")
samr_system = principal(("dept_system", XINCHENG, "samr"), kind="client", name="市场监管业务系统")
MONDAY = dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)


def call(desk, ref: str, *, point=None, phone=None, category="consumer_complaint") -> dict:
    body = {"category": category, "description": "超市销售过期食品", "township_code": XINCHENG, "external_ref": ref}
    if point is not None:
        body["location"] = {"type": "Point", "coordinates": list(point)}
    if phone is not None:
        body["caller"] = {"name": "李四", "phone": phone}
    return body


async def test_a_second_call_about_the_same_place_joins_the_open_ticket(desk, clock):
    clock.set(MONDAY)
    point = desk.fresh_point()
    first = await desk.post("/tickets", call(desk, f"c-{point}", point=point), hotline)
    assert first.status_code == 201
    ticket = first.json()
    clock.set(MONDAY + dt.timedelta(hours=2))
    second = await desk.post("/tickets", call(desk, f"d-{point}", point=desk.east_of(point, 30)), samr_system)
    assert second.status_code == 200, second.text
    merged = second.json()
    assert merged["id"] == ticket["id"]
    assert [(r["source"], r["merged"]) for r in merged["reports"]] == [("hotline", False), ("department", True)]
    assert merged["timeline"][-1]["kind"] == "merged"
    [event] = [e["data"] for t, e in await desk.events_of(ticket["id"]) if t == "dispatch.ticket.merged"]
    assert (
        event["source"] == "department" and event["source_ref"] == f"d-{point}" and event["ticket_source"] == "hotline"
    )
    # the department system whose report was merged follows the ticket
    assert (await desk.get(ticket["id"], samr_system))["id"] == ticket["id"]
    # further away, or another category: a ticket of its own
    far = await desk.post("/tickets", call(desk, f"e-{point}", point=desk.east_of(point, 51)), hotline)
    assert far.status_code == 201 and far.json()["id"] != ticket["id"]
    other = await desk.post(
        "/tickets", call(desk, f"f-{point}", point=point, category="environment_pollution"), hotline
    )
    assert other.status_code == 201


async def test_the_same_caller_about_the_same_place_joins_within_the_window_only(desk, clock):
    clock.set(MONDAY)
    point = desk.fresh_point()
    phone = "13912340000"
    first = (await desk.post("/tickets", call(desk, f"p1-{point}", point=point, phone=phone), hotline)).json()
    # another category, same caller, same place: the same matter
    clock.set(MONDAY + dt.timedelta(hours=24))
    again = await desk.post(
        "/tickets", call(desk, f"p2-{point}", point=point, phone=phone, category="environment_pollution"), hotline
    )
    assert again.status_code == 200 and again.json()["id"] == first["id"]
    clock.set(MONDAY + dt.timedelta(hours=24, seconds=1))
    later = await desk.post(
        "/tickets", call(desk, f"p3-{point}", point=point, phone=phone, category="environment_pollution"), hotline
    )
    assert later.status_code == 201 and later.json()["id"] != first["id"]
    # the same caller about another place: a ticket of its own
    elsewhere = await desk.post(
        "/tickets",
        call(desk, f"p4-{point}", point=desk.east_of(point, 200), phone=phone, category="neighbour_dispute"),
        hotline,
    )
    assert elsewhere.status_code == 201
