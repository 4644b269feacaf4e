"""Every route whose answer carries a full personal field (an ID number, a phone number) is marked
``audit = "personal_record"`` in the policy tables, so the gateway records each reading before the
body leaves (PIPL; 等保 level 3 security audit). Masked fields (``*_masked``) do not count.

The response schemas are read from each process's OpenAPI document (what the gateway merges)."""

import importlib
import re
from typing import Any

import pytest

from jiceng_shared.policy import load_policy
from jiceng_shared.topology import SERVICES

#: names of response fields that hold a full personal identifier
PERSONAL = re.compile(r"(^|_)(id_number|id_card|phone|mobile|telephone)$")


def _personal_fields(schema: Any, components: dict[str, Any], seen: set[str]) -> set[str]:
    found: set[str] = set()
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            if name in seen:
                return found
            return _personal_fields(components.get(name, {}), components, seen | {name})
        for key, value in (schema.get("properties") or {}).items():
            if PERSONAL.search(key):
                found.add(key)
            found |= _personal_fields(value, components, seen)
        for key in ("items", "additionalProperties", "anyOf", "oneOf", "allOf"):
            if key in schema:
                found |= _personal_fields(schema[key], components, seen)
    elif isinstance(schema, list):
        for item in schema:
            found |= _personal_fields(item, components, seen)
    return found


def carrying_personal_fields(document: dict) -> dict[tuple[str, str], set[str]]:
    components = document.get("components", {}).get("schemas", {})
    out: dict[tuple[str, str], set[str]] = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            for status, response in (operation.get("responses") or {}).items():
                if not status.startswith("2"):
                    continue
                for media in (response.get("content") or {}).values():
                    fields = _personal_fields(media.get("schema", {}), components, set())
                    if fields:
                        out.setdefault((method.upper(), path), set()).update(fields)
    return out


@pytest.mark.parametrize("service", [s.name for s in SERVICES])
def test_every_route_answering_full_personal_fields_is_audited(service):
    from jiceng_shared.service import create_service_app

    main = importlib.import_module(f"{service}.main")
    document = create_service_app(main.spec()).openapi()
    routes = {(r.method, r.path): r for r in load_policy().routes if r.service == service}
    missing = {
        route: sorted(fields)
        for route, fields in carrying_personal_fields(document).items()
        if route in routes and routes[route].audit != "personal_record"
    }
    assert not missing, (
        f'add audit = "personal_record" to these routes of policy/{service}.toml (their answers carry '
        f"full personal fields): {missing}"
    )


def test_the_enumeration_finds_the_known_personal_record():
    from grid.main import spec
    from jiceng_shared.service import create_service_app

    found = carrying_personal_fields(create_service_app(spec()).openapi())
    assert "id_number" in found[("GET", "/api/grid/v1/residents/{resident_id}")]
    assert not any(f.endswith("_masked") for fields in found.values() for f in fields)
