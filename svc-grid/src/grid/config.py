"""Settings of svc-grid (prefix ``GRID_``; common ones may also come as ``JICENG_``)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from grid.areas.rules import GridSizeLimits
from grid.roster.rules import RosterRules
from jiceng_shared.settings import CommonSettings
from jiceng_shared.topology import SERVICE_BY_NAME


class GridSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="GRID_", extra="ignore")
    service_name: ClassVar[str] = "grid"
    default_port: ClassVar[int] = SERVICE_BY_NAME["grid"].port

    #: grid size limits (001): ordinary grids, and grids in dense areas
    grid_max_households: int = 300
    grid_max_people: int = 1000
    dense_grid_max_households: int = 500
    dense_grid_max_people: int = 1500
    #: largest attachment an incident report may declare
    attachment_max_bytes: int = 20 * 1024 * 1024
    #: how far two boundaries may disagree before the area rules count it (metres): a grid may
    #: stick out of its village by this much, touch a sibling with a sliver this wide, and a split's
    #: parts may leave gaps or overlaps this wide (digitising noise, not a real overlap)
    area_tolerance_metres: float = 1.0

    # --- roster (002 art. 2, 3, 22) ---
    #: full-time grid workers per grid: "原则上每个网格……配备1名网格员，实行定岗定责" (002 art. 2)
    full_time_workers_per_grid: int = 1
    #: in an urban community (社区) the grid worker may not sit on the two committees (两委) (002 art. 3)
    urban_worker_not_committee_member: bool = True

    # --- visit schedule (002 art. 19) ---
    #: "每天必须入网格巡查": the grid is patrolled every day (``workday``: PRC working days only)
    patrol_period: str = "day"
    #: "每周必须……探望独居老人、孤儿等特殊困难人员"
    weekly_visit_groups: list[str] = ["solitary_elderly", "orphan"]
    weekly_visit_period: str = "week"
    #: "每月走访残疾人、困难单亲母亲、流动人口、优抚对象以及社区服刑、戒毒、刑满释放等特殊人员不少于1次"
    monthly_visit_groups: list[str] = [
        "disabled",
        "single_mother_in_difficulty",
        "floating_population",
        "entitled_group",
        "community_corrections",
        "drug_rehabilitation",
        "released_prisoners",
    ]
    monthly_visit_period: str = "month"
    #: "每年走访一般居民家庭不少于2次": one visit per half-year (Jan-Jun, Jul-Dec) per household
    household_visit_period: str = "half_year"
    #: how often the overdue scan runs (seconds)
    visit_overdue_scan_seconds: float = 300.0

    # --- work diary (002 art. 20) ---
    #: one diary per worker per PRC working day ("网格员应填写'工作日志'，准确记录每天走访、服务、巡查等情况")
    diary_workdays_only: bool = True
    #: the longest span the missing-diary list covers at once (days)
    diary_missing_max_days: int = 92

    # --- base data (002 art. 11) ---
    #: registers whose membership only roles holding grid.register.sensitive see (least privilege)
    sensitive_groups: list[str] = ["community_corrections", "drug_rehabilitation", "released_prisoners"]

    def size_limits(self) -> GridSizeLimits:
        """The grid size limits of 001 (ordinary and dense grids)."""
        return GridSizeLimits(
            self.grid_max_households, self.grid_max_people, self.dense_grid_max_households, self.dense_grid_max_people
        )

    def roster_rules(self) -> RosterRules:
        """The numbers of the roster's rules (taking a post)."""
        return RosterRules(
            full_time_workers_per_grid=self.full_time_workers_per_grid,
            urban_worker_not_committee_member=self.urban_worker_not_committee_member,
        )
