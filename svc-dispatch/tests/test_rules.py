"""The numbers of dispatch's rules, each tested on both sides of its boundary (no I/O)."""

import datetime as dt
import math

import pytest

from dispatch.config import DispatchSettings
from dispatch.main import create_app
from dispatch.responsibilities.rules import may_handle
from dispatch.tickets import rules
from jiceng_shared.masking import mask_person_name, mask_phone
from jiceng_shared.policy import load_policy
from jiceng_shared.workdays import COUNTY_ZONE as SHANGHAI
from jiceng_shared.workdays import WorkdayCalendar

calendar = WorkdayCalendar()


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def test_working_day_deadlines_skip_the_national_day_holiday():
    start = local(2026, 9, 30, 10, 0)
    assert rules.handling_deadline(calendar, start, rules.HandleLimit(2, "working_days")) == local(
        2026, 10, 9, 23, 59, 59
    )
    assert rules.handling_deadline(calendar, start, rules.HandleLimit(1, "working_days")) == local(
        2026, 10, 8, 23, 59, 59
    )


def test_hour_and_minute_deadlines_run_from_the_instant():
    start = local(2026, 9, 30, 22, 15)
    assert rules.handling_deadline(calendar, start, rules.HandleLimit(24, "hours")) == local(2026, 10, 1, 22, 15)
    assert rules.handling_deadline(calendar, start, rules.HandleLimit(90, "minutes")) == local(2026, 9, 30, 23, 45)


def test_the_return_window_is_two_working_days_after_assignment():
    assigned = local(2026, 11, 2, 10, 0)  # Monday
    assert rules.may_return(calendar, assigned, local(2026, 11, 4, 23, 59, 59))
    assert not rules.may_return(calendar, assigned, local(2026, 11, 5, 0, 0, 0))
    # Friday → the window spans the weekend
    assert rules.may_return(calendar, local(2026, 11, 6, 9, 0), local(2026, 11, 10, 23, 0))
    assert not rules.may_return(calendar, local(2026, 11, 6, 9, 0), local(2026, 11, 11, 0, 0))


def test_duplicates_are_within_50_metres_and_24_hours():
    t0 = local(2026, 11, 2, 9, 0)
    here = (120.30, 33.30)
    metre = 1 / (111_320 * 0.8368)  # degrees of longitude per metre at 33.3°N
    near = (here[0] + 49.5 * metre, here[1])
    far = (here[0] + 50.5 * metre, here[1])
    assert 49 < rules.distance_meters(here, near) < 50 < rules.distance_meters(here, far) < 51
    same = {"open_point": here, "open_reported_at": t0}
    assert rules.is_duplicate(point=near, reported_at=t0 + dt.timedelta(hours=24), **same)
    assert not rules.is_duplicate(point=far, reported_at=t0, **same)
    assert not rules.is_duplicate(point=near, reported_at=t0 + dt.timedelta(hours=24, seconds=1), **same)
    assert rules.is_duplicate(point=near, reported_at=t0 - dt.timedelta(hours=23), **same)
    assert not rules.is_duplicate(point=near, reported_at=t0, radius_meters=0, **same)
    assert not rules.is_duplicate(point=near, reported_at=t0, window_hours=0, **same)
    assert not rules.is_duplicate(point=near, reported_at=t0, open_point=None, open_reported_at=t0)


def test_the_warning_is_raised_after_80_percent_of_the_period():
    start = local(2026, 11, 2, 8, 0)
    deadline = start + dt.timedelta(hours=10)
    assert rules.warning_at(start, deadline) == start + dt.timedelta(hours=8)
    assert rules.warning_at(start, deadline, ratio=0.5) == start + dt.timedelta(hours=5)


def test_escalation_levels_are_the_deadline_and_five_working_days_after_it():
    deadline = local(2026, 9, 29, 17, 0)
    first, second = rules.escalation_thresholds(calendar, deadline)
    assert first == deadline
    assert second == local(2026, 10, 12, 23, 59, 59)  # Sep 30, Oct 8, 9, 10 (make-up Saturday), 12
    assert rules.next_escalation_at(calendar, deadline, 0) == first
    assert rules.next_escalation_at(calendar, deadline, 1) == second
    assert rules.next_escalation_at(calendar, deadline, 2) is None


def test_extensions_add_up_to_the_categorys_maximum():
    assert rules.extension_refusal(10, granted=0, max_value=10) is None
    assert rules.extension_refusal(3, granted=7, max_value=10) is None
    assert rules.extension_refusal(4, granted=7, max_value=10) == "extension_exceeds_limit"
    assert rules.extension_refusal(1, granted=0, max_value=None) == "extension_not_allowed"


def test_on_time_means_closed_no_later_than_the_deadline():
    deadline = local(2026, 10, 9, 23, 59, 59)
    assert rules.on_time(deadline, deadline)
    assert not rules.on_time(deadline + dt.timedelta(seconds=1), deadline)


def test_contacts_are_masked():
    assert mask_person_name("王小明") == "王**"
    assert mask_phone("13800001234") == "138****1234"


def test_functional_department_matters_never_go_to_a_township_organ():
    assert not may_handle("township_office", functional_department=True)
    assert may_handle("stationed_office", functional_department=True)
    assert may_handle("county_department", functional_department=True)
    assert may_handle("township_office", functional_department=False)


def test_the_rules_numbers_come_from_the_settings(monkeypatch):
    defaults = DispatchSettings().ticket_rules()
    assert (defaults.duplicate_radius_meters, defaults.duplicate_window_hours) == (50.0, 24.0)
    assert defaults.return_window_workdays == 2 and defaults.warn_before_ratio == 0.8
    assert defaults.escalation_steps_workdays == (0, 5)
    monkeypatch.setenv("DISPATCH_RETURN_WINDOW_WORKDAYS", "3")
    monkeypatch.setenv("DISPATCH_ESCALATION_STEPS_WORKDAYS", "[0, 2, 5]")
    tuned = DispatchSettings().ticket_rules()
    assert tuned.return_window_workdays == 3 and tuned.escalation_steps_workdays == (0, 2, 5)


def test_the_route_table_matches_the_router_exactly():
    app = create_app(DispatchSettings(database_url="sqlite+aiosqlite:///:memory:"))
    served = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/api/dispatch/v1/")
        for method in operations
    }
    declared = {(r.method, r.path) for r in load_policy().routes if r.service == "dispatch"}
    assert served == declared


@pytest.mark.parametrize(
    "permission",
    [
        "dispatch.category.read",
        "dispatch.responsibility.read",
        "dispatch.ticket.read",
        "dispatch.ticket.intake",
        "dispatch.ticket.feedback",
        "dispatch.ticket.return",
        "dispatch.ticket.reassign",
        "dispatch.ticket.verify",
        "dispatch.ticket.extension.request",
        "dispatch.ticket.extension.decide",
    ],
)
def test_every_permission_is_granted_to_some_role(permission):
    assert load_policy().roles_with(permission)


# --- limits of sign-for and supervision orders ----------------------------------------------------


def test_the_response_limit_is_the_categorys_else_the_default_for_urgent_or_normal():
    from dispatch.tickets.rules import TicketRules, response_limit_minutes

    r = TicketRules()
    assert (r.urgent_response_minutes, r.normal_response_minutes) == (30, 240)
    assert response_limit_minutes(None, urgent=True, rules=r) == 30
    assert response_limit_minutes(None, urgent=False, rules=r) == 240
    assert response_limit_minutes(45, urgent=False, rules=r) == 45


def test_a_limit_is_kept_up_to_its_last_instant():
    from dispatch.tickets.rules import within_limit

    due = dt.datetime(2026, 11, 2, 13, 0, tzinfo=dt.UTC)
    assert within_limit(due, due) and not within_limit(due + dt.timedelta(seconds=1), due)


def test_minute_limits_escalate_at_the_limit_then_an_hour_later():
    from dispatch.tickets.rules import TicketRules, next_minute_escalation_at

    due = dt.datetime(2026, 11, 2, 13, 0, tzinfo=dt.UTC)
    assert TicketRules().limit_escalation_steps_minutes == (0, 60)
    assert next_minute_escalation_at(due, 0) == due
    assert next_minute_escalation_at(due, 1) == due + dt.timedelta(minutes=60)
    assert next_minute_escalation_at(due, 2) is None
    assert next_minute_escalation_at(due, 1, steps_minutes=(0, 15, 45)) == due + dt.timedelta(minutes=15)


def test_orders_go_to_whoever_holds_the_ticket_then_up():
    from dispatch.tickets.enums import Addressee, SupervisedLimit
    from dispatch.tickets.rules import addressee

    assert addressee(SupervisedLimit.DISPATCH, 1) == Addressee.CENTRE_HEAD
    assert addressee(SupervisedLimit.RESPONSE, 1) == Addressee.UNIT_HEAD
    assert addressee(SupervisedLimit.HANDLING, 1) == Addressee.UNIT_HEAD
    assert addressee(SupervisedLimit.HANDLING, 2) == Addressee.TOWNSHIP_LEADER
    assert addressee(SupervisedLimit.HANDLING, 3) == Addressee.COUNTY


def test_a_supervision_order_is_answered_by_the_end_of_the_next_working_day():
    from dispatch.tickets.rules import supervision_answer_by

    friday = dt.datetime(2026, 11, 6, 10, 0, tzinfo=SHANGHAI)
    assert supervision_answer_by(calendar, friday) == dt.datetime(2026, 11, 9, 23, 59, 59, tzinfo=SHANGHAI)
    assert supervision_answer_by(calendar, friday, workdays=2) == dt.datetime(2026, 11, 10, 23, 59, 59, tzinfo=SHANGHAI)


def test_the_box_of_duplicate_detection_holds_every_point_within_the_radius():
    """The box only spares the database the far tickets: whatever lies within the radius, in any
    direction and at any latitude, lies inside it."""
    for lat in (0.0, 33.3, -45.0, 70.0):
        centre = (120.3, lat)
        box = rules.near_box(centre, 50.0)
        assert box is not None
        for degrees in range(0, 360, 5):
            bearing = math.radians(degrees)
            # a point 50 m away along the bearing (forward azimuth on the sphere)
            d = 50.0 / rules.EARTH_RADIUS_METERS
            lat1, lng1 = math.radians(lat), math.radians(centre[0])
            lat2 = math.asin(math.sin(lat1) * math.cos(d) + math.cos(lat1) * math.sin(d) * math.cos(bearing))
            lng2 = lng1 + math.atan2(
                math.sin(bearing) * math.sin(d) * math.cos(lat1), math.cos(d) - math.sin(lat1) * math.sin(lat2)
            )
            point = (math.degrees(lng2), math.degrees(lat2))
            assert rules.distance_meters(centre, point) == pytest.approx(50.0, abs=1e-6)
            assert box[0] <= point[0] <= box[2] and box[1] <= point[1] <= box[3], (lat, degrees)
        assert rules.distance_meters(centre, (box[2] + 1e-4, lat)) > 50.0  # and not much more
    assert rules.near_box((179.9999, 10.0), 50.0) is None  # across the antimeridian: no box
    assert rules.near_box((0.0, 89.9999), 50.0) is None  # at a pole: no box
