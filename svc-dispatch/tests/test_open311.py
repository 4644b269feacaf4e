"""Open311 GeoReport v2 on svc-dispatch: services from the categories, a request becomes a routed
ticket of source open311, the public reads show nothing personal, bad input writes nothing.

The gateway's /open311/v2 (api_key, error lists, rate limit) is tested end to end in
tests/test_open311_e2e.py with an Open311 client library."""

import datetime as dt
import itertools

from dispatch.open311 import rules
from dispatch.tickets.rules import needs_callback
from jiceng_shared import demo
from jiceng_shared.identity import ANONYMOUS
from jiceng_shared.testing.plugin import demo_principal, headers_for, principal

API = "/api/dispatch/v1"
XINCHENG, BUFENG = demo.XINCHENG.code, demo.BUFENG.code
COUNTY = "320971000000"
portal = principal(("dept_system", XINCHENG, "portal"), kind="client", name="市民随手拍")
_spots = itertools.count(1)


def form(**overrides):
    """A request at a fresh spot of Xincheng's first grid (never a duplicate of another test's)."""
    n = next(_spots)
    data = {
        "service_code": "consumer_complaint",
        "lat": "33.3815",
        "long": f"{120.2005 + 0.0025 * (n % 4):.4f}",
        "description": f"超市销售过期食品，联系电话13800001234 #{n}",
        "first_name": "小明",
        "last_name": "王",
        "phone": "13800001234",
    }
    data["lat"] = f"{33.3805 + 0.0025 * (n // 4 % 4):.4f}"
    return {k: v for k, v in (data | overrides).items() if v is not None}


async def post(dispatch, data, who=portal):
    return await dispatch.client.post(f"{API}/open311/requests.json", data=data, headers=headers_for(who))


async def public_get(dispatch, path, **params):
    return await dispatch.client.get(f"{API}/public/open311/{path}", params=params, headers=headers_for(ANONYMOUS))


async def test_the_services_are_the_categories_in_force_with_the_township_attribute(dispatch):
    services = (await public_get(dispatch, "services.json")).json()
    complaint = next(s for s in services if s["service_code"] == "consumer_complaint")
    assert complaint["metadata"] is True and complaint["type"] == "realtime" and complaint["service_name"]
    definition = (await public_get(dispatch, "services/consumer_complaint.json")).json()
    township = definition["attributes"][0]
    assert township["code"] == "township" and township["datatype"] == "singlevaluelist"
    assert XINCHENG in [v["key"] for v in township["values"]]
    assert (await public_get(dispatch, "services/flying_saucer.json")).status_code == 404


async def test_the_jurisdiction_is_the_county_code(dispatch):
    assert (await public_get(dispatch, "services.json", jurisdiction_id=COUNTY)).status_code == 200
    other = await public_get(dispatch, "services.json", jurisdiction_id="320100000000")
    assert other.status_code == 404 and other.json()["code"] == "unknown_jurisdiction"


async def test_a_request_becomes_a_routed_open311_ticket_with_a_callback_due(desk, dispatch):
    response = await post(dispatch, form())
    assert response.status_code == 201, response.text
    [created] = response.json()
    ticket = await desk.get(created["service_request_id"], demo_principal("dispatcher.xincheng"))
    assert ticket["source"] == "open311" and ticket["township_code"] == XINCHENG
    assert ticket["unit"]["code"] == f"{XINCHENG}:samr" and ticket["status"] == "dispatched"
    assert ticket["caller"] == {"name": "王小明", "phone": "13800001234"}


def test_an_open311_request_is_a_citizens_matter_called_back_before_it_closes():
    assert needs_callback("open311", has_caller=False) and not needs_callback("grid", has_caller=False)


async def test_without_lat_long_the_township_attribute_places_the_request(desk, dispatch):
    data = form(lat=None, long=None, address_string="新城镇人民路8号") | {"attribute[township]": XINCHENG}
    response = await post(dispatch, data)
    assert response.status_code == 201, response.text
    ticket = await desk.get(response.json()[0]["service_request_id"])
    assert ticket["township_code"] == XINCHENG and "人民路8号" in ticket["description"]


async def test_every_bad_field_is_named_and_nothing_is_written(desk, dispatch):
    before = await desk.counts()
    response = await post(dispatch, {"lat": "95", "service_code": "", "attribute[colour]": "red"})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"service_code", "description", "lat"} <= fields
    no_place = await post(dispatch, form(lat=None, long=None))
    assert no_place.status_code == 422 and no_place.json()["code"] == "location_required"
    no_township = await post(dispatch, form(lat=None, long=None, address_string="人民路8号"))
    assert no_township.status_code == 422 and no_township.json()["code"] == "township_required"
    outside = await post(dispatch, form(lat="39.9", long="116.4"))
    assert outside.status_code == 422 and outside.json()["code"] == "outside_jurisdiction"
    assert await desk.counts() == before


async def test_a_client_posts_only_for_its_own_townships(dispatch):
    bufeng_point = form(lat="33.305", long="120.305")  # Bufeng's first grid
    response = await post(dispatch, bufeng_point)
    assert response.status_code == 403


async def test_public_reads_show_no_personal_data(dispatch):
    created = (await post(dispatch, form())).json()[0]["service_request_id"]
    [one] = (await public_get(dispatch, f"requests/{created}.json")).json()
    assert one["status"] == "open" and one["service_code"] == "consumer_complaint"
    assert one["lat"] and one["long"] and one["agency_responsible"]
    assert "13800001234" not in str(one) and "王" not in str(one)
    listed = (await public_get(dispatch, "requests.json", service_request_id=created)).json()
    assert [r["service_request_id"] for r in listed] == [created]
    recent = (await public_get(dispatch, "requests.json", status="open", service_code="consumer_complaint")).json()
    assert created in [r["service_request_id"] for r in recent]
    assert created not in [
        r["service_request_id"] for r in (await public_get(dispatch, "requests.json", status="closed")).json()
    ]


async def test_a_grid_ticket_is_not_an_open311_request(desk, dispatch):
    incident = desk.incident(XINCHENG)
    await desk.report(incident)
    ticket = await desk.ticket_for(incident)
    assert (await public_get(dispatch, f"requests/{ticket['id']}.json")).status_code == 404


async def test_a_search_spans_at_most_ninety_days(dispatch):
    ninety = await public_get(
        dispatch, "requests.json", start_date="2026-01-01T00:00:00Z", end_date="2026-04-01T00:00:00Z"
    )
    assert ninety.status_code == 200
    longer = await public_get(
        dispatch, "requests.json", start_date="2026-01-01T00:00:00Z", end_date="2026-04-01T00:00:01Z"
    )
    assert longer.status_code == 422 and longer.json()["code"] == "invalid_search"
    bad = await public_get(dispatch, "requests.json", status="pending", start_date="2026-01-01T00:00:00")
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"status", "start_date"}


def test_the_search_window_defaults_to_the_last_ninety_days_and_refuses_more():
    now = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    assert rules.search_window(None, None, now, max_days=90) == (now - dt.timedelta(days=90), now)
    start = now - dt.timedelta(days=90)
    assert rules.search_window(start, now, now, max_days=90) == (start, now)
    for bad in ((start - dt.timedelta(seconds=1), now), (now, start)):
        try:
            rules.search_window(*bad, now, max_days=90)
        except ValueError:
            continue
        raise AssertionError(bad)


def test_public_text_masks_phone_and_identity_numbers_but_keeps_short_numbers():
    assert rules.public_text("电话13800001234，身份证320971199001011234") == "电话" + "*" * 11 + "，身份证" + "*" * 18
    assert rules.public_text("人民路8号3楼，编号123456") == "人民路8号3楼，编号123456"
