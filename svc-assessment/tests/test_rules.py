"""The pure rules and their numbers, each tested on both sides of its boundary."""

import datetime as dt

import pytest
from pydantic import ValidationError

from assessment.config import AssessmentSettings
from assessment.items import rules as items
from assessment.periods import rules as periods
from assessment.units import rules as unit_rules
from assessment.window import rules as window
from jiceng_shared.workdays import COUNTY_ZONE

UTC = dt.UTC


def local(text):
    return dt.datetime.fromisoformat(text).replace(tzinfo=COUNTY_ZONE)


def test_an_instant_counts_in_its_month_on_the_county_clock():
    assert periods.month_of(local("2026-11-30 23:59:59")) == "2026-11"
    assert periods.month_of(local("2026-12-01 00:00")) == "2026-12"
    # 2026-11-30 16:10 UTC is already 1 December in Asia/Shanghai (UTC+8)
    assert periods.month_of(dt.datetime(2026, 11, 30, 16, 10, tzinfo=UTC)) == "2026-12"
    assert periods.month_of(dt.datetime(2026, 11, 30, 15, 59, tzinfo=UTC)) == "2026-11"
    with pytest.raises(ValueError):
        periods.month_of(dt.datetime(2026, 11, 30))


def test_periods_are_months_quarters_and_years_of_months():
    assert periods.parse_period("2026-11").months == ("2026-11",)
    assert periods.parse_period("2026-Q4").months == ("2026-10", "2026-11", "2026-12")
    assert periods.parse_period("2026-Q1").months == ("2026-01", "2026-02", "2026-03")
    assert periods.parse_period("2026").months[0] == "2026-01" and len(periods.parse_period("2026").months) == 12
    for bad in ("2026-13", "2026-00", "2026-Q5", "26-11", "2026-11-01"):
        with pytest.raises(periods.InvalidPeriod):
            periods.parse_period(bad)


def test_a_month_may_be_closed_only_once_it_is_over_in_the_county():
    assert not periods.has_ended("2026-11", local("2026-11-30 23:59:59"))
    assert periods.has_ended("2026-11", local("2026-12-01 00:00"))
    assert periods.has_ended("2026-12", local("2027-01-01 00:00")) and not periods.has_ended(
        "2026-12", local("2026-12-31 12:00")
    )


def test_closed_months_count_their_frozen_result_and_report_the_difference_apart():
    fields = ("a", "b")
    live = {"2026-01": {"a": 3, "b": 1}, "2026-02": {"a": 2, "b": 0}}
    frozen = {"2026-01": {"a": 2, "b": 1}}
    result = periods.combine(("2026-01", "2026-02"), fields, live, frozen, {"2026-01"})
    assert result.counts == {"a": 4, "b": 1}
    assert result.late_adjustments == {"a": 1}
    assert result.status == "partly_closed" and result.closed_months == ["2026-01"]
    assert periods.combine(("2026-02",), fields, live, frozen, set()).status == "open"
    # a subject that appeared after the close had nothing frozen: all of it is late
    late = periods.combine(("2026-01",), fields, live, {}, {"2026-01"})
    assert late.counts == {"a": 0, "b": 0} and late.late_adjustments == {"a": 3, "b": 1} and late.status == "closed"


def test_unit_rates_share_the_assigned_denominator_and_none_without_it():
    counts = {"assigned": 972, "closed": 911, "closed_on_time": 737, "reworked": 10, "escalated": 5}
    rates = unit_rules.unit_rates(counts)
    assert rates["closure_rate"] == 0.9372 and rates["on_time_closure_rate"] == 0.7582  # Tianmen bulletin
    assert rates["rework_rate"] == round(10 / 972, 4) and rates["escalation_rate"] == round(5 / 972, 4)
    empty = unit_rules.unit_rates({"closed": 1})
    assert empty["closure_rate"] is None and empty["summons_attendance_rate"] is None


def test_a_case_is_in_time_up_to_90_calendar_days_and_not_at_91():
    opened = local("2026-01-01 09:00")
    assert unit_rules.case_duration_days(opened, local("2026-04-01 08:00")) == 90
    assert unit_rules.case_in_time(90) and not unit_rules.case_in_time(91)
    assert unit_rules.case_in_time(91, limit_days=91)
    # days are counted on the county's clock: 16:30 UTC on 1 January is already 2 January there
    assert unit_rules.case_duration_days(opened, dt.datetime(2026, 1, 1, 16, 30, tzinfo=UTC)) == 1


def test_bad_ratings_are_levels_1_and_2_and_not_3():
    assert window.is_bad(1) and window.is_bad(2)
    assert not window.is_bad(3) and not window.is_bad(5)
    assert window.is_bad(3, bad_max_level=3)


def test_public_rating_points_are_linear_in_the_average_over_20_points():
    assert window.public_rating_points(5.0) == 20.0
    assert window.public_rating_points(3.0) == 10.0
    assert window.public_rating_points(1.0) == 0.0
    assert window.public_rating_points(4.5) == 17.5
    assert window.public_rating_points(5.0, weight=25) == 25.0
    assert window.public_rating_points(None) is None


def test_window_indicators_derive_ratings_and_rates_from_counts():
    derived = window.window_indicators(
        {
            "ratings_5": 2,
            "ratings_2": 1,
            "ratings_1": 1,
            "rectified": 1,
            "rectified_on_time": 1,
            "completed": 4,
            "completed_on_time": 3,
        }
    )
    assert derived["ratings"] == 4 and derived["bad_ratings"] == 2 and derived["rating_average"] == 3.25
    assert derived["public_rating_points"] == 11.25
    assert derived["rates"]["rectification_rate"] == 0.5 and derived["rates"]["on_time_rate"] == 0.75


def test_the_staff_score_weights_add_up_to_100_with_a_public_rating_part():
    assert AssessmentSettings().staff_score_weights == {
        "discipline": 30,
        "skills": 30,
        "service_conduct": 20,
        "public_rating": 20,
    }
    with pytest.raises(ValidationError):
        AssessmentSettings(
            staff_score_weights={"discipline": 30, "skills": 30, "service_conduct": 20, "public_rating": 21}
        )
    with pytest.raises(ValidationError):
        AssessmentSettings(staff_score_weights={"discipline": 50, "skills": 50})
    with pytest.raises(ValidationError):
        AssessmentSettings(bad_rating_max_level=5)


def test_the_staff_score_sums_the_known_parts_and_says_whether_it_is_complete():
    assert window.staff_score({"d": 30, "s": 28, "c": 18}, 20.0) == (96.0, True)
    assert window.staff_score({"d": 30, "s": None, "c": 18}, 20.0) == (68.0, False)
    assert window.staff_score({"d": None}, None) == (None, False)


def test_a_rating_against_the_list_carries_what_its_item_asks_for():
    assert not items.check_rating("score", 30, 30, None)
    assert [e["code"] for e in items.check_rating("score", 30, 30.01, None).errors] == ["points_out_of_range"]
    assert [e["code"] for e in items.check_rating("score", 30, -0.01, None).errors] == ["points_out_of_range"]
    assert not items.check_rating("veto", None, None, "triggered")
    assert [e["code"] for e in items.check_rating("pledge", None, None, "triggered").errors] == ["invalid_outcome"]


def test_exported_text_never_runs_as_a_formula():
    from assessment import export

    assert export.safe("=HYPERLINK(1)") == "'=HYPERLINK(1)" and export.safe("@x") == "'@x"
    assert export.safe("张三") == "张三" and export.safe(-5) == -5 and export.safe(None) == ""
    assert export.to_csv(["姓名"], [["+1"]]).decode("utf-8-sig").splitlines()[1] == "'+1"
