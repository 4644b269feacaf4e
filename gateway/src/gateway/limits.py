"""Abuse limits: failed-login windows and request rates.

The rules are pure functions (:func:`window_retry_after`, :func:`take_token`), shown in memory by
:class:`LoginThrottle` and :class:`RateLimiter` (bounded: the oldest keys are dropped first when
``max_keys`` is reached). The gateway counts in its database with :class:`SharedLoginThrottle`
and :class:`SharedRateLimiter`, so two replicas side by side enforce one limit, not one each.
"""

from __future__ import annotations

import contextlib
import math
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, text, update

from gateway.models import LoginFailure, RateBucket
from jiceng_shared.db import Database, dialect_insert


def account_key(account: str) -> str:
    """The ``login_failures`` key counting an account's failed logins (its lockout)."""
    return f"account:{account.lower()}"[:200]


def window_retry_after(times: Sequence[float], limit: int, window: float, now: float) -> float | None:
    """Seconds until one more attempt may go, given the failures ``times`` (oldest first) still in
    the window; None when it may now. Allowed again once enough old failures left the window."""
    live = [t for t in times if t > now - window]
    if len(live) < limit:
        return None
    return live[len(live) - limit] + window - now


def take_token(tokens: float, last: float, now: float, capacity: float, rate: float) -> tuple[float, int | None]:
    """A token bucket: (tokens left, None) when one was taken, else (tokens, seconds to wait)."""
    tokens = min(capacity, tokens + max(0.0, now - last) * rate)
    if tokens < 1.0:
        return tokens, (max(1, math.ceil((1.0 - tokens) / rate)) if rate > 0 else 60)
    return tokens - 1.0, None


@dataclass(frozen=True)
class LoginLimits:
    """Failed logins allowed per account and per client address within the window (15 minutes)."""

    max_per_account: int = 5
    max_per_address: int = 20
    window_seconds: float = 15 * 60


class FailureWindow:
    """Counts failures per key in a sliding window; ``retry_after`` says when the key may try again."""

    def __init__(self, limit: int, window_seconds: float, *, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window_seconds
        self.max_keys = max_keys
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def _live(self, key: str, now: float) -> deque[float] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times

    def retry_after(self, key: str, now: float) -> float | None:
        """Seconds until ``key`` may try again, or None when it may now."""
        times = self._live(key, now)
        return None if times is None else window_retry_after(times, self.limit, self.window, now)

    def fail(self, key: str, now: float) -> None:
        times = self._live(key, now)
        if times is None:
            times = self._failures[key] = deque(maxlen=max(self.limit, 1))
            if len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)
        times.append(now)

    def clear(self, key: str) -> None:
        self._failures.pop(key, None)

    def discard(self, key: str, at: float) -> None:
        """Take back one failure counted at ``at`` (an attempt that turned out right)."""
        times = self._failures.get(key)
        if times is not None:
            with contextlib.suppress(ValueError):
                times.remove(at)


class LoginThrottle:
    """Refuses logins of an account or from an address after too many recent failures.

    An attempt counts as a failure from the moment it starts (:meth:`attempt`) until it proves
    right (:meth:`succeeded`): password checks are slow, and concurrent attempts must not all slip
    through before the first failure is counted.
    """

    def __init__(self, limits: LoginLimits) -> None:
        self.limits = limits
        self.accounts = FailureWindow(limits.max_per_account, limits.window_seconds)
        self.addresses = FailureWindow(limits.max_per_address, limits.window_seconds)

    def retry_after(self, account: str, address: str | None, now: float) -> int | None:
        """Whole seconds the caller must wait (Retry-After), or None when the attempt may go on."""
        waits = [self.accounts.retry_after(account.lower(), now)]
        if address:
            waits.append(self.addresses.retry_after(address, now))
        longest = max((w for w in waits if w is not None), default=None)
        return None if longest is None else max(1, math.ceil(longest))

    def attempt(self, account: str, address: str | None, now: float) -> int | None:
        """Start an attempt: the Retry-After seconds if refused, else None (and it counts as failed)."""
        wait = self.retry_after(account, address, now)
        if wait is None:
            self.failed(account, address, now)
        return wait

    def failed(self, account: str, address: str | None, now: float) -> None:
        self.accounts.fail(account.lower(), now)
        if address:
            self.addresses.fail(address, now)

    def succeeded(self, account: str, address: str | None = None, started: float | None = None) -> None:
        """A right password clears the account's count; the address keeps its other failures."""
        self.accounts.clear(account.lower())
        if address and started is not None:
            self.addresses.discard(address, started)


class RateLimiter:
    """Token bucket per key: ``per_minute`` requests a minute on average, bursts up to the same."""

    def __init__(self, per_minute: int, *, max_keys: int = 100_000) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def hit(self, key: str, now: float) -> int | None:
        """Take one token; None when allowed, else whole seconds until one is available."""
        tokens, last = self._buckets.get(key, (self.capacity, now))
        tokens, wait = take_token(tokens, last, now, self.capacity, self.rate)
        self._buckets[key] = (tokens, now)
        if wait is not None:
            return wait
        self._buckets.move_to_end(key)
        if len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return None


# --- the same rules, counted in the gateway's database: one limit across all replicas --------


def _lock_keys(session: Any, keys: list[str]) -> Any:
    """Serialise the attempts on these keys across replicas (PostgreSQL; SQLite has one writer)."""
    if session.bind.dialect.name != "postgresql":
        return None
    return [text("SELECT pg_advisory_xact_lock(hashtext(:k))").bindparams(k=k) for k in sorted(keys)]


class SharedLoginThrottle:
    """:class:`LoginThrottle`'s rule with the failures in the ``login_failures`` table, so every
    gateway replica counts the same attempts (an attacker gets the limit once, not per replica).

    Times are wall-clock seconds (replicas share no monotonic clock)."""

    def __init__(self, db: Database, limits: LoginLimits, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.limits = limits
        self.clock = clock

    def _keys(self, account: str, address: str | None) -> dict[str, int]:
        keys = {account_key(account): self.limits.max_per_account}
        if address:
            keys[f"address:{address}"[:200]] = self.limits.max_per_address
        return keys

    async def attempt(self, account: str, address: str | None) -> tuple[int | None, list[str]]:
        """(Retry-After seconds, []) if refused; else (None, the ids of the failures now counted)."""
        now = self.clock()
        keys = self._keys(account, address)
        table = LoginFailure.__table__
        async with self.db.transaction() as session:
            for lock in _lock_keys(session, list(keys)) or []:
                await session.execute(lock)
            rows = (
                await session.execute(
                    select(table.c.key, table.c.at).where(
                        table.c.key.in_(list(keys)), table.c.at > now - self.limits.window_seconds
                    )
                )
            ).all()
            times: dict[str, list[float]] = {key: [] for key in keys}
            for row in rows:
                times[row.key].append(row.at)
            waits = [
                wait
                for key, limit in keys.items()
                if (wait := window_retry_after(sorted(times[key]), limit, self.limits.window_seconds, now)) is not None
            ]
            if waits:
                return max(1, math.ceil(max(waits))), []
            ids = [str(uuid.uuid4()) for _ in keys]
            await session.execute(
                insert(table), [{"id": i, "key": key, "at": now} for i, key in zip(ids, keys, strict=True)]
            )
        return None, ids

    async def succeeded(self, account: str, address: str | None, attempt: list[str]) -> None:
        """A right password clears the account's count; the address keeps its other failures."""
        table = LoginFailure.__table__
        async with self.db.transaction() as session:
            await session.execute(delete(table).where((table.c.key == account_key(account)) | table.c.id.in_(attempt)))

    async def prune(self) -> None:
        table = LoginFailure.__table__
        async with self.db.transaction() as session:
            await session.execute(delete(table).where(table.c.at <= self.clock() - self.limits.window_seconds))


class SharedRateLimiter:
    """:class:`RateLimiter`'s token bucket per key in the ``rate_buckets`` table (all replicas)."""

    def __init__(self, db: Database, per_minute: int, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.per_minute = per_minute
        self.clock = clock

    async def hit(self, key: str) -> int | None:
        """Take one token; None when allowed, else whole seconds until one is available."""
        now = self.clock()
        key = key[:200]
        table = RateBucket.__table__
        capacity = float(self.per_minute)
        async with self.db.transaction() as session:
            await session.execute(
                dialect_insert(session, table).values(key=key, tokens=capacity, at=now).on_conflict_do_nothing()
            )
            row = (await session.execute(select(table).where(table.c.key == key).with_for_update())).one()
            tokens, wait = take_token(row.tokens, row.at, now, capacity, self.per_minute / 60.0)
            await session.execute(update(table).where(table.c.key == key).values(tokens=tokens, at=now))
        return wait

    async def prune(self) -> None:
        """Buckets full again (idle a minute or more) are forgotten."""
        table = RateBucket.__table__
        async with self.db.transaction() as session:
            await session.execute(delete(table).where(table.c.at <= self.clock() - 60))
