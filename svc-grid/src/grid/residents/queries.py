"""Reads of residents: the scope filter."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement

from grid.residents.models import GROUP_HASH, Resident, ResidentGroup
from grid.residents.rules import SPECIAL_GROUPS
from jiceng_shared.identity import Principal
from jiceng_shared.personaldata import code_hashes, code_of
from jiceng_shared.scope import scope_filter

LIST = "grid.resident.list"


def readable(principal: Principal, permission: str = LIST, column: Any = Resident.grid_code) -> ColumnElement[bool]:
    """The scope filter of base data: rows of grids where the caller holds ``permission`` (the
    scope's code range written into the SQL, so a county-wide list is planned as one: see
    :func:`jiceng_shared.scope.scope_filter`)."""
    return scope_filter(principal, permission, column, inline=True)


def in_groups(groups: Iterable[str]) -> ColumnElement[bool]:
    """ResidentGroup rows of these registers (their keyed hashes, under every lookup key in use)."""
    return ResidentGroup.group_hash.in_(code_hashes(GROUP_HASH, groups))


def group_code() -> ColumnElement[Any]:
    """SQL: the register code of a ResidentGroup row (stored as its keyed hash)."""
    return code_of(ResidentGroup.group_hash, GROUP_HASH, SPECIAL_GROUPS)
