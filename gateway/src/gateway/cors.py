"""CORS at the gateway: Starlette's middleware, with a short way for calls without ``Origin``.

Most calls are not a browser's cross-origin calls (services, department systems, the same-origin
pages): they carry no ``Origin`` header, and Starlette only adds ``Vary: Origin`` to their answer,
after wrapping the whole header list in a ``MutableHeaders`` for it. The proxy runs this layer on
every request, so that one header is added here directly, with the same result.
"""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import Message, Receive, Scope, Send

VARY = b"vary"


class GatewayCORS(CORSMiddleware):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not any(key == b"origin" for key, _ in scope["headers"]):
            await self.app(scope, receive, _varying_by_origin(send))
            return
        await super().__call__(scope, receive, send)


def _varying_by_origin(send: Send) -> Send:
    async def send_varying(message: Message) -> None:
        if message["type"] == "http.response.start":
            add_vary_origin(message)
        await send(message)

    return send_varying


def add_vary_origin(message: Message) -> None:
    """Starlette's ``headers["Vary"] = ", ".join([*headers.getlist("Vary"), "Origin"])``: the
    values of every ``vary`` header and ``Origin``, in the first one's place (else at the end)."""
    headers = message["headers"] = list(message.get("headers", []))
    found = [i for i, (key, _) in enumerate(headers) if key == VARY]
    value = b", ".join([*(headers[i][1] for i in found), b"Origin"])
    for i in reversed(found[1:]):
        del headers[i]
    if found:
        headers[found[0]] = (VARY, value)
    else:
        headers.append((VARY, value))
