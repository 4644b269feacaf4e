"""Payload contracts of every event, one module per publishing service.

No service defines another's payload: publishers and consumers import them from here, and the
AsyncAPI document the gateway serves is generated from :data:`REGISTRY`.
"""

from __future__ import annotations

from jiceng_shared.contracts import approval, assessment, dispatch, enforcement, grid
from jiceng_shared.events import EventPayload


def _collect() -> dict[str, type[EventPayload]]:
    registry: dict[str, type[EventPayload]] = {}
    for module in (grid, dispatch, enforcement, approval, assessment):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, EventPayload) and "event_type" in vars(value):
                if value.event_type in registry:
                    raise RuntimeError(f"event type {value.event_type} declared twice")
                registry[value.event_type] = value
    return registry


#: short event type (``grid.incident.reported``) → payload model
REGISTRY: dict[str, type[EventPayload]] = _collect()
