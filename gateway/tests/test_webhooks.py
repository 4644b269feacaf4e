"""Webhooks for department systems (issue 9 part 5): a client subscribes, the gateway consumes the
platform's events from JetStream and delivers them, signed per Standard Webhooks, to a receiver
this test starts on 127.0.0.1, which verifies every signature with the library's ``Webhook``."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import nats
import pytest
from aiohttp import web
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from gateway.seed import client_secret
from gateway.webhooks import rules
from gateway.webhooks.models import WebhookDelivery, WebhookSubscription
from jiceng_shared import demo
from jiceng_shared.contracts.common import UnitRef
from jiceng_shared.contracts.dispatch import CallbackRecorded, TicketAssigned
from jiceng_shared.events import EventPayload, build_event, nats_subject
from jiceng_shared.identity import Binding
from jiceng_shared.stack import free_port
from jiceng_shared.testing.plugin import eventually

#: the receiver's answers are quick and the tests short: a short schedule of two retries
RETRY_SECONDS = [0.2, 0.2]
BASE = "/api/webhooks/v1"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: str


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1: records every POST; ``answers[path]`` are the statuses it
    gives in turn (then 200)."""

    port: int = 0
    received: list[Received] = field(default_factory=list)
    answers: dict[str, list[int]] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.text()
        self.received.append(Received(request.path, {k.lower(): v for k, v in request.headers.items()}, body))
        queue = self.answers.get(request.path) or []
        return web.Response(status=queue.pop(0) if queue else 200)

    def at(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]


@pytest.fixture(scope="module")
async def receiver():
    rec = Receiver(port=free_port())
    app = web.Application()
    app.router.add_post("/{tail:.*}", rec.handle)
    runner = web.AppRunner(app, shutdown_timeout=1)  # a client keeping its connection open would hold the teardown 60 s
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", rec.port).start()
    yield rec
    await runner.cleanup()


@pytest.fixture(scope="module")
async def wgw(make_gateway):
    async with make_gateway(webhook_retry_seconds=RETRY_SECONDS, webhook_poll_seconds=0.05) as running:
        yield running


@pytest.fixture(scope="module")
async def publish(wgw, infra):
    """Publish an event on the gateway's stream, as a service's outbox relay would."""
    await asyncio.wait_for(wgw.state.webhooks.consumers.bus.wait_ready(), timeout=15)
    nc = await nats.connect(infra.nats_url)
    js = nc.jetstream()

    async def send(payload: EventPayload, township: str) -> str:
        event = build_event(payload, source="/svc-dispatch", subject=f"ticket/{uuid.uuid4()}", township=township)
        await js.publish(nats_subject(wgw.settings.events_prefix, payload.event_type), event.model_dump_json().encode())
        return event.id

    yield send
    await nc.close()


_TOKENS: dict[tuple[int, str], dict[str, str]] = {}


async def client_headers(gw, client_id: str) -> dict[str, str]:
    """A token of the demo client (one per client and gateway: each login verifies a slow hash)."""
    key = (id(gw), client_id)
    if key not in _TOKENS:
        _TOKENS[key] = await _login(gw, client_id)
    return _TOKENS[key]


async def _login(gw, client_id: str) -> dict[str, str]:
    async with gw.client(f"10.7.{uuid.uuid4().int % 250}.1") as c:
        response = await c.post(
            "/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": client_secret(client_id, gw.settings.demo_password),
            },
        )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def subscribe(gw, client_id: str, url: str, types: list[str]) -> dict[str, Any]:
    async with gw.client() as c:
        response = await c.post(
            f"{BASE}/subscriptions",
            json={"url": url, "event_types": types},
            headers=await client_headers(gw, client_id),
        )
    assert response.status_code == 201, response.text
    return response.json()


async def api(gw, client_id: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async with gw.client() as c:
        return await c.request(method, path, headers=await client_headers(gw, client_id), **kwargs)


def unit(township: demo.Township, dept: str) -> UnitRef:
    return UnitRef(
        code=f"{township.code}:{dept}", area_code=township.code, dept=dept, name=dept, kind="township_office"
    )


def assigned(township: demo.Township, dept: str, source: str = "department") -> TicketAssigned:
    return TicketAssigned(
        ticket_id=str(uuid.uuid4()),
        number=f"T{uuid.uuid4().hex[:8]}",
        category="consumer_complaint",
        description="webhook test",
        township_code=township.code,
        area_code=township.code,
        unit=unit(township, dept),
        assigned_at=dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC),
        source=source,
    )


def verified(secret: str, message: Received) -> dict[str, Any]:
    """The library checks the signature and the timestamp; the payload it returns."""
    return Webhook(secret).verify(message.body, message.headers)


async def handled(gw, event_id: str) -> bool:
    """The gateway's consumer has taken the event (its inbox holds it)."""
    inbox = gw.state.db.infra.inbox
    async with gw.state.db.session() as session:
        found = await session.execute(select(inbox.c.event_id).where(inbox.c.event_id == event_id))
        return found.first() is not None


async def deliveries_of(gw, event_id: str) -> list[WebhookDelivery]:
    async with gw.state.db.session() as session:
        return list((await session.scalars(select(WebhookDelivery).where(WebhookDelivery.event_id == event_id))).all())


# --- the rules -------------------------------------------------------------------------------------


def test_scope_rule_department_township_and_hotline_origin():
    bufeng, xincheng = demo.BUFENG, demo.XINCHENG
    cle = [Binding("dept_system", bufeng.code, "cle")]
    hotline = [Binding("dept_system", bufeng.code, rules.HOTLINE_DEPT)]
    data = assigned(bufeng, "cle").model_dump(mode="json")
    assert rules.in_scope(cle, "dispatch.ticket.assigned", data)
    # another department's ticket, another township's, an event type not offered: never
    assert not rules.in_scope(cle, "dispatch.ticket.assigned", assigned(bufeng, "nrp").model_dump(mode="json"))
    assert not rules.in_scope(cle, "dispatch.ticket.assigned", assigned(xincheng, "cle").model_dump(mode="json"))
    assert not rules.in_scope(cle, "dispatch.ticket.created", data)
    # a cooperating unit is in scope too
    coop = assigned(bufeng, "nrp").model_copy(update={"cooperating_units": [unit(bufeng, "cle")]})
    assert rules.in_scope(cle, "dispatch.ticket.assigned", coop.model_dump(mode="json"))
    # the hotline platform receives the tickets it originated, whichever unit handles them
    assert rules.in_scope(
        hotline, "dispatch.ticket.assigned", assigned(bufeng, "nrp", "hotline").model_dump(mode="json")
    )
    assert not rules.in_scope(hotline, "dispatch.ticket.assigned", assigned(bufeng, "nrp").model_dump(mode="json"))
    # a county-wide binding covers every township of the county
    county = [Binding("dept_system", demo.COUNTY_CODE, "cle")]
    assert rules.in_scope(county, "dispatch.ticket.assigned", assigned(xincheng, "cle").model_dump(mode="json"))


def test_retry_schedule_boundary():
    now = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)
    schedule = [5.0, 300.0]
    assert rules.next_attempt(1, now, schedule) == now + dt.timedelta(seconds=5)
    assert rules.next_attempt(2, now, schedule) == now + dt.timedelta(seconds=300)
    assert rules.next_attempt(3, now, schedule) is None  # one failure past the schedule: given up


# --- through the gateway, against a real receiver --------------------------------------------------


async def test_delivery_is_signed_and_logged(wgw, receiver, publish):
    path = f"/cle/{uuid.uuid4().hex[:6]}"
    sub = await subscribe(wgw, "client.cle", receiver.url(path), ["dispatch.ticket.assigned"])
    assert sub["secret"].startswith("whsec_") and sub["status"] == "active"
    event_id = await publish(assigned(demo.BUFENG, "cle"), demo.BUFENG.code)

    await eventually(lambda: _some(receiver.at(path)), timeout=15)
    message = receiver.at(path)[0]
    payload = verified(sub["secret"], message)
    assert payload["type"] == "dispatch.ticket.assigned" and payload["event_id"] == event_id
    assert payload["data"]["unit"]["dept"] == "cle"
    with pytest.raises(WebhookVerificationError):  # another secret does not verify it
        Webhook("whsec_" + "A" * 43 + "=").verify(message.body, message.headers)

    async def logged() -> dict[str, Any]:
        response = await api(wgw, "client.cle", "GET", f"{BASE}/subscriptions/{sub['id']}/deliveries")
        assert response.status_code == 200, response.text
        items = response.json()["items"]
        return items[0] if items and items[0]["status"] == "delivered" else None

    delivery = await eventually(logged, timeout=10)
    assert delivery["id"] == message.headers["webhook-id"] and delivery["event_id"] == event_id
    assert [(a["status_code"], a["outcome"]) for a in delivery["attempt_log"]] == [(200, "delivered")]
    # the secret is never shown again
    detail = await api(wgw, "client.cle", "GET", f"{BASE}/subscriptions/{sub['id']}")
    assert detail.status_code == 200 and "secret" not in detail.json()


async def test_a_failed_delivery_is_retried_with_back_off(wgw, receiver, publish):
    path = f"/retry/{uuid.uuid4().hex[:6]}"
    receiver.answers[path] = [500]
    sub = await subscribe(wgw, "client.cle", receiver.url(path), ["dispatch.ticket.assigned"])
    await publish(assigned(demo.BUFENG, "cle"), demo.BUFENG.code)

    await eventually(lambda: _some(len(receiver.at(path)) >= 2), timeout=15)
    first, second = receiver.at(path)[:2]
    assert first.headers["webhook-id"] == second.headers["webhook-id"]  # the same message, again
    assert int(second.headers["webhook-timestamp"]) >= int(first.headers["webhook-timestamp"])
    verified(sub["secret"], second)
    response = await api(wgw, "client.cle", "GET", f"{BASE}/subscriptions/{sub['id']}/deliveries")

    async def done() -> dict[str, Any]:
        r = await api(wgw, "client.cle", "GET", f"{BASE}/subscriptions/{sub['id']}/deliveries")
        item = r.json()["items"][0]
        return item if item["status"] == "delivered" else None

    delivery = await eventually(done, timeout=10)
    assert [(a["status_code"], a["outcome"]) for a in delivery["attempt_log"]] == [(500, "retry"), (200, "delivered")]
    assert response.status_code == 200


async def test_after_the_last_retry_the_delivery_fails(wgw, receiver, publish):
    path = f"/down/{uuid.uuid4().hex[:6]}"
    receiver.answers[path] = [503] * (len(RETRY_SECONDS) + 1) + [200]
    sub = await subscribe(wgw, "client.cle", receiver.url(path), ["dispatch.ticket.assigned"])
    await publish(assigned(demo.BUFENG, "cle"), demo.BUFENG.code)

    async def failed() -> dict[str, Any]:
        r = await api(wgw, "client.cle", "GET", f"{BASE}/subscriptions/{sub['id']}/deliveries")
        items = r.json()["items"]
        return items[0] if items and items[0]["status"] == "failed" else None

    delivery = await eventually(failed, timeout=15)
    # 1 attempt + one per delay of the schedule; one more would have succeeded
    assert [a["outcome"] for a in delivery["attempt_log"]] == ["retry"] * len(RETRY_SECONDS) + ["failed"]
    assert len(receiver.at(path)) == len(RETRY_SECONDS) + 1

    # a replay sends it again (same webhook-id), and the receiver now takes it
    replay = await api(wgw, "client.cle", "POST", f"{BASE}/deliveries/{delivery['id']}/replay")
    assert replay.status_code == 202, replay.text
    await eventually(lambda: _some(len(receiver.at(path)) == len(RETRY_SECONDS) + 2), timeout=10)
    again = receiver.at(path)[-1]
    assert again.headers["webhook-id"] == delivery["id"]
    verified(sub["secret"], again)


async def test_replay_of_a_delivered_message(wgw, receiver, publish):
    path = f"/replay/{uuid.uuid4().hex[:6]}"
    sub = await subscribe(wgw, "client.cle", receiver.url(path), ["dispatch.ticket.assigned"])
    await publish(assigned(demo.BUFENG, "cle"), demo.BUFENG.code)
    await eventually(lambda: _some(receiver.at(path)), timeout=15)

    async def delivered() -> dict[str, Any]:
        r = await api(wgw, "client.cle", "GET", f"{BASE}/subscriptions/{sub['id']}/deliveries")
        items = r.json()["items"]
        return items[0] if items and items[0]["status"] == "delivered" else None

    delivery = await eventually(delivered, timeout=10)
    response = await api(wgw, "client.cle", "POST", f"{BASE}/deliveries/{delivery['id']}/replay")
    assert response.status_code == 202 and response.json()["status"] == "pending"
    await eventually(lambda: _some(len(receiver.at(path)) == 2), timeout=10)
    first, second = receiver.at(path)
    assert first.body == second.body and first.headers["webhook-id"] == second.headers["webhook-id"]
    assert verified(sub["secret"], second)["type"] == "dispatch.ticket.assigned"
    # another client cannot replay it (not found: nothing leaks)
    other = await api(wgw, "client.nrp", "POST", f"{BASE}/deliveries/{delivery['id']}/replay")
    assert other.status_code == 404 and other.json()["code"] == "not_found"


async def test_a_receiver_answering_410_is_unsubscribed(wgw, receiver, publish):
    path = f"/gone/{uuid.uuid4().hex[:6]}"
    receiver.answers[path] = [410]
    sub = await subscribe(wgw, "client.cle", receiver.url(path), ["dispatch.ticket.assigned"])
    await publish(assigned(demo.BUFENG, "cle"), demo.BUFENG.code)

    async def unsubscribed() -> dict[str, Any]:
        r = await api(wgw, "client.cle", "GET", f"{BASE}/subscriptions/{sub['id']}")
        return r.json() if r.json()["status"] == "unsubscribed" else None

    ended = await eventually(unsubscribed, timeout=15)
    assert "410" in ended["unsubscribed_reason"]
    assert len(receiver.at(path)) == 1  # no retry after 410
    later = await publish(assigned(demo.BUFENG, "cle"), demo.BUFENG.code)
    await eventually(lambda: handled(wgw, later), timeout=10)
    assert [d.subscription_id for d in await deliveries_of(wgw, later)].count(sub["id"]) == 0
    rotate = await api(wgw, "client.cle", "POST", f"{BASE}/subscriptions/{sub['id']}/secret")
    assert rotate.status_code == 409 and rotate.json()["code"] == "subscription_unsubscribed"


async def test_events_outside_the_scope_are_never_delivered(wgw, receiver, publish):
    cle_path, hotline_path = f"/scope-cle/{uuid.uuid4().hex[:6]}", f"/scope-h/{uuid.uuid4().hex[:6]}"
    cle = await subscribe(wgw, "client.cle", receiver.url(cle_path), ["dispatch.ticket.assigned"])
    hotline = await subscribe(
        wgw,
        "client.hotline12345",
        receiver.url(hotline_path),
        ["dispatch.ticket.assigned", "dispatch.callback.recorded"],
    )
    # another department's ticket, from a department system: neither receives it
    other = await publish(assigned(demo.BUFENG, "nrp"), demo.BUFENG.code)
    # a hotline ticket handled by cle: both receive it
    mine = await publish(assigned(demo.BUFENG, "cle", source="hotline"), demo.BUFENG.code)
    # a callback of a hotline ticket: the hotline platform subscribed to it, cle did not
    callback = CallbackRecorded(
        ticket_id=str(uuid.uuid4()),
        number="T1",
        category="consumer_complaint",
        township_code=demo.BUFENG.code,
        area_code=demo.BUFENG.code,
        unit=unit(demo.BUFENG, "nrp"),
        source="hotline",
        result="satisfied",
        resolved=True,
        recorded_at=dt.datetime(2026, 11, 3, tzinfo=dt.UTC),
    )
    called = await publish(callback, demo.BUFENG.code)

    for event_id in (other, mine, called):
        await eventually(lambda event_id=event_id: handled(wgw, event_id), timeout=15)
    await eventually(lambda: _some(len(receiver.at(cle_path)) == 1 and len(receiver.at(hotline_path)) == 2), timeout=10)
    assert await deliveries_of(wgw, other) == []
    got_cle = [verified(cle["secret"], m)["event_id"] for m in receiver.at(cle_path)]
    got_hotline = {verified(hotline["secret"], m)["event_id"] for m in receiver.at(hotline_path)}
    assert got_cle == [mine] and got_hotline == {mine, called}


async def test_secret_rotation_signs_with_both_during_the_grace(wgw, receiver, publish):
    path = f"/rotate/{uuid.uuid4().hex[:6]}"
    sub = await subscribe(wgw, "client.cle", receiver.url(path), ["dispatch.ticket.assigned"])
    rotated = await api(wgw, "client.cle", "POST", f"{BASE}/subscriptions/{sub['id']}/secret")
    assert rotated.status_code == 200
    new = rotated.json()["secret"]
    assert new.startswith("whsec_") and new != sub["secret"]
    await publish(assigned(demo.BUFENG, "cle"), demo.BUFENG.code)
    await eventually(lambda: _some(receiver.at(path)), timeout=15)
    message = receiver.at(path)[0]
    verified(new, message)
    verified(sub["secret"], message)  # the receiver may switch a little later
    assert len(message.headers["webhook-signature"].split(" ")) == 2


async def test_subscriptions_are_the_clients_own_and_validated(wgw, receiver):
    sub = await subscribe(wgw, "client.cle", receiver.url("/own"), ["dispatch.ticket.closed"])
    other = await api(wgw, "client.nrp", "GET", f"{BASE}/subscriptions/{sub['id']}")
    assert other.status_code == 404 and other.json()["code"] == "not_found"
    listed = await api(wgw, "client.nrp", "GET", f"{BASE}/subscriptions")
    assert sub["id"] not in {s["id"] for s in listed.json()["items"]}
    bad = await api(
        wgw,
        "client.cle",
        "POST",
        f"{BASE}/subscriptions",
        json={"url": "not a url", "event_types": ["grid.incident.reported"]},
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} >= {"url", "event_types.0"}, bad.json()
    types = await api(wgw, "client.cle", "GET", f"{BASE}/event-types")
    assert {t["type"] for t in types.json()["items"]} == {t.value for t in rules.EventType}
    # a person (even an administrator) does not subscribe: the permission is the department systems'
    token = await wgw.token("county_admin")
    async with wgw.client() as c:
        refused = await c.get(f"{BASE}/subscriptions", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    gone = await api(wgw, "client.cle", "DELETE", f"{BASE}/subscriptions/{sub['id']}")
    assert gone.status_code == 204
    after = await api(wgw, "client.cle", "GET", f"{BASE}/subscriptions/{sub['id']}")
    assert after.json()["status"] == "unsubscribed"


async def test_production_requires_https(wgw):
    from gateway.webhooks.schemas import SubscriptionIn
    from gateway.webhooks.service import check_url
    from jiceng_shared.errors import Problem

    body = SubscriptionIn(url="http://dept.example/hook", event_types=["dispatch.ticket.closed"])
    check_url(body, production=False)
    with pytest.raises(Problem) as refused:
        check_url(body, production=True)
    assert refused.value.code == "https_required"
    check_url(SubscriptionIn(url="https://dept.example/hook", event_types=["dispatch.ticket.closed"]), production=True)


async def _some(value: Any) -> Any:
    return value


async def test_nothing_is_lost_across_a_restart(make_gateway, databases, infra, receiver):
    """A delivery waiting for its retry, and an event published while the gateway is down, both
    reach the receiver once a gateway runs again on the same database and stream."""
    from types import SimpleNamespace

    from gateway.seed import seed
    from jiceng_shared.testing.plugin import delete_stream

    database_url = await databases.create("gateway")
    prefix = f"t{uuid.uuid4().hex[:10]}"
    settings = {"webhook_retry_seconds": [1.0], "webhook_poll_seconds": 0.05}
    path = f"/restart/{uuid.uuid4().hex[:6]}"
    receiver.answers[path] = [503]
    nc = await nats.connect(infra.nats_url)
    js = nc.jetstream()

    async def publish_raw(payload: EventPayload) -> str:
        event = build_event(payload, source="/svc-dispatch", subject="ticket/x", township=demo.BUFENG.code)
        await js.publish(nats_subject(prefix, payload.event_type), event.model_dump_json().encode())
        return event.id

    try:
        async with make_gateway(database_url=database_url, events_prefix=prefix, **settings) as first:
            await seed(SimpleNamespace(settings=first.settings, db=first.state.db))  # type: ignore[arg-type]
            await asyncio.wait_for(first.state.webhooks.consumers.bus.wait_ready(), timeout=15)
            sub = await subscribe(first, "client.cle", receiver.url(path), ["dispatch.ticket.assigned"])
            waiting = await publish_raw(assigned(demo.BUFENG, "cle"))
            await eventually(lambda: _some(receiver.at(path)), timeout=15)  # answered 503: a retry is due

            async def recorded() -> bool:
                return any(d.attempts == 1 for d in await deliveries_of(first, waiting))

            await eventually(recorded, timeout=10)
        while_down = await publish_raw(assigned(demo.BUFENG, "cle"))
        async with make_gateway(database_url=database_url, events_prefix=prefix, **settings) as second:
            await eventually(lambda: _some(len(receiver.at(path)) >= 3), timeout=20)
            got = [verified(sub["secret"], m)["event_id"] for m in receiver.at(path)]
            assert sorted(got) == sorted([waiting, waiting, while_down])
            assert {d.status for d in await deliveries_of(second, waiting)} == {"delivered"}
    finally:
        await nc.close()
        await delete_stream(infra.nats_url, prefix)


async def test_the_guides_standard_library_check_verifies_a_real_delivery(wgw, receiver, publish):
    """README.zh-CN.md shows integrators a check with hmac/base64 only: it accepts what the gateway
    sends, and refuses a changed body, another secret and an old timestamp."""
    import re
    from pathlib import Path

    guide = (Path(__file__).resolve().parents[2] / "README.zh-CN.md").read_text()
    [code] = [block for block in re.findall(r"```python\n(.*?)```", guide, re.S) if "def verify_webhook" in block]
    namespace: dict[str, Any] = {}
    exec(compile(code, "README.zh-CN.md", "exec"), namespace)
    verify_webhook = namespace["verify_webhook"]

    path = f"/guide/{uuid.uuid4().hex[:6]}"
    sub = await subscribe(wgw, "client.cle", receiver.url(path), ["dispatch.ticket.assigned"])
    await publish(assigned(demo.BUFENG, "cle"), demo.BUFENG.code)
    await eventually(lambda: _some(receiver.at(path)), timeout=15)
    message = receiver.at(path)[0]
    body = message.body.encode()
    verify_webhook(sub["secret"], message.headers, body)
    with pytest.raises(ValueError):
        verify_webhook(sub["secret"], message.headers, body.replace(b"cle", b"nrp"))
    with pytest.raises(ValueError):
        verify_webhook("whsec_" + "A" * 43 + "=", message.headers, body)
    with pytest.raises(ValueError):
        verify_webhook(sub["secret"], message.headers | {"webhook-timestamp": "1000000000"}, body)


# --- the active subscriptions in memory ------------------------------------------------------------


async def _copy_of(gw, short: str = "dispatch.ticket.assigned") -> set[str]:
    """The ids the gateway's webhook worker matches an event of type ``short`` against now."""
    async with gw.state.db.session() as session:
        return {s.id for s in await gw.state.webhooks.subscriptions.of_type(session, short)}


async def _subscribed_unheard(gw, short: str) -> str:
    """A subscription to events of type ``short`` made by another replica that could not tell this
    one (NATS was down): written straight into the database. Its id."""
    now = dt.datetime.now(dt.UTC)
    sub_id = str(uuid.uuid4())
    async with gw.state.db.transaction() as session:
        session.add(
            WebhookSubscription(
                id=sub_id,
                subject_id=str(uuid.uuid4()),
                client_id="elsewhere",
                url="http://127.0.0.1:9/x",
                event_types=[short],
                secret="whsec_x",
                status=rules.SubscriptionStatus.ACTIVE.value,
                created_at=now,
                updated_at=now,
            )
        )
    return sub_id


async def test_a_subscription_made_or_ended_on_another_replica_counts_here_at_once(make_gateway, receiver):
    """Replica B keeps its copy for 10 minutes, yet hears of A's changes at once (NATS broadcast)."""
    async with (
        make_gateway(webhook_subscriptions_refresh_seconds=600) as a,
        make_gateway(
            database_url=a.settings.database_url,
            events_prefix=a.settings.events_prefix,
            webhook_subscriptions_refresh_seconds=600,
        ) as b,
    ):
        assert await _copy_of(b) == set()  # B has read its copy: nothing to match
        assert b.state.webhooks.subscriptions.fresh()
        sub = await subscribe(a, "client.cle", receiver.url("/replica"), ["dispatch.ticket.assigned"])
        await eventually(lambda: _some(not b.state.webhooks.subscriptions.fresh()), timeout=5)
        assert await _copy_of(b) == {sub["id"]}
        assert (await api(a, "client.cle", "DELETE", f"{BASE}/subscriptions/{sub['id']}")).status_code == 204
        await eventually(lambda: _some(not b.state.webhooks.subscriptions.fresh()), timeout=5)
        assert await _copy_of(b) == set()


async def test_a_change_whose_broadcast_was_missed_counts_within_the_refresh_bound(wgw):
    """A subscription another replica made without telling this one (NATS was down) is matched
    once the copy is ``webhook_subscriptions_refresh_seconds`` old, not later."""
    from gateway.webhooks.service import ActiveSubscriptions

    clock = [1000.0]
    active = ActiveSubscriptions(2.0, clock=lambda: clock[0])
    short = "dispatch.summons.issued"  # no other test subscribes to it
    event = build_event(assigned(demo.BUFENG, "cle"), source="/svc-dispatch", subject="t", township=demo.BUFENG.code)
    summons = event.model_copy(update={"type": event.type.replace("ticket.assigned", "summons.issued")})
    assert summons.short_type == short
    async with wgw.state.db.session() as session:
        assert await active.of_type(session, short) == []
    assert not active.may_match(summons)  # a current copy without the type: acked without a transaction
    sub_id = await _subscribed_unheard(wgw, short)
    clock[0] += 1.99
    assert not active.may_match(summons)
    async with wgw.state.db.session() as session:
        assert await active.of_type(session, short) == []  # the copy, not read again yet
    clock[0] += 0.01
    assert active.may_match(summons)  # due for a read: the handler reads
    async with wgw.state.db.session() as session:
        assert [s.id for s in await active.of_type(session, short)] == [sub_id]
    assert active.may_match(summons) and active.fresh()


async def test_a_copy_past_half_its_life_is_read_again_in_the_background(wgw):
    """While events come, the copy never expires: past half its life an event has it read again
    (outside the consumer's transaction), and the events after see what changed meanwhile."""
    from gateway.webhooks.service import ActiveSubscriptions

    clock = [1000.0]
    active = ActiveSubscriptions(2.0, wgw.state.db, clock=lambda: clock[0])
    short = "dispatch.ticket.reopened"  # no other test subscribes to it
    event = build_event(assigned(demo.BUFENG, "cle"), source="/svc-dispatch", subject="t", township=demo.BUFENG.code)
    reopened = event.model_copy(update={"type": event.type.replace("ticket.assigned", "ticket.reopened")})
    async with wgw.state.db.session() as session:
        assert await active.of_type(session, short) == []
    await _subscribed_unheard(wgw, short)
    clock[0] += 0.9
    assert not active.may_match(reopened)  # half its life not gone: nothing read
    assert active._reading is None
    clock[0] += 0.2
    assert not active.may_match(reopened)  # still the copy, but a read has begun
    assert active._reading is not None
    await eventually(lambda: _some(active._reading is None), timeout=5)
    assert active.may_match(reopened) and active.fresh()
    await active.close()


async def test_a_read_overlapping_a_change_is_not_kept_as_current(wgw):
    from gateway.webhooks.service import ActiveSubscriptions

    active = ActiveSubscriptions(600)

    class ChangedMeanwhile:
        """A session whose read is overtaken by a committed change (changed() before it returns)."""

        def __init__(self, session) -> None:
            self.session = session

        async def execute(self, *args, **kwargs):
            result = await self.session.execute(*args, **kwargs)
            active.changed()
            return result

    async with wgw.state.db.session() as session:
        await active.of_type(ChangedMeanwhile(session), "dispatch.ticket.assigned")  # type: ignore[arg-type]
        assert not active.fresh()
        await active.of_type(session, "dispatch.ticket.assigned")
        assert active.fresh()
