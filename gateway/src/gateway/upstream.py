"""The proxy's HTTP/1.1 client to the services: keep-alive connections per service, each request
written in one piece, each answer parsed by httptools (llhttp, the C parser uvicorn serves with).

The proxy needs little of a general client: no redirects, cookies, proxies, TLS, decompression or
retries; the services speak HTTP/1.1 with keep-alive on a private network. Measured on the bench
machine, one GET to grid from a warm pool costs the client about 90 µs of CPU here, against
350-460 µs through ``aiohttp.ClientSession`` and about 1,000 µs through ``httpx.AsyncClient``.

A connection carries one exchange at a time and goes back to its pool only once its answer was read
to the end and both sides keep it alive; anything else (an error, an answer left half read, a
timeout) closes it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from types import TracebackType
from urllib.parse import urlsplit

import httptools

#: a streamed answer stops being read from the socket while this much waits for the client
PAUSE_BYTES = 1024 * 1024
#: an idle connection is dropped after this long; the services keep theirs open 75 s
#: (``jiceng_shared.cli``), so the client always closes first and never sends on a dying one
IDLE_SECONDS = 60.0


class UpstreamError(Exception):
    """The service could not be reached, broke off its answer or answered what is not HTTP."""


class NotReached(UpstreamError):
    """No connection could be made: the request surely did not reach the service."""


class Connection(asyncio.Protocol):
    """One keep-alive connection and the answer being read on it."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self._waiter: asyncio.Future[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._timeout = 0.0
        self._last_data = 0.0
        self._reset()

    def _reset(self) -> None:
        #: the answer: status and headers (names lower-cased), then the body as it comes
        self.status = 0
        self.raw_headers: list[tuple[bytes, bytes]] = []
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._paused = False
        self._whole = False
        self._head = False
        self.headers_done = False
        self.complete = False
        self.keep_alive = False
        self.error: BaseException | None = None

    # --- the exchange -------------------------------------------------------------------------

    def send(self, data: bytes, *, timeout: float, head: bool) -> None:
        """Write the request; the answer must start within ``timeout`` and each later piece of it
        come within ``timeout`` of the one before (a read timeout, as aiohttp's ``sock_read``)."""
        assert self.transport is not None
        self._reset()
        self._head = head
        self._timeout = timeout
        self._last_data = self.loop.time()
        self._timer = self.loop.call_later(timeout, self._check_timeout)
        self.transport.write(data)

    async def start(self) -> None:
        """Wait for the status and headers."""
        while not self.headers_done:
            if self.error is not None:
                raise self.error
            await self._wait()

    @property
    def content_length(self) -> int | None:
        for name, value in self.raw_headers:
            if name == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    return None
        return None

    def header(self, name: bytes) -> str | None:
        """The value of header ``name`` (lower case), or None."""
        for key, value in self.raw_headers:
            if key == name:
                return value.decode("latin-1")
        return None

    async def read(self) -> bytes:
        """The whole body."""
        self._whole = True
        self._resume()
        while not self.complete:
            if self.error is not None:
                raise self.error
            await self._wait()
        body = b"".join(self._chunks)
        self._chunks.clear()
        return body

    async def iter_any(self) -> AsyncIterator[bytes]:
        """The body in pieces as they arrive."""
        while True:
            if self._chunks:
                data = b"".join(self._chunks)
                self._chunks.clear()
                self._buffered = 0
                self._resume()
                yield data
            elif self.complete:
                return
            elif self.error is not None:
                raise self.error
            else:
                await self._wait()

    async def _wait(self) -> None:
        self._waiter = self.loop.create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def _fail(self, error: BaseException) -> None:
        if self.error is None and not self.complete:
            self.error = error
        self._stop_timer()
        self._wake()

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _check_timeout(self) -> None:
        self._timer = None
        quiet = self.loop.time() - self._last_data
        if self._paused or quiet < self._timeout:  # a paused answer waits on our client, not on the service
            self._timer = self.loop.call_later(self._timeout - (0 if self._paused else quiet), self._check_timeout)
            return
        self._fail(TimeoutError("the service did not answer in time"))
        self.close()

    def _resume(self) -> None:
        if self._paused and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()

    def close(self) -> None:
        self.closed = True
        self._stop_timer()
        if self.transport is not None:
            self.transport.close()

    # --- asyncio.Protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a TCP connection's is an asyncio.Transport

    def data_received(self, data: bytes) -> None:
        self._last_data = self.loop.time()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(UpstreamError(f"the service's answer is not valid HTTP: {exc}"))
            self.close()

    def eof_received(self) -> bool | None:
        return False  # close the connection: the service closed its side

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.headers_done and not self.complete and not self._delimited():
            # an answer without length or chunks ends when the connection does (RFC 9112, 6.3)
            self.complete = True
            self._stop_timer()
            self._wake()
            return
        self._fail(
            UpstreamError(f"the service closed the connection: {exc!r}" if exc else "the service closed the connection")
        )

    def _delimited(self) -> bool:
        return any(name in (b"content-length", b"transfer-encoding") for name, _ in self.raw_headers)

    # --- httptools callbacks ------------------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        self.raw_headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        self.headers_done = True
        if self._head:  # the answer to HEAD has no body whatever its length says: not reused
            self.complete = True
            self._stop_timer()
        self._wake()

    def on_body(self, body: bytes) -> None:
        self._chunks.append(body)
        self._buffered += len(body)
        if self._buffered > PAUSE_BYTES and not self._whole and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        if self.complete:  # HEAD
            return
        self.complete = True
        self.keep_alive = self.parser.should_keep_alive()
        self._stop_timer()
        self._wake()


class Exchange:
    """``async with pool.request(...) as answer``: the connection holding the answer; on leaving,
    the connection goes back to the pool if the answer was read to the end, else it is closed."""

    __slots__ = ("pool", "data", "timeout", "head", "connection")

    def __init__(self, pool: Upstream, data: bytes, timeout: float, head: bool) -> None:
        self.pool = pool
        self.data = data
        self.timeout = timeout
        self.head = head
        self.connection: Connection | None = None

    async def __aenter__(self) -> Connection:
        await self.pool.slots.acquire()
        try:
            connection = await self.pool.connection()
            self.connection = connection
            connection.send(self.data, timeout=self.timeout, head=self.head)
            await connection.start()
        except BaseException:
            if self.connection is not None:
                self.connection.close()
            self.pool.slots.release()
            raise
        return connection

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self.connection is not None
        self.pool.give_back(self.connection, reusable=kind is None)
        self.pool.slots.release()


class Upstream:
    """The keep-alive connections to one service (``http://host:port``)."""

    def __init__(self, base_url: str, *, slots: asyncio.Semaphore, connect_timeout: float = 3.0) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"an upstream is http://host:port, not {base_url!r}")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.prefix = parts.path.rstrip("/").encode("latin-1")
        self.host_header = parts.netloc.encode("latin-1")
        self.slots = slots
        self.connect_timeout = connect_timeout
        self._idle: list[Connection] = []

    def request(
        self,
        method: str,
        target: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        *,
        timeout: float,
    ) -> Exchange:
        """``target`` is the path (and query) as sent; the headers are forwarded as they are, with
        ``host`` and, when there is a body or the method takes one, ``content-length`` added."""
        lines = [method.encode("latin-1"), b" ", self.prefix, target, b" HTTP/1.1\r\nhost: ", self.host_header]
        for name, value in headers:
            lines += (b"\r\n", name, b": ", value)
        if body or method in ("POST", "PUT", "PATCH"):
            lines += (b"\r\ncontent-length: ", str(len(body)).encode())
        lines += (b"\r\n\r\n", body)
        return Exchange(self, b"".join(lines), timeout, method == "HEAD")

    async def connection(self) -> Connection:
        loop = asyncio.get_running_loop()
        now = loop.time()
        while self._idle:
            connection = self._idle.pop()
            if not connection.closed and now - connection.idle_since < IDLE_SECONDS:
                return connection
            connection.close()
        try:
            async with asyncio.timeout(self.connect_timeout):
                _, connection = await loop.create_connection(lambda: Connection(loop), self.host, self.port)
        except TimeoutError:
            raise
        except OSError as exc:
            raise NotReached(f"cannot connect to {self.host}:{self.port}: {exc}") from None
        return connection

    def give_back(self, connection: Connection, *, reusable: bool) -> None:
        if reusable and connection.complete and connection.keep_alive and not connection.closed:
            connection.idle_since = connection.loop.time()
            self._idle.append(connection)
        else:
            connection.close()

    def close(self) -> None:
        while self._idle:
            self._idle.pop().close()
