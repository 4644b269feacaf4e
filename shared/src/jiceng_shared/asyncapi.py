"""The AsyncAPI document of every event subject and payload, generated from the contracts."""

from __future__ import annotations

from typing import Any

from jiceng_shared.contracts import REGISTRY
from jiceng_shared.events import CloudEvent, full_type, nats_subject


def asyncapi_document(prefix: str = "jiceng", nats_url: str = "nats://127.0.0.1:4222") -> dict[str, Any]:
    channels: dict[str, Any] = {}
    schemas: dict[str, Any] = {"CloudEvent": CloudEvent.model_json_schema(ref_template="#/components/schemas/{model}")}
    for short_type, model in sorted(REGISTRY.items()):
        name = model.__name__
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for def_name, definition in schema.pop("$defs", {}).items():
            schemas.setdefault(def_name, definition)
        schemas[name] = schema
        service = short_type.split(".", 1)[0]
        channels[nats_subject(prefix, short_type)] = {
            "description": f"CloudEvents 1.0 (structured JSON) of type {full_type(short_type)}",
            "subscribe": {
                "operationId": f"on_{short_type.replace('.', '_')}",
                "summary": f"published by svc-{service}",
                "message": {
                    "name": full_type(short_type),
                    "contentType": "application/cloudevents+json",
                    "headers": {
                        "type": "object",
                        "properties": {"Nats-Msg-Id": {"type": "string"}, "traceparent": {"type": "string"}},
                    },
                    "payload": {
                        "allOf": [
                            {"$ref": "#/components/schemas/CloudEvent"},
                            {"type": "object", "properties": {"data": {"$ref": f"#/components/schemas/{name}"}}},
                        ]
                    },
                },
            },
        }
    return {
        "asyncapi": "2.6.0",
        "info": {"title": "Jiceng platform events", "version": "1.0.0"},
        "servers": {"nats": {"url": nats_url, "protocol": "nats"}},
        "defaultContentType": "application/cloudevents+json",
        "channels": channels,
        "components": {"schemas": schemas},
    }
