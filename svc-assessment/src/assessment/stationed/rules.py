"""Pure rules of a stationed office's or squad's result (001; 002): the township's assessment counts
for at least 60 % (``stationed_township_weight``), the county department's for the rest; both
parts stay visible next to the result.

Squads come from enforcement (``enforcement.squad.registered``) with the weights they were
registered with: a county department's stationed squad (派驻中队) is assessed in two parts, the
township's at least the configured minimum; the township's own squad (乡镇综合行政执法队) is
the township's alone (100 %), so its result is the township's part."""

from __future__ import annotations

from jiceng_shared.enums import LabelledEnum

SCORE_DECIMALS = 2
#: the unit kinds assessed in two parts
DUAL_KINDS = ("stationed_office",)


class SquadKind(LabelledEnum):
    STATIONED = "stationed", "派驻执法中队"
    TOWNSHIP = "township", "乡镇综合行政执法队"


class Part(LabelledEnum):
    TOWNSHIP = "township", "乡镇(街道)考核"
    COUNTY = "county", "县级主管部门考核"


def combined(township: float | None, county: float | None, *, township_weight: int = 60) -> float | None:
    """``w × township + (100 − w) × county``, on 100 points; ``None`` until both parts are known."""
    if township_weight == 100:
        return township
    if township is None or county is None:
        return None
    return round((township_weight * township + (100 - township_weight) * county) / 100, SCORE_DECIMALS)


def squad_township_weight(kind: SquadKind, registered_percent: int, *, minimum: int = 60) -> int:
    """The township's share of a squad's result: all of it for the township's own squad; for a
    stationed squad the share it was registered with, never below the county's minimum (001)."""
    if kind is SquadKind.TOWNSHIP:
        return 100
    return min(100, max(registered_percent, minimum))
