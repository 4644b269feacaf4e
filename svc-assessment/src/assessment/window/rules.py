"""Pure rules of window indicators: timeliness, one-time notices and 好差评 (rules-reference §6).

Ratings have five levels, 5 非常满意 .. 1 非常不满意; levels 1 and 2 are 差评 (bad ratings,
国办发〔2019〕51号), the bound being ``bad_max_level``. Rectification counts the bad ratings of
the period that have been rectified, whenever the rectification came.

The public-rating share of the staff score (20 of 100 points, 002 annex) is linear in the
period's rating average: ``points = weight × (average − 1) / (5 − 1)``, so an average of 5 gives
the full weight, 3 (基本满意) half of it and 1 nothing. No rating in the period gives ``None``
(not scored) rather than 0 or full marks: a clerk is neither punished nor rewarded for ratings
nobody gave.
"""

from __future__ import annotations

from collections.abc import Mapping

from assessment import formulas
from assessment.formulas import RateDef

MIN_LEVEL, MAX_LEVEL = 1, 5
LEVELS = tuple(range(MIN_LEVEL, MAX_LEVEL + 1))
LEVEL_LABELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}

COUNT_FIELDS = (
    "accepted",
    "completed",
    "completed_on_time",
    "overdue",
    "notices_issued",
    "notices_in_time",
    *(f"ratings_{level}" for level in LEVELS),
    "rectified",
    "rectified_on_time",
)

#: every window rate, declared once: its value and the formula shown next to it
RATE_DEFS = {
    "on_time_rate": RateDef("按时办结率", "completed_on_time", "按时办结数", "completed", "办结数"),
    "notice_in_time_rate": RateDef("一次性告知按时率", "notices_in_time", "按时告知数", "notices_issued", "告知数"),
    "rectification_rate": RateDef("差评整改率", "rectified", "已整改差评数", "bad_ratings", "差评数"),
    "on_time_rectification_rate": RateDef(
        "差评按时整改率", "rectified_on_time", "按时整改差评数", "bad_ratings", "差评数"
    ),
}

#: decimals of the rating average and of the points
SCORE_DECIMALS = 2


def is_bad(level: int, *, bad_max_level: int = 2) -> bool:
    """差评: 不满意 (2) and 非常不满意 (1)."""
    return MIN_LEVEL <= level <= bad_max_level


def rating_average(by_level: Mapping[int, int]) -> float | None:
    total = sum(by_level.values())
    if not total:
        return None
    return round(sum(level * n for level, n in by_level.items()) / total, SCORE_DECIMALS)


def public_rating_points(average: float | None, *, weight: float = 20) -> float | None:
    if average is None:
        return None
    return round(weight * (average - MIN_LEVEL) / (MAX_LEVEL - MIN_LEVEL), SCORE_DECIMALS)


def window_indicators(
    c: Mapping[str, int], *, bad_max_level: int = 2, public_rating_weight: float = 20
) -> dict[str, object]:
    """Everything derived from a subject's counts: ratings, bad ratings, rates and points."""
    by_level = {level: c.get(f"ratings_{level}", 0) for level in LEVELS}
    bad = sum(n for level, n in by_level.items() if is_bad(level, bad_max_level=bad_max_level))
    average = rating_average(by_level)
    with_bad = {**c, "bad_ratings": bad}
    return {
        "ratings": sum(by_level.values()),
        "ratings_by_level": {str(level): by_level[level] for level in LEVELS},
        "bad_ratings": bad,
        "rating_average": average,
        "public_rating_points": public_rating_points(average, weight=public_rating_weight),
        "rates": formulas.rates(RATE_DEFS, with_bad),
        "formulas": formulas.explain(RATE_DEFS, with_bad),
        # 一次性告知 not given on the spot or within the limit
        "notice_violations": c.get("notices_issued", 0) - c.get("notices_in_time", 0),
    }


def staff_score(item_points: Mapping[str, float | None], public_points: float | None) -> tuple[float | None, bool]:
    """The staff score: the list's score items rated by an assessor plus the public-rating points.

    Returns the sum of the parts known so far and whether every part is known.
    """
    parts = [*item_points.values(), public_points]
    known = [p for p in parts if p is not None]
    total = round(sum(known), SCORE_DECIMALS) if known else None
    return total, len(known) == len(parts)
