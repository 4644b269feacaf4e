"""Pure rules of squads and joint operations (no I/O), numbers as parameters.

002 and domain.md: a county squad stationed in a township (派驻中队) is under dual leadership: the
township manages its day-to-day work and weighs at least 60 % in its assessment, the county
bureau the remaining 40 %; the township's own office is assessed by the township alone. A joint
operation (联合执法, 1+1+N) is one ticket, one squad and N departments, each one's part on record.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jiceng_shared.enums import LabelledEnum
from jiceng_shared.errors import FieldErrors


class SquadKind(LabelledEnum):
    TOWNSHIP = "township", "乡镇综合行政执法队"
    STATIONED = "stationed", "县级部门派驻中队"


class OperationStatus(LabelledEnum):
    UNDER_WAY = "under_way", "联合执法进行中"
    COMPLETED = "completed", "联合执法已完成"


def assessment_weights(kind: SquadKind, township_percent: int = 60) -> tuple[int, int]:
    """(township %, county bureau %) of the squad's assessment."""
    if kind == SquadKind.TOWNSHIP:
        return 100, 0
    return township_percent, 100 - township_percent


def check_weight(township_percent: int, minimum: int = 60) -> FieldErrors:
    errors = FieldErrors()
    if not minimum <= township_percent <= 100:
        errors.add(
            "township_weight_percent",
            "township_weight_too_low",
            f"the township weighs at least {minimum} % in a stationed squad's assessment",
        )
    return errors


def missing_parts(departments: Sequence[dict[str, Any]]) -> list[str]:
    return [d["dept"] for d in departments if not d.get("outcome")]
