"""API shapes of areas."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

LEVEL_LABELS = {"county": "县(区)", "township": "乡镇(街道)", "village": "村", "community": "社区", "grid": "网格"}


class AreaOut(BaseModel):
    code: str
    name: str
    level: Literal["county", "township", "village", "community", "grid"]
    level_zh: str
    parent_code: str | None
    township_code: str | None
    grid_type: str | None = None
    households: int | None = None
    people: int | None = None
    dense: bool = False
    #: grids over their size limit must be split (001)
    needs_split: bool = False
    split_reasons: list[str] = []


class AreaDetail(AreaOut):
    polygon: dict[str, Any] | None = Field(None, description="GeoJSON Polygon (WGS-84)")
