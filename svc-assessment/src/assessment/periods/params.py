"""The ``period`` query parameter every indicator route takes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from assessment.periods.rules import Period, month_of, parse_period
from jiceng_shared.service import Ctx

PERIOD_PATTERN = r"^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$"


async def period_query(
    ctx: Ctx,
    period: Annotated[
        str | None,
        Query(
            pattern=PERIOD_PATTERN,
            description="2026-11 (month, Asia/Shanghai), 2026-Q4 (quarter) or 2026 (year); default: the current month",
            examples=["2026-11"],
        ),
    ] = None,
) -> Period:
    return parse_period(period or month_of(ctx.now()))


PeriodParam = Annotated[Period, Depends(period_query)]
