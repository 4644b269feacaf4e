import pytest

from approval.main import spec


@pytest.fixture(scope="module")
async def approval(service_runner):
    async with service_runner(spec) as running:
        if running.ctx.spec.seed is not None:
            await running.seed()
        yield running
