"""Pure rules of the admission list and tasks (no I/O)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from jiceng_shared import versioning
from jiceng_shared.errors import FieldErrors


def in_force(versions: list[Any], day: dt.date) -> Any | None:
    """The version in force on ``day`` (the shared rule of every versioned list)."""
    return versioning.in_force(versions, day, effective_until=None)


def check_list(task_types: list[Any]) -> FieldErrors:
    errors = FieldErrors()
    seen: set[str] = set()
    for i, t in enumerate(task_types):
        if t.code in seen:
            errors.add(f"task_types.{i}.code", "duplicate_task_type", f"{t.code!r} is listed twice")
        seen.add(t.code)
    return errors


def check_task(*, task_type: str, admitted: set[str] | None, due_on: dt.date, today: dt.date) -> FieldErrors:
    """A task of a type not on the list in force is refused (001); its due date lies ahead."""
    errors = FieldErrors()
    if admitted is None or task_type not in admitted:
        errors.add("task_type", "not_on_admission_list", "this task type is not on the grid admission list in force")
    if due_on < today:
        errors.add("due_on", "due_in_past", "the due date has passed")
    return errors


def state(status: str, due_on: dt.date, today: dt.date) -> str:
    if status == "completed":
        return "completed"
    return "overdue" if today > due_on else "assigned"
