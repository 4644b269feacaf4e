"""Settings of svc-dispatch (prefix ``DISPATCH_``; common ones may also come as ``JICENG_``)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from dispatch.tickets.rules import TicketRules
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
    #: (Shandong 政务服务热线管理办法 2020, rules-reference §4.2)
    return_window_workdays: int = 2
    #: the warning flag is raised when this share of the handling period has passed
    warn_before_ratio: float = 0.8
    #: escalation levels (督办): level n is reached this many working days after the deadline
    #: (0 = at the deadline itself); "escalation if 5 working days overdue" (rules-reference §4.2)
    escalation_steps_workdays: list[int] = [0, 5]
    #: dispatch limits seeded for categories (Taiyuan rule, rules-reference §3.4): minutes
    urgent_dispatch_minutes: int = 10
    normal_dispatch_minutes: int = 30
    #: handling limit of a ticket whose category has no limits on record (working days)
    default_handle_workdays: int = 5
    #: how often the supervision job looks for tickets near or past their deadline (seconds)
    supervision_scan_seconds: float = 30.0

    def ticket_rules(self) -> TicketRules:
        return TicketRules(
            duplicate_radius_meters=self.duplicate_radius_meters,
            duplicate_window_hours=self.duplicate_window_hours,
            return_window_workdays=self.return_window_workdays,
            warn_before_ratio=self.warn_before_ratio,
            escalation_steps_workdays=tuple(self.escalation_steps_workdays),
            default_handle_workdays=self.default_handle_workdays,
            default_dispatch_minutes=self.normal_dispatch_minutes,
        )
