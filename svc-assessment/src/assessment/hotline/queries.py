"""Shape the hotline's rankings and recurring problems for the API."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

from assessment.hotline.schemas import (
    HotlineCounts,
    HotlineLevel,
    HotlineRanking,
    HotlineRates,
    HotlineStanding,
    RecurringList,
    RecurringMonth,
    RecurringProblem,
)
from assessment.hotline.service import Recurring, Standing


def ranking_out(
    rows: Sequence[Standing], *, period: str, level: HotlineLevel, weights: dict[str, int], api_prefix: str
) -> HotlineRanking:
    """Each standing links to the tickets behind its figures (``/evidence/hotline``)."""
    return HotlineRanking(
        period=period,
        level=level,
        level_zh=level.label_zh,
        weights=weights,
        items=[
            HotlineStanding(
                subject=r.subject,
                name=r.name,
                counts=HotlineCounts(**r.counts),
                rates=HotlineRates(**r.rates),
                formulas=r.formulas,
                score=r.score,
                rank=r.rank,
                ranked=r.of,
                evidence=f"{api_prefix}/evidence/hotline?"
                + urlencode({"period": period, "level": level.value, "subject": r.subject}),
            )
            for r in rows
        ],
    )


def recurring_out(rows: Sequence[Recurring], *, period: str, min_months: int, min_tickets: int) -> RecurringList:
    return RecurringList(
        period=period,
        min_months=min_months,
        min_tickets=min_tickets,
        items=[
            RecurringProblem(
                township_code=r.township_code,
                area_code=r.area_code,
                category=r.category,
                streak=r.streak,
                months=[RecurringMonth(period=m, tickets=n) for m, n in r.months],
            )
            for r in rows
        ],
    )
