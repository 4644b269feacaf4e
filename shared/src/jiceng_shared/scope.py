"""Scope checks inside queries: the one helper every service filters its reads and writes with.

``scope_filter`` turns "the bindings that grant this permission" into a SQL condition on the
resource's area code (and department), so a list never holds what the caller may not see and a
lookup by id outside every scope finds nothing (404, nothing leaks).
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import ColumnElement, and_, false, literal, or_, true

from jiceng_shared.errors import Problem, not_found, permission_denied
from jiceng_shared.identity import Binding, Principal


def _area_range(prefix: str) -> tuple[str, str]:
    """Codes are digits, so ``prefix <= code < prefix+1`` is ``code LIKE prefix%`` and uses a b-tree index."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return prefix, upper


def binding_clause(
    binding: Binding, area_col: Any, dept_col: Any | None, *, inline: bool = False
) -> ColumnElement[bool] | None:
    if binding.dept is not None and dept_col is None:
        return None  # a department binding never covers resources that have no department
    low, high = _area_range(binding.prefix)
    bounds: tuple[Any, Any] = (
        (literal(low, literal_execute=True), literal(high, literal_execute=True)) if inline else (low, high)
    )
    clause: ColumnElement[bool] = (
        true() if len(binding.prefix) == 0 else and_(area_col >= bounds[0], area_col < bounds[1])
    )
    if binding.dept is not None:
        clause = and_(clause, cast(ColumnElement[bool], dept_col == binding.dept))
    return clause


def scope_filter(
    principal: Principal, permission: str, area_col: Any, dept_col: Any | None = None, *, inline: bool = False
) -> ColumnElement[bool]:
    """SQL condition: the row's area (and department) lies in a scope where the caller holds ``permission``.

    ``inline`` writes the scope's code range into the SQL text instead of binding it: PostgreSQL
    then plans each scope with its real selectivity. With bound values a prepared statement falls
    back to a generic plan after five runs, which takes any range for a small slice of the table
    (a county-wide list of a large table then hash-joins every row instead of walking an index).
    Scopes are few, so the statements stay few."""
    clauses = [
        c
        for b in principal.bindings_for(permission)
        if (c := binding_clause(b, area_col, dept_col, inline=inline)) is not None
    ]
    if not clauses:
        return false()
    return or_(*clauses)


def require_scope(
    principal: Principal,
    permission: str,
    area_code: str,
    dept: str | None = None,
    *,
    visible: bool = True,
) -> None:
    """Raise unless ``permission`` is held over this resource.

    ``visible`` says whether the caller can see the resource at all: if not, the answer is 404 so
    its existence does not leak; if so, 403 with ``permission_denied`` (no such role anywhere) or
    ``scope_denied`` (the role, but not over this resource).
    """
    if principal.covers(permission, area_code, dept):
        return
    if not visible:
        raise not_found("resource")
    if not principal.can(permission):
        raise permission_denied(permission)
    raise Problem(403, "scope_denied", "Outside your scope", f"you do not hold {permission} over this resource")
