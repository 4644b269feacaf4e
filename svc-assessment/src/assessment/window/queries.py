"""Shape window indicators for the API and for the period-closed event."""

from __future__ import annotations

from typing import Any

from assessment.periods.rules import Effective, Period
from assessment.periods.schemas import PeriodKind, PeriodStatus
from assessment.window import rules
from assessment.window.schemas import RatingSummary, WindowCounts, WindowMonth, WindowRates

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
