"""Open311 GeoReport v2 through the gateway's /open311/v2, on the running platform, with the
``georeport`` client library from PyPI.

A department client is registered through the IAM API and gets its api_key; an Open311 client
lists the services and reads a service's definition, the request is posted form-encoded (the
library reads but does not post, so the post is plain HTTP as the specification describes it),
the ticket is routed to Xincheng's market-regulation office, handled, verified and called back,
and the client reads the request closed. Errors come as the specification's list of
{code, description}.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from georeport import GeoReport

from jiceng_shared import demo
from jiceng_shared.policy import load_policy
from jiceng_shared.testing import web
from jiceng_shared.testing.journey import Journey

pytestmark = pytest.mark.e2e

XINCHENG = demo.XINCHENG.code
COUNTY = demo.COUNTY_CODE
OFFICE = f"{XINCHENG}:samr"
STAFF = "dept_staff.samr.xincheng"
CENTRE = "dispatcher.xincheng"


@pytest.fixture
async def journey(stack):
    j = Journey(stack.url("gateway"))
    yield j
    await j.close()


@pytest.fixture
async def api_key(journey) -> str:
    client = await journey.ok(
        "county_admin",
        "/api/iam/v1/clients",
        {
            "client_id": f"client.portal{uuid.uuid4().hex[:8]}",
            "name": "市民随手拍",
            "dept": "portal",
            "area": COUNTY,
            "townships": [XINCHENG],
        },
        status=201,
    )
    assert client["open311_api_key"] == f"{client['client_id']}:{client['client_secret']}"
    return client["open311_api_key"]


def open311(stack) -> GeoReport:
    return GeoReport(f"{stack.url('gateway')}/open311/v2", jurisdiction=COUNTY)


async def test_an_open311_client_posts_a_request_that_is_handled_and_read_back_closed(stack, journey, api_key):
    client = open311(stack)
    services = await asyncio.to_thread(client.get_service_list)
    assert "consumer_complaint" in {s["service_code"] for s in services}
    definition = await asyncio.to_thread(client.get_service_definition, "consumer_complaint")
    assert definition["attributes"][0]["code"] == "township"

    async with web.client(stack.url("gateway")) as http:
        posted = await http.post(
            "/open311/v2/requests.json",
            data={
                "api_key": api_key,
                "jurisdiction_id": COUNTY,
                "service_code": "consumer_complaint",
                "lat": "33.3862",
                "long": f"{120.2012 + (uuid.uuid4().int % 80) * 0.0001:.4f}",
                "description": "超市销售过期食品，电话13800001234",
                "first_name": "小明",
                "last_name": "王",
                "phone": "13800001234",
            },
        )
    assert posted.status_code == 201, posted.text
    request_id = posted.json()[0]["service_request_id"]

    read = await asyncio.to_thread(client.get_service_request, request_id)
    assert read["status"] == "open" and read["service_code"] == "consumer_complaint"
    assert read["agency_responsible"] and "13800001234" not in str(read) and "王" not in str(read)
    listed = await asyncio.to_thread(client.get_service_requests, service_code="consumer_complaint", status="open")
    assert request_id in [r["service_request_id"] for r in listed]

    # the same ticket inside: routed like any other, the caller known to the centre only
    path = f"/api/dispatch/v1/tickets/{request_id}"
    ticket = (await journey.get(CENTRE, path)).json()
    assert ticket["source"] == "open311" and ticket["unit"]["code"] == OFFICE
    assert ticket["caller"] == {"name": "王小明", "phone": "13800001234"}
    assert (await journey.get(STAFF, path)).json()["caller"]["phone"] == "138****1234"
    await journey.ok(STAFF, f"{path}/sign-for")
    await journey.ok(STAFF, f"{path}/feedback", {"outcome": "已责令下架"})
    verified = await journey.ok(CENTRE, f"{path}/verification", {"passed": True})
    assert verified["status"] == "callback_pending"  # a citizen's matter is called back before it closes
    await journey.ok(CENTRE, f"{path}/callback", {"result": "satisfied"})

    closed = await asyncio.to_thread(client.get_service_request, request_id)
    assert closed["status"] == "closed" and closed["status_notes"] == "已办结"


async def test_open311_errors_are_the_specifications_list(stack, api_key):
    async with web.client(stack.url("gateway")) as http:
        wrong_key = await http.post(
            "/open311/v2/requests.json", data={"api_key": "client.nobody:nothing", "service_code": "x"}
        )
        assert wrong_key.status_code == 403
        assert wrong_key.json() == [{"code": 403, "description": wrong_key.json()[0]["description"]}]
        bad = await http.post("/open311/v2/requests.json", data={"api_key": api_key, "lat": "95"})
        assert bad.status_code == 400 and bad.headers["content-type"] == "application/json"
        described = " ".join(e["description"] for e in bad.json())
        for field in ("service_code", "description", "lat"):
            assert field in described, field
        assert all(e["code"] == 400 for e in bad.json())
        xml = await http.get("/open311/v2/services.xml")
        assert xml.status_code == 400 and "json" in xml.json()[0]["description"]
        elsewhere = await http.get("/open311/v2/services.json", params={"jurisdiction_id": "110000000000"})
        assert elsewhere.status_code == 404 and elsewhere.json()[0]["code"] == 404
        missing = await http.get(f"/open311/v2/requests/{uuid.uuid4()}.json")
        assert missing.status_code == 404
        too_long = await http.get(
            "/open311/v2/requests.json",
            params={"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
        )
        assert too_long.status_code == 400 and "90 days" in too_long.json()[0]["description"]


def test_the_open311_reads_are_public_routes_under_the_public_rate_limit_and_the_post_needs_intake():
    policy = load_policy()
    for path in ("services.json", "services/x.json", "requests.json", "requests/x.json"):
        route = policy.match("GET", f"/api/dispatch/v1/public/open311/{path}")
        assert route is not None and route.public, path
    post = policy.match("POST", "/api/dispatch/v1/open311/requests.json")
    assert post is not None and post.permission == "dispatch.ticket.intake"
