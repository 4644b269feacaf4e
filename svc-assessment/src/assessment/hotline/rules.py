"""Pure rules of the hotline's three rates (接诉即办 三率, Beijing 接诉即办工作条例 2021; rules-reference
§4.2 and §9) and of the recurring problems (每月一题).

- 响应率 (response) = tickets signed for within the response limit / tickets signed for;
- 解决率 (resolution) = tickets the callback judged resolved / tickets called back;
- 满意率 (satisfaction) = callbacks satisfied or basically satisfied / tickets called back.

A ticket called back more than once (after rework) counts once, with its latest callback. The
score is the weighted sum of the three rates on 100 points (weights from the settings); a subject
missing a rate has no score and no rank. Ranks are competition ranks (1, 2, 2, 4) among every
subject of the level, whatever part of them the caller may see.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from assessment.formulas import RateDef

COUNT_FIELDS = ("signed", "responded_in_time", "called_back", "resolved", "satisfied")

RATE_DEFS = {
    "response_rate": RateDef("响应率", "responded_in_time", "按时签收数", "signed", "签收数"),
    "resolution_rate": RateDef("解决率", "resolved", "已解决数", "called_back", "回访数"),
    "satisfaction_rate": RateDef("满意率", "satisfied", "满意和基本满意数", "called_back", "回访数"),
}
#: the weight each rate takes in the score
WEIGHT_KEYS = {"response_rate": "response", "resolution_rate": "resolution", "satisfaction_rate": "satisfaction"}

SATISFIED_RESULTS = ("satisfied", "basically_satisfied")
SCORE_DECIMALS = 2


def score(rates: Mapping[str, float | None], weights: Mapping[str, int]) -> float | None:
    """Σ weight × rate, on 100 points when the weights add up to 100; ``None`` if a rate is missing."""
    known = {name: rate for name in WEIGHT_KEYS if (rate := rates.get(name)) is not None}
    if len(known) < len(WEIGHT_KEYS):
        return None
    return round(sum((weights[WEIGHT_KEYS[name]] * rate for name, rate in known.items()), 0.0), SCORE_DECIMALS)


def competition_ranks(scores: Mapping[str, float | None]) -> dict[str, int | None]:
    """1, 2, 2, 4: subjects with equal scores share a rank; no score, no rank."""
    ordered = sorted((s for s in scores.values() if s is not None), reverse=True)
    first: dict[float, int] = {}
    for position, value in enumerate(ordered, start=1):
        first.setdefault(value, position)
    return {subject: (first[s] if s is not None else None) for subject, s in scores.items()}


def streak(counts_by_month: Sequence[int], min_tickets: int) -> int:
    """Months in a row, ending with the last one, with at least ``min_tickets`` tickets."""
    n = 0
    for count in reversed(counts_by_month):
        if count < min_tickets:
            break
        n += 1
    return n
