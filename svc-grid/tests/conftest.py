from collections.abc import Iterator

import pytest

from grid.main import spec
from jiceng_shared.testing.plugin import ServiceClock


@pytest.fixture(scope="module")
async def grid(service_runner):
    # the overdue scan makes one pass at start; tests call grid.visits.service.scan themselves
    async with service_runner(spec, visit_overdue_scan_seconds=3600) as running:
        await running.seed()
        yield running


@pytest.fixture
def clock(grid) -> Iterator[ServiceClock]:
    c = ServiceClock(grid.ctx)
    yield c
    c.reset()
