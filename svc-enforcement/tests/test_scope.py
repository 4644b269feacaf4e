"""Who sees what: the township, the county, a department after a transfer; the other township nothing."""

import pytest

from enforcement.main import create_app
from enforcement.testing import API, BUFENG, OFFICER, PAIR, XINCHENG, assignment, lead_of_ticket
from jiceng_shared.policy import load_policy
from jiceng_shared.testing.plugin import demo_principal, eventually, headers_for

# the county comprehensive enforcement bureau (dept_staff of cle) supervises the townships' enforcement
# offices (002: dual leadership), whose department is cle too; other departments see only what is transferred
SEES_BUFENG = [
    "enforcement_officer.bufeng",
    "enforcement_officer2.bufeng",
    "legal_reviewer.bufeng",
    "township_leader.bufeng",
    "county_admin",
    "auditor",
    "dept_staff.cle",
]
SEES_NOTHING = [
    "enforcement_officer.xincheng",
    "legal_reviewer.xincheng",
    "township_leader.xincheng",
    "dept_staff.nrp",
    "dept_staff.psb.bufeng",
]
NOT_ALLOWED = ["grid_worker.bufeng", "dispatcher.bufeng", "window_clerk.bufeng", "assessor.bufeng"]


@pytest.fixture(scope="module")
async def bufeng_case(enforcement):
    payload = assignment("street_occupation")
    await enforcement.publish(payload, subject=payload.ticket_id, township=BUFENG)
    lead = await eventually(lambda: lead_of_ticket(enforcement, payload.ticket_id))
    response = await enforcement.client.post(
        f"{API}/cases", json={"lead_id": lead["id"], "officers": PAIR}, headers=headers_for(OFFICER)
    )
    assert response.status_code == 201
    return response.json()


def resources(case: dict) -> list[tuple[str, str, dict]]:
    """(path of one resource, path of its list, filter that finds it)."""
    return [
        (f"{API}/cases/{case['id']}", f"{API}/cases", {"correlation_id": case["correlation_id"]}),
        (f"{API}/leads/{case['lead_id']}", f"{API}/leads", {"correlation_id": case["correlation_id"]}),
        (f"{API}/cases/{case['id']}/record", f"{API}/cases", {"ticket_id": case["ticket_id"]}),
        (f"{API}/cases/{case['id']}/record/verify", f"{API}/leads", {"ticket_id": case["ticket_id"]}),
    ]


@pytest.mark.parametrize("username", SEES_BUFENG)
async def test_the_township_and_the_county_see_the_case_and_its_lead(enforcement, bufeng_case, username):
    who = headers_for(demo_principal(username))
    for one, many, params in resources(bufeng_case):
        assert (await enforcement.client.get(one, headers=who)).status_code == 200, (username, one)
        assert len((await enforcement.client.get(many, params=params, headers=who)).json()["items"]) == 1, (
            username,
            many,
        )


@pytest.mark.parametrize("username", SEES_NOTHING)
async def test_the_other_township_and_unconcerned_departments_see_nothing(enforcement, bufeng_case, username):
    who = headers_for(demo_principal(username))
    for one, many, params in resources(bufeng_case):
        response = await enforcement.client.get(one, headers=who)
        assert response.status_code == 404, (username, one)
        assert response.json()["code"] == "not_found"
        assert (await enforcement.client.get(many, params=params, headers=who)).json()["items"] == [], (username, many)


@pytest.mark.parametrize("username", NOT_ALLOWED)
async def test_roles_without_enforcement_rights_are_refused(enforcement, bufeng_case, username):
    response = await enforcement.client.get(
        f"{API}/cases/{bufeng_case['id']}", headers=headers_for(demo_principal(username))
    )
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


async def test_officers_are_listed_in_scope_with_their_certificates(enforcement):
    bufeng = (
        await enforcement.client.get(f"{API}/officers", headers=headers_for(demo_principal("township_leader.bufeng")))
    ).json()["items"]
    assert {o["username"] for o in bufeng} == {
        "enforcement_officer.bufeng",
        "enforcement_officer2.bufeng",
        "enforcement_officer3.bufeng",
    }
    expired = next(o for o in bufeng if o["username"] == "enforcement_officer3.bufeng")
    assert expired["certificate_valid"] is False and expired["valid_until"] == "2024-12-31"
    everyone = (
        await enforcement.client.get(f"{API}/officers", headers=headers_for(demo_principal("county_admin")))
    ).json()
    assert {o["township_code"] for o in everyone["items"]} == {BUFENG, XINCHENG}
    valid_today = (
        await enforcement.client.get(
            f"{API}/officers",
            params={"township_code": BUFENG, "valid_on": "2026-06-01"},
            headers=headers_for(demo_principal("county_admin")),
        )
    ).json()["items"]
    assert len(valid_today) == 2
    other = await enforcement.client.get(
        f"{API}/officers/enforcement_officer.bufeng",
        headers=headers_for(demo_principal("enforcement_officer.xincheng")),
    )
    assert other.status_code == 404


async def test_without_the_internal_token_nothing_is_answered(enforcement):
    response = await enforcement.client.get(f"{API}/leads")
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_the_route_table_matches_the_router_exactly():
    # the OpenAPI document lists every route the app serves (FastAPI mounts included routers lazily)
    paths = create_app().openapi()["paths"]
    served = {(method.upper(), path) for path, ops in paths.items() for method in ops if path.startswith("/api/")}
    declared = {(r.method, r.path) for r in load_policy().routes if r.service == "enforcement"}
    assert served == declared
