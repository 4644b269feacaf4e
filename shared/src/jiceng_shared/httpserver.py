"""uvicorn's httptools server with each response's head and body written together.

uvicorn writes a response's status line and headers as soon as the app sends
``http.response.start``, and the body in a second write: two ``send()`` calls on the socket and two
TCP segments, so the reader (the gateway reading a service, a client reading the gateway) wakes up
and reads twice. Every answer here is a small JSON body sent right after its head, so the head is
held until the body's first write and both leave in one. A head is never held past the current turn
of the event loop (a HEAD answer, a streamed body that is slow to start), and the bytes keep their
order whatever comes, so what is sent is the same byte for byte.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class _HeadHeld:
    """A connection's transport, as uvicorn sees it: holds the response head until the body."""

    __slots__ = ("_transport", "_loop", "_held")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: bytes | None = None

    def write(self, data: bytes) -> None:
        if self._held is not None:
            data, self._held = self._held + data, None
        elif data.startswith(b"HTTP/1.1 ") and data.endswith(b"\r\n\r\n"):  # a head: wait for its body
            self._held = data
            self._loop.call_soon(self._flush)
            return
        self._transport.write(data)

    def _flush(self) -> None:
        if self._held is not None:
            held, self._held = self._held, None
            self._transport.write(held)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class HttpToolsOneWrite(HttpToolsProtocol):
    """``SERVER_OPTIONS["http"]`` (:mod:`jiceng_shared.cli`): the httptools protocol on a
    transport that sends each response's head with its body."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # uvicorn's own signature
        super().connection_made(_HeadHeld(transport, self.loop))  # type: ignore[arg-type]  # duck-typed transport
