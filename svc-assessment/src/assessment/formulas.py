"""Rates shown with their formula (rules-reference §3.5): each figure carries what it divides, by
name and by count, so a reader checks it by hand — ``结案率 = 结案数 / 应结案数 = 911 / 972 = 93.72%``.

A rate is declared once (:class:`RateDef`); the value and its explanation come from the same
declaration, so the formula shown is the formula used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel, Field

#: decimals kept in a rate (0.9372 = 93.72 %)
RATE_DECIMALS = 4


def ratio(part: int, whole: int, decimals: int = RATE_DECIMALS) -> float | None:
    """``part / whole``; ``None`` (no rate) when there is nothing to divide by, not 0."""
    if whole <= 0:
        return None
    return round(part / whole, decimals)


@dataclass(frozen=True)
class RateDef:
    label_zh: str
    numerator: str
    numerator_zh: str
    denominator: str
    denominator_zh: str


class Formula(BaseModel):
    label_zh: str = Field(examples=["结案率"])
    formula: str = Field(description="the formula in words", examples=["结案数 / 应结案数"])
    numerator: str = Field(description="the count divided", examples=["closed"])
    denominator: str = Field(description="the count divided by", examples=["assigned"])
    numerator_value: int
    denominator_value: int
    value: float | None
    shown: str = Field(description="the computation as a reader checks it", examples=["结案率 = 911 / 972 = 93.72%"])


def rates(defs: Mapping[str, RateDef], counts: Mapping[str, int]) -> dict[str, float | None]:
    return {name: ratio(counts.get(d.numerator, 0), counts.get(d.denominator, 0)) for name, d in defs.items()}


def explain(defs: Mapping[str, RateDef], counts: Mapping[str, int]) -> dict[str, Formula]:
    out = {}
    for name, d in defs.items():
        num, den = counts.get(d.numerator, 0), counts.get(d.denominator, 0)
        value = ratio(num, den)
        result = "—（无分母）" if value is None else f"{value * 100:.2f}%"
        out[name] = Formula(
            label_zh=d.label_zh,
            formula=f"{d.numerator_zh} / {d.denominator_zh}",
            numerator=d.numerator,
            denominator=d.denominator,
            numerator_value=num,
            denominator_value=den,
            value=value,
            shown=f"{d.label_zh} = {num} / {den} = {result}",
        )
    return out
