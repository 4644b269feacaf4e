"""API input shapes several services accept: a GeoJSON point and an attachment's metadata."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Longitude = Annotated[float, Field(ge=-180, le=180)]
Latitude = Annotated[float, Field(ge=-90, le=90)]


class PointIn(BaseModel):
    """A GeoJSON Point in WGS-84."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["Point"]
    coordinates: tuple[Longitude, Latitude] = Field(description="[longitude, latitude], WGS-84")


class AttachmentIn(BaseModel):
    """What the platform keeps of a file: the file itself lives in the document store."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    media_type: str = Field(pattern=r"^[a-z]+/[a-zA-Z0-9.+-]+$", max_length=100)
    size: int = Field(gt=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
