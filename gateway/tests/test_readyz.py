"""The gateway's /readyz reports the holiday-calendar coverage of the coming 90 days beside its
database check, and never fails for it (issue 8, part 6)."""

from prometheus_client import REGISTRY


async def test_readyz_reports_the_calendar_without_failing_for_it(gw):
    async with gw.client() as c:
        response = await c.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready" and body["checks"]["database"] is True
    calendar = body["checks"]["calendar"]
    assert set(calendar) >= {"covered", "horizon_days", "covered_days", "uncovered_from", "sources"}
    assert calendar["horizon_days"] == 90
    gauge = REGISTRY.get_sample_value("jiceng_calendar_covered", {"service": "gateway"})
    assert gauge == (1 if calendar["covered"] else 0)
