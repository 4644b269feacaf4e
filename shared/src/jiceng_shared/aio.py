"""Stopping asyncio tasks for good: shutdown must never wait forever on one of them."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger(__name__)


async def cancel_and_wait(tasks: list[asyncio.Task[Any]], *, timeout: float = 5.0) -> None:
    """Cancel ``tasks`` and wait until they end, cancelling again any that is still running.

    A single ``cancel()`` is not always enough: in Python 3.11 ``asyncio.wait_for`` swallows a
    cancellation that arrives just as its inner future completes, and a task that then waits on
    something that never comes (a watcher's next update) would keep the shutdown waiting forever.
    """
    pending = {t for t in tasks if not t.done()}
    for _round in range(3):
        for task in pending:
            task.cancel()
        if not pending:
            return
        _done, pending = await asyncio.wait(pending, timeout=timeout / 3)
    for task in pending:
        log.warning("task did not stop when cancelled", extra={"task": task.get_name()})
