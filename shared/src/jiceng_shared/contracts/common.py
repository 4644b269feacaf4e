"""Value types used by several contracts."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

#: the kinds of handling unit; a column holding a unit's kind is typed with it
UnitKindValue = Literal["township_office", "stationed_office", "county_department"]


class GeoPoint(BaseModel):
    """A GeoJSON point, ``[longitude, latitude]`` in WGS-84."""

    type: Literal["Point"] = "Point"
    coordinates: tuple[float, float] = Field(description="[longitude, latitude]")


class UnitRef(BaseModel):
    """A handling unit: a township organ, a stationed office or a county department.

    ``code`` is ``<area code>:<department>``; the department is the scope key of access.md.
    """

    code: str
    area_code: str
    dept: str
    name: str
    kind: UnitKindValue
