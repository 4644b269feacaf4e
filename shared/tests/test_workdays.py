"""The working-day calendar on the real PRC schedule (chinesecalendar), make-up days included."""

import datetime as dt
from pathlib import Path

import pytest

from jiceng_shared.workdays import (
    COUNTY_ZONE,
    COVERAGE_HORIZON_DAYS,
    PACKAGE_CALENDAR_DIR,
    CalendarFileError,
    WorkdayCalendar,
    load_schedules,
)

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
    start = dt.datetime(2026, 11, 20, 17, 0, tzinfo=dt.UTC)
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


# --- the calendar as data (issue 8, part 6) ----------------------------------------------------

FIXTURE_2027 = Path(__file__).parent / "fixtures" / "calendar_2027"  # a TEST FIXTURE, not official


def test_the_packaged_2026_schedule_agrees_with_the_chinesecalendar_package_day_by_day():
    import chinese_calendar

    packaged = WorkdayCalendar(schedules=load_schedules(PACKAGE_CALENDAR_DIR))
    assert 2026 in packaged.schedules
    day = dt.date(2026, 1, 1)
    while day.year == 2026:
        assert packaged.is_workday(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


def test_a_deadline_across_the_2027_spring_festival_with_a_loaded_schedule():
    loaded = WorkdayCalendar(calendar_dir=FIXTURE_2027)
    assert loaded.covers(dt.date(2027, 2, 10)) and not cal.covers(dt.date(2027, 2, 10))
    # from Wed 3 Feb: Thu 4 (1), Fri 5 (2), 6-14 Feb holidays, Mon 15 (3)
    assert loaded.deadline(at(2027, 2, 3), 3) == dt.datetime(2027, 2, 15, 23, 59, 59, tzinfo=COUNTY_ZONE)
    # without the schedule the weekdays would count: Thu 4, Fri 5, Mon 8
    assert cal.deadline(at(2027, 2, 3), 3).date() == dt.date(2027, 2, 8)
    # the make-up Saturday 20 Feb counts: from Wed 17, Thu 18 (1), Fri 19 (2), Sat 20 (3)
    assert loaded.add_workdays(dt.date(2027, 2, 17), 3) == dt.date(2027, 2, 20)
    # the quick override still wins over a file
    patched = WorkdayCalendar(calendar_dir=FIXTURE_2027, extra_workdays=[dt.date(2027, 2, 8)])
    assert patched.deadline(at(2027, 2, 3), 3).date() == dt.date(2027, 2, 8)


def test_a_county_file_replaces_the_packaged_year(tmp_path):
    (tmp_path / "2026.toml").write_text(
        'year = 2026\nsource = "test"\n[[holidays]]\nname = "x"\nstart = 2026-03-02\nend = 2026-03-02\n'
    )
    own = WorkdayCalendar(calendar_dir=tmp_path)
    assert not own.is_workday(dt.date(2026, 3, 2))
    assert own.is_workday(dt.date(2026, 10, 1))  # the county's file is the whole year
    assert own.source(2026) == str(tmp_path / "2026.toml")


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("2027.toml", 'year = 2027\nsource = "x"\n[[holidays]]\nname = "a"\nstart = 2027-02-06\n', "end"),
        (
            "2027.toml",
            'year = 2027\nsource = "x"\n[[holidays]]\nname = "a"\nstart = 2028-01-01\nend = 2028-01-02\n',
            "not in 2027",
        ),
        ("2028.toml", 'year = 2027\nsource = "x"\n', "must be named 2027.toml"),
        ("2027.toml", "year = 2027\n[holidays\n", "not valid TOML"),
    ],
)
def test_a_bad_schedule_file_is_refused_naming_the_file(tmp_path, name, text, problem):
    (tmp_path / name).write_text(text)
    with pytest.raises(CalendarFileError) as caught:
        WorkdayCalendar(calendar_dir=tmp_path)
    assert str(tmp_path / name) in str(caught.value) and problem in str(caught.value)


def test_coverage_of_the_coming_90_days_on_both_sides_of_the_boundary():
    # the package knows 2026, nothing knows 2027: the horizon may end on 31 Dec 2026 at the latest
    last_covered = dt.date(2026, 12, 31) - dt.timedelta(days=COVERAGE_HORIZON_DAYS)
    assert COVERAGE_HORIZON_DAYS == 90
    assert cal.coverage(last_covered).covered
    late = cal.coverage(last_covered + dt.timedelta(days=1))
    assert not late.covered and late.uncovered_from == dt.date(2027, 1, 1) and late.covered_days == 89
    assert WorkdayCalendar(calendar_dir=FIXTURE_2027).coverage(dt.date(2026, 11, 29)).covered
