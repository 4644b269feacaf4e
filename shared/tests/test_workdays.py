"""The working-day calendar on the real PRC schedule (chinesecalendar), make-up days included."""

import datetime as dt

import pytest

from jiceng_shared.workdays import COUNTY_ZONE, WorkdayCalendar

cal = WorkdayCalendar()


def at(y: int, m: int, d: int, h: int = 10) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=COUNTY_ZONE)


def test_national_day_week_is_skipped_and_the_saturday_make_up_day_counts():
    # 2026: Oct 1-7 are holidays; Saturday Oct 10 is a make-up working day (调休)
    assert not cal.is_workday(dt.date(2026, 10, 1))
    assert cal.is_workday(dt.date(2026, 10, 10))
    # from Wed Sep 30: Oct 8 (1), Oct 9 (2), Sat Oct 10 (3)
    assert cal.add_workdays(dt.date(2026, 9, 30), 3) == dt.date(2026, 10, 10)
    assert cal.add_workdays(dt.date(2026, 9, 30), 4) == dt.date(2026, 10, 12)


def test_deadline_ends_at_the_end_of_the_nth_working_day_in_shanghai():
    deadline = cal.deadline(at(2026, 9, 30), 3)
    assert deadline == dt.datetime(2026, 10, 10, 23, 59, 59, tzinfo=COUNTY_ZONE)


def test_the_start_day_is_not_counted_even_late_in_the_evening_utc():
    # 2026-11-20 17:00 UTC is already Saturday 01:00 in Shanghai
    start = dt.datetime(2026, 11, 20, 17, 0, tzinfo=dt.timezone.utc)
    assert cal.local_date(start) == dt.date(2026, 11, 21)
    assert cal.add_workdays(cal.local_date(start), 1) == dt.date(2026, 11, 23)


def test_workdays_between_counts_both_directions():
    assert cal.workdays_between(at(2026, 9, 30), at(2026, 10, 12)) == 4
    assert cal.workdays_between(at(2026, 10, 12), at(2026, 9, 30)) == -4
    assert cal.workdays_between(at(2026, 10, 12), at(2026, 10, 12, 18)) == 0


def test_years_without_an_official_schedule_fall_back_to_weekdays_and_accept_overrides():
    assert not cal.covers(dt.date(2027, 3, 1))
    assert cal.is_workday(dt.date(2027, 1, 4))  # a Monday
    assert not cal.is_workday(dt.date(2027, 1, 2))  # a Saturday
    patched = WorkdayCalendar(extra_holidays=[dt.date(2027, 1, 1)], extra_workdays=[dt.date(2027, 1, 2)])
    assert not patched.is_workday(dt.date(2027, 1, 1))
    assert patched.is_workday(dt.date(2027, 1, 2))


def test_calendar_day_periods_ignore_holidays():
    assert cal.add_calendar_days(at(2026, 9, 30), 15).date() == dt.date(2026, 10, 15)


def test_negative_periods_and_naive_instants_are_refused():
    with pytest.raises(ValueError):
        cal.add_workdays(dt.date(2026, 1, 5), -1)
    with pytest.raises(ValueError):
        cal.local_date(dt.datetime(2026, 1, 5))
