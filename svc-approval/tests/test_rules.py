"""The numbered rules of the window, each on both sides of its boundary, on the real PRC calendar."""

import datetime as dt

import pytest

from approval.applications import rules
from approval.catalogue.rules import StatutoryLimits, check_item
from approval.config import ApprovalSettings
from approval.ratings import rules as ratings
from jiceng_shared.workdays import COUNTY_ZONE, WorkdayCalendar

cal = WorkdayCalendar()


def at(y: int, m: int, d: int, h: int = 10, minute: int = 0, s: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, minute, s, tzinfo=COUNTY_ZONE)


def end_of(y: int, m: int, d: int) -> dt.datetime:
    return dt.datetime(y, m, d, 23, 59, 59, tzinfo=COUNTY_ZONE)


def test_the_configured_defaults_are_the_design_numbers():
    s = ApprovalSettings()
    assert (s.instant_limit_minutes, s.notice_window_workdays) == (15, 5)
    assert (s.decision_ceiling_workdays, s.decision_extension_workdays) == (20, 10)
    assert (s.joint_ceiling_workdays, s.joint_extension_workdays, s.issue_limit_workdays) == (45, 15, 10)
    assert (s.rectification_workdays, s.rating_invite_after_days) == (5, 3)
    assert StatutoryLimits() == StatutoryLimits(20, 10, 45, 15, 10)


def test_an_instant_item_has_fifteen_minutes_and_a_second_more_is_an_overrun():
    accepted = at(2026, 11, 20, 9)
    deadline = rules.instant_deadline(accepted)
    assert deadline == at(2026, 11, 20, 9, 15)
    assert rules.overrun_seconds(deadline, at(2026, 11, 20, 9, 15)) == 0
    assert rules.overrun_seconds(deadline, at(2026, 11, 20, 9, 15, 1)) == 1
    assert rules.overrun_seconds(deadline, at(2026, 11, 20, 9, 14, 59)) == 0


def test_the_notice_window_is_five_working_days_across_national_day_and_its_make_up_saturday():
    # received Wed 2026-09-30; Oct 1-7 are holidays, Sat Oct 10 is a make-up working day (调休):
    # Oct 8 (1), Oct 9 (2), Oct 10 (3), Oct 12 (4), Oct 13 (5)
    received = at(2026, 9, 30, 16)
    due = rules.notice_due(cal, received)
    assert due == end_of(2026, 10, 13)
    assert rules.notice_due(cal, received, window_workdays=4) == end_of(2026, 10, 12)


def test_acceptance_inside_the_window_counts_now_and_after_it_counts_on_the_day_received():
    received = at(2026, 9, 30, 16)
    last_minute = end_of(2026, 10, 13)
    assert rules.acceptance_time(cal, received, last_minute) == (last_minute, False)
    too_late = at(2026, 10, 14, 0, 0, 0)
    assert rules.acceptance_time(cal, received, too_late) == (received, True)


def test_a_committed_deadline_counts_working_days_from_acceptance_over_the_holiday():
    accepted = at(2026, 9, 29, 11)
    # Sep 30 (1), Oct 8 (2), Oct 9 (3), Sat Oct 10 (4), Oct 12 (5)
    assert rules.committed_deadline(cal, accepted, limit_workdays=5) == end_of(2026, 10, 12)
    # approved extensions and paused working days move it by as many working days
    assert rules.committed_deadline(cal, accepted, limit_workdays=5, extension_workdays=1) == end_of(2026, 10, 13)
    assert rules.committed_deadline(cal, accepted, limit_workdays=5, paused_workdays=2) == end_of(2026, 10, 14)


def test_the_licence_is_issued_within_ten_working_days_of_the_decision():
    decided = at(2026, 9, 29, 11)
    # Sep 30, Oct 8, 9, 10 (make-up), 12, 13, 14, 15, 16, 19
    assert rules.issue_deadline(cal, decided) == end_of(2026, 10, 19)
    assert rules.issue_deadline(cal, decided, issue_workdays=9) == end_of(2026, 10, 16)


def test_a_promised_limit_may_reach_but_not_pass_the_statutory_ceiling_of_20_or_45_for_joint_handling():
    def codes(days: int, joint: bool) -> list[str]:
        errors = check_item(
            kind="committed",
            limit_workdays=days,
            joint=joint,
            department="soc",
            delegated_townships=[],
            material_codes=["a"],
            limits=StatutoryLimits(),
        )
        return [e["code"] for e in errors.errors]

    assert codes(20, False) == []
    assert codes(21, False) == ["limit_exceeds_statutory_ceiling"]
    assert codes(45, True) == []
    assert codes(46, True) == ["limit_exceeds_statutory_ceiling"]


def test_extensions_total_at_most_10_working_days_or_15_for_joint_handling():
    limits = StatutoryLimits()
    assert rules.extension_refusal(10, 0, joint=False, limits=limits) is None
    assert rules.extension_refusal(11, 0, joint=False, limits=limits) is not None
    assert rules.extension_refusal(4, 6, joint=False, limits=limits) is None
    assert rules.extension_refusal(5, 6, joint=False, limits=limits) is not None
    assert rules.extension_refusal(15, 0, joint=True, limits=limits) is None
    assert rules.extension_refusal(16, 0, joint=True, limits=limits) is not None


def test_ratings_have_five_levels_and_only_the_two_lowest_are_bad():
    assert ratings.LEVELS == {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
    assert [level for level in ratings.LEVELS if ratings.is_bad(level)] == [2, 1]
    assert not ratings.is_bad(3)


def test_a_bad_rating_is_rectified_within_five_working_days():
    rated = at(2026, 9, 30, 9)
    # Oct 8, 9, 10 (make-up), 12, 13
    assert ratings.rectification_due(cal, rated) == end_of(2026, 10, 13)
    assert ratings.rectification_due(cal, rated, workdays=15) == end_of(2026, 10, 27)


def test_an_unrated_service_is_invited_after_three_days_not_before():
    completed = at(2026, 11, 2, 10)
    assert not ratings.invitation_due(completed, completed + dt.timedelta(days=3, seconds=-1))
    assert ratings.invitation_due(completed, completed + dt.timedelta(days=3))


def test_a_follow_up_notice_may_name_only_what_the_first_named_or_what_came_later():
    present = rules.MaterialState("id_card", "required", present=True, present_at_first_check=True)
    assert rules.follow_up_refusal(present) == "material_was_present"
    flagged = rules.MaterialState("form", "required", present=True, present_at_first_check=False, first_flagged_in=1)
    assert rules.follow_up_refusal(flagged) is None
    supplied = rules.MaterialState("photo", "required", present=True, supplied_at=at(2026, 11, 2))
    assert rules.follow_up_refusal(supplied) is None
    never = rules.MaterialState("extra", "optional", present=False)
    assert rules.follow_up_refusal(never) == "not_in_first_notice"


@pytest.mark.parametrize(
    ("window", "cross", "accepting", "applicant", "expected"),
    [
        (True, False, "320971100000", "320971100000", None),
        (True, True, "320971001000", "320971100000", None),
        (True, False, "320971001000", "320971100000", "步凤镇为民服务中心"),
        (False, False, "320971100000", "320971100000", "自然资源和规划局（县级政务服务大厅）"),
    ],
)
def test_a_matter_outside_the_centres_remit_names_the_competent_authority(
    window, cross, accepting, applicant, expected
):
    assert (
        rules.remit_refusal(
            township_window=window,
            cross_township=cross,
            department="nrp",
            accepting_township=accepting,
            applicant_township=applicant,
        )
        == expected
    )


def test_a_delegated_power_is_decided_by_the_applicants_township_otherwise_by_the_department():
    unit = rules.competent_unit(
        department="soc", delegated_townships=["320971100000"], applicant_township="320971100000"
    )
    assert unit.code == "320971100000:apv" and unit.kind == "township_office"
    unit = rules.competent_unit(
        department="soc", delegated_townships=["320971100000"], applicant_township="320971001000"
    )
    assert unit.code == "320971000000:soc" and unit.kind == "county_department"
