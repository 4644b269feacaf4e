"""/readyz reports whether an official holiday schedule covers the coming 90 days from the service
clock (it reports, it never fails), a Prometheus gauge holds it, and a warning is logged when it
does not (issue 8, part 6)."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from jiceng_shared.testing.plugin import ServiceClock
from jiceng_shared.testing.tiny import spec
from jiceng_shared.workdays import COUNTY_ZONE, COVERAGE_HORIZON_DAYS

FIXTURE_2027 = Path(__file__).parent / "fixtures" / "calendar_2027"  # a TEST FIXTURE, not official
#: the last day from which the coming 90 days end within 2026 (the last year the package knows)
LAST_COVERED = dt.date(2026, 12, 31) - dt.timedelta(days=COVERAGE_HORIZON_DAYS)


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=COUNTY_ZONE)


@pytest.fixture
async def svc(service_runner):
    async with service_runner(
        spec, migrate_on_start=False, wait_for_nats=False, clock=lambda: noon(LAST_COVERED)
    ) as running:
        yield running


async def readyz_calendar(svc) -> dict:
    response = await svc.client.get("/readyz")
    return response.json()["checks"]["calendar"]


async def test_the_coming_90_days_are_reported_on_both_sides_of_the_boundary(svc, warnings):
    clock = ServiceClock(svc.ctx)
    clock.set(noon(LAST_COVERED))
    covered = await readyz_calendar(svc)
    assert covered["covered"] is True and covered["covered_days"] == 90 and covered["uncovered_from"] is None
    assert REGISTRY.get_sample_value("jiceng_calendar_covered", {"service": "msgtest"}) == 1
    assert not [m for m in warnings if "no official holiday schedule" in m]

    clock.set(noon(LAST_COVERED + dt.timedelta(days=1)))
    uncovered = await readyz_calendar(svc)
    await readyz_calendar(svc)  # warned once per first uncovered day, not per probe
    assert uncovered["covered"] is False and uncovered["uncovered_from"] == "2027-01-01"
    assert uncovered["covered_days"] == 89 and uncovered["sources"]["2027"] == "none"
    assert REGISTRY.get_sample_value("jiceng_calendar_covered", {"service": "msgtest"}) == 0
    assert REGISTRY.get_sample_value("jiceng_calendar_covered_days", {"service": "msgtest"}) == 89
    warned = [m for m in warnings if "no official holiday schedule covers the coming 90 days" in m]
    assert len(warned) == 1 and "2027-01-01" in warned[0]


class Records(logging.Handler):
    """The warnings of the calendar's logger (the process's JSON logging replaces root handlers)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def warnings():
    handler = Records()
    logger = logging.getLogger("jiceng_shared.workdays")
    logger.addHandler(handler)
    yield handler.messages
    logger.removeHandler(handler)


@pytest.mark.parametrize(("day", "warned"), [(LAST_COVERED, False), (LAST_COVERED + dt.timedelta(days=1), True)])
async def test_a_process_warns_at_start_when_nothing_covers_the_coming_90_days(service_runner, warnings, day, warned):
    async with service_runner(spec, migrate_on_start=False, wait_for_nats=False, clock=lambda: noon(day)):
        pass
    started = [m for m in warnings if "no official holiday schedule covers the coming 90 days" in m]
    assert bool(started) is warned, warnings
    if warned:
        assert "from 2027-01-01" in started[0]


async def test_a_loaded_2027_schedule_covers_the_coming_90_days(service_runner):
    async with service_runner(spec, migrate_on_start=False, wait_for_nats=False, calendar_dir=FIXTURE_2027) as svc:
        ServiceClock(svc.ctx).set(noon(dt.date(2026, 11, 29)))
        calendar = await readyz_calendar(svc)
        assert calendar["covered"] is True and calendar["sources"]["2027"].endswith("2027.toml")
        # every service computes deadlines on the same loaded schedule
        assert svc.ctx.calendar.deadline(noon(dt.date(2027, 2, 3)), 3).date() == dt.date(2027, 2, 15)


async def test_the_horizon_is_a_setting(service_runner):
    # from 2 Dec 2026, 29 days reach 31 Dec (covered), 30 days reach 1 Jan 2027 (not covered)
    for days, covered in ((29, True), (30, False)):
        async with service_runner(
            spec,
            migrate_on_start=False,
            wait_for_nats=False,
            calendar_coverage_days=days,
            clock=lambda: noon(dt.date(2026, 12, 2)),
        ) as svc:
            calendar = await readyz_calendar(svc)
            assert calendar["horizon_days"] == days and calendar["covered"] is covered
