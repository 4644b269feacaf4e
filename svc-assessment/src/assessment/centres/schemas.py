"""API shapes of the dispatch centres' indicators."""

from __future__ import annotations

from pydantic import BaseModel, Field

from assessment import formulas


class DispatchCentreIndicators(BaseModel):
    township_code: str
    name: str | None
    period: str
    counts: dict[str, int] = Field(description="dispatched, dispatched_on_time, dispatched_accurately")
    rates: dict[str, float | None]
    formulas: dict[str, formulas.Formula]
