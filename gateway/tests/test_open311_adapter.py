"""The Open311 adapter's own rules, without a stack: paths, formats, the api_key and the error list.

The whole round trip through the running platform is in tests/test_open311_e2e.py."""

from __future__ import annotations

import json
from typing import Any

from gateway.open311 import Open311Adapter, error_list, open311_api_key
from jiceng_shared.errors import Problem, problem_response


class FakeProxy:
    """Records what the adapter hands on and answers a fixed response."""

    def __init__(self, response: Any = None) -> None:
        self.scopes: list[dict] = []
        self.bodies: list[bytes] = []
        self.response = response

    async def __call__(self, scope, receive, send) -> None:
        self.scopes.append(scope)
        message = await receive()
        self.bodies.append(message.get("body", b""))
        response = self.response or problem_response(200, "ok", "ok")
        await response(scope, receive, send)


async def call(adapter: Open311Adapter, method: str, path: str, body: bytes = b"", headers=()) -> tuple[int, Any]:
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"content-type", b"application/x-www-form-urlencoded"), *headers],
    }
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        sent.append(message)

    await adapter(scope, receive, send)
    status = sent[0]["status"]
    content = b"".join(m.get("body", b"") for m in sent[1:])
    return status, json.loads(content) if content else None


def adapter(proxy: FakeProxy, tokens: dict[tuple[str, str], str] | None = None) -> Open311Adapter:
    async def exchange(client_id: str, secret: str, _address: str | None) -> str:
        token = (tokens or {}).get((client_id, secret))
        if token is None:
            raise Problem(401, "invalid_client", "Invalid client")
        return token

    return Open311Adapter(proxy, exchange=exchange, address=lambda _s: None, max_body_bytes=1000)


def test_the_api_key_holds_the_client_id_and_its_secret():
    assert open311_api_key("client.portal", "s3cret") == "client.portal:s3cret"


def test_a_problem_becomes_one_entry_and_field_errors_one_entry_each():
    assert error_list(404, {"detail": "no such request"}) == [{"code": 404, "description": "no such request"}]
    errors = [{"field": "lat", "message": "too big"}, {"field": "service_code", "message": "required"}]
    assert error_list(400, {"errors": errors}) == [
        {"code": 400, "description": "lat: too big"},
        {"code": 400, "description": "service_code: required"},
    ]


async def test_reads_go_to_the_public_routes_of_dispatch():
    proxy = FakeProxy()
    status, _ = await call(adapter(proxy), "GET", "/open311/v2/services/consumer_complaint.json")
    assert (
        status == 200 and proxy.scopes[0]["path"] == "/api/dispatch/v1/public/open311/services/consumer_complaint.json"
    )


async def test_only_json_and_only_the_specifications_paths():
    proxy = FakeProxy()
    status, body = await call(adapter(proxy), "GET", "/open311/v2/services.xml")
    assert status == 400 and body[0]["code"] == 400 and "json" in body[0]["description"]
    status, body = await call(adapter(proxy), "GET", "/open311/v2/discovery/else.json/x")
    assert status == 404
    status, _ = await call(adapter(proxy), "POST", "/open311/v2/services.json")
    assert status == 405 and not proxy.scopes


async def test_a_post_swaps_the_api_key_for_the_clients_token_and_never_forwards_it():
    proxy = FakeProxy()
    body = b"api_key=client.portal%3As3cret&service_code=consumer_complaint&attribute%5Btownship%5D=320971001000"
    status, _ = await call(
        adapter(proxy, {("client.portal", "s3cret"): "tok"}), "POST", "/open311/v2/requests.json", body
    )
    assert status == 200
    forwarded = proxy.scopes[0]
    assert forwarded["path"] == "/api/dispatch/v1/open311/requests.json"
    assert (b"authorization", b"Bearer tok") in forwarded["headers"]
    assert b"api_key" not in proxy.bodies[0] and b"s3cret" not in proxy.bodies[0]
    assert b"attribute%5Btownship%5D=320971001000" in proxy.bodies[0]


async def test_a_post_without_a_valid_api_key_is_refused_before_dispatch():
    proxy = FakeProxy()
    missing = await call(adapter(proxy), "POST", "/open311/v2/requests.json", b"service_code=x")
    wrong = await call(adapter(proxy), "POST", "/open311/v2/requests.json", b"api_key=client.portal%3Anope")
    malformed = await call(adapter(proxy), "POST", "/open311/v2/requests.json", b"api_key=nocolon")
    assert [s for s, _ in (missing, wrong, malformed)] == [400, 403, 403] and not proxy.scopes
    json_post = await call(
        adapter(proxy), "POST", "/open311/v2/requests.json", b"{}", headers=[(b"content-type", b"application/json")]
    )
    assert json_post[0] == 415


async def test_the_platforms_422_reaches_open311_clients_as_400_with_every_field():
    problem = problem_response(
        422, "validation_failed", "Invalid", "invalid fields", errors=[{"field": "lat", "code": "x", "message": "bad"}]
    )
    status, body = await call(
        adapter(FakeProxy(problem), {("c", "s"): "t"}), "POST", "/open311/v2/requests.json", b"api_key=c%3As"
    )
    assert status == 400 and body == [{"code": 400, "description": "lat: bad"}]
