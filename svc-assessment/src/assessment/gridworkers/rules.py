"""Pure rules of the grid workers' assessment (002 art. 30-34; domain.md, svc-assessment).

- Monthly by the village or community: the evidence only, no grade (art. 31).
- Quarterly by the township and annual by the county: the score is the residents' satisfaction
  (at least 40 % of it, art. 32) plus the work the grid's events show: visits done against the
  schedule, diaries signed, valid reports, on-time verifications (按时核查: within the limit of
  the unit's feedback), tasks of the admission list done on time. Each work
  part is a rate; the work score is 100 × their mean (parts without a denominator left out).
  ``score = w × satisfaction + (100 − w) × work / 100`` with ``w`` the satisfaction weight.
- Annual grades 优秀 / 合格 / 基本合格 / 不合格 by score, then the bars of art. 32 (satisfaction
  below 85 % → not 优秀; below 70 % → 基本合格 at best), then the 15 % cap of art. 31 on a
  township's 优秀: ``floor(n × cap / 100)`` (不超过: a township of 6 has no 优秀 at 15 %), the
  highest scores keep it, the others become 合格.
- A quarter below the pass score is 不称职; two in a row, or 3 verified complaints in a year,
  open a dismissal review (art. 34).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assessment.formulas import RateDef, ratio
from jiceng_shared.enums import LabelledEnum


class Grade(LabelledEnum):
    EXCELLENT = "excellent", "优秀"
    PASS = "pass", "合格"
    BASIC_PASS = "basic_pass", "基本合格"
    FAIL = "fail", "不合格"


class Bar(LabelledEnum):
    SATISFACTION_BELOW_EXCELLENT = "satisfaction_below_excellent", "满意度低于优秀门槛，不得评为优秀"
    SATISFACTION_BELOW_PASS = "satisfaction_below_pass", "满意率低于合格门槛，不得确定为合格及以上"


class SurveyResult(LabelledEnum):
    SATISFIED = "satisfied", "满意"
    BASICALLY_SATISFIED = "basically_satisfied", "基本满意"
    DISSATISFIED = "dissatisfied", "不满意"


class ReviewReason(LabelledEnum):
    FAILING_QUARTERS = "failing_quarters", "连续两个季度考核不称职"
    VERIFIED_COMPLAINTS = "verified_complaints", "被群众投诉查证属实达到次数"
    FAILING_YEARS = "failing_years", "连续两个年度考核不称职"


class ReviewStatus(LabelledEnum):
    OPEN = "open", "待审查"
    DISMISSED = "dismissed", "予以解聘"
    RETAINED = "retained", "不予解聘"


#: what a review is decided to (解聘 or not); an open review is undecided
DECISIONS = (ReviewStatus.DISMISSED, ReviewStatus.RETAINED)


GRADE_ORDER = (Grade.EXCELLENT, Grade.PASS, Grade.BASIC_PASS, Grade.FAIL)

COUNT_FIELDS = (
    "visits",
    "visits_overdue",
    "diaries",
    "reports",
    "reports_voided",
    "tasks",
    "tasks_on_time",
    "verifications",
    "verifications_on_time",
)

#: the work parts, each a rate with its formula
WORK_RATE_DEFS = {
    "visit_completion_rate": RateDef("走访完成率", "visits", "按计划走访数", "visits_due", "应走访数"),
    "diary_rate": RateDef("民情日志签署率", "diaries_counted", "已签署日志数", "diaries_expected", "应签署日志数"),
    "valid_report_rate": RateDef("有效上报率", "reports_valid", "有效上报数", "reports", "上报数"),
    "task_on_time_rate": RateDef("准入任务按时完成率", "tasks_on_time", "按时完成任务数", "tasks", "完成任务数"),
    "verification_on_time_rate": RateDef(
        "按时核查率", "verifications_on_time", "按时核查数", "verifications", "核查数"
    ),
}

SCORE_DECIMALS = 2


def verification_on_time(handled_at: dt.datetime | None, verified_at: dt.datetime, *, limit_hours: float) -> bool:
    """Verified within ``limit_hours`` of the unit's feedback (the limit itself is on time); a
    verification whose feedback time is unknown is not on time."""
    if handled_at is None:
        return False
    return verified_at - handled_at <= dt.timedelta(hours=limit_hours)


def derived_counts(c: Mapping[str, int], diaries_expected: int) -> dict[str, int]:
    """The counts with the denominators the work rates need."""
    return {
        **c,
        "visits_due": c.get("visits", 0) + c.get("visits_overdue", 0),
        "diaries_counted": min(c.get("diaries", 0), diaries_expected),
        "diaries_expected": diaries_expected,
        "reports_valid": c.get("reports", 0) - c.get("reports_voided", 0),
    }


def work_score(rates: Mapping[str, float | None]) -> float | None:
    known = [r for r in rates.values() if r is not None]
    if not known:
        return None
    return round(100 * sum(known) / len(known), SCORE_DECIMALS)


def satisfaction_rate(answers: Mapping[str, int]) -> float | None:
    satisfied = answers.get(SurveyResult.SATISFIED, 0) + answers.get(SurveyResult.BASICALLY_SATISFIED, 0)
    return ratio(satisfied, sum(answers.values()))


def total_score(work: float | None, satisfaction: float | None, *, satisfaction_weight: int = 40) -> float | None:
    """``w × satisfaction + (100 − w) × work / 100``; ``None`` until both parts are known."""
    if work is None or satisfaction is None:
        return None
    return round(satisfaction_weight * satisfaction + (100 - satisfaction_weight) * work / 100, SCORE_DECIMALS)


def grade_by_score(score: float, min_scores: Mapping[str, float]) -> Grade:
    for grade in GRADE_ORDER[:-1]:
        if score >= min_scores[grade.value]:
            return grade
    return Grade.FAIL


def apply_bars(
    grade: Grade, satisfaction: float, *, excellent_min: float = 0.85, pass_min: float = 0.70
) -> tuple[Grade, Bar | None]:
    """Art. 32: below 85 % no 优秀; below 70 % no 合格 or above."""
    if satisfaction < pass_min and grade in (Grade.EXCELLENT, Grade.PASS):
        return Grade.BASIC_PASS, Bar.SATISFACTION_BELOW_PASS
    if satisfaction < excellent_min and grade is Grade.EXCELLENT:
        return Grade.PASS, Bar.SATISFACTION_BELOW_EXCELLENT
    return grade, None


def excellent_quota(workers: int, cap_percent: int = 15) -> int:
    """At most ``cap_percent`` % of a township's grid workers are 优秀: rounded down (不超过)."""
    return workers * cap_percent // 100


@dataclass(frozen=True)
class Candidate:
    worker_id: str
    score: float
    satisfaction: float


@dataclass(frozen=True)
class Graded:
    worker_id: str
    score: float
    satisfaction: float
    by_score: Grade
    bar: Bar | None
    capped: bool
    grade: Grade


def grade_township(
    candidates: Sequence[Candidate],
    *,
    min_scores: Mapping[str, float],
    excellent_min_satisfaction: float = 0.85,
    pass_min_satisfaction: float = 0.70,
    cap_percent: int = 15,
) -> list[Graded]:
    """The annual grades of one township's grid workers: score, bars, then the cap on 优秀."""
    provisional = []
    for c in candidates:
        by_score = grade_by_score(c.score, min_scores)
        grade, bar = apply_bars(
            by_score, c.satisfaction, excellent_min=excellent_min_satisfaction, pass_min=pass_min_satisfaction
        )
        provisional.append((c, by_score, bar, grade))
    quota = excellent_quota(len(candidates), cap_percent)
    excellent = sorted(
        (p for p in provisional if p[3] is Grade.EXCELLENT),
        key=lambda p: (-p[0].score, -p[0].satisfaction, p[0].worker_id),
    )
    keep = {p[0].worker_id for p in excellent[:quota]}
    out = []
    for c, by_score, bar, grade in provisional:
        capped = grade is Grade.EXCELLENT and c.worker_id not in keep
        out.append(Graded(c.worker_id, c.score, c.satisfaction, by_score, bar, capped, Grade.PASS if capped else grade))
    return sorted(out, key=lambda g: (GRADE_ORDER.index(g.grade), -g.score, g.worker_id))


def failing_quarter(score: float, pass_score: float = 60) -> bool:
    """不称职: a quarter's score below the pass score."""
    return score < pass_score


def previous_quarter(quarter: str) -> str:
    year, q = int(quarter[:4]), int(quarter[-1])
    return f"{year - 1}-Q4" if q == 1 else f"{year}-Q{q - 1}"


def draw_order(seed: str, household_id: str) -> str:
    """A candidate's place in the draw: SHA-256 of ``seed:household_id`` (anyone can recompute it)."""
    return hashlib.sha256(f"{seed}:{household_id}".encode()).hexdigest()


def draw(seed: str, candidates: Sequence[str], size: int) -> list[str]:
    """The respondents drawn at random (not arranged, art. 32): the ``size`` candidates first in
    the seed's order. The same seed and candidate list always draw the same households."""
    return sorted(set(candidates), key=lambda h: (draw_order(seed, h), h))[:size]
