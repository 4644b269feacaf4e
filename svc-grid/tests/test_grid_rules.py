"""The numbered rules of one grid, each on both sides of its boundary (no I/O).

002 art. 2 (one full-time worker per grid), art. 3 (two committees), art. 19 (the visit schedule:
daily patrol, weekly, monthly, twice a year) across week, month and year ends and the PRC calendar.
"""

import datetime as dt

import pytest

from grid.areas import rules as area_rules
from grid.config import GridSettings
from grid.roster import rules as roster_rules
from grid.visits import rules
from grid.visits.service import rules_of
from jiceng_shared.errors import Problem
from jiceng_shared.workdays import WorkdayCalendar

D = dt.date
CAL = WorkdayCalendar()
SEED = rules.VisitRules()
LONG_AGO = D(2020, 1, 1)


def entry(post="full_time", committee=False, urban=False, taken=0, r=roster_rules.RosterRules()):
    roster_rules.check_entry(
        post=post, committee_member=committee, urban_community=urban, full_time_on_grid=taken, rules=r
    )


# --- roster ----------------------------------------------------------------------------------


def test_one_full_time_worker_per_grid():
    entry(taken=0)
    with pytest.raises(Problem) as refused:
        entry(taken=1)
    assert refused.value.status == 409 and refused.value.code == "full_time_post_taken"
    entry(post="auxiliary", taken=1)  # auxiliaries are not counted
    two = roster_rules.RosterRules(full_time_workers_per_grid=2)
    entry(taken=1, r=two)
    with pytest.raises(Problem):
        entry(taken=2, r=two)


def test_an_urban_grid_worker_may_not_sit_on_the_two_committees():
    with pytest.raises(Problem) as refused:
        entry(committee=True, urban=True)
    assert refused.value.code == "committee_member_not_allowed"
    entry(committee=True, urban=False)  # a village's grid worker may (002 art. 3, second sentence)
    entry(committee=False, urban=True)
    entry(post="chief", committee=True, urban=True)
    entry(committee=True, urban=True, r=roster_rules.RosterRules(urban_worker_not_committee_member=False))


def test_a_b_posts_pair_two_adjacent_grids_of_one_community():
    def check(a: str, b: str, adjacent: bool | None = True) -> list[str]:
        return [e["code"] for e in roster_rules.check_backup(a, b, adjacent=adjacent).errors]

    assert check("320971100201001", "320971100201002") == []
    assert check("320971100201001", "320971100201001") == ["backup_is_same_grid"]
    assert check("320971100201001", "320971001001001") == ["backup_not_same_community"]
    assert check("320971100201001", "320971100201002", adjacent=False) == ["backup_not_adjacent"]
    assert check("320971100201001", "320971100201002", adjacent=None) == ["grid_not_drawn"]


def square(x0: float, y0: float, side: float = 0.01) -> object:
    return area_rules.geometry(
        {
            "type": "Polygon",
            "coordinates": [[[x0, y0], [x0 + side, y0], [x0 + side, y0 + side], [x0, y0 + side], [x0, y0]]],
        }
    )


def test_grids_are_adjacent_when_they_share_a_stretch_of_boundary():
    tol = area_rules.Tolerance(1.0)  # 1 m ≈ 0.000009°
    a = square(120.30, 33.30)
    assert area_rules.adjacent(a, square(120.31, 33.30), tol)  # a whole shared edge
    assert area_rules.adjacent(a, square(120.31, 33.305), tol)  # half an edge
    assert area_rules.adjacent(a, square(120.31 + 0.000004, 33.30), tol)  # a gap of ~0.4 m: digitising noise
    assert not area_rules.adjacent(a, square(120.31 + 0.00005, 33.30), tol)  # a gap of ~5 m
    assert not area_rules.adjacent(a, square(120.31, 33.31), tol)  # only a corner touches
    assert not area_rules.adjacent(a, square(120.32, 33.30), tol)  # a grid in between
    assert not area_rules.adjacent(a, square(120.305, 33.30), tol)  # overlapping is not adjacent


# --- visit schedule ----------------------------------------------------------------------------


def state(period, today, last, since=LONG_AGO, cal=None):
    return rules.obligation(period, today, last_visit=last, since=since, cal=cal)


def test_the_seed_defaults_are_the_settings_defaults():
    assert rules_of(GridSettings()) == SEED
    assert SEED.person_rule(["solitary_elderly", "disabled"]) == ("solitary_elderly", "week")
    assert SEED.person_rule(["orphan"]) == ("orphan", "week")
    for group in (
        "disabled",
        "single_mother_in_difficulty",
        "floating_population",
        "entitled_group",
        "community_corrections",
        "drug_rehabilitation",
        "released_prisoners",
    ):
        assert SEED.person_rule([group]) == (group, "month")
    assert SEED.person_rule(["left_behind_children"]) is None  # the household rule only
    assert (SEED.patrol_period, SEED.household_period) == ("day", "half_year")


def test_weekly_visits_across_the_year_end():
    # the ISO week of Monday 28 December 2026 ends on Sunday 3 January 2027
    assert state("week", D(2027, 1, 3), D(2026, 12, 28)).state == "done"
    monday = state("week", D(2027, 1, 4), D(2026, 12, 28))
    assert monday.state == "due" and monday.due_on == D(2027, 1, 10)
    assert state("week", D(2027, 1, 4), D(2027, 1, 4)).state == "done"
    assert state("week", D(2027, 1, 10), D(2026, 12, 28)).state == "due"
    missed = state("week", D(2027, 1, 11), D(2027, 1, 3))
    assert missed.state == "overdue" and missed.due_on == D(2027, 1, 10)
    assert state("week", D(2027, 1, 11), D(2027, 1, 4)).state == "due"


def test_monthly_visits_across_month_ends():
    assert state("month", D(2027, 1, 31), D(2027, 1, 1)).state == "done"
    feb = state("month", D(2027, 2, 1), D(2027, 1, 31))
    assert feb.state == "due" and feb.due_on == D(2027, 2, 28)
    assert state("month", D(2027, 3, 1), D(2027, 1, 31)).state == "overdue"
    assert state("month", D(2027, 3, 1), D(2027, 2, 1)).state == "due"
    leap = state("month", D(2028, 3, 1), D(2028, 1, 31))
    assert leap.state == "overdue" and leap.due_on == D(2028, 2, 29)
    dec = state("month", D(2027, 1, 1), D(2026, 11, 30))
    assert dec.state == "overdue" and dec.due_on == D(2026, 12, 31)
    assert state("month", D(2027, 1, 1), D(2026, 12, 1)).state == "due"


def test_households_twice_a_year_across_the_year_end():
    assert state("half_year", D(2026, 12, 31), D(2026, 7, 1)).state == "done"
    assert state("half_year", D(2026, 12, 31), D(2026, 6, 30)).state == "due"
    jan = state("half_year", D(2027, 1, 1), D(2026, 7, 1))
    assert jan.state == "due" and jan.due_on == D(2027, 6, 30)
    missed = state("half_year", D(2027, 1, 1), D(2026, 6, 30))
    assert missed.state == "overdue" and missed.due_on == D(2026, 12, 31)
    assert state("half_year", D(2026, 7, 1), D(2026, 1, 1)).state == "due"
    assert state("half_year", D(2026, 7, 1), D(2025, 12, 31)).state == "overdue"


def test_the_daily_patrol():
    assert state("day", D(2027, 1, 1), D(2027, 1, 1)).state == "done"
    assert state("day", D(2027, 1, 1), D(2026, 12, 31)).state == "due"
    late = state("day", D(2027, 1, 1), D(2026, 12, 30))
    assert late.state == "overdue" and late.due_on == D(2026, 12, 31)


def test_a_period_begun_before_registration_is_never_overdue():
    # registered on the first day of the missed week: owed; one day later: not yet
    assert state("week", D(2027, 1, 11), None, since=D(2027, 1, 4)).state == "overdue"
    assert state("week", D(2027, 1, 11), None, since=D(2027, 1, 5)).state == "due"


def test_working_day_patrols_follow_the_prc_calendar():
    # National Day 2026: 1-7 October off, Saturday 10 October a make-up working day
    assert rules.period_bounds("workday", D(2026, 10, 8), CAL) == (D(2026, 10, 1), D(2026, 10, 8))
    assert rules.period_bounds("workday", D(2026, 10, 3), CAL) == (D(2026, 10, 1), D(2026, 10, 8))
    assert rules.period_bounds("workday", D(2026, 10, 10), CAL) == (D(2026, 10, 10), D(2026, 10, 10))
    assert rules.period_bounds("workday", D(2026, 10, 12), CAL) == (D(2026, 10, 11), D(2026, 10, 12))
    assert state("workday", D(2026, 10, 8), D(2026, 9, 30), cal=CAL).state == "due"
    late = state("workday", D(2026, 10, 8), D(2026, 9, 29), cal=CAL)
    assert late.state == "overdue" and late.due_on == D(2026, 9, 30)
    assert state("workday", D(2026, 10, 8), D(2026, 10, 5), cal=CAL).state == "done"  # holiday work counts


def test_every_period_and_group_is_configurable():
    moved = rules.VisitRules(weekly_groups=frozenset(), monthly_groups=frozenset({"solitary_elderly"}))
    assert moved.person_rule(["solitary_elderly"]) == ("solitary_elderly", "month")
    assert moved.person_rule(["disabled"]) is None
    yearly = rules.VisitRules(household_period="year")
    assert state(yearly.household_period, D(2026, 12, 31), D(2026, 1, 1)).state == "done"
    with pytest.raises(ValueError):
        rules.VisitRules(patrol_period="fortnight")
    settings = GridSettings(weekly_visit_period="day", monthly_visit_groups=["orphan"])
    assert rules_of(settings).person_rule(["orphan"]) == ("orphan", "day")
