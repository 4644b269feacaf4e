"""The event classification dictionary (事件分类) as data: the county directory's ``categories.csv``.

The file is where a county's dictionary STARTS: svc-dispatch seeds its categories table from it
and administers them from then on (create, change limits, retire), publishing every change as
``dispatch.category.changed``; svc-grid and svc-enforcement seed their own copies from the same
file and keep them current from those events (:mod:`jiceng_shared.categorycopy`). ``CATEGORIES``
below is the file as shipped for the configured county, for code that needs the initial dictionary
(seeding, tests); live checks and labels use the service's own table (the conventions test keeps
``CATEGORIES``/``CATEGORY_BY_CODE`` out of service code).

Format (UTF-8 CSV, header row, one category per row; README "Deploying for your county"):

=========================  =======================================================================
column                     meaning
=========================  =======================================================================
code                       API code, lower snake_case (``street_occupation``), unique
label_zh                   the Chinese label (占道经营)
major                      the major class (大类) code the category belongs to (``street_order``)
urgent                     true/false: urgent matters are dispatched within the urgent limit
dispatch_limit_minutes     register and dispatch within this many minutes (empty: the service's
                           urgent/normal default, 10/30)
handle_limit_value         handling limit (a positive integer) ...
handle_limit_unit          ... in ``minutes``, ``hours`` or ``working_days``
extension_max_value        the longest extension in the same unit (empty: no extension)
functional_department      true/false: a functional department's matter (国办函〔2025〕66号),
                           never routed to a township organ
=========================  =======================================================================
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: the demo county shipped with the platform (demo-data.md)
DEMO_COUNTY_DIR = Path(__file__).resolve().parent / "counties" / "demo"
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,59}$")
LIMIT_UNITS = ("minutes", "hours", "working_days")
COLUMNS = (
    "code",
    "label_zh",
    "major",
    "urgent",
    "dispatch_limit_minutes",
    "handle_limit_value",
    "handle_limit_unit",
    "extension_max_value",
    "functional_department",
)


def county_dir() -> Path:
    """The county directory of this process: the county installed at start (``ctx.org``, from the
    ``county_dir`` setting / ``JICENG_COUNTY_DIR``), else the demo county."""
    from jiceng_shared import county

    return county.current().source or DEMO_COUNTY_DIR


@dataclass(frozen=True)
class Category:
    code: str
    label_zh: str
    #: 大类 major class of the classification (事件 major classes of the city-management standards)
    major: str
    urgent: bool = False
    #: None: the service's default for urgent / normal matters
    dispatch_limit_minutes: int | None = None
    handle_limit_value: int = 5
    handle_limit_unit: str = "working_days"
    extension_max_value: int | None = None
    functional_department: bool = False


class CategoryFileError(ValueError):
    """A categories file that cannot be loaded; the message names the file, each line and problem."""


def _bool(value: str) -> bool | None:
    return {"true": True, "false": False, "": False, "1": True, "0": False}.get(value.strip().lower())


def _int(value: str, *, optional: bool) -> int | None | str:
    value = value.strip()
    if value == "":
        return None if optional else "is required"
    if not value.isdigit() or int(value) <= 0:
        return "must be a positive whole number"
    return int(value)


def load_categories(path: Path) -> tuple[Category, ...]:
    """Read and validate a categories file; every bad line is named at once."""
    problems: list[str] = []
    out: list[Category] = []
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise CategoryFileError(f"{path}: line 1: missing columns {', '.join(missing)}")
        seen: set[str] = set()
        for line, row in enumerate(reader, start=2):
            bad: list[str] = []
            code = (row["code"] or "").strip()
            if not CODE_PATTERN.match(code):
                bad.append(f"code {code!r} is not lower snake_case")
            elif code in seen:
                bad.append(f"code {code} is listed twice")
            seen.add(code)
            if not (row["label_zh"] or "").strip():
                bad.append("label_zh is empty")
            if not CODE_PATTERN.match((row["major"] or "").strip()):
                bad.append("major is not lower snake_case")
            flags = {k: _bool(row[k] or "") for k in ("urgent", "functional_department")}
            bad += [f"{k} must be true or false" for k, v in flags.items() if v is None]
            numbers = {
                k: _int(row[k] or "", optional=k != "handle_limit_value")
                for k in ("dispatch_limit_minutes", "handle_limit_value", "extension_max_value")
            }
            bad += [f"{k} {v}" for k, v in numbers.items() if isinstance(v, str)]
            unit = (row["handle_limit_unit"] or "").strip()
            if unit not in LIMIT_UNITS:
                bad.append(f"handle_limit_unit must be one of {', '.join(LIMIT_UNITS)}")
            if bad:
                problems += [f"{path}: line {line}: {b}" for b in bad]
                continue
            out.append(
                Category(
                    code=code,
                    label_zh=row["label_zh"].strip(),
                    major=row["major"].strip(),
                    urgent=bool(flags["urgent"]),
                    dispatch_limit_minutes=numbers["dispatch_limit_minutes"],  # type: ignore[arg-type]  # a str went to `bad`
                    handle_limit_value=numbers["handle_limit_value"],  # type: ignore[arg-type]  # a str went to `bad`
                    handle_limit_unit=unit,
                    extension_max_value=numbers["extension_max_value"],  # type: ignore[arg-type]  # a str went to `bad`
                    functional_department=bool(flags["functional_department"]),
                )
            )
    if problems:
        raise CategoryFileError("\n".join(problems))
    return tuple(out)


_loaded: dict[Path, tuple[Category, ...]] = {}
_by_code: dict[Path, dict[str, Category]] = {}


def _by_code_of_county() -> dict[str, Category]:
    path = (county_dir() / "categories.csv").resolve()
    if path not in _by_code:
        _by_code[path] = {c.code: c for c in county_categories()}
    return _by_code[path]


def county_categories(directory: Path | None = None) -> tuple[Category, ...]:
    """The county's initial dictionary (``<county dir>/categories.csv``; default: this process's
    county), read once per directory."""
    path = ((directory or county_dir()) / "categories.csv").resolve()
    if path not in _loaded:
        if not path.is_file():
            raise CategoryFileError(
                f"{path}: the county directory has no categories.csv (README: Deploying for your county)"
            )
        _loaded[path] = load_categories(path)
    return _loaded[path]


class _CountyCategories(Sequence[Category]):
    """The configured county's categories, read when first used (after the process installed its
    county), so importing this module reads no file."""

    def __getitem__(self, index: Any) -> Any:  # an int gives a Category, a slice a sequence
        return county_categories()[index]

    def __len__(self) -> int:
        return len(county_categories())


class _CategoryByCode(Mapping[str, Category]):
    def __getitem__(self, code: str) -> Category:
        return _by_code_of_county()[code]

    def __iter__(self) -> Iterator[str]:
        return iter([c.code for c in county_categories()])

    def __len__(self) -> int:
        return len(county_categories())


#: the configured county's categories as shipped (seeding, labels, tests; services check their own table)
CATEGORIES: Sequence[Category] = _CountyCategories()
CATEGORY_BY_CODE: Mapping[str, Category] = _CategoryByCode()
