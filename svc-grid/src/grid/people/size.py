"""The size of a grid from its base data (001): households and people registered in it, not a typed count.

``grid_counts`` is the function the area tree can call for its split flag (areas/ is the area
model's; this module only counts)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from grid.people.models import Household
from grid.residents.models import Resident


async def grid_counts(session: AsyncSession, grid_codes: Iterable[str]) -> dict[str, tuple[int, int]]:
    """``{grid_code: (active households, active people)}`` (grids without any: (0, 0))."""
    codes = sorted(set(grid_codes))
    counts = {code: [0, 0] for code in codes}
    if not codes:
        return {}
    households = await session.execute(
        select(Household.grid_code, func.count())
        .where(Household.grid_code.in_(codes), Household.status == "active")
        .group_by(Household.grid_code)
    )
    for code, n in households.all():
        counts[code][0] = n
    people = await session.execute(
        select(Resident.grid_code, func.count())
        .where(Resident.grid_code.in_(codes), Resident.status == "active")
        .group_by(Resident.grid_code)
    )
    for code, n in people.all():
        counts[code][1] = n
    return {code: (h, p) for code, (h, p) in counts.items()}
