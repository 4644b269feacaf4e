"""Group commit: many callers' rows made durable by one write, each caller released only once the
write holding its row has committed.

The first row is written at once; rows arriving while a write is in flight wait for it and go
together in the next one, so concurrent callers share one database round trip instead of queueing
for one each, and a lone caller waits no longer than before. A failed write fails every caller
whose row it held: none of them may go on as if its row were on file.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any


class GroupCommit:
    def __init__(self, write: Callable[[list[dict[str, Any]]], Awaitable[None]], *, max_batch: int = 500) -> None:
        #: inserts the rows durably, all or none
        self.write = write
        self.max_batch = max_batch
        self._pending: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, row: dict[str, Any]) -> None:
        """Return once ``row`` is committed; raise what the write raised if it was not."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((row, done))
        if self._writer is None:  # started on demand and ended when idle: no lifecycle to manage
            self._writer = asyncio.create_task(self._drain(), name="audit-group-commit")
        await done

    async def _drain(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
                try:
                    await self.write([row for row, _ in batch])
                except BaseException as exc:
                    for _, done in batch:
                        if not done.done():
                            done.set_exception(exc if isinstance(exc, Exception) else RuntimeError(repr(exc)))
                    if not isinstance(exc, Exception):
                        raise  # cancelled: the callers still waiting are failed below
                    continue
                for _, done in batch:
                    if not done.done():  # a caller that went away stays on file all the same
                        done.set_result(None)
        finally:
            self._writer = None
            pending, self._pending = self._pending, []
            for _, done in pending:
                if not done.done():
                    done.set_exception(RuntimeError("audit writer stopped"))
