"""The county's organisation as data: the registry every process reads (issue 8, part 1).

A county is a directory (``JICENG_COUNTY_DIR``; default: the demo county shipped in
``jiceng_shared/counties/demo/``) holding ``county.toml`` (county, departments, stationed
offices, townships with their organs, villages/communities and grids) and optionally
``areas.geojson`` (the grid and village polygons as a GeoJSON FeatureCollection whose features
carry ``properties.code``). Other engineers' files (``categories.*``, ``responsibilities.*``)
live beside them. The README's "Deploying for your county" documents the format.

:func:`load` validates the files with pydantic and cross-checks the records; a county with an
error is refused with :class:`CountyFileError`, whose message names the file, the record
(``townships[1].villages[0] (320971100201)``) and the problem — every problem at once (first the
shape of each record, then, once every record has its shape, the rules between records).

:class:`Organisation` is the registry: loaded once per process (:func:`current`), reachable as
``ctx.org`` from a service's context, and it replaces every domain use of the demo data.
"""

from __future__ import annotations

import json
import threading
import tomllib
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

#: the demo county of demo-data.md, shipped as package data
DEMO_DIR = Path(__file__).parent / "counties" / "demo"
COUNTY_FILE = "county.toml"
AREAS_FILE = "areas.geojson"

TownshipKind = Literal["town", "subdistrict"]
VillageKind = Literal["village", "community"]
KIND_LABELS = {"town": "镇", "subdistrict": "街道", "village": "村", "community": "社区"}


class CountyFileError(ValueError):
    """A county directory that may not be loaded: every problem found, each naming file and record."""

    def __init__(self, directory: Path, problems: list[str]) -> None:
        self.directory = directory
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"the county in {directory} is refused ({len(problems)} problem(s)):\n{lines}")


class AreaChangeError(ValueError):
    """A run-time area change the registry refuses (unknown parent, code reused, ...)."""


# --- the records of the registry --------------------------------------------------------------


@dataclass(frozen=True)
class Township:
    code: str
    name: str
    slug: str
    kind: str  # town (镇) | subdistrict (街道)


@dataclass(frozen=True)
class Village:
    code: str
    name: str
    kind: str  # village | community
    township: str
    retired: bool = False


@dataclass(frozen=True)
class Grid:
    code: str
    name: str
    village: str
    households: int
    people: int
    dense: bool
    polygon: dict | None = field(default=None, hash=False, compare=False)
    retired: bool = False

    @property
    def township(self) -> str:
        return self.village[:9] + "000"


# --- the file format (county.toml), validated by pydantic -------------------------------------


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _digits(value: str, length: int) -> str:
    if len(value) != length or not value.isdigit():
        raise ValueError(f"must be {length} digits, not {value!r}")
    return value


class GridRecord(_Record):
    code: str
    name: str = Field(min_length=1)
    households: int = Field(ge=0)
    people: int = Field(ge=0)
    dense: bool = False
    #: a GeoJSON Polygon or MultiPolygon; or given in areas.geojson
    polygon: dict[str, Any] | None = None

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        return _digits(value, 15)


class VillageRecord(_Record):
    code: str
    name: str = Field(min_length=1)
    kind: VillageKind
    polygon: dict[str, Any] | None = None
    grids: list[GridRecord] = []

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        _digits(value, 12)
        if value.endswith("000"):
            raise ValueError(f"a village/community code does not end in 000: {value}")
        return value


class TownshipRecord(_Record):
    code: str
    name: str = Field(min_length=1)
    #: the short ASCII name of logins and URLs (``grid_worker.<slug>``)
    slug: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: TownshipKind
    #: the township's organs, keyed by the department code of the function they carry
    organs: dict[str, str] = {}
    villages: list[VillageRecord] = []

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        _digits(value, 12)
        if not value.endswith("000") or value[6:9] == "000":
            raise ValueError(f"a township code is 9 significant digits followed by 000: {value}")
        return value


class CountyRecord(_Record):
    code: str
    name: str = Field(min_length=1)

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        _digits(value, 12)
        if not value.endswith("000000"):
            raise ValueError(f"a county code is 6 significant digits followed by 000000: {value}")
        return value


class DepartmentRecord(_Record):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)


class StationedOfficeRecord(_Record):
    #: the county department keeping an office in the townships (派驻机构)
    department: str
    #: the townships it is stationed in (codes); all townships when left out
    townships: list[str] | None = None


class CountyFile(_Record):
    county: CountyRecord
    departments: list[DepartmentRecord] = Field(min_length=1)
    stationed_offices: list[StationedOfficeRecord] = []
    townships: list[TownshipRecord] = Field(min_length=1)


# --- loading ----------------------------------------------------------------------------------


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


def _check(
    data: CountyFile, file: str, polygons: dict[str, tuple[str, dict]], *, left_out: set[str] | None = None
) -> list[str]:
    """The rules between records; each problem names ``file: record: problem``. A record of the
    wrong shape is ``None`` here (its problem is already named; ``left_out`` holds the codes of such
    records, so nothing else is called unknown because of them): the others are still checked."""
    left_out = left_out or set()
    problems: list[str] = []
    seen: dict[str, str] = {}

    def claim(code: str, where: str) -> None:
        if code in seen:
            problems.append(f"{file}: {where} ({code}): duplicate code, already used by {seen[code]}")
        else:
            seen[code] = where

    county = data.county.code
    claim(county, "county")
    departments: dict[str, str] = {}
    for i, dept in enumerate(data.departments):
        if dept is None:
            continue
        if dept.code in departments:
            problems.append(
                f"{file}: departments[{i}] ({dept.code}): duplicate department, already {departments[dept.code]}"
            )
        departments.setdefault(dept.code, f"departments[{i}]")
    slugs: dict[str, str] = {}
    township_codes = {t.code for t in data.townships if t is not None}
    for ti, t in enumerate(data.townships):
        if t is None:
            continue
        where = f"townships[{ti}]"
        claim(t.code, where)
        if t.code[:6] != county[:6]:
            problems.append(f"{file}: {where} ({t.code}): the code does not extend the county's ({county[:6]}…)")
        if t.slug in slugs:
            problems.append(f"{file}: {where} ({t.code}): duplicate slug {t.slug!r}, already used by {slugs[t.slug]}")
        slugs.setdefault(t.slug, where)
        for vi, v in enumerate(t.villages):
            if v is None:
                continue
            vwhere = f"{where}.villages[{vi}]"
            claim(v.code, vwhere)
            if v.code[:9] != t.code[:9]:
                problems.append(f"{file}: {vwhere} ({v.code}): the code does not extend its township's ({t.code[:9]}…)")
            for gi, g in enumerate(v.grids):
                if g is None:
                    continue
                gwhere = f"{vwhere}.grids[{gi}]"
                claim(g.code, gwhere)
                if g.code[:12] != v.code:
                    problems.append(
                        f"{file}: {gwhere} ({g.code}): a grid code is its village/community code {v.code} + 3 digits"
                    )
                if g.polygon is not None and g.code in polygons:
                    problems.append(f"{file}: {gwhere} ({g.code}): polygon given here and in {AREAS_FILE}")
                if g.polygon is not None:
                    problems += [f"{file}: {gwhere} ({g.code}): {p}" for p in _polygon_problems(g.polygon)]
    for si, office in enumerate(data.stationed_offices):
        if office is None:
            continue
        where = f"stationed_offices[{si}]"
        if office.department not in departments and office.department not in left_out:
            problems.append(f"{file}: {where} ({office.department}): unknown department {office.department!r}")
        for code in office.townships or []:
            if code not in township_codes and code not in left_out:
                problems.append(f"{file}: {where} ({office.department}): unknown township {code}")
    if left_out:  # a feature may name a record left out for its shape
        return problems
    areas = {v.code for t in data.townships for v in t.villages} | {
        g.code for t in data.townships for v in t.villages for g in v.grids
    }
    for code, (where, _) in polygons.items():
        if code not in areas:
            problems.append(f"{AREAS_FILE}: {where} ({code}): no village or grid with this code in {file}")
    return problems


def _polygon_problems(geometry: dict) -> list[str]:
    from shapely.geometry import shape

    if geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return [f"a polygon must be a GeoJSON Polygon or MultiPolygon, not {geometry.get('type')!r}"]
    try:
        geom = shape(geometry)
    except Exception as exc:
        return [f"not a valid GeoJSON polygon: {exc}"]
    if geom.is_empty or not geom.is_valid:
        return ["the polygon is empty or invalid (self-intersecting?)"]
    return []


def _read_areas(directory: Path, problems: list[str]) -> dict[str, tuple[str, dict]]:
    path = directory / AREAS_FILE
    if not path.exists():
        return {}
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(f"{AREAS_FILE}: (file): not valid JSON: {exc}")
        return {}
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        problems.append(f"{AREAS_FILE}: (file): must be a GeoJSON FeatureCollection")
        return {}
    out: dict[str, tuple[str, dict]] = {}
    for i, feature in enumerate(doc.get("features") or []):
        where = f"features[{i}]"
        props = (feature or {}).get("properties") or {}
        code = str(props.get("code") or "")
        geometry = (feature or {}).get("geometry")
        if not code:
            problems.append(f"{AREAS_FILE}: {where}: properties.code is missing")
            continue
        if code in out:
            problems.append(f"{AREAS_FILE}: {where} ({code}): duplicate code, already {out[code][0]}")
            continue
        if not isinstance(geometry, dict):
            problems.append(f"{AREAS_FILE}: {where} ({code}): geometry is missing")
            continue
        problems += [f"{AREAS_FILE}: {where} ({code}): {p}" for p in _polygon_problems(geometry)]
        out[code] = (where, geometry)
    return out


def load(directory: Path | str | None = None) -> Organisation:
    """Load and validate the county in ``directory`` (default: the demo county); raise
    :class:`CountyFileError` naming every problem when it may not be used."""
    directory = Path(directory) if directory else DEMO_DIR
    path = directory / COUNTY_FILE
    if not path.is_file():
        raise CountyFileError(directory, [f"{COUNTY_FILE}: (file): not found in {directory}"])
    problems: list[str] = []
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CountyFileError(directory, [f"{COUNTY_FILE}: (file): not valid TOML: {exc}"]) from None
    polygons = _read_areas(directory, problems)
    try:
        data = CountyFile.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors():
            loc = error["loc"]
            record = _loc(tuple(p for p in loc))
            code = _code_at(raw, loc)
            label = f"{record} ({code})" if code else record
            problems.append(f"{COUNTY_FILE}: {label}: {error['msg']}")
        salvaged, left_out = _salvage(raw)
        if salvaged is not None:  # the rules between the records of the right shape, too
            problems += [p for p in _check(salvaged, COUNTY_FILE, polygons, left_out=left_out) if p not in problems]
        raise CountyFileError(directory, problems) from None
    problems += _check(data, COUNTY_FILE, polygons)
    if problems:
        raise CountyFileError(directory, problems)
    return Organisation.from_file(data, {code: geom for code, (_, geom) in polygons.items()}, directory)


def _salvage(raw: Any) -> tuple[CountyFile | None, set[str]]:
    """The records of the right shape, each at its index (``None`` for the others), for checking
    the rules between records while some records have the wrong shape; and the codes of the
    records left out."""
    left_out: set[str] = {"(left out)"}

    def valid(model: type[BaseModel], value: Any, **empty: Any) -> Any:
        if not isinstance(value, dict):
            return None
        try:
            return model.model_validate({**value, **empty})
        except ValidationError:
            code = value.get("code")
            if isinstance(code, str):
                left_out.add(code)
            return None

    def items(value: Any) -> list[Any]:
        return value if isinstance(value, list) else []

    if not isinstance(raw, dict) or (head := valid(CountyRecord, raw.get("county"))) is None:
        return None, left_out
    townships = []
    for t in items(raw.get("townships")):
        shell = valid(TownshipRecord, t, villages=[])
        if shell is not None:
            villages = []
            for v in items(t.get("villages")):
                village = valid(VillageRecord, v, grids=[])
                if village is not None:
                    village.grids = [valid(GridRecord, g) for g in items(v.get("grids"))]
                villages.append(village)
            shell.villages = villages
        townships.append(shell)
    data = CountyFile.model_construct(
        county=head,
        departments=[valid(DepartmentRecord, d) for d in items(raw.get("departments"))],
        stationed_offices=[valid(StationedOfficeRecord, o) for o in items(raw.get("stationed_offices"))],
        townships=townships,
    )
    return data, left_out


def _code_at(raw: Any, loc: tuple[Any, ...]) -> str | None:
    """The ``code`` of the innermost record on the error's path, to name it beside its index."""
    node, code = raw, None
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and isinstance(node.get("code"), str):
            code = node["code"]
        elif isinstance(node, dict) and isinstance(node.get("department"), str):
            code = node["department"]
    return code


# --- the registry -----------------------------------------------------------------------------


class Organisation:
    """The county's organisation: townships, villages/communities, grids, organs, departments and
    stationed offices. Lookups answer with the active (not retired) areas; the area-change methods
    keep the registry current while the process runs (svc-grid's area events call them)."""

    def __init__(
        self,
        *,
        code: str,
        name: str,
        townships: list[Township],
        villages: list[Village],
        grids: list[Grid],
        departments: dict[str, str],
        organs: dict[str, dict[str, str]],
        stationed: dict[str, tuple[str, ...]],
        village_polygons: dict[str, dict] | None = None,
        source: Path | None = None,
    ) -> None:
        self.code = code
        self.name = name
        self.source = source
        self._townships = {t.code: t for t in townships}
        self._villages = {v.code: v for v in villages}
        self._grids = {g.code: g for g in grids}
        self.departments = dict(departments)
        self._organs = {k: dict(v) for k, v in organs.items()}
        #: department → the townships where it keeps a stationed office
        self._stationed = dict(stationed)
        self.village_polygons = dict(village_polygons or {})
        self._lock = threading.Lock()

    @classmethod
    def from_file(cls, data: CountyFile, polygons: dict[str, dict], source: Path | None = None) -> Organisation:
        townships = [Township(t.code, t.name, t.slug, t.kind) for t in data.townships]
        villages = [Village(v.code, v.name, v.kind, t.code) for t in data.townships for v in t.villages]
        grids = [
            Grid(g.code, g.name, v.code, g.households, g.people, g.dense, g.polygon or polygons.get(g.code))
            for t in data.townships
            for v in t.villages
            for g in v.grids
        ]
        all_townships = tuple(t.code for t in data.townships)
        stationed = {o.department: tuple(o.townships) if o.townships else all_townships for o in data.stationed_offices}
        village_polygons = {
            v.code: v.polygon or polygons[v.code]
            for t in data.townships
            for v in t.villages
            if v.polygon or v.code in polygons
        }
        return cls(
            code=data.county.code,
            name=data.county.name,
            townships=townships,
            villages=villages,
            grids=grids,
            departments={d.code: d.name for d in data.departments},
            organs={t.code: t.organs for t in data.townships},
            stationed=stationed,
            village_polygons=village_polygons,
            source=source,
        )

    # --- lookups ---

    @property
    def townships(self) -> tuple[Township, ...]:
        return tuple(self._townships.values())

    @cached_property
    def township_codes(self) -> frozenset[str]:
        return frozenset(self._townships)

    def township(self, code: str) -> Township | None:
        return self._townships.get(code)

    def township_by_slug(self, slug: str) -> Township | None:
        return next((t for t in self._townships.values() if t.slug == slug), None)

    def township_name(self, code: str, default: str | None = None) -> str:
        t = self._townships.get(code)
        return t.name if t else (default if default is not None else code)

    @property
    def villages(self) -> tuple[Village, ...]:
        return tuple(v for v in self._villages.values() if not v.retired)

    def village(self, code: str) -> Village | None:
        v = self._villages.get(code)
        return v if v is not None and not v.retired else None

    def villages_of(self, township_code: str) -> tuple[Village, ...]:
        return tuple(v for v in self.villages if v.township == township_code)

    @property
    def grids(self) -> tuple[Grid, ...]:
        return tuple(g for g in self._grids.values() if not g.retired)

    def grid(self, code: str) -> Grid | None:
        g = self._grids.get(code)
        return g if g is not None and not g.retired else None

    def grids_of(self, village_code: str) -> tuple[Grid, ...]:
        return tuple(g for g in self.grids if g.village == village_code)

    def department_name(self, code: str, default: str | None = None) -> str:
        return self.departments.get(code, default if default is not None else code)

    def organs(self, township_code: str) -> dict[str, str]:
        """The township's organs: department code of the function → the organ's name."""
        return self._organs.get(township_code, {})

    def has_organ(self, dept: str) -> bool:
        """Whether some township has an organ carrying this function."""
        return any(dept in organs for organs in self._organs.values())

    @property
    def stationed_departments(self) -> tuple[str, ...]:
        """The departments keeping an office in at least one township."""
        return tuple(self._stationed)

    def stationed_in(self, township_code: str) -> tuple[str, ...]:
        """The departments with an office stationed in this township."""
        return tuple(d for d, townships in self._stationed.items() if township_code in townships)

    # --- area changes at run time ---

    def add_village(self, code: str, name: str, kind: str, township: str) -> Village:
        """Add a village/community to a township of the county (svc-grid's "village created" event).

        Refused (:class:`AreaChangeError`) when the township is unknown, the code is not the
        township's 9 digits + 3 (not ``000``), or the code was ever used (retired codes stay taken).
        Idempotent for the same record: applying one event twice changes nothing.
        """
        with self._lock:
            existing = self._villages.get(code)
            if (
                existing is not None
                and not existing.retired
                and (existing.name, existing.kind, existing.township)
                == (
                    name,
                    kind,
                    township,
                )
            ):
                return existing
            if township not in self._townships:
                raise AreaChangeError(f"village {code}: unknown township {township}")
            if kind not in ("village", "community"):
                raise AreaChangeError(f"village {code}: kind must be village or community, not {kind!r}")
            if len(code) != 12 or not code.isdigit() or code[:9] != township[:9] or code.endswith("000"):
                raise AreaChangeError(f"village {code}: the code must extend its township's ({township[:9]}…)")
            if code in self._villages or code in self._townships:
                raise AreaChangeError(f"village {code}: the code is taken (codes are never reused)")
            village = Village(code, name, kind, township)
            self._villages[code] = village
            return village

    def retire_village(self, code: str) -> Village:
        """Retire a village/community (svc-grid's "village retired" event): it and its grids leave
        the lookups; the codes stay taken. Whether it may be retired (open incidents, people) is
        svc-grid's rule, checked before the event is published. Idempotent."""
        with self._lock:
            village = self._villages.get(code)
            if village is None:
                raise AreaChangeError(f"no village {code}")
            if village.retired:
                return village
            retired = replace(village, retired=True)
            self._villages[code] = retired
            for grid in list(self._grids.values()):
                if grid.village == code and not grid.retired:
                    self._grids[grid.code] = replace(grid, retired=True)
            return retired

    def add_grid(
        self,
        code: str,
        name: str,
        village: str,
        *,
        households: int = 0,
        people: int = 0,
        dense: bool = False,
        polygon: dict | None = None,
    ) -> Grid:
        """Add a grid to an active village/community (svc-grid's "grid created" event, also each
        grid of a split or merge). Refused when the village is unknown or retired, the code is not
        the village's code + 3 digits, or the code was ever used. Idempotent for the same code and
        village (the counts and polygon are updated)."""
        with self._lock:
            existing = self._grids.get(code)
            if existing is not None and not existing.retired and existing.village == village:
                updated = replace(existing, name=name, households=households, people=people, dense=dense)
                if polygon is not None:
                    updated = replace(updated, polygon=polygon)
                self._grids[code] = updated
                return updated
            parent = self._villages.get(village)
            if parent is None or parent.retired:
                raise AreaChangeError(f"grid {code}: no active village {village}")
            if len(code) != 15 or not code.isdigit() or code[:12] != village:
                raise AreaChangeError(f"grid {code}: a grid code is its village code {village} + 3 digits")
            if code in self._grids:
                raise AreaChangeError(f"grid {code}: the code is taken (grid codes are never reused)")
            grid = Grid(code, name, village, households, people, dense, polygon)
            self._grids[code] = grid
            return grid

    def retire_grid(self, code: str) -> Grid:
        """Retire a grid (svc-grid's "grid retired" event, also the old grid of a split or merge): it
        leaves the lookups and its code is never given again. Idempotent."""
        with self._lock:
            grid = self._grids.get(code)
            if grid is None:
                raise AreaChangeError(f"no grid {code}")
            if not grid.retired:
                grid = replace(grid, retired=True)
                self._grids[code] = grid
            return grid


# --- one registry per process -----------------------------------------------------------------

_registry: dict[Path, Organisation] = {}
_registry_lock = threading.Lock()
_current: Organisation | None = None


def registry(directory: Path | str | None = None) -> Organisation:
    """The organisation of ``directory`` (default: the demo county), loaded once per process:
    every caller gets the same object, so area changes applied to it are seen everywhere."""
    key = (Path(directory) if directory else DEMO_DIR).resolve()
    with _registry_lock:
        org = _registry.get(key)
        if org is None:
            org = _registry[key] = load(key)
        return org


def install(directory: Path | str | None) -> Organisation:
    """Make the county of ``directory`` the process's county (a process starting on its settings'
    ``county_dir`` calls this, so :func:`current` and ``ctx.org`` are one object)."""
    global _current
    _current = registry(directory)
    return _current


def current() -> Organisation:
    """The process's county: the one installed at start, else ``JICENG_COUNTY_DIR`` (a common
    setting), else the demo county."""
    if _current is not None:
        return _current
    from jiceng_shared.settings import CommonSettings

    return registry(CommonSettings().county_dir)
