"""The hotline's three rates (接诉即办 三率) per township and department and month, weighted into a
score and ranked per level; the recurring problems of an area (每月一题)."""

import pytest

from assessment.hotline import rules
from jiceng_shared import units
from jiceng_shared.testing.plugin import headers_for, principal

BUFENG, XINCHENG, COUNTY = "320971100000", "320971001000", "320971000000"
CLE_B = units.township_office(BUFENG, "cle")
CLE_X = units.township_office(XINCHENG, "cle")
VILLAGE_B = "320971100201"

admin = principal(("county_admin", COUNTY))
leader_b = principal(("township_leader", BUFENG))


async def test_three_rates_score_and_rank_per_township_and_department(feed):
    t = [feed.uid("t-") for _ in range(7)]
    day = feed.local("2026-06-10 10:00")
    for ticket, in_time in zip(t[:4], (True, True, True, False), strict=False):
        await feed.signed_for(ticket, CLE_B, day, within_limit=in_time)
    await feed.signed_for(t[4], CLE_B, day, within_limit=False, source="grid")  # not a citizen's call
    await feed.callback(t[0], CLE_B, day, result="satisfied", resolved=True)
    await feed.callback(t[1], CLE_B, day, result="basically_satisfied", resolved=True)
    await feed.callback(t[2], CLE_B, day, result="dissatisfied", resolved=False)
    await feed.callback(t[2], CLE_B, feed.local("2026-06-20 10:00"), result="satisfied", resolved=True, attempt=2)
    await feed.callback(t[3], CLE_B, day, result="dissatisfied", resolved=False)
    for ticket in t[5:]:
        await feed.signed_for(ticket, CLE_X, day, within_limit=True)
        await feed.callback(ticket, CLE_X, day, result="satisfied", resolved=True)
    await feed.settle()

    ranking = await feed.get("/hotline/rankings", admin, period="2026-06", level="township")
    assert ranking["weights"] == {"response": 10, "resolution": 45, "satisfaction": 45}
    first, second = ranking["items"]
    assert (first["subject"], first["score"], first["rank"], first["ranked"]) == (XINCHENG, 100.0, 1, 2)
    assert second["subject"] == BUFENG and second["name"] == "步凤镇"
    assert second["counts"] == {"signed": 4, "responded_in_time": 3, "called_back": 4, "resolved": 3, "satisfied": 3}
    assert second["rates"] == {"response_rate": 0.75, "resolution_rate": 0.75, "satisfaction_rate": 0.75}
    assert (second["score"], second["rank"]) == (75.0, 2)
    assert second["formulas"]["satisfaction_rate"]["shown"] == "满意率 = 3 / 4 = 75.00%"

    # a township sees itself, ranked among all
    mine = await feed.get("/hotline/rankings", leader_b, period="2026-06")
    assert [(i["subject"], i["rank"], i["ranked"]) for i in mine["items"]] == [(BUFENG, 2, 2)]

    units_ranking = await feed.get("/hotline/rankings", admin, period="2026-Q2", level="department")
    assert [(i["subject"], i["rank"]) for i in units_ranking["items"]] == [(CLE_X.code, 1), (CLE_B.code, 2)]
    assert (await feed.get("/hotline/rankings", admin, period="2026-05"))["items"] == []


async def test_every_ranking_links_to_the_tickets_behind_its_rates(feed):
    t = [feed.uid("t-") for _ in range(3)]
    day = feed.local("2026-08-10 10:00")
    await feed.signed_for(t[0], CLE_B, day, within_limit=True)
    await feed.signed_for(t[1], CLE_B, day, within_limit=False)
    await feed.signed_for(t[2], CLE_B, day, within_limit=True, source="grid")  # not a citizen's call
    await feed.callback(t[0], CLE_B, day, result="dissatisfied", resolved=False)
    await feed.callback(t[0], CLE_B, feed.local("2026-08-20 10:00"), result="satisfied", resolved=True, attempt=2)
    await feed.settle()

    ranking = await feed.get("/hotline/rankings", admin, period="2026-08", level="department")
    (standing,) = [i for i in ranking["items"] if i["subject"] == CLE_B.code]
    link = standing["evidence"]
    assert link.startswith("/api/assessment/v1/evidence/hotline?")
    response = await feed.running.client.get(link, headers=headers_for(admin))
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    signed = {i["ref"]: i["on_time"] for i in items if i["kind"] == "signed_for"}
    assert signed == {t[0]: True, t[1]: False}  # the counts: signed 2, responded in time 1
    calls = sorted((i["detail"]["attempt"], i["detail"]["counted"]) for i in items if i["kind"] == "callback")
    assert calls == [(1, False), (2, True)]  # called back 1: the latest attempt counts
    assert all(i["correlation_id"] for i in items)
    assert standing["counts"]["signed"] == 2 and standing["counts"]["called_back"] == 1

    township = (await feed.get("/hotline/rankings", leader_b, period="2026-08"))["items"][0]
    mine = await feed.running.client.get(township["evidence"], headers=headers_for(leader_b))
    assert mine.status_code == 200 and {i["ref"] for i in mine.json()["items"]} == {t[0], t[1]}
    # another township's evidence is not shown to the township (404, not a leak)
    other = await feed.running.client.get(
        "/api/assessment/v1/evidence/hotline",
        params={"period": "2026-08", "subject": XINCHENG},
        headers=headers_for(leader_b),
    )
    assert other.status_code == 404


def test_the_score_follows_the_configured_weights_and_ties_share_a_rank():
    rates = {"response_rate": 1.0, "resolution_rate": 0.5, "satisfaction_rate": 0.8}
    assert rules.score(rates, {"response": 10, "resolution": 45, "satisfaction": 45}) == 68.5
    assert rules.score(rates, {"response": 20, "resolution": 40, "satisfaction": 40}) == 72.0
    assert (
        rules.score({**rates, "resolution_rate": None}, {"response": 10, "resolution": 45, "satisfaction": 45}) is None
    )
    assert rules.competition_ranks({"a": 90.0, "b": 80.0, "c": 90.0, "d": 70.0, "e": None}) == {
        "a": 1,
        "c": 1,
        "b": 3,
        "d": 4,
        "e": None,
    }


def test_hotline_weights_must_add_up_to_100():
    from assessment.config import AssessmentSettings

    with pytest.raises(ValueError):
        AssessmentSettings(hotline_score_weights={"response": 10, "resolution": 45, "satisfaction": 40})


async def test_the_same_problem_in_the_same_village_month_after_month_is_listed(feed):
    async def opened(month_day: str, category: str, n: int = 1, area: str = VILLAGE_B) -> None:
        for _ in range(n):
            await feed.created(feed.uid("t-"), feed.local(f"2026-{month_day} 10:00"), area=area, category=category)

    await opened("08-05", "street_occupation", 2)
    await opened("09-07", "street_occupation")  # two months in a row (recurring_min_months = 2)
    await opened("07-03", "noise")
    await opened("09-03", "noise")  # a gap in August: not month after month
    await opened("09-04", "garbage", 3)  # one month only
    await opened("09-05", "street_occupation", area="320971100202")  # another village
    await feed.settle()

    listed = await feed.get("/hotline/recurring", admin, period="2026-09")
    assert (listed["min_months"], listed["min_tickets"]) == (2, 1)
    assert [(i["area_code"], i["category"], i["streak"]) for i in listed["items"]] == [
        (VILLAGE_B, "street_occupation", 2)
    ]
    assert listed["items"][0]["months"] == [{"period": "2026-08", "tickets": 2}, {"period": "2026-09", "tickets": 1}]
    assert (await feed.get("/hotline/recurring", admin, period="2026-08"))["items"] == []
    outside = principal(("township_leader", XINCHENG))
    assert (await feed.get("/hotline/recurring", outside, period="2026-09"))["items"] == []
    bad = await feed.running.client.get(
        "/api/assessment/v1/hotline/recurring",
        params={"period": "2026-Q3"},
        headers=headers_for(admin),
    )
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_period"
