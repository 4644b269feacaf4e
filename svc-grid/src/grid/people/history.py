"""The history of base data: every create, update and deregistration, with who, what and when."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from grid.people.models import BaseDataChange
from jiceng_shared.db import new_id
from jiceng_shared.identity import Principal


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def diff(record: Any, changes: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` of the fields whose value really changes (and applies them)."""
    out: dict[str, list[Any]] = {}
    for name, new in changes.items():
        old = getattr(record, name)
        if _plain(old) != _plain(new):
            out[name] = [_plain(old), _plain(new)]
            setattr(record, name, new)
    return out


def record(
    session: AsyncSession,
    *,
    entity: str,
    entity_id: str,
    grid_code: str,
    action: str,
    changes: dict[str, Any],
    principal: Principal,
    now: dt.datetime,
) -> None:
    session.add(
        BaseDataChange(
            id=new_id(),
            entity=entity,
            entity_id=entity_id,
            grid_code=grid_code,
            action=action,
            changes=changes,
            changed_by=principal.subject,
            changed_by_name=principal.name,
            changed_at=now,
        )
    )


def update(
    session: AsyncSession,
    row: Any,
    fields: dict[str, Any],
    *,
    entity: str,
    principal: Principal,
    now: dt.datetime,
) -> dict[str, list[Any]]:
    """Apply ``fields`` to a base-data row (resident, building, enterprise); when a value really
    changes, stamp the row and keep the change in the history. Returns ``{field: [old, new]}``."""
    changes = diff(row, fields)
    if changes:
        row.updated_at = now
        record(
            session,
            entity=entity,
            entity_id=row.id,
            grid_code=row.grid_code,
            action="updated",
            changes=changes,
            principal=principal,
            now=now,
        )
    return changes
