"""Closed sets of API values (statuses, kinds, sources) with their official Chinese labels.

Declare one per set, next to its sub-domain's schemas::

    class TicketStatus(LabelledEnum):
        REGISTERED = "registered", "已登记"
        CLOSED = "closed", "已办结"

A member is its English snake_case value everywhere (JSON, database, comparisons with plain
strings); ``member.label_zh`` is the term users know. The OpenAPI schema of the enum lists its
values and carries their labels as ``x-enum-labels``; the gateway serves the labels of every
enum of the merged document, by schema name, at ``GET /api/meta/v1/labels``, so a front end
loads them once.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

#: every LabelledEnum subclass, by class name (what the labels route serves)
REGISTRY: dict[str, type[LabelledEnum]] = {}


class LabelledEnum(StrEnum):
    label_zh: str

    def __new__(cls, value: str, label_zh: str) -> LabelledEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label_zh = label_zh
        return member

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        REGISTRY[cls.__name__] = cls

    @classmethod
    def labels(cls) -> dict[str, str]:
        return {member.value: member.label_zh for member in cls}

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        target = handler.resolve_ref_schema(json_schema)
        target["x-enum-labels"] = cls.labels()
        return json_schema


def labels_of(enums: list[type[LabelledEnum]] | None = None) -> dict[str, dict[str, str]]:
    """``{EnumName: {value: label_zh}}`` for the given enums (all registered ones by default)."""
    chosen = enums if enums is not None else list(REGISTRY.values())
    return {e.__name__: e.labels() for e in sorted(chosen, key=lambda e: e.__name__)}
