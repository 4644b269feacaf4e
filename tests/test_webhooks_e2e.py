"""Webhooks end to end (issue 9 part 5): the 12345 hotline posts a ticket through the gateway,
svc-dispatch routes it to the market-regulation office, and the systems that subscribed receive
``dispatch.ticket.assigned`` signed per Standard Webhooks, on a receiver this test starts on
127.0.0.1; a department the ticket is not for receives nothing."""

from __future__ import annotations

import uuid

import pytest
from aiohttp import web
from standardwebhooks.webhooks import Webhook

from jiceng_shared import demo
from jiceng_shared.stack import free_port
from jiceng_shared.testing.plugin import eventually

pytestmark = pytest.mark.e2e

BASE = "/api/webhooks/v1"


@pytest.fixture
async def receiver():
    received: dict[str, list[tuple[dict[str, str], str]]] = {}

    async def handle(request: web.Request) -> web.Response:
        received.setdefault(request.path, []).append(
            ({k.lower(): v for k, v in request.headers.items()}, await request.text())
        )
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/{tail:.*}", handle)
    runner = web.AppRunner(app, shutdown_timeout=1)  # a client keeping its connection open would hold the teardown 60 s
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}", received
    await runner.cleanup()


async def test_a_routed_hotline_ticket_reaches_the_departments_subscribed_system(platform, receiver):
    base, received = receiver
    secrets: dict[str, str] = {}
    async with platform.client() as c:
        for client in ("client.samr", "client.hotline12345", "client.psb"):
            caller = await platform.login(client)
            response = await c.post(
                f"{BASE}/subscriptions",
                headers=caller.headers,
                json={"url": f"{base}/{client}", "event_types": ["dispatch.ticket.assigned"]},
            )
            assert response.status_code == 201, response.text
            secrets[client] = response.json()["secret"]

        hotline = await platform.login("client.hotline12345")
        ref = f"12345-wh-{uuid.uuid4().hex[:8]}"
        posted = await c.post(
            "/api/dispatch/v1/tickets",
            headers=hotline.headers,
            json={
                "category": "consumer_complaint",  # the market-regulation office's (responsibilities.csv)
                "description": "市民反映某超市销售过期食品",
                "township_code": demo.BUFENG.code,
                "external_ref": ref,
            },
        )
        assert posted.status_code == 201, posted.text
        ticket = posted.json()

    def of(client: str) -> list[dict]:
        return [
            Webhook(secrets[client]).verify(body, headers)  # signature and timestamp checked
            for headers, body in received.get(f"/{client}", [])
        ]

    async def arrived() -> bool:
        return any(m["data"]["ticket_id"] == ticket["id"] for m in of("client.samr")) and any(
            m["data"]["ticket_id"] == ticket["id"] for m in of("client.hotline12345")
        )

    await eventually(arrived, timeout=30, interval=0.2)
    [message] = [m for m in of("client.samr") if m["data"]["ticket_id"] == ticket["id"]]
    assert message["type"] == "dispatch.ticket.assigned"
    assert message["data"]["unit"]["dept"] == "samr" and message["data"]["source_ref"] == ref
    # the public-security system is not the ticket's unit nor its origin: it never receives it
    assert all(m["data"]["ticket_id"] != ticket["id"] for m in of("client.psb"))
