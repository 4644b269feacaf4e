"""The errors in the contract: every operation documents the problem responses it can answer.

Every error of the platform is an RFC 9457 ``application/problem+json`` document (see
:mod:`jiceng_shared.errors`). FastAPI documents none of them, only its own 422 shape, which the
services never send. :func:`document_problems` rewrites a service's OpenAPI document so each
operation lists the statuses it can answer, each with the shared ``Problem`` schema and, in
``x-problem-codes``, the stable ``code`` values a client can switch on. A route declares codes of
its own with ``openapi_extra=problems({409: ["ticket_closed"]})``.
"""

from __future__ import annotations

import copy
from typing import Any

from jiceng_shared.errors import PROBLEM_MEDIA_TYPE

#: schemas every service shares under one name in the merged document
SHARED_SCHEMAS = ("Problem", "ProblemFieldError")

PROBLEM_SCHEMAS: dict[str, Any] = {
    "Problem": {
        "title": "Problem",
        "type": "object",
        "description": "RFC 9457 problem details with a stable machine code.",
        "required": ["type", "title", "status", "code"],
        "properties": {
            "type": {"type": "string", "format": "uri", "description": "identifies the problem type"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "code": {"type": "string", "description": "stable machine code, e.g. `validation_failed`"},
            "detail": {"type": "string"},
            "request_id": {"type": "string", "description": "the request's id, as in the X-Request-Id header"},
            "errors": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/ProblemFieldError"},
                "description": "every bad field at once (validation problems)",
            },
        },
        "additionalProperties": True,
    },
    "ProblemFieldError": {
        "title": "ProblemFieldError",
        "type": "object",
        "required": ["field", "message"],
        "properties": {
            "field": {"type": "string", "description": "dotted path of the field, e.g. `location.coordinates`"},
            "in": {"type": "string", "description": "body, query, path or header"},
            "message": {"type": "string"},
            "type": {"type": "string", "description": "the validation error's kind"},
            "code": {"type": "string", "description": "the domain rule's stable code"},
        },
        "additionalProperties": True,
    },
}

#: status → (description, the codes every operation answering it may carry)
GENERIC: dict[int, tuple[str, list[str]]] = {
    400: ("Malformed request (the body is not JSON, or a header is malformed)", ["malformed_json", "bad_request"]),
    401: ("Authentication required: no valid token", ["unauthenticated"]),
    403: ("Your roles do not allow this action here", ["permission_denied", "scope_denied"]),
    404: ("Not found, or outside your scope (other townships' resources are not found)", ["not_found"]),
    409: ("The resource's state does not allow it, or it changed meanwhile", ["invalid_state", "concurrent_update"]),
    413: ("The request body is too large", ["payload_too_large"]),
    422: ("Invalid request: `errors` names every bad field", ["validation_failed"]),
    429: ("Too many requests: retry after the `Retry-After` header's seconds", ["rate_limited", "too_many_attempts"]),
    502: ("The service behind the gateway did not answer properly", ["upstream_unavailable"]),
    503: ("Not ready: the database or the event bus is unavailable; retry later", ["not_ready", "unavailable"]),
    504: ("The service behind the gateway did not answer in time", ["upstream_timeout"]),
}

METHODS = ("get", "put", "post", "delete", "patch")
_CODES_KEY = "x-problem-codes"


def problems(codes: dict[int, list[str]]) -> dict[str, Any]:
    """``openapi_extra`` for a route whose own problems add to the generic ones."""
    return {_CODES_KEY: {str(status): list(values) for status, values in codes.items()}}


def problem_response(status: int, codes: list[str]) -> dict[str, Any]:
    description, _ = GENERIC.get(status, ("Problem", []))
    listed = ", ".join(f"`{c}`" for c in codes)
    return {
        "description": f"{description}. Codes: {listed}" if codes else description,
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        _CODES_KEY: codes,
    }


def statuses_of(path: str, method: str, operation: dict[str, Any], *, public: bool) -> set[int]:
    """What an operation of a service can answer besides its success, from its shape."""
    found = {503}
    if not public:
        found |= {401, 403}
    if "{" in path:
        found.add(404)
    if operation.get("parameters") or operation.get("requestBody"):
        found.add(422)
    if operation.get("requestBody") or _has_cursor(operation):
        found.add(400)
    if method != "get":
        found.add(409)
    return found


def _has_cursor(operation: dict[str, Any]) -> bool:
    return any(p.get("name") == "cursor" and p.get("in") == "query" for p in operation.get("parameters", []))


def document_operation(operation: dict[str, Any], statuses: set[int]) -> None:
    declared = {int(k): v for k, v in operation.pop(_CODES_KEY, {}).items()}
    if _has_cursor(operation):  # a cursor this API did not issue (jiceng_shared.pagination)
        declared[400] = [*declared.get(400, []), "invalid_cursor"]
    responses = operation.setdefault("responses", {})
    for status in sorted(statuses | set(declared)):
        codes = list(dict.fromkeys(GENERIC.get(status, ("", []))[1] + declared.get(status, [])))
        existing = responses.get(str(status))
        if existing and _CODES_KEY in existing:  # documented already (a merge of documents)
            existing[_CODES_KEY] = list(dict.fromkeys(existing[_CODES_KEY] + codes))
            existing["description"] = problem_response(status, existing[_CODES_KEY])["description"]
        else:
            responses[str(status)] = problem_response(status, codes)


def document_problems(doc: dict[str, Any], *, is_public: Any = None) -> dict[str, Any]:
    """Document the problem responses of every operation of ``doc`` (a copy is returned)."""
    doc = copy.deepcopy(doc)
    public = is_public or (lambda path, _method: "/public/" in path)
    for path, item in doc.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            operation.get("responses", {}).pop("422", None)  # FastAPI's own shape, never sent
            document_operation(operation, statuses_of(path, method, operation, public=public(path, method)))
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas.update(copy.deepcopy(PROBLEM_SCHEMAS))
    return doc
