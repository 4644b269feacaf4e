"""A newcomer's demo history: ``make run`` drives a few journeys of the loops through the gateway,
once (a marker in the data directory), so the lists show something on the first login.

Everything goes through the public API as the demo users would (and the events between the
services carry it on): an incident closed after an enforcement case (loop 1); one in progress,
under an enforcement case, and overdue; a 12345 hotline complaint handled, called back and closed
(loop 2); an application awaiting materials and a bad rating under rectification (loop 3); a
ticket to which the centre summoned two departments, one of which has reported (loop 4). Nothing
is written to a database directly, so the history is what the platform itself records.

The overdue ticket is not backdated: the county administrator shortens its category's handling
limit to one minute through the categories API, the incident is reported, and the limit is put
back at once (a ticket keeps the limit it was opened with). A minute after the seeding the ticket
is overdue in the dispatcher's list and on the map, and the supervision job escalates it (督办);
the category's history shows both changes.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from jiceng_shared.devkeys import demo_login_form

GRID_WORKER = "grid_worker.bufeng"
DISPATCHER = "dispatcher.bufeng"
OFFICERS = ["enforcement_officer.bufeng", "enforcement_officer2.bufeng"]
CLERK, APPROVER = "window_clerk.bufeng", "approval_officer.bufeng"
ADMIN = "county_admin"
HOTLINE, MARKET_OFFICE = "client.hotline12345", "dept_staff.samr.bufeng"
POLICE = "dept_staff.psb.bufeng"
BUFENG = "320971100000"
GRID = "320971100201001"
# the reports are > 50 m from each other and from the points the end-to-end tests report at, so
# none is merged into another as its duplicate
APPROVAL = "/api/approval/v1"
DISPATCH = "/api/dispatch/v1"
#: the handling limit the overdue journey's category has while its incident is reported
OVERDUE_AFTER = {"value": 1, "unit": "minutes"}


class JourneyFailed(RuntimeError):
    pass


class _Gateway:
    def __init__(self, url: str, password: str) -> None:
        self.client = httpx.Client(base_url=url, timeout=30)
        self.password = password
        self.tokens: dict[str, str] = {}

    def headers(self, user: str) -> dict[str, str]:
        if user not in self.tokens:
            form = (
                {"grant_type": "client_credentials", "client_id": user, "client_secret": self.client_secret(user)}
                if user.startswith("client.")
                else demo_login_form(user, self.password)
            )
            answer = self.client.post("/auth/token", data=form)
            if answer.status_code != 200:
                raise JourneyFailed(f"login of {user}: {answer.status_code} {answer.text}")
            self.tokens[user] = answer.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def client_secret(self, client_id: str) -> str:
        return f"{client_id}-secret-{self.password}"  # the demo seed's rule (gateway.seed.client_secret)

    def post(self, user: str | None, path: str, body: Any = None) -> dict[str, Any]:
        created: dict[str, Any] = self.send("POST", user, path, body)
        return created

    def send(self, method: str, user: str | None, path: str, body: Any = None) -> Any:
        headers = self.headers(user) if user else {}
        answer = self.client.request(method, path, json=body if body is not None else {}, headers=headers)
        if answer.status_code not in (200, 201):
            raise JourneyFailed(f"{method} {path} as {user}: {answer.status_code} {answer.text}")
        return answer.json()

    def get(self, user: str, path: str) -> Any:
        answer = self.client.get(path, headers=self.headers(user))
        if answer.status_code != 200:
            raise JourneyFailed(f"GET {path} as {user}: {answer.status_code} {answer.text}")
        return answer.json()

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


def case_under_way_and_overdue(gw: _Gateway) -> str:
    """An incident whose ticket is in progress (a case under way) and, a minute later, overdue."""
    category = f"{DISPATCH}/categories/street_occupation"
    read = gw.get(ADMIN, category)
    limit = {"value": read["limits"]["handle"]["value"], "unit": read["limits"]["handle"]["unit"]}
    changed = gw.send("PATCH", ADMIN, category, {"version": read["version"], "handle_limit": OVERDUE_AFTER})
    try:
        incident = _incident(
            gw, "street_occupation", 120.30655, 33.30435, "学校门口流动摊贩（演示：立案调查中，已超期）"
        )
        ticket, case = _case(gw, incident)
    finally:
        # the ticket was opened with the short limit and keeps it; new tickets get the county's
        gw.send("PATCH", ADMIN, category, {"version": changed["version"], "handle_limit": limit})
    return (
        f"incident {incident['number']}: in progress, case {case.get('number', case['id'])} investigating,"
        f" ticket {ticket['number']} overdue from {ticket['deadline']}"
    )


def hotline_call_called_back(gw: _Gateway) -> str:
    """Loop 2: the 12345 platform posts a complaint; the market office handles it, the centre
    verifies, the platform calls the citizen back (satisfied) and the ticket closes."""
    ticket = gw.post(
        HOTLINE,
        f"{DISPATCH}/tickets",
        {
            "category": "consumer_complaint",
            "description": "市民来电：超市销售过期食品（演示：已回访办结）",
            "township_code": BUFENG,
            "location": {"type": "Point", "coordinates": [120.30345, 33.30785]},
            "caller": {"name": "赵六", "phone": "13800002345"},
            # the hotline's own work order number; a fresh one, so a second seeding opens its own
            "external_ref": f"12345-demo-{uuid.uuid4().hex[:8]}",
        },
    )
    path = f"{DISPATCH}/tickets/{ticket['id']}"
    gw.post(MARKET_OFFICE, f"{path}/sign-for")
    gw.post(MARKET_OFFICE, f"{path}/feedback", {"outcome": "已责令下架过期食品，约谈超市负责人"})
    gw.post(DISPATCHER, f"{path}/verification", {"passed": True, "note": "现场核实已下架"})
    gw.post(HOTLINE, f"{path}/callback", {"result": "satisfied", "note": "市民对处理结果满意"})
    return f"hotline ticket {ticket['number']}: handled, called back (satisfied), closed"


def summons_answered(gw: _Gateway) -> str:
    """Loop 4 (吹哨报到): the centre summons the county's natural-resources department and
    Bufeng's police station to an illegal construction; the police station has reported."""
    incident = _incident(gw, "illegal_construction", 120.30435, 33.30655, "村民未批先建（演示：吹哨报到）")
    ticket = gw.wait(DISPATCHER, f"{DISPATCH}/tickets", _only, correlation_id=incident["correlation_id"])
    summons = gw.send(
        "POST",
        DISPATCHER,
        f"{DISPATCH}/tickets/{ticket['id']}/summons",
        {
            "unit_codes": ["320971000000:nrp", f"{BUFENG}:psb"],
            "purpose": "违法建设现场联合处置",
            "respond_within_minutes": 120,
        },
    )
    police = next(s for s in summons["items"] if s["unit_code"] == f"{BUFENG}:psb")
    gw.post(POLICE, f"{DISPATCH}/summons/{police['id']}/answer", {"arrived": True, "action": "已到场维持秩序（演示）"})
    return f"incident {incident['number']}: two departments summoned to ticket {ticket['number']}, one reported"


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


JOURNEYS = (
    closed_incident,
    case_under_way_and_overdue,
    hotline_call_called_back,
    application_awaiting_materials,
    bad_rating_under_rectification,
    summons_answered,
)


def seed_journeys(gateway: str, password: str) -> list[str]:
    """Run every demo journey against a running platform; what each left, one line each."""
    gw = _Gateway(gateway, password)
    try:
        return [journey(gw) for journey in JOURNEYS]
    finally:
        gw.close()
