"""Shape window indicators for the API and for the period-closed event."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from assessment.items.queries import rating_out
from assessment.periods.rules import Effective, Period
from assessment.periods.schemas import PeriodKind, PeriodStatus
from assessment.window import rules
from assessment.window.schemas import (
    CentreIndicators,
    ClerkDetail,
    ClerkIndicators,
    ClerkOut,
    RatingSummary,
    WindowCounts,
    WindowMonth,
    WindowRates,
)
from assessment.window.scoring import staff_scores
from assessment.window.service import CentreResult, ClerkResult

LEVEL_LABELS = {str(level): label for level, label in sorted(rules.LEVEL_LABELS.items())}


def figures(effective: Effective, *, bad_max_level: int, public_rating_weight: float) -> dict[str, Any]:
    derived = rules.window_indicators(
        effective.counts, bad_max_level=bad_max_level, public_rating_weight=public_rating_weight
    )
    return {
        "counts": WindowCounts(**{k: effective.counts[k] for k in WindowCounts.model_fields}),
        "ratings": RatingSummary(
            ratings=derived["ratings"],
            ratings_by_level=derived["ratings_by_level"],
            level_labels=LEVEL_LABELS,
            bad_ratings=derived["bad_ratings"],
            rating_average=derived["rating_average"],
        ),
        "rates": WindowRates(**derived["rates"]),
        "formulas": derived["formulas"],
        "notice_violations": derived["notice_violations"],
        "public_rating_points": derived["public_rating_points"],
        "late_adjustments": effective.late_adjustments,
    }


def period_fields(period: Period, total: Effective) -> dict[str, Any]:
    return {
        "period": period.text,
        "period_kind": PeriodKind(period.kind),
        "period_kind_zh": PeriodKind(period.kind).label_zh,
        "status": PeriodStatus(total.status),
        "status_zh": PeriodStatus(total.status).label_zh,
        "closed_months": total.closed_months,
    }


def month_view(month: str, effective: Effective, **weights: Any) -> WindowMonth:
    return WindowMonth(
        period=month,
        status=PeriodStatus(effective.status),
        status_zh=PeriodStatus(effective.status).label_zh,
        **figures(effective, **weights),
    )


def clerk_out(result: ClerkResult) -> ClerkOut:
    c = result.clerk
    return ClerkOut(clerk_id=c.clerk_id, clerk_username=c.clerk_username, township_code=c.township_code)


async def clerks_out(
    session: AsyncSession, results: Sequence[ClerkResult], period: Period, weights: dict[str, int]
) -> list[ClerkIndicators]:
    """The clerks' indicators with their staff score so far (the list's items read once for all)."""
    shown = {r.clerk.clerk_id: figures(r.indicators.total, **weights) for r in results}
    scores = await staff_scores(
        session,
        list(shown),
        period.months,
        {k: v["public_rating_points"] for k, v in shown.items()},
        weights["public_rating_weight"],
    )
    return [
        ClerkIndicators(
            clerk=clerk_out(r),
            **period_fields(period, r.indicators.total),
            **shown[r.clerk.clerk_id],
            score_total=scores[r.clerk.clerk_id][0].total,
        )
        for r in results
    ]


async def clerk_detail(
    session: AsyncSession, result: ClerkResult, period: Period, weights: dict[str, int]
) -> ClerkDetail:
    clerk_id = result.clerk.clerk_id
    shown = figures(result.indicators.total, **weights)
    scores = await staff_scores(
        session, [clerk_id], period.months, {clerk_id: shown["public_rating_points"]}, weights["public_rating_weight"]
    )
    score, manual = scores[clerk_id]
    return ClerkDetail(
        clerk=clerk_out(result),
        **period_fields(period, result.indicators.total),
        **shown,
        score_total=score.total,
        months=[month_view(m, e, **weights) for m, e in result.indicators.by_month],
        score=score,
        manual_ratings=[rating_out(r) for r in manual],
    )


def centre_out(result: CentreResult, period: Period, weights: dict[str, int]) -> CentreIndicators:
    return CentreIndicators(
        township_code=result.township_code,
        **period_fields(period, result.indicators.total),
        **figures(result.indicators.total, **weights),
    )
