"""Pure rules of random inspections (no I/O): the draw, reproducible by anyone from what is stored.

国发〔2019〕5号 and SAMR Order 101 (rules-reference §8): targets drawn at random from the register,
at least 3 % of it per plan (configurable per plan, never below the minimum); at least two
inspectors per target (行政处罚法 art. 42) drawn at random from the certified inspectors, those
with a declared conflict of interest with the target excluded (回避). The seed and both candidate
lists are stored: ``draw`` run again on them gives the same result.

The draw: ``random.Random(seed)`` (Python's Mersenne Twister seeded with the seed string), targets
= ``sample(sorted(target ids), n)``, then for each drawn target in that order, inspectors =
``sample(sorted(candidates without conflicts with it), k)``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from jiceng_shared.enums import LabelledEnum
from jiceng_shared.errors import FieldErrors, Problem


class PlanStatus(LabelledEnum):
    DRAWN = "drawn", "已抽取"
    PUBLISHED = "published", "已公示结果"


class Outcome(LabelledEnum):
    COMPLIANT = "compliant", "未发现问题"
    VIOLATION = "violation", "发现违法线索"
    NOT_FOUND = "not_found", "检查对象不存在或已注销"


def targets_to_draw(register_size: int, ratio_percent: int) -> int:
    """At least ``ratio_percent`` % of the register, rounded up (one at least when the register has any)."""
    return min(register_size, math.ceil(register_size * ratio_percent / 100))


def check_plan(
    ratio_percent: int, inspectors_per_target: int, *, min_ratio: int = 3, min_inspectors: int = 2
) -> FieldErrors:
    errors = FieldErrors()
    if ratio_percent < min_ratio:
        errors.add("ratio_percent", "ratio_below_minimum", f"a plan draws at least {min_ratio} % of the register")
    if inspectors_per_target < min_inspectors:
        errors.add(
            "inspectors_per_target",
            "too_few_inspectors",
            f"at least {min_inspectors} inspectors check each target (行政处罚法 art. 42)",
        )
    return errors


@dataclass(frozen=True)
class Assignment:
    target_id: str
    inspectors: tuple[str, ...]


def draw(
    seed: str,
    targets: Sequence[str],
    inspectors: Sequence[str],
    conflicts: Mapping[str, Collection[str]],
    *,
    ratio_percent: int,
    inspectors_per_target: int,
) -> list[Assignment]:
    """The draw; ``conflicts`` maps a target id to the inspectors who may not check it."""
    rng = random.Random(seed)
    chosen = rng.sample(sorted(targets), targets_to_draw(len(targets), ratio_percent))
    result = []
    for target in chosen:
        eligible = sorted(set(inspectors) - set(conflicts.get(target, ())))
        if len(eligible) < inspectors_per_target:
            raise Problem(
                422,
                "not_enough_inspectors",
                "Not enough inspectors",
                f"target {target}: {len(eligible)} inspectors without a conflict of interest, "
                f"{inspectors_per_target} needed",
                target_id=target,
            )
        result.append(Assignment(target, tuple(rng.sample(eligible, inspectors_per_target))))
    return result
