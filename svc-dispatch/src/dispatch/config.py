"""Settings of svc-dispatch (prefix ``DISPATCH_``; common ones may also come as ``JICENG_``)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from dispatch.tickets.rules import TicketRules
from jiceng_shared.contracts.dispatch import RETURN_WINDOW_WORKDAYS
from jiceng_shared.settings import CommonSettings
from jiceng_shared.topology import SERVICE_BY_NAME


class DispatchSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="DISPATCH_", extra="ignore")
    service_name: ClassVar[str] = "dispatch"
    default_port: ClassVar[int] = SERVICE_BY_NAME["dispatch"].port

    #: 并单: a report of the same category this close to an open ticket is merged into it (0 disables)
    duplicate_radius_meters: float = 50.0
    #: ... and this close in time (hours between the two reports; 0 disables)
    duplicate_window_hours: float = 24.0
    #: a unit may return a wrongly routed ticket within this many working days of assignment
    return_window_workdays: int = RETURN_WINDOW_WORKDAYS
    #: the warning flag is raised when this share of the handling period has passed
    warn_before_ratio: float = 0.8
    #: escalation levels (督办): level n is reached this many working days after the deadline
    #: (0 = at the deadline itself); "escalation if 5 working days overdue" (rules-reference §4.2)
    escalation_steps_workdays: list[int] = [0, 5]
    #: dispatch limits seeded for categories (Taiyuan rule, rules-reference §3.4): minutes
    urgent_dispatch_minutes: int = 10
    normal_dispatch_minutes: int = 30
    #: response limits (签收) of categories without their own (minutes from dispatch). No national number:
    #: normal = half a working day (Guzhen 12319: 受理 ≤ 0.5 working day, rules-reference §3.4, local),
    #: urgent = 30 minutes (unconfirmed; a county default)
    urgent_response_minutes: int = 30
    normal_response_minutes: int = 240
    #: dispatch and response limits: 督办 level n is reached this many minutes after the limit
    #: (level 1 at the limit itself, level 2 an hour later; unconfirmed, a county default)
    limit_escalation_steps_minutes: list[int] = [0, 60]
    #: a supervision order (督办单) demands its answer by the end of this many working days after issue
    supervision_answer_workdays: int = 1
    #: a dissatisfied callback reopens the ticket this many times; after that the township leader
    #: decides (Guzhen 12319: 不满意 → 回退重办, rules-reference §3.4; "once" in the brief)
    callback_reopen_max: int = 1
    #: 街乡吹哨、部门报到: a summoned department reports within this many minutes unless the summons
    #: sets its own time (unconfirmed; "30 分钟内到场" is common local practice)
    summons_respond_minutes: int = 30
    #: 研判预警: a category spikes in a township when a day's reports reach this many times the
    #: trailing mean of the same weekday over ``spike_weeks`` weeks, and at least ``spike_min_count``
    #: (the issue's example: three times the four-week mean; the minimum is a county default)
    spike_ratio: float = 3.0
    spike_min_count: int = 5
    spike_weeks: int = 4
    #: how often the early-warning job looks at today's reports (seconds)
    spike_scan_seconds: float = 300.0
    #: handling limit of a ticket whose category has no limits on record (working days)
    default_handle_workdays: int = 5
    #: how often the supervision job looks for tickets near or past their deadline (seconds)
    supervision_scan_seconds: float = 30.0
    #: Open311 GeoReport v2: GET requests.json covers at most this many days (the spec's 90)
    open311_max_days: int = 90
    #: ... and answers at most this many requests (the spec lets a server cap the list; 1000 as its example)
    open311_max_requests: int = 1000

    def ticket_rules(self) -> TicketRules:
        return TicketRules(
            duplicate_radius_meters=self.duplicate_radius_meters,
            duplicate_window_hours=self.duplicate_window_hours,
            return_window_workdays=self.return_window_workdays,
            warn_before_ratio=self.warn_before_ratio,
            escalation_steps_workdays=tuple(self.escalation_steps_workdays),
            default_handle_workdays=self.default_handle_workdays,
            default_dispatch_minutes=self.normal_dispatch_minutes,
            urgent_response_minutes=self.urgent_response_minutes,
            normal_response_minutes=self.normal_response_minutes,
            limit_escalation_steps_minutes=tuple(self.limit_escalation_steps_minutes),
            supervision_answer_workdays=self.supervision_answer_workdays,
            callback_reopen_max=self.callback_reopen_max,
            summons_respond_minutes=self.summons_respond_minutes,
            spike_ratio=self.spike_ratio,
            spike_min_count=self.spike_min_count,
            spike_weeks=self.spike_weeks,
        )
