"""The AsyncAPI 3 document of the platform's messages, generated from the contracts.

Three kinds of channel: every event type of the contracts on the event stream (each a CloudEvent
whose ``data`` is the contract's payload), the dead-letter subjects the consumers publish a failed
event to, and the gateway's identity-change and webhook-subscription-change broadcasts (core NATS,
outside the stream).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from jiceng_shared.contracts import REGISTRY
from jiceng_shared.events import CloudEvent, full_type, nats_subject

NATS_HEADERS = {
    "type": "object",
    "properties": {
        "Nats-Msg-Id": {"type": "string", "description": "the event id: JetStream drops a duplicate in its window"},
        "traceparent": {"type": "string", "description": "W3C trace context of the journey"},
    },
}


def _server(nats_url: str) -> dict[str, Any]:
    """The server without credentials: ``nats://user:secret@host:4222`` is shown as ``host:4222``."""
    parts = urlsplit(nats_url)
    host = parts.hostname or "127.0.0.1"
    return {"host": f"{host}:{parts.port or 4222}", "protocol": "nats", "description": "NATS with JetStream"}


def _channel_id(short_type: str) -> str:
    return short_type.replace(".", "_")


def asyncapi_document(prefix: str = "jiceng", nats_url: str = "nats://127.0.0.1:4222") -> dict[str, Any]:
    schemas: dict[str, Any] = {"CloudEvent": CloudEvent.model_json_schema(ref_template="#/components/schemas/{model}")}
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for short_type, model in sorted(REGISTRY.items()):
        name = model.__name__
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for def_name, definition in schema.pop("$defs", {}).items():
            schemas.setdefault(def_name, definition)
        schemas[name] = schema
        service = short_type.split(".", 1)[0]
        messages[name] = {
            "name": full_type(short_type),
            "title": name,
            "contentType": "application/cloudevents+json",
            "headers": NATS_HEADERS,
            "payload": {
                "allOf": [
                    {"$ref": "#/components/schemas/CloudEvent"},
                    {"type": "object", "properties": {"data": {"$ref": f"#/components/schemas/{name}"}}},
                ]
            },
        }
        channel = _channel_id(short_type)
        channels[channel] = {
            "address": nats_subject(prefix, short_type),
            "description": f"CloudEvents 1.0 (structured JSON) of type {full_type(short_type)}",
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
        }
        operations[f"send_{channel}"] = {
            "action": "send",
            "summary": f"published by svc-{service}",
            "channel": {"$ref": f"#/channels/{channel}"},
            "messages": [{"$ref": f"#/channels/{channel}/messages/{name}"}],
        }

    messages["DeadLetter"] = {
        "name": "dead-letter",
        "title": "DeadLetter",
        "summary": "an event that failed every delivery to a consumer, as it was received",
        "contentType": "application/cloudevents+json",
        "headers": {
            "type": "object",
            "properties": {
                "Jiceng-Error": {"type": "string", "description": "the handler's last error"},
                "Jiceng-Original-Subject": {"type": "string", "description": "the subject it was consumed from"},
            },
        },
        "payload": {"$ref": "#/components/schemas/CloudEvent"},
    }
    channels["dead_letters"] = {
        "address": f"{prefix}.dlq.{{service}}.{{consumer}}",
        "description": "Where a consumer puts an event after its last failed delivery (also kept in the "
        "service's dead_letters table; GET /api/<service>/v1/admin/dead-letters lists them).",
        "parameters": {
            "service": {"description": "the consuming service, e.g. dispatch"},
            "consumer": {"description": "the consumer's name within the service, e.g. incidents"},
        },
        "messages": {"DeadLetter": {"$ref": "#/components/messages/DeadLetter"}},
    }
    operations["send_dead_letters"] = {
        "action": "send",
        "summary": "published by every service's consumers",
        "channel": {"$ref": "#/channels/dead_letters"},
        "messages": [{"$ref": "#/channels/dead_letters/messages/DeadLetter"}],
    }

    _broadcast(
        "IdentityChanged",
        "identity-changed",
        "identity_changes",
        address=f"_jiceng.{prefix}.iam.changed",
        properties={
            "subject": {"type": ["string", "null"], "description": "the identity that changed; null: every identity"},
        },
        summary="an identity was disabled or its bindings changed: every gateway replica drops its cache",
        description="Core NATS (not the event stream): a change takes effect on the next request on every replica.",
        components=(schemas, messages, channels, operations),
    )
    _broadcast(
        "WebhookSubscriptionsChanged",
        "webhook-subscriptions-changed",
        "webhook_subscription_changes",
        address=f"_jiceng.{prefix}.webhooks.changed",
        properties={},
        summary="a webhook subscription was made, changed or ended: every gateway replica reads them again",
        description="Core NATS (not the event stream): the other replicas match events against the change at "
        "once; one that misses it reads the subscriptions again within GATEWAY_WEBHOOK_SUBSCRIPTIONS_REFRESH_SECONDS.",
        components=(schemas, messages, channels, operations),
    )

    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Jiceng platform events",
            "version": "1.0.0",
            "description": "Events of the township governance platform on NATS JetStream (CloudEvents 1.0).",
        },
        "servers": {"nats": _server(nats_url)},
        "defaultContentType": "application/cloudevents+json",
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }


def _broadcast(
    title: str,
    name: str,
    channel: str,
    *,
    address: str,
    properties: dict[str, Any],
    summary: str,
    description: str,
    components: tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]],
) -> None:
    """A gateway replicas' broadcast on core NATS: its message (the sender's ``origin`` and
    ``properties``), its channel, and the send and receive operations of the replicas."""
    schemas, messages, channels, operations = components
    schemas[title] = {
        "type": "object",
        "required": ["origin"],
        "properties": {**properties, "origin": {"type": "string", "description": "the gateway replica that sent it"}},
    }
    messages[title] = {
        "name": name,
        "title": title,
        "summary": summary,
        "contentType": "application/json",
        "payload": {"$ref": f"#/components/schemas/{title}"},
    }
    channels[channel] = {
        "address": address,
        "description": description,
        "messages": {title: {"$ref": f"#/components/messages/{title}"}},
    }
    for action in ("send", "receive"):
        operations[f"{action}_{channel}"] = {
            "action": action,
            "summary": "gateway replicas",
            "channel": {"$ref": f"#/channels/{channel}"},
            "messages": [{"$ref": f"#/channels/{channel}/messages/{title}"}],
        }
