"""The reverse proxy for ``/api/<service>/v1/...``: decide, sign, forward, stream back.

This is the platform's hot path, written as a bare ASGI app over keep-alive connections to each
service (:mod:`gateway.upstream`): performance.md measured FastAPI routing plus httpx at 0.04× the
direct throughput and bare ASGI plus aiohttp at 0.78×; the lean client then cut the gateway's
CPU per proxied request by a third again. Token verification, the
principal and the internal token are all cached in memory, so a request costs no crypto and
no database round trip once warm. The audit log is written synchronously only where it must
hold the answer: before a write is forwarded, and before a flagged personal record is sent.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from prometheus_client import Histogram
from starlette.types import Receive, Scope, Send

from gateway.access import AccessGuard, answer_problem
from gateway.audit import AuditLog, data_subjects, who
from gateway.idempotency import IdempotencyStore, Stored, fingerprint, key_of, replay_headers
from gateway.upstream import NotReached, Upstream, UpstreamError
from jiceng_shared.errors import Problem, database_unavailable, database_unavailable_problem
from jiceng_shared.identity import ANONYMOUS, INTERNAL_HEADER, InternalTokenSigner, Principal
from jiceng_shared.observability import current_traceparent, request_id_var
from jiceng_shared.personaldata import SUBJECT_HEADER
from jiceng_shared.policy import Route

log = logging.getLogger(__name__)

UPSTREAM_LATENCY = Histogram(
    "jiceng_gateway_upstream_seconds",
    "Time to the upstream's response headers",
    ["service"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)

#: request headers never forwarded: hop-by-hop ones, and those the gateway sets itself
_DROP_REQUEST = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"host",
        b"content-length",
        b"authorization",
        b"cookie",
        INTERNAL_HEADER.encode(),
        b"x-request-id",
        b"traceparent",
        b"tracestate",
        b"x-forwarded-for",
        b"x-forwarded-proto",
        b"x-forwarded-host",
        b"x-on-behalf-of",
        # the gateway has read the whole body already: the service has nothing to agree to
        b"expect",
    }
)
#: ``x-jiceng-data-subjects``: the persons a service's answer is about, for the audit entry only
_DROP_RESPONSE = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"transfer-encoding",
        b"upgrade",
        b"trailer",
        b"x-request-id",
        b"server",
        b"date",
        SUBJECT_HEADER.encode(),
    }
)

#: an answer with a Content-Length up to this is read whole and sent on in one body message;
#: a longer one (or one without a length) is streamed as it comes
WHOLE_BODY_BYTES = 64 * 1024

#: methods that change nothing; every other method through the gateway is an audited write
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def never_reached(exc: BaseException) -> bool:
    """True when the request surely did not reach the service (the connection was refused):
    only then may a keyed request's claim be released for an immediate retry."""
    return isinstance(exc, NotReached)


_INTERNAL = INTERNAL_HEADER.lower().encode("latin-1")
_SUBJECT = SUBJECT_HEADER.lower().encode("latin-1")


def _target(scope: Scope) -> bytes:
    """The request target forwarded: the canonical path (:mod:`gateway.edge`) and the query."""
    path: bytes = scope["raw_path"]
    query: bytes = scope.get("query_string", b"")
    return path + b"?" + query if query else path


class BodyTooLarge(Exception):
    pass


async def read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ConnectionError("client went away")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


class Proxy:
    def __init__(
        self,
        *,
        upstreams: dict[str, str],
        guard: AccessGuard,
        signer: InternalTokenSigner,
        audit: AuditLog,
        max_body_bytes: int,
        timeout_seconds: float,
        pool_size: int,
        idempotency: IdempotencyStore | None = None,
        completion_seconds: float = 300.0,
    ) -> None:
        self.upstreams = upstreams
        #: the latency histogram of each service, labelled once (``labels()`` locks on every call)
        self.upstream_latency = {service: UPSTREAM_LATENCY.labels(service) for service in upstreams}
        self.guard = guard
        self.signer = signer
        self.audit = audit
        self.max_body_bytes = max_body_bytes
        self.timeout_seconds = timeout_seconds
        self.pool_size = pool_size
        self.idempotency = idempotency
        #: how long the gateway waits in the background for a keyed request it answered 504
        self.completion_seconds = completion_seconds
        #: the keep-alive connections to each service, all within ``pool_size`` at a time
        self.pools: dict[str, Upstream] = {}
        #: for the merged OpenAPI document only (a few calls at startup, not the hot path)
        self.session: aiohttp.ClientSession | None = None
        self._background: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        slots = asyncio.Semaphore(self.pool_size)
        self.pools = {service: Upstream(url, slots=slots) for service, url in self.upstreams.items()}
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self.pool_size, keepalive_timeout=60, ttl_dns_cache=300),
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=3, sock_read=self.timeout_seconds),
            auto_decompress=False,
            # no skip_auto_headers: it costs a header rebuild per request (aiohttp's fast path
            # is "nothing to skip"), and the defaults it would add are harmless
            cookie_jar=aiohttp.DummyCookieJar(),
        )

    async def close(self) -> None:
        if self._background:  # keyed requests still running: let them record their answer
            await asyncio.wait(self._background, timeout=5)
        for pool in self.pools.values():
            pool.close()
        if self.session is not None:
            await self.session.close()

    def handles(self, path: str) -> bool:
        """Paths of the configured upstream services (``/api/iam`` is the gateway's own)."""
        if not path.startswith("/api/"):
            return False
        service = path[5:].split("/", 1)[0]
        return service in self.upstreams

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"]
        try:
            route, principal = await self.guard.decide(scope)
            body = b""
            if method not in ("GET", "HEAD", "DELETE", "OPTIONS"):
                body = await self._body(scope, receive)
            keyed = await self._claim(scope, principal, body) if method == "POST" else None
            if isinstance(keyed, Stored):  # a retry: the first response again, nothing created
                await self._send_stored(send, keyed, replayed=True)
                self.audit.write_later(
                    action="write", outcome="replayed", status=keyed.status, **self._what(scope, principal, route)
                )
                return
            write = method not in READ_METHODS
            if write:
                # recorded before it happens: no write is acknowledged without its audit entry
                try:
                    await self.audit.write_now(action="write", outcome="started", **self._what(scope, principal, route))
                except BaseException:
                    if keyed is not None:  # nothing was forwarded: the key is free for the retry
                        await self._release(keyed)
                    raise
            if keyed is not None:
                status = await self._forward_keyed(scope, send, route, principal, body, keyed)
            else:
                status = await self._forward(scope, send, route, principal, body)
        except Problem as problem:
            await answer_problem(scope, receive, send, problem)
            return
        except Exception as exc:
            # the gateway's own database (identities, audit) in trouble: retryable, never a 500
            if not database_unavailable(exc) or scope.get("state", {}).get("response_started"):
                raise
            log.warning("gateway database unavailable", extra={"error": repr(exc)[:300]})
            await answer_problem(scope, receive, send, database_unavailable_problem())
            return
        if write:
            self.audit.write_later(
                action="write",
                outcome="completed",
                status=status,
                data_subjects=scope.get("state", {}).get("data_subjects"),
                **self._what(scope, principal, route),
            )
        if status in (401, 403):
            self.guard.denied(scope, principal, route, status, f"denied by the {route.service} service")

    # --- Idempotency-Key -------------------------------------------------------------------

    async def _claim(self, scope: Scope, principal: Principal, body: bytes) -> tuple[str, str] | Stored | None:
        """None without a key; the stored response of a retry; else (owner, key) now claimed."""
        if self.idempotency is None:
            return None
        key = key_of(scope["headers"])
        if key is None:
            return None
        owner = principal.subject if principal is not ANONYMOUS else f"anonymous:{self.guard.address(scope) or '-'}"
        fp = fingerprint(scope["method"], scope["path"], scope.get("query_string", b""), body)
        stored = await self.idempotency.begin(owner, key, fp, scope["method"], scope["path"])
        return stored if stored is not None else (owner, key)

    async def _forward_keyed(
        self, scope: Scope, send: Send, route: Route, principal: Principal, body: bytes, keyed: tuple[str, str]
    ) -> int:
        """Forward a keyed request and record its response; past the timeout answer 504 but keep
        waiting in the background, so a retry gets the real answer instead of a second creation."""
        assert self.idempotency is not None
        store = self.idempotency
        task = asyncio.create_task(self._fetch(scope, route, principal, body))
        done, _ = await asyncio.wait({task}, timeout=self.timeout_seconds)
        if not done:
            background = asyncio.create_task(self._record_later(task, keyed))
            self._background.add(background)
            background.add_done_callback(self._background.discard)
            raise Problem(
                504,
                "upstream_timeout",
                "Service timeout",
                f"the {route.service} service did not answer in time; retry with the same Idempotency-Key "
                "to get its answer",
            )
        try:
            stored = task.result()
        except (UpstreamError, TimeoutError) as exc:
            log.warning("upstream unavailable", extra={"service": route.service, "error": repr(exc)})
            if never_reached(exc):  # nothing was sent: the retry may go on at once
                await store.release(*keyed)
                detail = f"the {route.service} service cannot be reached; try again shortly"
            else:  # the service may have done it before it died: the key stays taken for a while
                detail = (
                    f"the {route.service} service failed while handling the request; its outcome is unknown: "
                    f"a retry with the same Idempotency-Key is held back for {store.in_flight.total_seconds():.0f} s"
                )
            raise Problem(502, "upstream_unavailable", "Service unavailable", detail) from None
        if stored.status >= 500:
            await store.release(*keyed)
        else:
            await store.complete(*keyed, stored)
        if route.audit and 200 <= stored.status < 300:
            await self.audit.write_now(
                action="personal_record_read",
                outcome="success",
                status=stored.status,
                data_subjects=scope.get("state", {}).get("data_subjects"),
                **self._what(scope, principal, route),
            )
        await self._send_stored(send, stored)
        return stored.status

    async def _fetch(self, scope: Scope, route: Route, principal: Principal, body: bytes) -> Stored:
        exchange = self.pools[route.service].request(
            scope["method"], _target(scope), self._headers(scope, principal), body, timeout=self.completion_seconds
        )
        started = asyncio.get_running_loop().time()
        async with exchange as upstream:
            self.upstream_latency[route.service].observe(asyncio.get_running_loop().time() - started)
            content = await upstream.read()
            scope.setdefault("state", {})["data_subjects"] = data_subjects(upstream.header(_SUBJECT))
            headers = [
                (k.decode("latin-1"), v.decode("latin-1")) for k, v in upstream.raw_headers if k not in _DROP_RESPONSE
            ]
            return Stored(upstream.status, headers, content)

    async def _record_later(self, task: asyncio.Task[Stored], keyed: tuple[str, str]) -> None:
        assert self.idempotency is not None
        try:
            stored = await task
        except Exception as exc:
            log.warning("keyed request failed after its 504", extra={"error": repr(exc)})
            if never_reached(exc):
                await self.idempotency.release(*keyed)
            return
        if stored.status >= 500:
            await self.idempotency.release(*keyed)
        else:
            await self.idempotency.complete(*keyed, stored)

    async def _release(self, keyed: tuple[str, str]) -> None:
        assert self.idempotency is not None
        try:
            await self.idempotency.release(*keyed)
        except Exception:
            log.warning("could not release an idempotency key", exc_info=True)

    async def _send_stored(self, send: Send, stored: Stored, *, replayed: bool = False) -> None:
        headers = (
            replay_headers(stored)
            if replayed
            else [(k.encode("latin-1"), v.encode("latin-1")) for k, v in stored.headers]
        )
        await send({"type": "http.response.start", "status": stored.status, "headers": headers})
        await send({"type": "http.response.body", "body": stored.body, "more_body": False})

    def _what(self, scope: Scope, principal: Principal, route: Route) -> dict[str, Any]:
        return {
            "method": scope["method"],
            "resource": scope["path"],
            "permission": route.permission,
            "address": self.guard.address(scope),
            **who(principal),
        }

    async def _body(self, scope: Scope, receive: Receive) -> bytes:
        for key, value in scope["headers"]:
            if key == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    raise Problem(400, "bad_request", "Bad Content-Length") from None
                if declared > self.max_body_bytes:
                    raise Problem(413, "payload_too_large", "Payload too large", f"at most {self.max_body_bytes} bytes")
        try:
            return await read_body(receive, self.max_body_bytes)
        except BodyTooLarge:
            raise Problem(
                413, "payload_too_large", "Payload too large", f"at most {self.max_body_bytes} bytes"
            ) from None

    def _headers(self, scope: Scope, principal: Principal) -> list[tuple[bytes, bytes]]:
        headers = [(k, v) for k, v in scope["headers"] if k not in _DROP_REQUEST]
        headers.append((_INTERNAL, self.signer.token_for(principal).encode("latin-1")))
        request_id = request_id_var.get()
        if request_id:
            headers.append((b"x-request-id", request_id.encode("latin-1")))
        traceparent = current_traceparent()
        if traceparent:
            headers.append((b"traceparent", traceparent.encode("latin-1")))
        address = self.guard.address(scope)
        if address:
            headers.append((b"x-forwarded-for", address.encode("latin-1")))
        headers.append((b"x-forwarded-proto", scope.get("scheme", "http").encode("latin-1")))
        return headers

    async def _forward(self, scope: Scope, send: Send, route: Route, principal: Principal, body: bytes) -> int:
        loop = asyncio.get_running_loop()
        started = loop.time()
        response_started = False
        try:
            exchange = self.pools[route.service].request(
                scope["method"], _target(scope), self._headers(scope, principal), body, timeout=self.timeout_seconds
            )
            async with exchange as upstream:
                self.upstream_latency[route.service].observe(loop.time() - started)
                # hashed only for the entries that keep them: a full record's reading, a write
                audited = route.audit is not None or scope["method"] not in READ_METHODS
                subjects = data_subjects(upstream.header(_SUBJECT)) if audited else None
                scope.setdefault("state", {})["data_subjects"] = subjects
                if route.audit and 200 <= upstream.status < 300:
                    # the record's body leaves only once its reading is on file
                    await self.audit.write_now(
                        action="personal_record_read",
                        outcome="success",
                        status=upstream.status,
                        data_subjects=subjects,
                        **self._what(scope, principal, route),
                    )
                headers = [(k, v) for k, v in upstream.raw_headers if k not in _DROP_RESPONSE]
                await send({"type": "http.response.start", "status": upstream.status, "headers": headers})
                response_started = True
                scope.setdefault("state", {})["response_started"] = True
                length = upstream.content_length
                if length is not None and length <= WHOLE_BODY_BYTES:
                    # a small answer leaves in one message: one pass through the layers, not two
                    await send({"type": "http.response.body", "body": await upstream.read(), "more_body": False})
                    return upstream.status
                async for chunk in upstream.iter_any():
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return upstream.status
        except (UpstreamError, TimeoutError) as exc:
            if response_started:
                raise  # half a response went out: only dropping the connection tells the client
            if isinstance(exc, TimeoutError):
                raise Problem(
                    504, "upstream_timeout", "Service timeout", f"the {route.service} service did not answer in time"
                ) from None
            log.warning("upstream unavailable", extra={"service": route.service, "error": repr(exc)})
            raise Problem(
                502,
                "upstream_unavailable",
                "Service unavailable",
                f"the {route.service} service cannot be reached; try again shortly",
            ) from None
