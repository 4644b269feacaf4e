"""Pure rules of a stationed office's or squad's result (001; 002): the township's assessment counts
for at least 60 % (``stationed_township_weight``), the county department's for the rest; both
parts stay visible next to the result."""

from __future__ import annotations

from jiceng_shared.enums import LabelledEnum

SCORE_DECIMALS = 2
#: the unit kinds assessed in two parts
DUAL_KINDS = ("stationed_office",)


class Part(LabelledEnum):
    TOWNSHIP = "township", "乡镇(街道)考核"
    COUNTY = "county", "县级主管部门考核"


def combined(township: float | None, county: float | None, *, township_weight: int = 60) -> float | None:
    """``w × township + (100 − w) × county``, on 100 points; ``None`` until both parts are known."""
    if township is None or county is None:
        return None
    return round((township_weight * township + (100 - township_weight) * county) / 100, SCORE_DECIMALS)
