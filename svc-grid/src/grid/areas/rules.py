"""Pure rules on areas and grids (no I/O): codes, size limits, and the geometry of grids."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shapely import make_valid
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from jiceng_shared.identity import area_level

#: metres per degree of latitude (WGS-84 mean); a longitude degree is shorter (cos φ), so a
#: tolerance of d metres taken as d / 111,320 degrees is at most d metres in every direction
METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class GridSizeLimits:
    """001: at most 300 households / 1,000 people per ordinary grid, 500 / 1,500 in dense areas."""

    max_households: int = 300
    max_people: int = 1000
    dense_max_households: int = 500
    dense_max_people: int = 1500


def grid_oversize(households: int, people: int, dense: bool, limits: GridSizeLimits) -> list[str]:
    """Why a grid must be split (empty when it fits its limit)."""
    max_h = limits.dense_max_households if dense else limits.max_households
    max_p = limits.dense_max_people if dense else limits.max_people
    reasons = []
    if households > max_h:
        reasons.append(f"{households} households > {max_h}")
    if people > max_p:
        reasons.append(f"{people} people > {max_p}")
    return reasons


def grid_code_parent(grid_code: str) -> str:
    """A grid code is its village/community code plus a 3-digit sequence (000 §11, unified coding)."""
    if len(grid_code) != 15 or not grid_code.isdigit() or grid_code[12:] == "000":
        raise ValueError(f"not a grid code: {grid_code!r}")
    parent = grid_code[:12]
    if area_level(parent) != "village":
        raise ValueError(f"a grid must belong to a village or community: {grid_code!r}")
    return parent


def village_code_township(village_code: str) -> str:
    """A village/community code is its township's first 9 digits plus a 3-digit sequence (not 000)."""
    if len(village_code) != 12 or not village_code.isdigit() or area_level(village_code) != "village":
        raise ValueError(f"not a village or community code: {village_code!r}")
    return village_code[:9] + "000"


def next_code(parent_code: str, used: set[str], width: int) -> str:
    """The next code under ``parent_code`` after every code ever used there (codes are never reused)."""
    prefix = parent_code[:9] if width == 12 else parent_code
    taken = [int(c[len(prefix) :]) for c in used if c.startswith(prefix) and len(c) == width]
    number = max(taken, default=0) + 1
    if number > 999:
        raise ValueError(f"no code left under {parent_code}")
    return f"{prefix}{number:03d}"


# --- geometry ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tolerance:
    """How far boundaries may disagree (digitising noise) before a rule counts it, in metres."""

    metres: float = 1.0

    @property
    def erosion(self) -> float:
        """Eroding by half the tolerance (degrees) from both sides removes every strip narrower than it."""
        return self.metres / METRES_PER_DEGREE / 2


def polygon_problem(geojson: dict[str, Any]) -> str | None:
    """Why a GeoJSON geometry cannot be a grid's boundary (None when it can)."""
    if geojson.get("type") not in ("Polygon", "MultiPolygon"):
        return "a boundary is a GeoJSON Polygon or MultiPolygon"
    try:
        geom = shape(geojson)
    except Exception as exc:
        return f"not a valid GeoJSON geometry: {exc}"
    if geom.is_empty or geom.area == 0:
        return "the polygon is empty"
    if not geom.is_valid:
        return "the polygon is not valid (self-intersecting or badly closed ring)"
    for x, y in _coordinates(geom):
        if not (-180 <= x <= 180 and -90 <= y <= 90):
            return "coordinates are [longitude, latitude] in WGS-84"
    return None


def _coordinates(geom: BaseGeometry) -> list[tuple[float, float]]:
    polygons = getattr(geom, "geoms", [geom])
    return [xy for p in polygons for ring in (p.exterior, *p.interiors) for xy in ring.coords]


def geometry(geojson: dict[str, Any]) -> BaseGeometry:
    return shape(geojson)


def lies_inside(child: BaseGeometry, parent: BaseGeometry, tol: Tolerance) -> bool:
    """The child lies inside the parent; a strip sticking out narrower than the tolerance is ignored."""
    return child.difference(parent).buffer(-tol.erosion).is_empty


def overlaps(a: BaseGeometry, b: BaseGeometry, tol: Tolerance) -> bool:
    """Two areas overlap when their common part is a strip wider than the tolerance."""
    return not a.intersection(b).buffer(-tol.erosion).is_empty


def covers_exactly(whole: BaseGeometry, parts: list[BaseGeometry], tol: Tolerance) -> bool:
    """The parts' union equals ``whole``: no gap, and nothing beyond it, wider than the tolerance."""
    union = unary_union(parts)
    return whole.symmetric_difference(union).buffer(-tol.erosion).is_empty


def adjacent(a: BaseGeometry, b: BaseGeometry, tol: Tolerance) -> bool:
    """Two grids are adjacent (相邻) when they share a stretch of boundary: the part of a's boundary
    lying within the tolerance of b is longer than four tolerances (touching at a corner gives at
    most about three), and they do not overlap."""
    reach = tol.erosion * 2
    shared = a.boundary.intersection(b.buffer(reach))
    return shared.length > 4 * reach and not overlaps(a, b, tol)


def union_geojson(parts: list[BaseGeometry]) -> dict[str, Any]:
    union = make_valid(unary_union(parts))
    return dict(mapping(union))
