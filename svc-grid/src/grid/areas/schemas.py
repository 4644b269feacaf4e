"""API shapes of areas: reads, and the administrative writes (create, redraw, recount, split,
merge, retire, import a layer)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from jiceng_shared.enums import LabelledEnum

LEVEL_LABELS = {"county": "县(区)", "township": "乡镇(街道)", "village": "村", "community": "社区", "grid": "网格"}


class AreaStatus(LabelledEnum):
    ACTIVE = "active", "在用"
    RETIRED = "retired", "已撤销"


class AreaChange(LabelledEnum):
    CREATED = "created", "新设"
    REDRAWN = "redrawn", "调整边界"
    RECOUNTED = "recounted", "更新户数人数"
    SPLIT = "split", "拆分"
    MERGED = "merged", "合并"
    RETIRED = "retired", "撤销"
    IMPORTED = "imported", "图层导入"


class GridType(LabelledEnum):
    BASIC = "basic", "基础网格"
    DEDICATED = "dedicated", "专属网格"


class AreaOut(BaseModel):
    code: str
    name: str
    level: Literal["county", "township", "village", "community", "grid"]
    level_zh: str
    parent_code: str | None
    township_code: str | None
    grid_type: GridType | None = None
    households: int | None = None
    people: int | None = None
    dense: bool = False
    status: AreaStatus = AreaStatus.ACTIVE
    version: int = 1
    effective_from: dt.datetime | None = None
    #: grids over their size limit must be split (001)
    needs_split: bool = False
    split_reasons: list[str] = []


class AreaDetail(AreaOut):
    polygon: dict[str, Any] | None = Field(None, description="GeoJSON Polygon (WGS-84)")


class AreaVersionOut(BaseModel):
    code: str
    version: int
    name: str
    status: AreaStatus
    change: AreaChange
    effective_from: dt.datetime
    effective_to: dt.datetime | None
    polygon: dict[str, Any] | None
    households: int | None
    people: int | None
    dense: bool
    predecessors: list[str]
    successors: list[str]
    recorded_by: str
    recorded_at: dt.datetime


# --- writes -------------------------------------------------------------------------------------

Polygon = dict[str, Any]
GRID_CODE = r"^\d{15}$"
AREA_CODE = r"^\d{12}$"
Count = Annotated[int, Field(ge=0, le=1_000_000)]


class Effective(BaseModel):
    model_config = ConfigDict(extra="forbid")
    #: when the change takes effect (default: now); never in the past, so incidents already
    #: reported keep the grid they were reported in
    effective_from: dt.datetime | None = None


class AreaCreate(Effective):
    """A new village/community (under a township) or grid (under a village/community)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "level": "grid",
                    "parent_code": "320971100201",
                    "name": "步凤村第三网格",
                    "polygon": {
                        "type": "Polygon",
                        "coordinates": [
                            [[120.32, 33.30], [120.33, 33.30], [120.33, 33.31], [120.32, 33.31], [120.32, 33.30]]
                        ],
                    },
                    "households": 120,
                    "people": 400,
                }
            ]
        },
    )
    level: Literal["village", "community", "grid"]
    parent_code: str = Field(pattern=AREA_CODE)
    #: default: the next code under the parent never used before
    code: str | None = Field(None, pattern=r"^\d{12}(\d{3})?$")
    name: str = Field(min_length=1, max_length=100)
    polygon: Polygon | None = Field(None, description="GeoJSON Polygon (WGS-84); required for a grid")
    grid_type: GridType | None = None
    households: Count | None = None
    people: Count | None = None
    dense: bool = False


class PolygonUpdate(Effective):
    polygon: Polygon


class CountsUpdate(Effective):
    """Enter a grid's households and people, or take them from grid's base data
    (``from_base_data``: the households and residents registered in the grid and still there)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"households": 301, "people": 1000}, {"from_base_data": True}]},
    )
    households: Count | None = None
    people: Count | None = None
    from_base_data: bool = False
    dense: bool | None = None


class SplitPart(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str | None = Field(None, pattern=GRID_CODE)
    name: str = Field(min_length=1, max_length=100)
    polygon: Polygon
    households: Count
    people: Count
    dense: bool = False
    #: the residents registered in the old grid who live in this part
    resident_ids: list[str] = []
    #: households of the old grid with no registered member that lie in this part (a household
    #: with members goes where its members go)
    household_ids: list[str] = []
    #: the roster entries of the old grid whose people take the same post on this part; every
    #: other post on the old grid ends the day before the split takes effect
    roster_entry_ids: list[str] = []


class GridSplit(Effective):
    parts: list[SplitPart] = Field(min_length=2, max_length=20)


class GridMerge(Effective):
    grids: list[str] = Field(min_length=2, max_length=20)
    code: str | None = Field(None, pattern=GRID_CODE)
    name: str = Field(min_length=1, max_length=100)
    dense: bool = False


class AreaRetire(Effective):
    reason: str = Field(min_length=1, max_length=500)


class Feature(BaseModel):
    type: Literal["Feature"]
    geometry: Polygon | None = None
    properties: dict[str, Any] = {}


class LayerImport(Effective):
    """A GeoJSON FeatureCollection; each feature's properties: ``level`` (village | community |
    grid), ``code``, ``parent_code``, ``name``, and for grids ``households``, ``people``, ``dense``,
    ``grid_type``. A feature whose code exists replaces that area's boundary, name and counts."""

    type: Literal["FeatureCollection"]
    features: list[Feature] = Field(min_length=1, max_length=5000)


class ChangeOut(BaseModel):
    """The areas a write changed, each at its new version."""

    changed: list[AreaDetail]
