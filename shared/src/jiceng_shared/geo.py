"""Geometry rules on GeoJSON (WGS-84), through shapely."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from shapely.geometry import Point, shape
from shapely.prepared import PreparedGeometry, prep


@lru_cache(maxsize=1024)
def _prepared(polygon_json: str) -> PreparedGeometry:
    import json

    return prep(shape(json.loads(polygon_json)))


def point_in_polygon(point: tuple[float, float], polygon: dict[str, Any]) -> bool:
    """Whether ``[lng, lat]`` lies inside (or on the boundary of) a GeoJSON Polygon/MultiPolygon."""
    import json

    geom = _prepared(json.dumps(polygon, sort_keys=True))
    return bool(geom.covers(Point(point[0], point[1])))
