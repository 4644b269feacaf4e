"""Stationed offices and squads: the township's part counts for at least 60 % (001, 002), the
county department's for the rest; both parts visible next to the result."""

import pytest

from assessment.config import AssessmentSettings
from assessment.stationed import rules
from jiceng_shared import units
from jiceng_shared.testing.plugin import principal

BUFENG, XINCHENG, COUNTY = "320971100000", "320971001000", "320971000000"
PSB_B = units.stationed_office(BUFENG, "psb")
CLE_B = units.township_office(BUFENG, "cle")

assessor_b = principal(("assessor", BUFENG), username="assessor.bufeng")
assessor_x = principal(("assessor", XINCHENG))
assessor_county = principal(("assessor", COUNTY), username="assessor.county")
leader_b = principal(("township_leader", BUFENG))


def test_the_township_part_weighs_at_least_60_percent():
    assert AssessmentSettings().stationed_township_weight == 60
    assert rules.combined(100, 0, township_weight=60) == 60
    assert rules.combined(80, 90, township_weight=60) == 84
    assert rules.combined(80, None) is None
    AssessmentSettings(stationed_township_weight=70)
    with pytest.raises(ValueError):
        AssessmentSettings(stationed_township_weight=59)


async def test_each_level_records_its_part_and_both_stay_visible(feed):
    body = {"unit_code": PSB_B.code, "period": "2026", "note": "年度考核"}
    town = await feed.post("/stationed/parts", assessor_b, {**body, "part": "township", "score": 80})
    assert town.status_code == 201, town.text
    assert (town.json()["weight"], town.json()["part_zh"]) == (60, "乡镇(街道)考核")
    # the township cannot record the county's part, nor another township's
    wrong_level = await feed.post("/stationed/parts", assessor_b, {**body, "part": "county", "score": 100})
    assert wrong_level.status_code == 403 and wrong_level.json()["code"] == "scope_denied"
    other = await feed.post("/stationed/parts", assessor_x, {**body, "part": "township", "score": 100})
    assert other.status_code == 404
    not_stationed = await feed.post(
        "/stationed/parts", assessor_b, {**body, "unit_code": CLE_B.code, "part": "township", "score": 90}
    )
    assert not_stationed.status_code == 422 and not_stationed.json()["code"] == "not_stationed"
    again = await feed.post("/stationed/parts", assessor_b, {**body, "part": "township", "score": 90})
    assert again.status_code == 409 and again.json()["code"] == "part_recorded"

    half = (await feed.get("/stationed/results", leader_b, period="2026"))["items"]
    psb = next(r for r in half if r["unit"]["code"] == PSB_B.code)
    assert psb["township"]["score"] == 80 and psb["county"] is None and psb["result"] is None
    county = await feed.post("/stationed/parts", assessor_county, {**body, "part": "county", "score": 90})
    assert county.status_code == 201 and county.json()["weight"] == 40
    psb = next(
        r
        for r in (await feed.get("/stationed/results", leader_b, period="2026"))["items"]
        if r["unit"]["code"] == PSB_B.code
    )
    assert (psb["township"]["score"], psb["county"]["score"], psb["result"]) == (80, 90, 84.0)
    assert psb["formula"] == "60% × 乡镇(街道)考核 + 40% × 县级主管部门考核"
    assert all(
        r["unit"]["kind"] == "stationed_office"
        for r in (await feed.get("/stationed/results", leader_b, period="2026"))["items"]
    )


def test_a_squad_weighs_the_township_at_least_the_minimum_and_its_own_squad_alone():
    assert rules.squad_township_weight(rules.SquadKind.STATIONED, 60, minimum=60) == 60
    assert rules.squad_township_weight(rules.SquadKind.STATIONED, 59, minimum=60) == 60
    assert rules.squad_township_weight(rules.SquadKind.STATIONED, 61, minimum=60) == 61
    assert rules.squad_township_weight(rules.SquadKind.TOWNSHIP, 60, minimum=60) == 100
    # assessed by the township alone: the township's part is the result
    assert rules.combined(77, None, township_weight=100) == 77


async def test_squads_from_enforcement_are_assessed_in_two_parts_with_their_weights(feed):
    stationed_squad, own_squad = feed.uid("sq-"), feed.uid("sq-")
    await feed.squad(stationed_squad, BUFENG, kind="stationed", county_dept="psb", weight=70)
    await feed.squad(own_squad, BUFENG, kind="township")
    await feed.squad(stationed_squad, BUFENG, kind="stationed", county_dept="psb", weight=70, twice=True)
    await feed.settle()
    body = {"squad_id": stationed_squad, "period": "2026-Q2", "note": "季度考核"}

    town = await feed.post("/stationed/parts", assessor_b, {**body, "part": "township", "score": 90})
    assert town.status_code == 201, town.text
    assert town.json()["weight"] == 70
    county = await feed.post("/stationed/parts", assessor_county, {**body, "part": "county", "score": 80})
    assert county.status_code == 201 and county.json()["weight"] == 30
    assert (
        await feed.post("/stationed/parts", assessor_x, {**body, "part": "township", "score": 1})
    ).status_code == 404

    own = {"squad_id": own_squad, "period": "2026-Q2", "note": "季度考核"}
    no_county = await feed.post("/stationed/parts", assessor_county, {**own, "part": "county", "score": 80})
    assert no_county.status_code == 422 and no_county.json()["code"] == "part_not_applicable"
    assert (
        await feed.post("/stationed/parts", assessor_b, {**own, "part": "township", "score": 88})
    ).status_code == 201

    both = await feed.post(
        "/stationed/parts", assessor_b, {**body, "unit_code": PSB_B.code, "part": "township", "score": 1}
    )
    assert both.status_code == 422
    assert {e["field"] for e in both.json()["errors"]} == {"unit_code", "squad_id"}

    results = (await feed.get("/stationed/results", leader_b, period="2026-Q2", township_code=BUFENG))["items"]
    by_code = {r["unit"]["code"]: r for r in results}
    s = by_code[stationed_squad]
    assert (s["subject_kind"], s["unit"]["kind"], s["unit"]["kind_zh"]) == ("squad", "squad_stationed", "派驻执法中队")
    assert (s["township_weight"], s["township"]["score"], s["county"]["score"], s["result"]) == (70, 90, 80, 87.0)
    assert s["formula"] == "70% × 乡镇(街道)考核 + 30% × 县级主管部门考核"
    o = by_code[own_squad]
    assert (o["township_weight"], o["county"], o["result"], o["formula"]) == (100, None, 88, "100% × 乡镇(街道)考核")
    assert by_code[PSB_B.code]["subject_kind"] == "unit"
