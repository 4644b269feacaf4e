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


async def test_a_period_s_unit_results_export_as_csv_with_chinese_headers(feed):
    import csv
    import io

    from jiceng_shared.testing.plugin import headers_for

    ticket = feed.uid("t-")
    await feed.assigned(ticket, CLE_B, feed.local("2026-07-06 09:00"))
    await feed.closed(ticket, CLE_B, feed.local("2026-07-07 09:00"), on_time=True)
    await feed.settle()
    response = await feed.running.client.get(
        "/api/assessment/v1/exports/results",
        params={"level": "units", "period": "2026-07", "township_code": BUFENG},
        headers=headers_for(admin),
    )
    assert (
        response.status_code == 200
        and 'filename="assessment-units-2026-07.csv"' in response.headers["content-disposition"]
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:8] == ["序号", "单位名称", "单位代码", "单位类别", "派单数", "应结案数", "结案数", "结案率(%)"]
    cle = next(r for r in rows[1:] if r[2] == CLE_B.code)
    assert cle[4:8] == ["1", "1", "1", "100.0"]
    assert all(r[2].startswith(BUFENG) for r in rows[1:])
    month = await feed.running.client.get(
        "/api/assessment/v1/exports/results",
        params={"level": "grid_workers", "period": "2026-07"},
        headers=headers_for(admin),
    )
    assert month.status_code == 422 and month.json()["code"] == "invalid_period"


async def test_unit_indicators_sum_per_township_with_their_formulas(feed):
    from jiceng_shared.testing.plugin import principal as make

    areas = {a["area_code"]: a for a in (await feed.get("/units/by-area", admin, period="2026-05"))["items"]}
    bufeng = areas[BUFENG]
    # May: the four tickets of Bufeng's comprehensive enforcement office, two closed
    assert (bufeng["counts"]["assigned"], bufeng["counts"]["closed"]) == (4, 2) and bufeng["name"] == "步凤镇"
    assert bufeng["units"] >= 1 and bufeng["formulas"]["closure_rate"]["shown"] == "结案率 = 2 / 4 = 50.00%"
    xincheng = make(("township_leader", "320971001000"))
    assert BUFENG not in {
        a["area_code"] for a in (await feed.get("/units/by-area", xincheng, period="2026-05"))["items"]
    }


async def test_a_department_s_staff_see_their_own_department_s_sum(feed):
    from jiceng_shared.testing.plugin import principal as make

    staff = make(("dept_staff", BUFENG, "cle"))
    (mine,) = (await feed.get("/units/by-area", staff, period="2026-05"))["items"]
    assert (mine["area_code"], mine["dept"], mine["units"], mine["counts"]["assigned"]) == (BUFENG, "cle", 1, 4)
