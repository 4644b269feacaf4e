"""Pure rules on areas and grids (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass

from jiceng_shared.identity import area_level


@dataclass(frozen=True)
class GridSizeLimits:
    """001: at most 300 households / 1,000 people per ordinary grid, 500 / 1,500 in dense areas."""

    max_households: int = 300
    max_people: int = 1000
    dense_max_households: int = 500
    dense_max_people: int = 1500


def grid_oversize(households: int, people: int, dense: bool, limits: GridSizeLimits) -> list[str]:
    """Why a grid must be split (empty when it fits its limit)."""
    max_h = limits.dense_max_households if dense else limits.max_households
    max_p = limits.dense_max_people if dense else limits.max_people
    reasons = []
    if households > max_h:
        reasons.append(f"{households} households > {max_h}")
    if people > max_p:
        reasons.append(f"{people} people > {max_p}")
    return reasons


def grid_code_parent(grid_code: str) -> str:
    """A grid code is its village/community code plus a 3-digit sequence (000 §11, unified coding)."""
    if len(grid_code) != 15 or not grid_code.isdigit() or grid_code[12:] == "000":
        raise ValueError(f"not a grid code: {grid_code!r}")
    parent = grid_code[:12]
    if area_level(parent) != "village":
        raise ValueError(f"a grid must belong to a village or community: {grid_code!r}")
    return parent
