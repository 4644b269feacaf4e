"""A durable JetStream consumer's messages, in batches, from one lingering pull request at a time.

nats-py's ``fetch`` asks twice per call (a no-wait probe, answered "no messages" at a trickle,
then a waiting request) and returns with the first message: each event cost two requests and a
status message on top of its own delivery and ack. Here one request asks for up to ``batch_size``
messages and stays open ``expires_seconds``; the server delivers each message as it arrives, and
a new request goes out only when the open one is used up, has expired (the server says so), or has
gone silent past its expiry (lost in a NATS outage).

``gather_seconds``: after a batch's first message, wait that long for more before handing the
batch over. For consumers nobody waits on (scores, webhooks, read models) a steady trickle then
becomes one transaction per window instead of one per event.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription as NatsSubscription

#: JetStream's "next messages" API (the default ``$JS.API`` prefix, as the services' contexts use)
NEXT_MESSAGES = "$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}"
#: a request is asked again this long after its expiry if the server never answered it
SILENCE_MARGIN_SECONDS = 1.0
#: the server's "request finished" statuses: no messages, expired, or ended (409: limits, deleted)
_FINISHED = {"404", "408", "409"}


class ConsumerGone(RuntimeError):
    """The server deleted the durable consumer while it was pulled: it must be created again."""


class Puller:
    def __init__(
        self,
        nc: Client,
        *,
        stream: str,
        durable: str,
        batch_size: int,
        expires_seconds: float = 2.0,
        gather_seconds: float = 0.0,
    ) -> None:
        self.nc = nc
        self.subject = NEXT_MESSAGES.format(stream=stream, durable=durable)
        self.batch_size = batch_size
        self.expires_seconds = expires_seconds
        self.gather_seconds = gather_seconds
        self._queue: asyncio.Queue[Msg] = asyncio.Queue()
        self._inbox = nc.new_inbox()
        self._sub: NatsSubscription | None = None
        self._left = 0  # messages the open request may still deliver
        self._silent_after = 0.0  # monotonic time past which the open request is taken as lost

    async def __aenter__(self) -> Puller:
        self._sub = await self.nc.subscribe(self._inbox, cb=self._arrived)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._sub is not None and not self.nc.is_closed:
            # the connection may have gone with it: nothing left to unsubscribe then
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()

    async def _arrived(self, msg: Msg) -> None:
        self._queue.put_nowait(msg)

    async def next_batch(self) -> list[Msg]:
        """The next messages (at least one): those waiting, and those arriving within the gather window."""
        batch: list[Msg] = []
        while not batch:
            await self._ask_if_due()
            msg = await self._get(self._silent_after - time.monotonic())
            if msg is not None and self._is_data(msg):
                batch.append(msg)
        gather_until = time.monotonic() + self.gather_seconds
        while len(batch) < self.batch_size:
            if self._queue.empty():
                wait = gather_until - time.monotonic()
                if wait <= 0:
                    break
                await self._ask_if_due()  # a request used up mid-window: keep the flow
            else:
                wait = 0.0
            msg = await self._get(wait)
            if msg is None:
                break
            if self._is_data(msg):
                batch.append(msg)
        return batch

    async def _get(self, wait: float) -> Msg | None:
        if not self._queue.empty() or wait <= 0:
            try:
                return self._queue.get_nowait()
            except asyncio.QueueEmpty:
                return None
        try:
            return await asyncio.wait_for(self._queue.get(), timeout=wait)
        except TimeoutError:
            return None

    def _is_data(self, msg: Msg) -> bool:
        status = msg.headers.get("Status") if msg.headers else None
        if not status:
            self._left -= 1
            return True
        if status in _FINISHED:
            if "deleted" in (msg.headers or {}).get("Description", "").lower():
                raise ConsumerGone(self.subject)
            self._left = 0
        return False  # 100: a heartbeat or flow control, nothing to do

    async def _ask_if_due(self) -> None:
        now = time.monotonic()
        if self._left > 0 and now < self._silent_after:
            return
        request: dict[str, Any] = {"batch": self.batch_size, "expires": int(self.expires_seconds * 1e9)}
        await self.nc.publish(self.subject, json.dumps(request).encode(), reply=self._inbox)
        self._left = self.batch_size
        self._silent_after = now + self.expires_seconds + SILENCE_MARGIN_SECONDS
