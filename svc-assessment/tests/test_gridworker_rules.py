"""The numbers of the grid workers' assessment (002 art. 30-34), each on both sides of its boundary,
with the defaults of the settings: a change of a number fails these tests."""

import pytest

from assessment.config import AssessmentSettings
from assessment.gridworkers import rules
from assessment.gridworkers.rules import Bar, Candidate, Grade

S = AssessmentSettings()
MINS = S.grid_grade_min_scores


def grade(candidates, **kw):
    return {
        g.worker_id: g
        for g in rules.grade_township(
            candidates,
            min_scores=MINS,
            excellent_min_satisfaction=S.grid_excellent_min_satisfaction,
            pass_min_satisfaction=S.grid_pass_min_satisfaction,
            cap_percent=kw.get("cap", S.grid_excellent_cap_percent),
        )
    }


def test_at_most_15_percent_are_excellent_rounded_down_on_small_townships():
    assert S.grid_excellent_cap_percent == 15
    quota = [rules.excellent_quota(n, S.grid_excellent_cap_percent) for n in (1, 6, 7, 13, 14, 20, 21)]
    assert quota == [0, 0, 1, 1, 2, 3, 3]  # 不超过15%: 6 × 15 % = 0.9 → none; 7 → 1.05 → one
    assert rules.excellent_quota(5, 20) == 1  # 000 §26: a cap raised to 20 % where rules allow


def test_the_cap_keeps_the_highest_scores_and_the_others_become_pass():
    seven = [Candidate(f"w{i}", 95 - i, 0.95) for i in range(7)]  # all 优秀 by score
    graded = grade(seven)
    assert [w for w, g in graded.items() if g.grade is Grade.EXCELLENT] == ["w0"]
    assert graded["w1"].grade is Grade.PASS and graded["w1"].capped and graded["w1"].by_score is Grade.EXCELLENT
    six = grade(seven[:6])
    assert not any(g.grade is Grade.EXCELLENT for g in six.values())  # a township of six: no 优秀 at 15 %
    assert sum(g.grade is Grade.EXCELLENT for g in grade(seven[:6], cap=20).values()) == 1


def test_satisfaction_below_85_percent_bars_excellent():
    assert rules.apply_bars(Grade.EXCELLENT, 0.85) == (Grade.EXCELLENT, None)
    assert rules.apply_bars(Grade.EXCELLENT, 0.8499) == (Grade.PASS, Bar.SATISFACTION_BELOW_EXCELLENT)
    assert S.grid_excellent_min_satisfaction == 0.85


def test_satisfaction_below_70_percent_bars_pass_and_above():
    assert rules.apply_bars(Grade.PASS, 0.70) == (Grade.PASS, None)
    assert rules.apply_bars(Grade.PASS, 0.6999) == (Grade.BASIC_PASS, Bar.SATISFACTION_BELOW_PASS)
    assert rules.apply_bars(Grade.EXCELLENT, 0.6999) == (Grade.BASIC_PASS, Bar.SATISFACTION_BELOW_PASS)
    assert rules.apply_bars(Grade.FAIL, 0.5) == (Grade.FAIL, None)
    assert S.grid_pass_min_satisfaction == 0.70


def test_satisfaction_is_at_least_40_percent_of_the_score():
    assert S.grid_satisfaction_weight == 40
    # full satisfaction, no work: exactly the satisfaction's share
    assert rules.total_score(0, 1.0, satisfaction_weight=S.grid_satisfaction_weight) == 40
    assert rules.total_score(100, 0.5, satisfaction_weight=40) == 80
    assert rules.total_score(None, 0.5) is None and rules.total_score(80, None) is None
    AssessmentSettings(grid_satisfaction_weight=40)
    AssessmentSettings(grid_satisfaction_weight=50)  # a county may weigh residents more
    with pytest.raises(ValueError):
        AssessmentSettings(grid_satisfaction_weight=39)


def test_grades_by_score_before_bars_and_cap():
    assert rules.grade_by_score(90, MINS) is Grade.EXCELLENT
    assert rules.grade_by_score(89.99, MINS) is Grade.PASS
    assert rules.grade_by_score(75, MINS) is Grade.PASS
    assert rules.grade_by_score(74.99, MINS) is Grade.BASIC_PASS
    assert rules.grade_by_score(60, MINS) is Grade.BASIC_PASS
    assert rules.grade_by_score(59.99, MINS) is Grade.FAIL


def test_a_quarter_below_the_pass_score_is_failing():
    assert not rules.failing_quarter(60, S.grid_quarter_pass_score)
    assert rules.failing_quarter(59.99, S.grid_quarter_pass_score)
    assert rules.previous_quarter("2026-Q1") == "2025-Q4" and rules.previous_quarter("2026-Q3") == "2026-Q2"


def test_the_award_and_the_dismissal_thresholds_are_the_seed_s():
    assert S.grid_excellent_award_yuan == 800
    assert S.grid_dismissal_failing_quarters == 2
    assert S.grid_dismissal_complaints == 3


def test_the_draw_is_reproduced_from_its_seed_and_candidates():
    candidates = [f"h{i:03d}" for i in range(50)]
    first = rules.draw("seed-1", candidates, 10)
    assert len(first) == 10 and len(set(first)) == 10 and set(first) <= set(candidates)
    assert rules.draw("seed-1", list(reversed(candidates)), 10) == first  # the order given does not matter
    assert rules.draw("seed-2", candidates, 10) != first
    assert rules.draw("seed-1", candidates[:5], 10) == rules.draw("seed-1", candidates[:5], 5)  # all when few


def test_work_score_is_the_mean_of_the_known_rates():
    assert rules.work_score({"a": 1.0, "b": 0.5, "c": None}) == 75.0
    assert rules.work_score({"a": None}) is None
    derived = rules.derived_counts(
        {"visits": 9, "visits_overdue": 1, "diaries": 50, "reports": 4, "reports_voided": 1}, 48
    )
    assert (derived["visits_due"], derived["diaries_counted"], derived["reports_valid"]) == (10, 48, 3)


def test_a_verification_is_on_time_up_to_the_limit_after_the_feedback():
    import datetime as dt

    handled = dt.datetime(2026, 3, 10, 1, 0, tzinfo=dt.UTC)
    assert rules.verification_on_time(handled, handled + dt.timedelta(hours=2), limit_hours=2)
    assert not rules.verification_on_time(handled, handled + dt.timedelta(hours=2, seconds=1), limit_hours=2)
    assert rules.verification_on_time(handled, handled + dt.timedelta(minutes=59), limit_hours=1)
    assert not rules.verification_on_time(None, handled, limit_hours=2)
    assert AssessmentSettings().grid_verification_limit_hours == 2
    with pytest.raises(ValueError):
        AssessmentSettings(grid_verification_limit_hours=0)
