"""The merged OpenAPI document as the front-end team and integrators use it: every error is in the
contract (the shared Problem schema with its codes), names are unique and readable, and a Python
client generated from it with openapi-python-client drops nothing and makes real calls."""

from __future__ import annotations

import collections
import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.e2e

PROBLEM = "application/problem+json"
METHODS = ("get", "put", "post", "delete", "patch")


@pytest.fixture(scope="module")
def contract(stack) -> dict:
    return httpx.get(f"{stack.url('gateway')}/openapi.json", timeout=30).json()


def _operations(doc: dict):
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def test_every_error_response_is_a_documented_problem_with_its_codes(contract):
    for path, method, operation in _operations(contract):
        errors = {status: r for status, r in operation["responses"].items() if not status.startswith(("2", "3"))}
        assert errors, f"{method} {path} documents no error"
        for status, response in errors.items():
            schema = response["content"][PROBLEM]["schema"]
            assert schema == {"$ref": "#/components/schemas/Problem"}, f"{method} {path} {status}"
            assert response["x-problem-codes"], f"{method} {path} {status} lists no code"
        if operation["x-permission"] != "public":
            assert {"401", "403"} <= set(errors), f"{method} {path}"
        else:
            assert "429" in errors, f"{method} {path}: public routes are rate-limited"
        if "{" in path:
            assert "404" in errors, f"{method} {path}"
    schemas = contract["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "Problem" in schemas


def test_names_are_unique_and_readable(contract):
    ids = [op["operationId"] for _, _, op in _operations(contract)]
    assert len(ids) == len(set(ids))
    assert all(
        i.split("_", 1)[0] in {"gateway", "approval", "enforcement", "grid", "dispatch", "assessment"} for i in ids
    )
    schemas = contract["components"]["schemas"]
    titles = collections.Counter(s.get("title", name) for name, s in schemas.items())
    assert [t for t, n in titles.items() if n > 1] == []
    assert [name for name in schemas if name.startswith("Body_")] == []


async def test_a_documented_error_is_what_the_gateway_answers(stack, contract):
    from jiceng_shared.testing.journey import Journey

    journey = Journey(stack.url("gateway"))
    try:
        response = await journey.get("grid_worker.bufeng", "/api/grid/v1/incidents/not-an-incident")
        assert response.status_code == 404 and response.headers["content-type"].startswith(PROBLEM)
        assert (
            response.json()["code"]
            in contract["paths"]["/api/grid/v1/incidents/{incident_id}"]["get"]["responses"]["404"]["x-problem-codes"]
        )
    finally:
        await journey.close()


def test_a_generated_python_client_keeps_every_operation_and_calls_the_gateway(stack, contract, tmp_path: Path):
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(contract))
    # the generator reads the spreadsheet export's and the audit export's own media types as
    # downloads when told to
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    (tmp_path / "config.yaml").write_text(
        "package_name_override: jiceng_client\nproject_name_override: jiceng-client\n"
        f"content_type_overrides:\n  {xlsx}: application/octet-stream\n"
        "  application/x-ndjson: application/octet-stream\n"
    )
    bin_dir = Path(sys.executable).parent
    generated = subprocess.run(
        [str(bin_dir / "openapi-python-client"), "generate", "--path", str(spec), "--meta", "none"]
        + ["--config", str(tmp_path / "config.yaml"), "--output-path", str(tmp_path / "jiceng_client")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": f"{bin_dir}:/usr/bin:/bin"},
        timeout=120,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    # the generator names what it had to drop: no endpoint and no response may be
    said = generated.stdout + generated.stderr
    assert "will not be generated" not in said and "will be omitted" not in said, said
    modules = list((tmp_path / "jiceng_client" / "api").glob("*/*.py"))
    operations = [m for m in modules if m.name != "__init__.py"]
    assert len(operations) == sum(1 for _ in _operations(contract))

    sys.path.insert(0, str(tmp_path))
    try:
        client_mod = importlib.import_module("jiceng_client")
        me = importlib.import_module("jiceng_client.api.auth.gateway_me")
        gateway = stack.url("gateway")
        token = httpx.post(
            f"{gateway}/auth/token",
            data={"grant_type": "password", "username": "grid_worker.bufeng", "password": "demo"},
        ).json()["access_token"]
        with client_mod.AuthenticatedClient(base_url=gateway, token=token) as client:
            who = me.sync(client=client)
        assert who.bindings[0].role == "grid_worker"
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == "jiceng_client" or n.startswith("jiceng_client.")]:
            del sys.modules[name]


async def test_every_closed_set_has_its_values_and_labels_and_one_route_serves_them(stack, contract):
    from jiceng_shared.testing.journey import Journey

    schemas = contract["components"]["schemas"]
    enums = {name: s for name, s in schemas.items() if "x-enum-labels" in s}
    for name, schema in enums.items():
        assert set(schema["enum"]) == set(schema["x-enum-labels"]), name
        assert all(schema["x-enum-labels"].values()), name
    # statuses a front end shows on every list (they were plain strings)
    for status in ("grid.IncidentStatus", "approval.ApplicationStatus", "enforcement.CaseStatus"):
        assert status in enums, status
    journey = Journey(stack.url("gateway"))
    try:
        response = await journey.get("grid_worker.bufeng", "/api/meta/v1/labels")
        assert response.status_code == 200
        assert response.json() == {name: s["x-enum-labels"] for name, s in enums.items()}
        assert response.json()["grid.IncidentStatus"]["closed"] == "已办结"
    finally:
        await journey.close()


# A list is a page: {items, next_cursor}. Open311 answers bare arrays because its spec says so.
SPEC_MANDATED_ARRAYS = "/open311/"


def test_every_list_answers_items_and_next_cursor(contract):
    bare = []
    for path, method, operation in _operations(contract):
        if SPEC_MANDATED_ARRAYS in path:
            continue
        for status, response in operation["responses"].items():
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            if status.startswith("2") and schema.get("type") == "array":
                bare.append(f"{method} {path}")
    assert bare == []


# Names that hold a code from a closed set; a string under one of them without an enum is a status
# the front end cannot know. The exceptions are free text or codes of an open set, each with why.
CLOSED_SET_NAME = re.compile(
    r"(status|state|kind|type|result|outcome|level|decision|channel|source|role|priority|subject|verdict|answer|mode|severity)$"
)
OPEN_BY_NATURE = {
    "ProblemFieldError.type": "the problem's error type URI, RFC 9457",
    "DeadLetterOut.event_type": "any CloudEvents type a service consumes",
    "DeadLetterOut.subject": "any NATS subject",
    "DeliveryOut.event_type": "the event type delivered: stored as sent, even one no longer offered",
    "TokenRequest.grant_type": "RFC 6749 answers an unknown grant with 400 unsupported_grant_type, not a 422",
    "AuditOut.subject": "a login name or client id",
    "AuditOut.resource": "a path",
    "PersonalAccessOut.subject": "a login name or client id",
    "PersonalAccessOut.resource": "a path",
    "PersonAccessOut.subject": "a login name or client id",
    "PersonAccessOut.resource": "a path",
    "MeOut.subject": "the subject id",
    # roles are the policy tables' data (a county may add one); each comes with role_zh
    "BindingCreate.role": "a role of the policy tables",
    "BindingSpec.role": "a role of the policy tables",
    "BindingOut.role": "a role of the policy tables",
    "MyBindingOut.role": "a role of the policy tables",
    "AnswerBody.answer": "the window's written answer",
    "InquiryCreate.subject": "what the citizen asks about, in their words",
    "InquiryOut.subject": "what the citizen asks about, in their words",
    "InquiryDetail.subject": "what the citizen asks about, in their words",
    "InquiryOut.answer": "the window's written answer",
    "InquiryDetail.answer": "the window's written answer",
    "approval__catalogue__schemas__MaterialIn.shared_source": "the catalogue item a shared material comes from",
    "approval__catalogue__schemas__MaterialOut.shared_source": "the catalogue item a shared material comes from",
    "AttachmentIn.media_type": "a MIME type",
    "CaseClose.outcome": "the case's written outcome",
    "CaseOut.outcome": "the case's written outcome",
    "CaseDetail.outcome": "the case's written outcome",
    "PartIn.outcome": "a joint operation part's written outcome",
    "LeadOut.source": "dispatch's event contract leaves a ticket's source open; a new one must stay readable",
    "TaskCreate.task_type": "a task code of the county's admission list (data)",
    "TaskOut.task_type": "a task code of the county's admission list (data)",
    "AssignmentOut.task_type": "a task code of the county's admission list (data)",
    "DisputeOut.outcome": "the mediation's written outcome",
    "DisputeDetail.outcome": "the mediation's written outcome",
    "IncidentOut.outcome": "the handling's written outcome",
    "IncidentDetail.outcome": "the handling's written outcome",
    "Resolve.outcome": "the handling's written outcome",
    "CallbackOut.channel": "the centre, or the code of the department system that called back",
    "FeedbackIn.outcome": "the unit's written feedback",
    "PartFeedbackIn.outcome": "a cooperating unit's written feedback",
    "PartOut.answer": "a cooperating unit's written answer",
    "SupervisionAnswerIn.answer": "the addressee's written answer to a supervision order",
    "SupervisionOrderOut.answer": "the addressee's written answer to a supervision order",
    "TicketOut.outcome": "the unit's written feedback",
    "TicketDetail.outcome": "the unit's written feedback",
    "HotlineStanding.subject": "a unit or township code",
}


def test_every_closed_set_is_an_enum(contract):
    plain = []
    for name, schema in contract["components"]["schemas"].items():
        for prop, spec in schema.get("properties", {}).items():
            options = spec.get("anyOf", [spec])
            strings = [o for o in options if o.get("type") == "string"]
            if not strings or any("$ref" in o or "enum" in o or "const" in o or "format" in o for o in options):
                continue
            short = f"{name.rsplit('.', 1)[-1]}.{prop}"
            if CLOSED_SET_NAME.search(prop) and short not in OPEN_BY_NATURE:
                plain.append(f"{name}.{prop}")
    assert plain == []
