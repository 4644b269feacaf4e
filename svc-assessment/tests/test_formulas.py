"""Every operational indicator with its formula next to the figure (rules-reference §3.5), and the
enforcement, window and extension indicators of domain.md."""

from jiceng_shared import units
from jiceng_shared.testing.plugin import principal

BUFENG, COUNTY = "320971100000", "320971000000"
CLE_B = units.township_office(BUFENG, "cle")

admin = principal(("county_admin", COUNTY))


async def test_each_unit_rate_shows_its_formula_and_the_counts_behind_it(feed):
    tickets = [feed.uid("t-") for _ in range(4)]
    for ticket in tickets:
        await feed.assigned(ticket, CLE_B, feed.local("2026-05-11 09:00"))
    await feed.closed(tickets[0], CLE_B, feed.local("2026-05-12 09:00"), on_time=True)
    await feed.closed(tickets[1], CLE_B, feed.local("2026-05-20 09:00"), on_time=False)
    await feed.extended(tickets[2], CLE_B, feed.local("2026-05-13 09:00"))
    await feed.case_overdue(feed.uid("c-"), CLE_B, feed.local("2026-02-01 09:00"), feed.local("2026-05-03 01:00"))
    await feed.settle()

    shown = await feed.get(f"/units/{CLE_B.code}/indicators", admin, period="2026-05")
    closure = shown["formulas"]["closure_rate"]
    assert closure == {
        "label_zh": "结案率",
        "formula": "结案数 / 应结案数",
        "numerator": "closed",
        "denominator": "assigned",
        "numerator_value": 2,
        "denominator_value": 4,
        "value": 0.5,
        "shown": "结案率 = 2 / 4 = 50.00%",
    }
    assert shown["formulas"]["on_time_closure_rate"]["shown"] == "按期结案率 = 1 / 4 = 25.00%"
    assert shown["formulas"]["extension_rate"]["shown"] == "延期率 = 1 / 4 = 25.00%"
    assert shown["formulas"]["summons_attendance_rate"]["value"] is None  # no summons: no rate
    # every rate has its formula, month by month too
    assert set(shown["formulas"]) == set(shown["rates"])
    assert shown["months"][0]["formulas"]["closure_rate"]["value"] == shown["rates"]["closure_rate"]
    assert shown["counts"]["cases_overdue"] == 1


async def test_window_rates_show_their_formula_and_notice_violations_are_counted(feed):
    clerk = feed.uid("clerk-")
    for i, in_time in enumerate((True, True, False)):
        await feed.notice(feed.uid(f"a{i}-"), clerk, feed.local("2026-05-06 10:00"), in_time=in_time)
    bad = feed.uid("r-")
    await feed.rating(bad, clerk, 1, feed.local("2026-05-07 10:00"))
    await feed.rating(feed.uid("r-"), clerk, 2, feed.local("2026-05-07 11:00"))
    await feed.rectified(bad, clerk, feed.local("2026-05-08 10:00"), on_time=True)
    await feed.settle()
    shown = await feed.get(f"/window/clerks/{clerk}", admin, period="2026-05")
    assert shown["notice_violations"] == 1
    assert shown["formulas"]["notice_in_time_rate"]["shown"] == "一次性告知按时率 = 2 / 3 = 66.67%"
    assert shown["formulas"]["rectification_rate"]["formula"] == "已整改差评数 / 差评数"
    assert shown["formulas"]["rectification_rate"]["shown"] == "差评整改率 = 1 / 2 = 50.00%"
