"""No event contract carries a person's full identifier in plain text (PIPL art. 51; events cross
every service, the webhooks and the AsyncAPI document): no field for an ID number, a phone or an
address, and every ``name`` field names an organisation, an area, a file or a public servant
acting in their post, never a resident, a caller, an applicant or a party. Masked fields
(``*_masked``) are allowed. What the payloads of a run really hold is checked in
tests/test_personal_data_e2e.py."""

from __future__ import annotations

import re
import typing
from typing import Any

from pydantic import BaseModel

from jiceng_shared.contracts import REGISTRY

#: a field for a full personal identifier
IDENTIFIER = re.compile(r"(^|_)(id_number|id_card|idcard|phone|mobile|telephone|tel|contact|address)$")
#: a field holding a name
NAME = re.compile(r"(^|_)name$")
#: whose name each name field is, and why it may travel in plain text
NAMES_ALLOWED = {
    ("UnitRef", "name"): "a handling unit (township office, county department)",
    ("AttachmentMeta", "name"): "an attached file's name",
    ("WorkerRostered", "name"): "a grid worker in their post (a public servant's duty, shown on the roster)",
    ("AreaChanged", "name"): "an administrative area",
    ("SquadRegistered", "name"): "an enforcement squad",
    ("ApplicationAccepted", "clerk_name"): "the window clerk in their post",
    ("ApplicationAccepted", "item_name"): "an approval item of the catalogue",
}


def _models(annotation: Any) -> list[type[BaseModel]]:
    found = []
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        found.append(annotation)
    for arg in typing.get_args(annotation):
        found += _models(arg)
    return found


def fields_of(model: type[BaseModel], seen: frozenset[type] = frozenset()) -> list[tuple[str, str]]:
    """(model name, field name) of a payload and of every model nested in it."""
    out = []
    for name, field in model.model_fields.items():
        out.append((model.__name__, name))
        for nested in _models(field.annotation):
            if nested not in seen:
                out += fields_of(nested, seen | {model, nested})
    return out


def test_every_event_contract_is_enumerated():
    assert len(REGISTRY) > 30 and "grid.incident.reported" in REGISTRY and "approval.rating.submitted" in REGISTRY


def test_no_event_contract_has_a_field_for_a_full_id_number_phone_or_address():
    found = sorted(
        {
            (event_type, model, field)
            for event_type, payload in REGISTRY.items()
            for model, field in fields_of(payload)
            if IDENTIFIER.search(field) and not field.endswith("_masked")
        }
    )
    assert found == [], "a personal identifier in an event: mask it (*_masked) or drop it"


def test_every_name_in_an_event_contract_is_an_organisation_or_a_public_servant_in_post():
    names = {
        (model, field) for payload in REGISTRY.values() for model, field in fields_of(payload) if NAME.search(field)
    }
    unexplained = sorted(names - NAMES_ALLOWED.keys())
    assert unexplained == [], "a name in an event: whose? a resident's, caller's or party's name may not travel"
    assert names, "the walk found no name field at all"
