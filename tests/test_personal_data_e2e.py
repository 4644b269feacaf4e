"""A person's data across services, through the gateway (PIPL art. 45 个人信息查阅; 等保 level 3):

- the audit administrator produces, for one person identified by their ID number (and the phone and
  name other services know them by), every call in any service that read or changed their data:
  who, when, on which right; the audit log holds only keyed hashes of the person's identifiers;
- no event published in a run carries a full ID number or mobile phone number in plain text.
"""

from __future__ import annotations

import asyncio
import re
import uuid

import nats
import pytest

from jiceng_shared import demo
from jiceng_shared.personaldata import SUBJECT_HEADER
from jiceng_shared.testing.journey import Journey

pytestmark = pytest.mark.e2e

GRID = "320971100201001"
XINCHENG = demo.XINCHENG.code
#: a full ID number (GB 11643: 17 digits and a check character) and a mainland mobile number
# standing alone: an event id's hex digits hold runs of eleven decimal digits now and then
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9][0-9]{9}(?![0-9A-Za-z])")


def id_number() -> str:
    from grid.residents.rules import check_character

    first17 = "320971" + "19700101" + f"{uuid.uuid4().int % 1000:03d}"
    return first17 + check_character(first17)


def mobile() -> str:
    return f"139{uuid.uuid4().int % 10**8:08d}"


@pytest.fixture
async def journey(stack, platform):
    j = Journey(stack.url("gateway"))
    j._tokens["client.hotline12345"] = (await platform.login("client.hotline12345")).token
    yield j
    await j.close()


async def test_the_access_record_of_a_person_lists_their_reads_and_changes_in_every_service(journey):
    number, phone = id_number(), mobile()
    # grid: a worker registers the person (a write) and reads the full record
    resident = await journey.ok(
        "grid_worker.bufeng",
        "/api/grid/v1/residents",
        {
            "grid_code": GRID,
            "name": "查阅人",
            "id_number": number,
            "phone": phone,
            "address": "步凤村一组1号",
            "household_no": f"P-{uuid.uuid4().hex[:8]}",
        },
        status=201,
    )
    read = await journey.get("grid_worker.bufeng", f"/api/grid/v1/residents/{resident['id']}")
    assert read.status_code == 200 and read.json()["id_number"] == number
    assert SUBJECT_HEADER not in read.headers  # the services' note to the gateway never leaves it
    # approval: the same person applies at the window; the clerk reads the application
    application = await journey.ok(
        "window_clerk.bufeng",
        "/api/approval/v1/applications",
        {
            "item_code": "homestead_building",
            "applicant": {"name": "查阅人", "id_number": number, "phone": phone},
            "materials": [{"code": "application_form"}, {"code": "id_card"}],
        },
        status=201,
    )
    detail = await journey.get("window_clerk.bufeng", f"/api/approval/v1/applications/{application['id']}")
    assert detail.status_code == 200 and detail.json()["applicant_id_number"] == number
    # dispatch: the person calls the hotline (known there by their phone); the centre reads the ticket
    ticket = await journey.ok(
        "client.hotline12345",
        "/api/dispatch/v1/tickets",
        {
            "category": "consumer_complaint",
            "description": "市民来电：超市销售过期食品",
            "township_code": XINCHENG,
            "caller": {"name": "查阅人", "phone": phone},
            "external_ref": f"12345-{uuid.uuid4().hex[:10]}",
        },
        status=201,
    )
    seen = await journey.get("dispatcher.xincheng", f"/api/dispatch/v1/tickets/{ticket['id']}")
    assert seen.status_code == 200 and seen.json()["caller"]["phone"] == phone
    # someone else's record read meanwhile is not part of this person's record
    other = await journey.ok(
        "grid_worker.bufeng",
        "/api/grid/v1/residents",
        {
            "grid_code": GRID,
            "name": "旁人",
            "id_number": id_number(),
            "address": "步凤村一组2号",
            "household_no": f"P-{uuid.uuid4().hex[:8]}",
        },
        status=201,
    )
    assert (await journey.get("grid_worker.bufeng", f"/api/grid/v1/residents/{other['id']}")).status_code == 200

    path = "/api/iam/v1/audit/person-accesses"
    refused = await journey.post("county_admin", path, {"id_number": number})
    assert refused.status_code == 403
    bad = await journey.post("audit_admin", path, {"id_number": "12345", "phone": "x"})
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} >= {"id_number", "phone"}

    async def record(query: dict, complete) -> list[dict]:
        # the outcome of a write is on file a moment after its answer (queued): wait for it
        for _ in range(50):
            items = (await journey.ok("audit_admin", path, query, status=200))["items"]
            if complete(items):
                break
            await asyncio.sleep(0.2)
        return items

    def written_in(service: str):
        return lambda items: any(i["action"] == "write" and i["service"] == service for i in items)

    by_number = await record({"id_number": number}, written_in("approval"))
    reads = {(i["service"], i["resource"]) for i in by_number if i["action"] == "personal_record_read"}
    assert ("grid", f"/api/grid/v1/residents/{resident['id']}") in reads
    assert ("approval", f"/api/approval/v1/applications/{application['id']}") in reads
    assert all(i["service"] != "grid" or other["id"] not in i["resource"] for i in by_number)
    grid_read = next(i for i in by_number if i["resource"] == f"/api/grid/v1/residents/{resident['id']}")
    assert grid_read["subject"] == "grid_worker.bufeng" and grid_read["permission"] and grid_read["permission_zh"]
    assert grid_read["matched_by"] == ["id_number"]
    assert any(i["action"] == "write" and i["method"] == "POST" and i["service"] == "grid" for i in by_number)

    # with the phone the hotline knows the person by, the ticket's reading is in the record too
    by_phone = await record({"id_number": number, "phone": phone}, written_in("dispatch"))
    ticket_reads = [i for i in by_phone if i["resource"] == f"/api/dispatch/v1/tickets/{ticket['id']}"]
    assert ticket_reads and ticket_reads[0]["subject"] == "dispatcher.xincheng"
    assert ticket_reads[0]["matched_by"] == ["phone"]
    assert {i["service"] for i in by_phone} >= {"grid", "approval", "dispatch"}

    # the audit log keeps hashes, not the identifiers; the chain still verifies
    exported = await journey.get("audit_admin", "/api/iam/v1/audit/export")
    assert exported.status_code == 200
    assert number not in exported.text and phone not in exported.text
    verified = await journey.get("audit_admin", "/api/iam/v1/audit/verification")
    assert verified.status_code == 200 and verified.json()["ok"] is True


async def test_no_event_of_a_run_carries_a_full_id_number_or_phone(stack, journey):
    """The events published while this test records a person in each service hold no full ID number
    and no mobile number. Only its own stretch of the stream: other tests' free text (a fuzzer's
    description, a citizen dictating a number into a complaint) is the matter's content, not a
    personal-data field; the contracts' fields are checked by name in tests/test_event_privacy.py."""
    number, phone = id_number(), mobile()
    stream = stack.env["JICENG_EVENTS_PREFIX"].upper()
    nc = await nats.connect(stack.env["JICENG_NATS_URL"])
    try:
        start = (await nc.jetstream().stream_info(stream)).state.last_seq + 1
    finally:
        await nc.close()
    await journey.ok(
        "grid_worker.bufeng",
        "/api/grid/v1/residents",
        {
            "grid_code": GRID,
            "name": "事件人",
            "id_number": number,
            "phone": phone,
            "address": "步凤村一组3号",
            "household_no": f"P-{uuid.uuid4().hex[:8]}",
            "special_groups": ["disabled"],
        },
        status=201,
    )
    await journey.ok(
        "window_clerk.bufeng",
        "/api/approval/v1/applications",
        {
            "item_code": "homestead_building",
            "applicant": {"name": "事件人", "id_number": number, "phone": phone},
            "materials": [{"code": "application_form"}, {"code": "id_card"}],
        },
        status=201,
    )
    await journey.ok(
        "client.hotline12345",
        "/api/dispatch/v1/tickets",
        {
            "category": "consumer_complaint",
            "description": "市民来电：噪音扰民",
            "township_code": XINCHENG,
            "caller": {"name": "事件人", "phone": phone},
            "external_ref": f"12345-{uuid.uuid4().hex[:10]}",
        },
        status=201,
    )
    nc = await nats.connect(stack.env["JICENG_NATS_URL"])
    try:
        js = nc.jetstream()
        for _ in range(50):  # the outboxes publish within a second
            info = await js.stream_info(stream)
            subjects = set()
            payloads: list[tuple[str, str]] = []
            for seq in range(max(start, info.state.first_seq), info.state.last_seq + 1):
                try:
                    msg = await js.get_msg(stream, seq)
                except nats.js.errors.NotFoundError:
                    continue
                subjects.add(msg.subject)
                payloads.append((msg.subject, msg.data.decode("utf-8", "replace")))
            if any(".dispatch." in s or s.endswith("ticket.received") for s in subjects) and any(
                "resident" in s for s in subjects
            ):
                break
            await asyncio.sleep(0.2)
    finally:
        await nc.close()
    assert payloads, "no event was published"
    leaks = [
        (subject, m.group(0)) for subject, data in payloads for m in (*ID_NUMBER.finditer(data), *MOBILE.finditer(data))
    ]
    assert leaks == [], leaks[:10]
    assert all(number not in data and phone not in data and "事件人" not in data for _, data in payloads)
