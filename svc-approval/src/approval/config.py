"""Settings of svc-approval (prefix ``APPROVAL_``; common ones may also come as ``JICENG_``).

The numbers are the design's defaults (domain.md, rules-reference.md §5-6); the statutory ones
come from 行政许可法 and are configurable only so a county can follow a change of the law.
"""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from jiceng_shared.settings import CommonSettings
from jiceng_shared.topology import SERVICE_BY_NAME


class ApprovalSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="APPROVAL_", extra="ignore")
    service_name: ClassVar[str] = "approval"
    default_port: ClassVar[int] = SERVICE_BY_NAME["approval"].port

    #: instant items (即办件) are finished within this many minutes of acceptance (002 §5)
    instant_limit_minutes: int = 15
    #: one-time notice on the spot or within this many working days, else deemed accepted (law art. 32)
    notice_window_workdays: int = 5
    #: decision ceiling and the extension the head may approve, in working days (law art. 42)
    decision_ceiling_workdays: int = 20
    decision_extension_workdays: int = 10
    #: the same for joint or centralised handling (law art. 42)
    joint_ceiling_workdays: int = 45
    joint_extension_workdays: int = 15
    #: the licence is issued within this many working days of the decision (law art. 44)
    issue_limit_workdays: int = 10
    #: a bad rating is rectified within this many working days (local rule; some places use 15)
    rectification_workdays: int = 5
    #: a finished, unrated service is invited to rate after this many days (local rule, Bozhou)
    rating_invite_after_days: int = 3
    #: how often the deadline scanner looks for overdue applications, due notices and invitations
    scan_interval_seconds: float = 60.0
    #: rows one scanner pass handles per kind (the next pass takes the rest)
    scan_batch_size: int = 500
    #: the appeal route written on every refusal (行政复议法 art. 20, 行政诉讼法 art. 46)
    appeal_route: str = (
        "如不服本决定，可以自收到本决定之日起六十日内向盐城经济技术开发区管理委员会申请行政复议，"
        "或者在六个月内依法向人民法院提起行政诉讼。"
    )
