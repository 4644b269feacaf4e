import pytest

from grid.main import spec


@pytest.fixture(scope="module")
async def grid(service_runner):
    async with service_runner(spec) as running:
        await running.seed()
        yield running
