"""Identity changes take effect at once on every gateway replica.

The replica that made the change drops its cached principal itself, then tells the others on a
core NATS subject (``_jiceng.<prefix>.iam.changed``, outside the event stream: nothing needs to
be kept, only heard by whoever runs now). A replica that misses the message, because NATS was
unreachable, still reloads the principal when its cache entry expires
(``GATEWAY_PRINCIPAL_CACHE_SECONDS``).

The same connection carries other changes the replicas keep copies of (:meth:`listen`,
:meth:`tell`): a webhook subscription made or ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Callable

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg

log = logging.getLogger(__name__)


class IdentityChanges:
    def __init__(self, nats_url: str, subject: str, forget: Callable[[str | None], None]) -> None:
        self.nats_url = nats_url
        self.subject = subject
        self.forget = forget
        self.origin = uuid.uuid4().hex
        self.nc: Client | None = None
        self._task: asyncio.Task[None] | None = None
        self.subscribed = asyncio.Event()
        #: other subjects heard on this connection: what to do when another replica tells one
        self._listeners: dict[str, Callable[[], None]] = {}

    @property
    def connected(self) -> bool:
        """NATS answers (readiness): identity changes reach the other replicas at once."""
        return self.nc is not None and self.nc.is_connected and self.subscribed.is_set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._connect_forever(), name="iam-changes")

    async def _connect_forever(self) -> None:
        while True:
            try:
                self.nc = await nats.connect(
                    self.nats_url,
                    name="gateway-iam-changes",
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=1,
                    connect_timeout=2,
                    error_cb=self._on_error,
                )
                await self.nc.subscribe(self.subject, cb=self._on_message)
                for subject in self._listeners:
                    await self.nc.subscribe(subject, cb=self._on_told)
                await self.nc.flush()
                self.subscribed.set()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("nats unreachable for identity changes, retrying", extra={"error": repr(exc)})
                if self.nc is not None and not self.nc.is_closed:
                    await self.nc.close()
                await asyncio.sleep(1.0)

    async def _on_error(self, exc: Exception) -> None:
        log.warning("nats error (identity changes)", extra={"error": repr(exc)})

    async def _on_message(self, msg: Msg) -> None:
        try:
            data = json.loads(msg.data)
        except ValueError:
            return
        if data.get("origin") == self.origin:
            return
        self.forget(data.get("subject"))

    def listen(self, subject: str, callback: Callable[[], None]) -> None:
        """Call ``callback`` when another replica :meth:`tell` s ``subject`` (register before start)."""
        self._listeners[subject] = callback

    async def _on_told(self, msg: Msg) -> None:
        try:
            data = json.loads(msg.data)
        except ValueError:
            return
        callback = self._listeners.get(msg.subject)
        if callback is not None and data.get("origin") != self.origin:
            callback()

    async def tell(self, subject: str) -> None:
        """Tell the other replicas (listening on ``subject``) that what it names changed."""
        if self.nc is None or not self.nc.is_connected:
            log.warning(
                "change not broadcast (NATS unreachable); other replicas catch up by expiry", extra={"subject": subject}
            )
            return
        try:
            await self.nc.publish(subject, json.dumps({"origin": self.origin}).encode())
        except Exception:
            log.exception("change broadcast failed", extra={"subject": subject})

    async def changed(self, subject: str | None) -> None:
        """``subject`` (None: everyone) changed: forget it here and tell the other replicas."""
        self.forget(subject)
        if self.nc is None or not self.nc.is_connected:
            log.warning("identity change not broadcast (NATS unreachable); other replicas catch up by cache expiry")
            return
        try:
            await self.nc.publish(self.subject, json.dumps({"subject": subject, "origin": self.origin}).encode())
        except Exception:
            log.exception("identity change broadcast failed")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.nc is not None and not self.nc.is_closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.nc.drain(), timeout=2)
