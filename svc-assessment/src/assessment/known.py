"""Reference rows this process knows to be committed (units, window centres), so an event naming one
again writes nothing: on loop 1 an upsert of the unit on every event about a ticket was a third of
this service's statements, for a row that was there already.

A row becomes known only once the transaction that wrote it has committed (a rolled-back write must
be written again by the next event), and per database: tests run several in one process.
"""

from __future__ import annotations

import weakref
from collections.abc import Hashable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

_PENDING = "assessment.known.pending"
_MISSING = object()

#: database (its engine) → (kind, key) → the value its row holds
_KNOWN: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], Hashable]] = weakref.WeakKeyDictionary()


def holds(session: AsyncSession, kind: str, key: str, value: Hashable) -> bool:
    """True when a committed row of ``kind`` and ``key`` is known to hold ``value``."""
    known = _KNOWN.get(session.bind)
    return known is not None and known.get((kind, key), _MISSING) == value


def after_commit(session: AsyncSession, kind: str, key: str, value: Hashable) -> None:
    """Remember that the row of ``kind`` and ``key`` holds ``value`` once this transaction commits."""
    pending: dict[tuple[str, str], Hashable] | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = {}
        engine = session.bind
        sync_session = session.sync_session

        def committed(_session: Any) -> None:
            _KNOWN.setdefault(engine, {}).update(pending)
            pending.clear()

        def rolled_back(_session: Any, _previous_transaction: Any) -> None:
            pending.clear()

        event.listen(sync_session, "after_commit", committed)
        event.listen(sync_session, "after_soft_rollback", rolled_back)
    pending[(kind, key)] = value
