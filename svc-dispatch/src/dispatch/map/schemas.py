"""Response models of the situational picture: early warnings (the GeoJSON routes answer encoded
documents of their own)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel


class WarningOut(BaseModel):
    id: str
    category: str
    #: the township whose reports spiked
    area_code: str
    #: the local day counted, ISO date
    day: str
    count: int
    baseline: float
    threshold: float
    raised_at: dt.datetime
