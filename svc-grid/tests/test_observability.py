"""Trace context crosses from HTTP into the event; logs are JSON with request and trace ids; /metrics."""

import datetime as dt
import io
import json
import logging

import nats

from jiceng_shared.events import CloudEvent, nats_subject
from jiceng_shared.observability import configure_logging
from jiceng_shared.testing.plugin import headers_for, principal

GRID_1 = "320971100201001"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
worker = principal(("grid_worker", GRID_1))


async def test_the_callers_trace_continues_in_the_event_and_its_nats_headers(grid):
    headers = headers_for(worker) | {"traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01", "x-request-id": "req-42"}
    response = await grid.client.post(
        "/api/grid/v1/incidents",
        headers=headers,
        json={
            "category": "street_occupation",
            "description": "占道",
            "grid_code": GRID_1,
            "location": {"type": "Point", "coordinates": [120.305, 33.305]},
        },
    )
    assert response.status_code == 201 and response.headers["x-request-id"] == "req-42"
    nc = await nats.connect(grid.ctx.settings.nats_url)
    try:
        sub = await nc.jetstream().subscribe(nats_subject(grid.prefix, "grid.incident.reported"), ordered_consumer=True)
        while True:
            msg = await sub.next_msg(timeout=5)
            event = CloudEvent.model_validate_json(msg.data)
            if event.subject == response.json()["id"]:
                break
    finally:
        await nc.close()
    assert event.traceparent.split("-")[1] == TRACE_ID
    assert msg.headers["traceparent"].split("-")[1] == TRACE_ID


async def test_logs_are_json_lines_with_the_request_and_trace_ids(grid):
    configure_logging("svc-grid", "INFO")
    stream = io.StringIO()
    logging.getLogger().handlers[0].setStream(stream)
    headers = headers_for(worker) | {"traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01", "x-request-id": "req-43"}
    await grid.client.get("/api/grid/v1/areas", headers=headers)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    [access] = [line for line in lines if line.get("request_id") == "req-43" and line["message"] == "request"]
    assert access["trace_id"] == TRACE_ID and access["service"] == "svc-grid"
    assert access["status"] == 200 and access["path"] == "/api/grid/v1/areas" and "duration_ms" in access
    # RFC 3339 with its offset, which collectors parse without a format string
    assert dt.datetime.fromisoformat(access["time"]).utcoffset() == dt.timedelta(0)
    assert "T" in access["time"] and access["time"].endswith("+00:00")


async def test_metrics_count_requests_by_route_and_status(grid):
    await grid.client.get("/api/grid/v1/areas", headers=headers_for(worker))
    text = (await grid.client.get("/metrics")).text
    assert 'jiceng_http_requests_total{method="GET",route="/api/grid/v1/areas",service="svc-grid",status="200"}' in text
    assert "jiceng_outbox_published_total" in text and "jiceng_events_handled_total" in text
