"""Enforcement items on the shared versioned-list mechanism: a revision never starts before the
latest one (on the latest's effective day it may)."""

import datetime as dt

from enforcement.testing import ADMIN, API, BUFENG
from jiceng_shared.db import utcnow
from jiceng_shared.testing.plugin import headers_for
from jiceng_shared.workdays import COUNTY_ZONE

TODAY = utcnow().astimezone(COUNTY_ZONE).date()


def item(**overrides):
    return {
        "name_zh": "对违法户外广告设施的行政处罚",
        "categories": ["outdoor_advertising"],
        "competent_dept": "hud",
        "legal_basis": "《城市市容和环境卫生管理条例》",
        "kind": "penalty",
        "delegable": True,
        "delegations": [{"township_code": BUFENG, "valid_from": TODAY.isoformat()}],
    } | overrides


async def test_a_revision_never_takes_effect_before_the_latest_one(enforcement):
    later = TODAY + dt.timedelta(days=10)
    created = await enforcement.client.post(
        f"{API}/items",
        json=item(code="ZF-VL-001", effective_from=later.isoformat()),
        headers=headers_for(ADMIN),
    )
    assert created.status_code == 201, created.text
    day_before = (later - dt.timedelta(days=1)).isoformat()
    refused = await enforcement.client.put(
        f"{API}/items/ZF-VL-001", json=item(effective_from=day_before), headers=headers_for(ADMIN)
    )
    assert refused.status_code == 422 and refused.json()["code"] == "effective_date_before_latest"
    same_day = await enforcement.client.put(
        f"{API}/items/ZF-VL-001", json=item(effective_from=later.isoformat()), headers=headers_for(ADMIN)
    )
    assert same_day.status_code == 200, same_day.text
    assert same_day.json()["revision"] == 2
