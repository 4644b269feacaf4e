"""Every example in the services' OpenAPI documents is valid against its own schema: a front-end
developer or an integrator copies them as they are. (Each service's document in process; the
gateway's merge only renames the schemas.)"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

SERVICES = ("grid", "dispatch", "enforcement", "approval", "assessment")


def _examples(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """(where, schema, example) for every schema-level and property-level example."""
    for name, schema in doc.get("components", {}).get("schemas", {}).items():
        for i, example in enumerate(schema.get("examples", [])):
            yield f"{name}[{i}]", {"$ref": f"#/components/schemas/{name}"}, example
        for prop, spec in schema.get("properties", {}).items():
            for i, example in enumerate(spec.get("examples", [])):
                yield f"{name}.{prop}[{i}]", spec, example


@pytest.mark.parametrize("service", SERVICES)
def test_every_example_is_valid_against_its_schema(service):
    doc = importlib.import_module(f"{service}.main").create_app().openapi()
    found = list(_examples(doc))
    assert found, f"{service} documents no example"
    invalid = []
    for where, schema, example in found:
        validator = Draft202012Validator(schema | {"components": doc["components"]})
        invalid += [f"{where}: {e.message}" for e in validator.iter_errors(example)]
    assert invalid == []
