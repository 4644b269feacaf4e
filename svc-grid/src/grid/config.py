"""Settings of svc-grid (prefix ``GRID_``; common ones may also come as ``JICENG_``)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

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
