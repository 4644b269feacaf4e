"""Changes to the lists and certificates never rewrite what a case started with (own service instance:
these tests edit the demo list and certificates)."""

import datetime as dt

from enforcement.testing import ADMIN, API, BUFENG, OFFICER, OFFICER2, PAIR, XINCHENG
from jiceng_shared.db import utcnow
from jiceng_shared.testing.plugin import headers_for
from jiceng_shared.workdays import COUNTY_ZONE

TODAY = utcnow().astimezone(COUNTY_ZONE).date()


async def street_item(svc) -> dict:
    return (await svc.client.get(f"{API}/items/ZF-CG-001", headers=headers_for(ADMIN))).json()


def revision_body(item: dict, **overrides) -> dict:
    body = {
        k: item[k]
        for k in (
            "name_zh",
            "categories",
            "competent_dept",
            "legal_basis",
            "kind",
            "delegable",
            "restricts_personal_freedom",
            "national_security",
        )
    }
    body["delegations"] = [
        {k: d[k] for k in ("township_code", "valid_from", "valid_until")} for d in item["delegations"]
    ]
    return body | {"base_revision": item["revision"]} | overrides


async def test_a_case_keeps_the_item_revision_in_force_when_it_started(enforcement, new_case):
    before_edit = await new_case()
    old = await street_item(enforcement)
    assert before_edit["item_revision"] == old["revision"] == 1

    edited = await enforcement.client.put(
        f"{API}/items/ZF-CG-001",
        json=revision_body(
            old, name_zh="对占道经营、店外经营的行政处罚", legal_basis="《江苏省城市市容和环境卫生管理条例》第二十六条"
        ),
        headers=headers_for(ADMIN),
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["revision"] == 2

    kept = (await enforcement.client.get(f"{API}/cases/{before_edit['id']}", headers=headers_for(OFFICER))).json()
    assert (kept["item_revision"], kept["item_name_zh"], kept["item_legal_basis"]) == (
        1,
        old["name_zh"],
        old["legal_basis"],
    )
    after_edit = await new_case()
    assert after_edit["item_revision"] == 2
    assert after_edit["item_legal_basis"] == "《江苏省城市市容和环境卫生管理条例》第二十六条"
    # the list as it stood yesterday still answers with revision 1
    yesterday = (
        await enforcement.client.get(
            f"{API}/items/ZF-CG-001",
            params={"on": (TODAY - dt.timedelta(days=1)).isoformat()},
            headers=headers_for(ADMIN),
        )
    ).json()
    assert yesterday["revision"] == 1


async def test_a_withdrawn_delegation_stops_new_cases_from_that_day_but_not_open_ones(enforcement, new_lead, new_case):
    open_case = await new_case()
    waiting = await new_lead("street_occupation")
    assert waiting["delegated"] is True
    item = await street_item(enforcement)
    # the delegation to Bufeng is withdrawn from today; Xincheng keeps it
    body = revision_body(item)
    body["delegations"] = [d for d in body["delegations"] if d["township_code"] == XINCHENG]
    response = await enforcement.client.put(f"{API}/items/ZF-CG-001", json=body, headers=headers_for(ADMIN))
    assert response.status_code == 200 and response.json()["delegated_townships"] == [XINCHENG]

    refused = await enforcement.client.post(
        f"{API}/cases", json={"lead_id": waiting["id"], "officers": PAIR}, headers=headers_for(OFFICER)
    )
    assert refused.status_code == 422 and refused.json()["code"] == "outside_delegated_powers"
    transferred = await enforcement.client.post(
        f"{API}/leads/{waiting['id']}/transfer",
        json={"reason": "赋权已收回，移送县综合行政执法局"},
        headers=headers_for(OFFICER),
    )
    assert transferred.status_code == 200 and transferred.json()["handling_unit_code"] == "320971000000:cle"
    # the case opened under the delegation goes on
    decided = await enforcement.client.post(
        f"{API}/cases/{open_case['id']}/decision",
        json={
            "procedure": "summary",
            "penalty": "warning",
            "party": {"kind": "person", "name": "王某"},
            "facts": "占道经营",
            "legal_basis": "条例",
        },
        headers=headers_for(OFFICER),
    )
    assert decided.status_code == 201, decided.text
    # give Bufeng its delegation back for the other tests of this module
    restored = revision_body(response.json())
    restored["delegations"].append({"township_code": BUFENG, "valid_from": TODAY.isoformat(), "valid_until": None})
    assert (
        await enforcement.client.put(f"{API}/items/ZF-CG-001", json=restored, headers=headers_for(ADMIN))
    ).status_code == 200


async def test_a_certificate_that_expired_after_registration_stops_an_on_the_spot_decision(enforcement, new_case):
    case = await new_case()
    officer2 = (
        await enforcement.client.get(f"{API}/officers/enforcement_officer2.bufeng", headers=headers_for(ADMIN))
    ).json()
    renewal = {k: officer2[k] for k in ("name", "township_code", "certificate_number", "valid_from")}
    expired = await enforcement.client.put(
        f"{API}/officers/enforcement_officer2.bufeng",
        json=renewal | {"valid_until": (TODAY - dt.timedelta(days=1)).isoformat()},
        headers=headers_for(ADMIN),
    )
    assert expired.status_code == 200 and expired.json()["certificate_valid"] is False
    try:
        response = await enforcement.client.post(
            f"{API}/cases/{case['id']}/decision",
            json={
                "procedure": "summary",
                "penalty": "warning",
                "party": {"kind": "person", "name": "赵某"},
                "facts": "占道经营",
                "legal_basis": "条例",
            },
            headers=headers_for(OFFICER),
        )
        assert response.status_code == 422 and response.json()["code"] == "certificate_invalid"
        # and the officer whose certificate expired takes no more steps of the case
        note = await enforcement.client.post(
            f"{API}/cases/{case['id']}/records",
            json={"kind": "note", "content": "补充记录"},
            headers=headers_for(OFFICER2),
        )
        assert note.status_code == 422 and note.json()["code"] == "certificate_invalid"
    finally:
        await enforcement.client.put(
            f"{API}/officers/enforcement_officer2.bufeng",
            json=renewal | {"valid_until": officer2["valid_until"]},
            headers=headers_for(ADMIN),
        )


async def test_the_county_admin_registers_an_officer_with_a_certificate(enforcement):
    body = {
        "name": "步凤镇执法人员丁",
        "township_code": BUFENG,
        "certificate_number": "苏100ZF0004",
        "valid_from": "2026-01-01",
        "valid_until": "2031-12-31",
    }
    created = await enforcement.client.put(
        f"{API}/officers/enforcement_officer4.bufeng", json=body, headers=headers_for(ADMIN)
    )
    assert created.status_code == 201 and created.json()["certificate_valid"] is True
    taken = await enforcement.client.put(
        f"{API}/officers/enforcement_officer5.bufeng", json=body, headers=headers_for(ADMIN)
    )
    assert taken.status_code == 409 and taken.json()["code"] == "certificate_number_taken"
    backwards = await enforcement.client.put(
        f"{API}/officers/enforcement_officer4.bufeng",
        json=body | {"valid_until": "2025-01-01"},
        headers=headers_for(ADMIN),
    )
    assert backwards.status_code == 422 and backwards.json()["code"] == "invalid_period"
    by_officer = await enforcement.client.put(
        f"{API}/officers/enforcement_officer4.bufeng", json=body, headers=headers_for(OFFICER)
    )
    assert by_officer.status_code == 403
