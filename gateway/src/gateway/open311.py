"""Open311 GeoReport v2 at ``/open311/v2``: the specification's paths onto svc-dispatch's routes.

Real Open311 clients call ``services.json``, ``services/{code}.json``, ``requests.json`` and
``requests/{id}.json`` under one root, post form-encoded with an ``api_key`` field, and expect
errors as a list of ``{code, description}``. This adapter rewrites the path onto
``/api/dispatch/v1/(public/)open311/...`` and hands the request to the proxy, so the route table,
the public rate limit and the audit log apply as to every other call. On a post the ``api_key``
(client id and secret in one, issued with the client through the IAM API) is exchanged for the
client's identity, through the same credential check and login throttle as ``/auth/token``, and
is never forwarded. Only the JSON format is served.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.proxy import BodyTooLarge, read_body
from jiceng_shared.errors import Problem

PREFIX = "/open311/v2/"
UPSTREAM = "/api/dispatch/v1"
_READS = re.compile(r"^(services|requests)(/[^/]+)?\.json$")
_FORMATS = re.compile(r"^(services|requests)(/[^/]+)?\.(\w+)$")
FORM = "application/x-www-form-urlencoded"


def open311_api_key(client_id: str, secret: str) -> str:
    """The api_key of a department client: ``client_id:secret`` (a client id never holds a colon)."""
    return f"{client_id}:{secret}"


def error_list(status: int, body: dict[str, Any]) -> list[dict[str, Any]]:
    """A problem document as the specification's error list: one entry per bad field, else one."""
    errors = body.get("errors")
    if isinstance(errors, list) and errors:
        return [{"code": status, "description": f"{e.get('field')}: {e.get('message')}"} for e in errors]
    return [{"code": status, "description": body.get("detail") or body.get("title") or "error"}]


def _answer(status: int, description: str, headers: list[tuple[bytes, bytes]] | None = None) -> list[Message]:
    body = json.dumps([{"code": status, "description": description}], ensure_ascii=False).encode()
    return [
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        },
        {"type": "http.response.body", "body": body, "more_body": False},
    ]


class _ErrorsAsList:
    """Wraps ``send``: a problem+json answer leaves as the specification's error list."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.start: Message | None = None
        self.chunks: list[bytes] = []

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            content_type = dict(message.get("headers", [])).get(b"content-type", b"")
            if message["status"] >= 400 and b"problem+json" in content_type:
                self.start = message
                return
            await self.send(message)
            return
        if self.start is None or message["type"] != "http.response.body":
            await self.send(message)
            return
        self.chunks.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        # the platform answers bad input 422; the specification's clients know 400
        status = 400 if self.start["status"] == 422 else self.start["status"]
        try:
            problem = json.loads(b"".join(self.chunks))
        except ValueError:
            problem = {}
        body = json.dumps(error_list(status, problem), ensure_ascii=False).encode()
        kept = [(k, v) for k, v in self.start.get("headers", []) if k not in (b"content-type", b"content-length")]
        await self.send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    *kept,
                ],
            }
        )
        await self.send({"type": "http.response.body", "body": body, "more_body": False})


class Open311Adapter:
    def __init__(
        self,
        proxy: ASGIApp,
        *,
        exchange: Callable[[str, str, str | None], Awaitable[str]],
        address: Callable[[Scope], str | None],
        max_body_bytes: int,
    ) -> None:
        self.proxy = proxy
        #: (client id, secret, address) → an access token of the client (raises a Problem if wrong)
        self.exchange = exchange
        self.address = address
        self.max_body_bytes = max_body_bytes

    @staticmethod
    def handles(path: str) -> bool:
        return path.startswith(PREFIX)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rest = scope["path"][len(PREFIX) :]
        method = scope["method"]
        wrapped = _ErrorsAsList(send)
        try:
            if not _READS.match(rest):
                fmt = _FORMATS.match(rest)
                if fmt:
                    raise Problem(400, "unsupported_format", "Bad request", f"format {fmt.group(3)}: only json")
                raise Problem(404, "not_found", "Not found", f"no Open311 resource {rest}")
            if method in ("GET", "HEAD"):
                await self.proxy(self._upstream(scope, f"{UPSTREAM}/public/open311/{rest}"), receive, wrapped)
            elif method == "POST" and rest == "requests.json":
                await self._post(scope, receive, wrapped)
            else:
                allowed = b"GET, POST" if rest == "requests.json" else b"GET"
                raise Problem(405, "method_not_allowed", "Method not allowed", headers={"Allow": allowed.decode()})
        except Problem as problem:
            headers = [(k.lower().encode(), v.encode()) for k, v in (problem.extensions.get("headers") or {}).items()]
            for message in _answer(problem.status, problem.detail or problem.title, headers):
                await send(message)

    async def _post(self, scope: Scope, receive: Receive, send: Send) -> None:
        content_type = dict(scope["headers"]).get(b"content-type", b"").split(b";")[0].strip().lower()
        if content_type != FORM.encode():
            raise Problem(415, "unsupported_media_type", "Unsupported media type", f"post the request as {FORM}")
        try:
            raw = await read_body(receive, self.max_body_bytes)
        except BodyTooLarge:
            raise Problem(413, "body_too_large", "Request too large", f"at most {self.max_body_bytes} bytes") from None
        try:
            fields = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise Problem(400, "bad_request", "Bad request", "the form is not UTF-8") from None
        keys = [v for k, v in fields if k == "api_key"]
        if not keys or not keys[0]:
            raise Problem(400, "api_key_required", "Bad request", "api_key: required to post a request")
        client_id, _, secret = keys[0].partition(":")
        if not client_id or not secret:
            raise Problem(403, "invalid_api_key", "Forbidden", "api_key: not a key issued by this server")
        try:
            token = await self.exchange(client_id, secret, self.address(scope))
        except Problem as problem:
            if problem.status == 429:
                raise
            raise Problem(
                403, "invalid_api_key", "Forbidden", "api_key: not valid (unknown, rotated or disabled)"
            ) from None
        body = urlencode([(k, v) for k, v in fields if k != "api_key"]).encode()
        upstream = self._upstream(scope, f"{UPSTREAM}/open311/requests.json")
        upstream["headers"] = [
            (k, v) for k, v in scope["headers"] if k not in (b"authorization", b"content-length", b"content-type")
        ] + [
            (b"authorization", f"Bearer {token}".encode()),
            (b"content-type", FORM.encode()),
            (b"content-length", str(len(body)).encode()),
        ]
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.proxy(upstream, replay, send)

    @staticmethod
    def _upstream(scope: Scope, path: str) -> Scope:
        # the same state: what the proxy learns (route, principal) reaches the access log
        return dict(scope) | {"path": path, "raw_path": path.encode(), "state": scope.setdefault("state", {})}
