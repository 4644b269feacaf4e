"""Abuse limits as pure, in-memory rules (no I/O): failed-login windows and request rates.

They live in each gateway process. With several replicas an attacker gets the limit once per
replica; that keeps the numbers' order of magnitude and costs no database round trip. Memory is
bounded: the oldest keys are dropped first when ``max_keys`` is reached.
"""

from __future__ import annotations

import contextlib
import math
from collections import OrderedDict, deque
from dataclasses import dataclass


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
        if times is None or len(times) < self.limit:
            return None
        # the attempt is allowed again once enough old failures have left the window
        return times[len(times) - self.limit] + self.window - now

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
        tokens = min(self.capacity, tokens + (now - last) * self.rate)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return max(1, math.ceil((1.0 - tokens) / self.rate)) if self.rate > 0 else 60
        self._buckets[key] = (tokens - 1.0, now)
        self._buckets.move_to_end(key)
        if len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return None
