"""Handling-unit indicators from dispatch and enforcement events: counted per unit and month on the
county's clock, once per fact, in any order; fines never count. Each test uses its own months."""

import datetime as dt
import json
from urllib.parse import quote

from jiceng_shared import units
from jiceng_shared.testing.plugin import headers_for, principal

BUFENG, XINCHENG, COUNTY = "320971100000", "320971001000", "320971000000"
CLE_B = units.township_office(BUFENG, "cle")
CLE_X = units.township_office(XINCHENG, "cle")
PSB_B = units.stationed_office(BUFENG, "psb")
SAMR_B = units.stationed_office(BUFENG, "samr")

admin = principal(("county_admin", COUNTY))


async def indicators(feed, unit, period):
    return await feed.get(f"/units/{unit.code}/indicators", admin, period=period)


async def test_closures_and_on_time_closures_count_per_unit_in_the_local_month(feed):
    t1, t2, t3, t4 = (feed.uid("t-") for _ in range(4))
    for ticket, day in ((t1, "10"), (t2, "12"), (t3, "20")):
        await feed.assigned(ticket, CLE_B, feed.local(f"2026-11-{day} 09:00"))
    await feed.assigned(t4, PSB_B, feed.local("2026-11-21 09:00"))
    await feed.closed(t1, CLE_B, feed.local("2026-11-30 23:30"), on_time=True)  # 15:30 UTC: November
    await feed.closed(t2, CLE_B, feed.local("2026-12-01 00:10"), on_time=False)  # still 30 Nov in UTC: December here
    await feed.closed(t3, CLE_B, feed.local("2026-11-25 10:00"), on_time=False)
    await feed.settle()

    november = await indicators(feed, CLE_B, "2026-11")
    assert november["unit"] == {
        "code": "320971100000:cle",
        "name": CLE_B.name,
        "dept": "cle",
        "area_code": BUFENG,
        "kind": "township_office",
        "kind_zh": "乡镇(街道)机构",
    }
    counts = november["counts"]
    assert (counts["assigned"], counts["closed"], counts["closed_on_time"]) == (3, 2, 1)
    assert november["rates"]["closure_rate"] == round(2 / 3, 4)
    assert november["rates"]["on_time_closure_rate"] == round(1 / 3, 4)
    assert november["status"] == "open" and november["late_adjustments"] == {}

    december = await indicators(feed, CLE_B, "2026-12")
    assert (december["counts"]["assigned"], december["counts"]["closed"], december["counts"]["closed_on_time"]) == (
        0,
        1,
        0,
    )
    assert december["rates"]["closure_rate"] is None  # nothing assigned: no rate rather than 0 or infinity

    psb = await indicators(feed, PSB_B, "2026-11")
    assert (psb["counts"]["assigned"], psb["counts"]["closed"]) == (1, 0)
    assert psb["rates"]["closure_rate"] == 0.0

    quarter = await indicators(feed, CLE_B, "2026-Q4")
    assert quarter["period_kind"] == "quarter" and quarter["period_kind_zh"] == "季度"
    assert (quarter["counts"]["assigned"], quarter["counts"]["closed"], quarter["counts"]["closed_on_time"]) == (
        3,
        3,
        1,
    )
    assert quarter["rates"]["closure_rate"] == 1.0
    assert [m["period"] for m in quarter["months"]] == ["2026-10", "2026-11", "2026-12"]
    assert [m["counts"]["closed"] for m in quarter["months"]] == [0, 2, 1]
    year = await indicators(feed, CLE_B, "2026")
    assert year["counts"]["closed"] == 3 and len(year["months"]) == 12


async def test_the_same_event_delivered_twice_counts_once(feed):
    ticket = feed.uid("t-")
    await feed.assigned(ticket, CLE_B, feed.local("2025-01-05 09:00"), twice=True)
    await feed.closed(ticket, CLE_B, feed.local("2025-01-06 09:00"), twice=True)
    await feed.settle()
    counts = (await indicators(feed, CLE_B, "2025-01"))["counts"]
    assert (counts["assigned"], counts["closed"], counts["closed_on_time"]) == (1, 1, 1)


async def test_a_reopen_raises_the_rework_rate_and_undoes_the_closure_until_closed_again(feed):
    ticket = feed.uid("t-")
    await feed.assigned(ticket, CLE_B, feed.local("2025-02-03 09:00"))
    await feed.closed(ticket, CLE_B, feed.local("2025-02-05 09:00"), on_time=True)
    await feed.settle()
    before = await indicators(feed, CLE_B, "2025-02")
    assert before["rates"]["rework_rate"] == 0.0 and before["rates"]["closure_rate"] == 1.0

    await feed.reopened(ticket, CLE_B, feed.local("2025-02-06 09:00"))
    await feed.settle()
    reopened = await indicators(feed, CLE_B, "2025-02")
    assert reopened["counts"]["reworked"] == 1 and reopened["rates"]["rework_rate"] == 1.0
    assert reopened["counts"]["closed"] == 0  # a closure that failed verification is not a closure

    await feed.closed(ticket, CLE_B, feed.local("2025-02-10 09:00"), on_time=False)
    await feed.settle()
    again = await indicators(feed, CLE_B, "2025-02")
    assert (again["counts"]["closed"], again["counts"]["closed_on_time"], again["counts"]["reworked"]) == (1, 0, 1)


async def test_counts_do_not_depend_on_the_order_events_arrive_in(feed):
    """The same story told to two units, once in time order and once backwards."""
    story = [
        ("assigned", "2025-03-02 09:00", {}),
        ("escalated", "2025-03-04 09:00", {"level": 1}),
        ("closed", "2025-03-05 09:00", {"on_time": True}),
        ("reopened", "2025-03-06 09:00", {}),
        ("escalated", "2025-03-07 09:00", {"level": 2}),
        ("closed", "2025-03-08 09:00", {"on_time": False}),
    ]
    for unit, steps in ((CLE_B, story), (SAMR_B, list(reversed(story)))):
        ticket = feed.uid("t-")
        for verb, when, kw in steps:
            await getattr(feed, verb)(ticket, unit, feed.local(when), **kw)
            await feed.settle()  # one at a time, so the order really is the one given
    in_order = await indicators(feed, CLE_B, "2025-03")
    backwards = await indicators(feed, SAMR_B, "2025-03")
    assert in_order["counts"] == backwards["counts"]
    assert in_order["rates"] == backwards["rates"]
    c = in_order["counts"]
    assert (c["assigned"], c["closed"], c["closed_on_time"], c["reworked"], c["escalated"]) == (1, 1, 0, 1, 2)
    assert in_order["rates"]["escalation_rate"] == 2.0


async def test_summons_attendance_counts_in_the_month_of_issue_whatever_arrives_first(feed):
    s1, s2, s3, s4 = (feed.uid("s-") for _ in range(4))
    await feed.summons_issued(s1, PSB_B, feed.local("2025-05-10 09:00"), feed.local("2025-05-11 09:00"))
    await feed.summons_answered(s1, PSB_B, feed.local("2025-05-11 08:00"), on_time=True)
    await feed.summons_answered(s2, PSB_B, feed.local("2025-05-20 09:00"), on_time=False)  # answer before issue
    await feed.settle()
    await feed.summons_issued(s2, PSB_B, feed.local("2025-05-19 09:00"), feed.local("2025-05-19 12:00"))
    await feed.summons_issued(
        s3, PSB_B, feed.local("2025-05-25 09:00"), feed.local("2025-05-26 09:00")
    )  # never answered
    await feed.summons_answered(s4, PSB_B, feed.local("2025-06-01 09:00"), on_time=True)  # answered in June ...
    await feed.settle()
    await feed.summons_issued(
        s4, PSB_B, feed.local("2025-05-31 23:00"), feed.local("2025-06-01 10:00")
    )  # ... issued in May
    await feed.settle()

    may = await indicators(feed, PSB_B, "2025-05")
    c = may["counts"]
    assert (c["summons_issued"], c["summons_answered"], c["summons_answered_on_time"], c["summons_missed"]) == (
        4,
        3,
        2,
        1,
    )
    assert may["rates"]["summons_attendance_rate"] == 0.5
    assert (await indicators(feed, PSB_B, "2025-06"))["counts"]["summons_issued"] == 0


async def test_a_case_closed_within_90_days_of_registration_is_in_time_and_one_day_more_is_not(feed):
    closed = feed.local("2025-07-09 16:00")
    await feed.case_closed(feed.uid("c-"), CLE_B, closed - dt.timedelta(days=90), closed)
    await feed.case_closed(feed.uid("c-"), CLE_B, closed - dt.timedelta(days=91), closed)
    await feed.settle()
    july = await indicators(feed, CLE_B, "2025-07")
    assert (july["counts"]["cases_closed"], july["counts"]["cases_closed_in_time"]) == (2, 1)
    assert july["rates"]["case_in_time_rate"] == 0.5


async def test_a_fine_in_a_decision_changes_no_score(feed):
    """行政处罚法 art. 74: fines collected are never linked to anyone's assessment."""
    case_b, case_x = feed.uid("c-"), feed.uid("c-")
    for unit, case in ((CLE_B, case_b), (CLE_X, case_x)):
        await feed.case_closed(case, unit, feed.local("2025-08-01 09:00"), feed.local("2025-08-20 09:00"))
    await feed.settle()
    before = await indicators(feed, CLE_B, "2025-08")

    await feed.decision(case_b, fine_yuan=50_000, at=feed.local("2025-08-15 09:00"))
    await feed.decision(case_x, fine_yuan=0, at=feed.local("2025-08-15 09:00"))
    await feed.settle()
    after = await indicators(feed, CLE_B, "2025-08")
    no_fine = await indicators(feed, CLE_X, "2025-08")

    assert after["counts"] == before["counts"] and after["rates"] == before["rates"]
    assert after["counts"] == no_fine["counts"] and after["rates"] == no_fine["rates"]
    assert "fine" not in json.dumps(after) and "50000" not in json.dumps(after)


async def test_lists_filter_by_township_and_department_and_page_by_unit_code(feed):
    township = await feed.get("/units", admin, period="2025-09", township_code=BUFENG, limit=200)
    assert township["items"] and {u["unit"]["area_code"] for u in township["items"]} == {BUFENG}
    psb = await feed.get("/units", admin, period="2025-09", dept="psb", limit=200)
    assert {u["unit"]["code"] for u in psb["items"]} == {f"{BUFENG}:psb", f"{XINCHENG}:psb", f"{COUNTY}:psb"}

    first = await feed.get("/units", admin, period="2025-09", limit=3)
    second = await feed.get("/units", admin, period="2025-09", limit=3, cursor=first["next_cursor"])
    codes = [u["unit"]["code"] for u in first["items"] + second["items"]]
    assert len(codes) == 6 and codes == sorted(codes) and len(set(codes)) == 6

    client = feed.running.client
    bad = await client.get("/api/assessment/v1/units", params={"cursor": "nope"}, headers=headers_for(admin))
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_cursor"
    bad = await client.get(
        "/api/assessment/v1/units", params={"period": "2025-13", "township_code": "12"}, headers=headers_for(admin)
    )
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    assert {e["field"] for e in bad.json()["errors"]} == {"period", "township_code"}


async def test_a_unit_code_may_be_given_with_its_colon_encoded_and_an_unknown_unit_is_404(feed):
    client = feed.running.client
    plain = await client.get(
        f"/api/assessment/v1/units/{CLE_B.code}/indicators", params={"period": "2025-10"}, headers=headers_for(admin)
    )
    encoded = await client.get(
        f"/api/assessment/v1/units/{quote(CLE_B.code, safe='')}/indicators",
        params={"period": "2025-10"},
        headers=headers_for(admin),
    )
    assert plain.status_code == encoded.status_code == 200
    assert plain.json()["unit"]["code"] == encoded.json()["unit"]["code"] == CLE_B.code
    missing = await client.get("/api/assessment/v1/units/320971100000:nothing/indicators", headers=headers_for(admin))
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
