"""The NATS JetStream connection of a process, and the platform's event stream.

The connection is made in the background and retried forever, so a process starts (and
reports not-ready) while NATS is down, and catches up when it comes back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

log = logging.getLogger(__name__)

#: JetStream drops a second publish of the same Nats-Msg-Id inside this window (seconds)
DUPLICATE_WINDOW_SECONDS = 600


class EventBus:
    def __init__(
        self, url: str, *, prefix: str, stream: str, retention_days: int, client_name: str, replicas: int = 1
    ) -> None:
        self.url = url
        self.replicas = replicas
        self.prefix = prefix
        self.stream = stream
        self.retention_days = retention_days
        self.client_name = client_name
        self.nc: Client | None = None
        self.js: JetStreamContext | None = None
        self._ready = asyncio.Event()

    @property
    def connected(self) -> bool:
        return self.nc is not None and self.nc.is_connected and self._ready.is_set()

    async def wait_ready(self) -> JetStreamContext:
        await self._ready.wait()
        assert self.js is not None
        return self.js

    async def connect_forever(self, retry_seconds: float = 1.0) -> None:
        """Connect and ensure the stream, retrying until it works (run as a task)."""
        while True:
            try:
                await self.connect()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("nats not reachable, retrying", extra={"nats_url": self.url, "error": str(exc)})
                if self.nc is not None and not self.nc.is_closed:
                    await self.nc.close()
                await asyncio.sleep(retry_seconds)

    async def connect(self) -> None:
        self.nc = await nats.connect(
            self.url,
            name=self.client_name,
            max_reconnect_attempts=-1,
            reconnect_time_wait=1,
            connect_timeout=2,
            allow_reconnect=True,
            error_cb=self._on_error,
            disconnected_cb=self._on_disconnected,
            reconnected_cb=self._on_reconnected,
        )
        self.js = self.nc.jetstream(timeout=5)
        await ensure_stream(self.js, self.stream, [f"{self.prefix}.>"], self.retention_days, self.replicas)
        self._ready.set()
        log.info("connected to nats", extra={"nats_url": self.url, "stream": self.stream})

    async def close(self) -> None:
        if self.nc is None or self.nc.is_closed:
            return
        # flush, not drain: the readers of this client's subscriptions (consumers, area watchers)
        # are stopped before it closes, so a drain would wait its whole timeout on their queues
        with contextlib.suppress(Exception):
            if self.nc.is_connected:
                await self.nc.flush(timeout=2)
        if not self.nc.is_closed:
            try:  # bounded: a client caught mid-reconnect may never finish closing
                await asyncio.wait_for(self.nc.close(), timeout=5)
            except Exception:
                log.warning("nats client did not close in time", extra={"nats_url": self.url})

    # nats-py logs every failed attempt with a traceback by default; one line is enough
    async def _on_error(self, exc: Exception) -> None:
        log.warning("nats error", extra={"nats_url": self.url, "error": repr(exc)})

    async def _on_disconnected(self) -> None:
        log.warning("nats disconnected", extra={"nats_url": self.url})

    async def _on_reconnected(self) -> None:
        log.info("nats reconnected", extra={"nats_url": self.url})


async def ensure_stream(
    js: JetStreamContext, name: str, subjects: list[str], retention_days: int, replicas: int = 1
) -> None:
    """Create the stream or bring its configuration up to date; safe to call from every process."""
    config = StreamConfig(
        name=name,
        subjects=subjects,
        storage=StorageType.FILE,
        retention=RetentionPolicy.LIMITS,
        discard=DiscardPolicy.OLD,
        max_age=retention_days * 86400,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
        num_replicas=replicas,
    )
    try:
        info = await js.stream_info(name)
    except NotFoundError:
        try:
            await js.add_stream(config)
            return
        except Exception:
            info = await js.stream_info(name)
    current = info.config
    if current.subjects != subjects or current.max_age != config.max_age or (current.num_replicas or 1) != replicas:
        log.info("updating the event stream", extra={"stream": name, "replicas": replicas})
        await js.update_stream(config)
