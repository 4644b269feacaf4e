"""Fixtures of svc-approval's tests: the running service (seeded) and a movable clock."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from approval.main import spec
from jiceng_shared.testing.plugin import ServiceClock

sys.path.insert(0, str(Path(__file__).parent))  # for approval_testkit


@pytest.fixture(scope="module")
async def approval(service_runner):
    # the scanner is driven by the tests (jobs.scan with a time), not by its timer
    async with service_runner(spec, scan_interval_seconds=3600) as running:
        await running.seed()
        yield running


@pytest.fixture
def clock(approval):
    c = ServiceClock(approval.ctx)
    yield c
    c.reset()
