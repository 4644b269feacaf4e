"""Fixtures of svc-approval's tests: the running service (seeded) and a movable clock."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import pytest

from approval.main import spec

sys.path.insert(0, str(Path(__file__).parent))  # for approval_testkit


@pytest.fixture(scope="module")
async def approval(service_runner):
    # the scanner is driven by the tests (jobs.scan with a time), not by its timer
    async with service_runner(spec, scan_interval_seconds=3600) as running:
        await running.seed()
        yield running


class Clock:
    """The service clock (ctx.extras["clock"]): tests travel in time instead of sleeping."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.now: dt.datetime | None = None

    def set(self, at: dt.datetime) -> dt.datetime:
        self.now = at
        self.ctx.extras["clock"] = lambda: self.now
        return at

    def advance(self, **delta: float) -> dt.datetime:
        assert self.now is not None
        self.now = self.now + dt.timedelta(**delta)
        return self.now


@pytest.fixture
def clock(approval):
    c = Clock(approval.ctx)
    yield c
    approval.ctx.extras.pop("clock", None)
