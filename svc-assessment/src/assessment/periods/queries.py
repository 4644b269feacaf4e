"""Shape closed months for the API."""

from __future__ import annotations

from assessment.periods.models import PeriodClosure
from assessment.periods.schemas import AreaLevel, ClosureOut


def closure_out(c: PeriodClosure) -> ClosureOut:
    return ClosureOut(
        id=c.id,
        period=c.period,
        area_code=c.area_code,
        area_level=AreaLevel(c.area_level),
        area_level_zh=AreaLevel(c.area_level).label_zh,
        closed_at=c.closed_at,
        closed_by=c.closed_by,
        closed_by_name=c.closed_by_name,
        frozen=c.frozen,
    )
