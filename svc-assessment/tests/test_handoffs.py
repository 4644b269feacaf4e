"""A correct hand-off is not a failure (issue 16, part 4): a ticket counts for the unit that finally
handles it; returns within the window (2 working days, ``return_window_workdays``) and transfers
are their own indicators; the extension rate counts dispatch.ticket.extended."""

from jiceng_shared import units
from jiceng_shared.testing.plugin import principal

BUFENG, COUNTY = "320971100000", "320971000000"
CLE_B = units.township_office(BUFENG, "cle")
PSB_B = units.stationed_office(BUFENG, "psb")
SAMR_B = units.stationed_office(BUFENG, "samr")

admin = principal(("county_admin", COUNTY))


async def indicators(feed, unit, period):
    return await feed.get(f"/units/{unit.code}/indicators", admin, period=period)


async def test_a_return_in_the_window_and_a_transfer_leave_the_unit_s_rates_alone(feed):
    in_window, late, transfer, closed, extended, came_back = (feed.uid("t-") for _ in range(6))
    monday = "2026-03-09 09:00"  # 9-13 March 2026: five working days, no holiday
    for ticket in (in_window, late, transfer, closed, extended, came_back):
        await feed.assigned(ticket, CLE_B, feed.local(monday))
    # the window ends with the 2nd working day after the assignment: Wednesday 23:59:59
    await feed.returned(in_window, CLE_B, feed.local("2026-03-11 23:30"))
    await feed.reassigned(in_window, CLE_B, PSB_B, feed.local("2026-03-12 08:00"))
    await feed.returned(late, CLE_B, feed.local("2026-03-12 09:00"))  # Thursday: one day late
    await feed.reassigned(late, CLE_B, PSB_B, feed.local("2026-03-12 10:00"))
    await feed.reassigned(transfer, CLE_B, SAMR_B, feed.local("2026-03-20 10:00"), reason_kind="transfer")
    await feed.closed(closed, CLE_B, feed.local("2026-03-10 10:00"))
    await feed.extended(extended, CLE_B, feed.local("2026-03-12 10:00"))
    await feed.extended(extended, CLE_B, feed.local("2026-03-19 10:00"))  # twice: one ticket extended
    # moved away by the centre, brought back and closed by the unit after all: it counts for it
    await feed.reassigned(came_back, CLE_B, PSB_B, feed.local("2026-03-10 10:00"), reason_kind="reassignment")
    await feed.reassigned(came_back, PSB_B, CLE_B, feed.local("2026-03-11 10:00"), reason_kind="reassignment")
    await feed.closed(came_back, CLE_B, feed.local("2026-03-13 10:00"))
    await feed.closed(in_window, PSB_B, feed.local("2026-03-16 10:00"))
    await feed.settle()

    cle = await indicators(feed, CLE_B, "2026-03")
    c, r = cle["counts"], cle["rates"]
    assert (c["received"], c["handed_off"], c["assigned"], c["closed"]) == (6, 2, 4, 2)
    assert (c["returned"], c["returned_in_window"], c["transferred"], c["reassigned_away"]) == (2, 1, 1, 1)
    assert c["extended"] == 1
    assert r["closure_rate"] == 0.5  # the late return (and the extended one) stay in 应结案
    assert r["extension_rate"] == 0.25
    assert r["return_rate"] == round(2 / 6, 4) and r["return_in_window_rate"] == 0.5
    assert r["transfer_rate"] == round(1 / 6, 4)

    psb = await indicators(feed, PSB_B, "2026-03")
    # PSB received the two returns and the ticket it gave back: two remain its own
    assert (psb["counts"]["received"], psb["counts"]["handed_off"], psb["counts"]["assigned"]) == (3, 1, 2)
    assert psb["counts"]["closed"] == 1 and psb["rates"]["closure_rate"] == 0.5
    samr = await indicators(feed, SAMR_B, "2026-03")
    assert (samr["counts"]["received"], samr["counts"]["assigned"]) == (1, 1)


async def test_a_return_counts_once_whichever_of_its_two_events_comes_first(feed):
    ticket = feed.uid("t-")
    await feed.reassigned(ticket, CLE_B, PSB_B, feed.local("2026-04-08 10:00"))
    await feed.returned(ticket, CLE_B, feed.local("2026-04-07 16:00"))
    await feed.assigned(ticket, CLE_B, feed.local("2026-04-07 09:00"))
    await feed.settle()
    c = (await indicators(feed, CLE_B, "2026-04"))["counts"]
    assert (c["received"], c["handed_off"], c["assigned"], c["returned"], c["returned_in_window"]) == (1, 1, 0, 1, 1)


async def test_the_dispatchers_on_time_and_accurate_dispatch_per_township(feed):
    from jiceng_shared.contracts import dispatch

    ticket = feed.uid("t-")
    await feed.assigned(ticket, CLE_B, feed.local("2026-03-10 09:00"))
    await feed.send(
        dispatch.SupervisionIssued(
            order_id=feed.uid("o-"),
            ticket_id=ticket,
            number=f"GD-{ticket}",
            township_code=BUFENG,
            unit=None,
            limit="dispatch",
            level=1,
            addressee="dispatcher",
            answer_by=feed.local("2026-03-11 09:00"),
            issued_at=feed.local("2026-03-10 08:30"),
        ),
        subject=ticket,
        township=BUFENG,
    )
    await feed.settle()
    # March: the six tickets of the first test and this one were first dispatched; one came back
    # within the window as outside the unit's remit (not accurate), one passed the dispatch limit
    (centre,) = (await feed.get("/dispatch-centres", admin, period="2026-03", township_code=BUFENG))["items"]
    assert centre["counts"] == {"dispatched": 7, "dispatched_on_time": 6, "dispatched_accurately": 6}
    assert centre["formulas"]["accurate_dispatch_rate"]["shown"] == "准确派遣率 = 6 / 7 = 85.71%"
    assert centre["name"] == "步凤镇"
