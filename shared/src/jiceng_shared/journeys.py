"""A newcomer's demo history: ``make run`` drives a few journeys of the loops through the gateway,
once (a marker in the data directory), so the lists show something on the first login.

Everything goes through the public API as the demo users would (and the events between the
services carry it on): an incident closed after an enforcement case, a case under way, an
application awaiting materials, and a bad rating under rectification. Nothing is written to a
database directly, so the history is what the platform itself records.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from jiceng_shared.devkeys import demo_login_form

GRID_WORKER = "grid_worker.bufeng"
DISPATCHER = "dispatcher.bufeng"
OFFICERS = ["enforcement_officer.bufeng", "enforcement_officer2.bufeng"]
CLERK, APPROVER = "window_clerk.bufeng", "approval_officer.bufeng"
GRID = "320971100201001"
# the reports are > 50 m from each other and from the points the end-to-end tests report at, so
# none is merged into another as its duplicate
APPROVAL = "/api/approval/v1"


class JourneyFailed(RuntimeError):
    pass


class _Gateway:
    def __init__(self, url: str, password: str) -> None:
        self.client = httpx.Client(base_url=url, timeout=30)
        self.password = password
        self.tokens: dict[str, str] = {}

    def headers(self, user: str) -> dict[str, str]:
        if user not in self.tokens:
            answer = self.client.post("/auth/token", data=demo_login_form(user, self.password))
            if answer.status_code != 200:
                raise JourneyFailed(f"login of {user}: {answer.status_code} {answer.text}")
            self.tokens[user] = answer.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def post(self, user: str | None, path: str, body: Any = None) -> dict[str, Any]:
        headers = self.headers(user) if user else {}
        answer = self.client.post(path, json=body if body is not None else {}, headers=headers)
        if answer.status_code not in (200, 201):
            raise JourneyFailed(f"POST {path} as {user}: {answer.status_code} {answer.text}")
        created: dict[str, Any] = answer.json()
        return created

    def wait(self, user: str, path: str, found: Callable[[Any], Any], timeout: float = 60, **params: Any) -> Any:
        """What ``found`` picks from ``GET path`` once the events have carried the journey there."""
        deadline = time.monotonic() + timeout
        while True:
            answer = self.client.get(path, params=params or None, headers=self.headers(user))
            if answer.status_code == 200 and (picked := found(answer.json())):
                return picked
            if time.monotonic() > deadline:
                raise JourneyFailed(f"GET {path} as {user}: not there after {timeout}s ({answer.status_code})")
            time.sleep(0.3)

    def close(self) -> None:
        self.client.close()


def _only(body: dict[str, Any]) -> dict[str, Any] | None:
    return body["items"][0] if body["items"] else None


def _incident(gw: _Gateway, category: str, lng: float, lat: float, note: str) -> dict[str, Any]:
    return gw.post(
        GRID_WORKER,
        "/api/grid/v1/incidents",
        {
            "category": category,
            "description": note,
            "grid_code": GRID,
            "location": {"type": "Point", "coordinates": [lng, lat]},
        },
    )


def _case(gw: _Gateway, incident: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The incident's ticket, and the case the officers open on its lead, with a first record."""
    journey_id = incident["correlation_id"]
    ticket = gw.wait(DISPATCHER, "/api/dispatch/v1/tickets", _only, correlation_id=journey_id)
    lead = gw.wait(OFFICERS[0], "/api/enforcement/v1/leads", _only, correlation_id=journey_id)
    case = gw.post(OFFICERS[0], "/api/enforcement/v1/cases", {"lead_id": lead["id"], "officers": OFFICERS})
    gw.post(
        OFFICERS[0],
        f"/api/enforcement/v1/cases/{case['id']}/records",
        {"kind": "evidence", "content": "现场照片两张，当事人在人行道摆摊"},
    )
    return ticket, case


def closed_incident(gw: _Gateway) -> str:
    incident = _incident(gw, "street_occupation", 120.30215, 33.30215, "菜市场门口占道经营（演示：已办结）")
    ticket, case = _case(gw, incident)
    cases = f"/api/enforcement/v1/cases/{case['id']}"
    gw.post(
        OFFICERS[0],
        f"{cases}/decision",
        {
            "procedure": "summary",
            "penalty": "warning",
            "fine_yuan": 0,
            "party": {"kind": "person", "name": "张某"},
            "facts": "占用人行道经营",
            "legal_basis": "《城市市容和环境卫生管理条例》第十七条",
        },
    )
    gw.post(OFFICERS[0], f"{cases}/close", {"outcome": "当事人已自行清理，予以警告"})
    path = f"/api/dispatch/v1/tickets/{ticket['id']}"
    gw.wait(DISPATCHER, path, lambda t: t["status"] == "handled")
    gw.post(GRID_WORKER, f"{path}/verification", {"passed": True, "note": "现场已恢复通行"})
    return f"incident {incident['number']}: closed after a warning (case, ticket {ticket['number']})"


def case_under_way(gw: _Gateway) -> str:
    incident = _incident(gw, "street_occupation", 120.30655, 33.30435, "学校门口流动摊贩（演示：立案调查中）")
    ticket, case = _case(gw, incident)
    return f"incident {incident['number']}: in progress, case {case.get('number', case['id'])} investigating"


def _application(gw: _Gateway, name: str, materials: list[str]) -> dict[str, Any]:
    return gw.post(
        CLERK,
        f"{APPROVAL}/applications",
        {
            "item_code": "homestead_building",
            "applicant": {"name": name, "id_number": "320911195001011234", "phone": "13800000000"},
            "materials": [{"code": code} for code in materials],
        },
    )


def application_awaiting_materials(gw: _Gateway) -> str:
    received = _application(gw, "李四", ["application_form", "id_card"])
    return f"application {received['receipt_number']}: awaiting materials (one notice)"


def bad_rating_under_rectification(gw: _Gateway) -> str:
    received = _application(gw, "王五", ["application_form", "id_card", "village_opinion"])
    path = f"{APPROVAL}/applications/{received['id']}"
    if received["status"] != "accepted":
        gw.post(CLERK, f"{path}/accept")
    gw.post(APPROVER, f"{path}/decision", {"outcome": "approved"})
    done = gw.post(CLERK, f"{path}/handout")
    rating = {"receipt_number": done["receipt_number"], "rating_code": done["rating_code"], "level": 2}
    gw.post(None, f"{APPROVAL}/public/ratings", rating | {"comment": "等了很久（演示）"})
    return f"application {done['receipt_number']}: completed, rated 不满意, rectification open"


JOURNEYS = (closed_incident, case_under_way, application_awaiting_materials, bad_rating_under_rectification)


def seed_journeys(gateway: str, password: str) -> list[str]:
    """Run every demo journey against a running platform; what each left, one line each."""
    gw = _Gateway(gateway, password)
    try:
        return [journey(gw) for journey in JOURNEYS]
    finally:
        gw.close()
