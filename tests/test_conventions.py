"""Conventions checked over the source tree with ``ast`` (run by ``make test``).

Nothing outside seeding and tests imports the demo data (issue 8, part 2): the county is the
registry ``jiceng_shared.county`` (``ctx.org``), loaded from files.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIRS = [ROOT / "gateway" / "src", ROOT / "shared" / "src", *sorted(ROOT.glob("svc-*/src"))]
DEMO = "jiceng_shared.demo"
#: functions of non-seed modules that belong to seeding (stack.py prints the demo logins it seeded)
SEEDING_FUNCTIONS = {("jiceng_shared/stack.py", "print_banner")}


def _allowed_module(path: Path) -> bool:
    parts = path.parts
    return (
        path.name == "seed.py"  # each process's seeding
        or path.name == "testing.py"  # a service's test support (used by tests only)
        or "testing" in parts  # jiceng_shared/testing: the test fixtures
        or "tests" in parts
        or path.as_posix().endswith("jiceng_shared/demo.py")
    )


def _imports_demo(node: ast.AST) -> bool:
    if isinstance(node, ast.Import):
        return any(alias.name == DEMO or alias.name.startswith(DEMO + ".") for alias in node.names)
    if isinstance(node, ast.ImportFrom):
        module = node.module or ""
        if module == DEMO or module.startswith(DEMO + "."):
            return True
        if module == "jiceng_shared":
            return any(alias.name == "demo" for alias in node.names)
        # a relative import inside jiceng_shared (from . import demo / from .demo import X)
        if node.level and (module == "demo" or any(alias.name == "demo" for alias in node.names)):
            return True
    return False


def demo_imports(path: Path, tree: ast.AST) -> list[str]:
    """``file:line (function)`` of every import of the demo module outside the allowed places."""
    relative = path.relative_to(ROOT).as_posix()
    found = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            name = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            if _imports_demo(child) and not any(
                relative.endswith(module) and name == fn for module, fn in SEEDING_FUNCTIONS
            ):
                found.append(f"{relative}:{child.lineno}" + (f" (in {name})" if name else ""))
            visit(child, name)

    visit(tree, None)
    return found


def test_no_domain_module_imports_the_demo_data():
    offenders = []
    for directory in SOURCE_DIRS:
        for path in sorted(directory.rglob("*.py")):
            if _allowed_module(path):
                continue
            offenders += demo_imports(path, ast.parse(path.read_text(), filename=str(path)))
    assert not offenders, (
        "domain code must take the county from the registry (jiceng_shared.county, ctx.org), not from "
        f"jiceng_shared.demo (seeding and tests only): {offenders}"
    )


def test_the_check_sees_every_form_of_import(tmp_path):
    for source in (
        "from jiceng_shared import demo\n",
        "import jiceng_shared.demo\n",
        "from jiceng_shared.demo import USERS\n",
        "def f():\n    from jiceng_shared import county, demo\n",
    ):
        path = ROOT / "svc-x" / "src" / "x" / "rules.py"
        assert demo_imports(path, ast.parse(source)), source
    stack = ROOT / "shared" / "src" / "jiceng_shared" / "stack.py"
    assert not demo_imports(stack, ast.parse("def print_banner():\n    from jiceng_shared import demo\n"))
    assert demo_imports(stack, ast.parse("from jiceng_shared import demo\n"))


# --- the service clock (issue 17): domain code reads time from ctx.now(), so tests can stand a
# service on a holiday eve or past a limit. The frame and the infrastructure (outbox, tokens,
# audit) keep the real clock; seeding stamps its rows at the real time.

WALL_CLOCK_CALLS = {"utcnow", "now", "today", "time"}
WALL_CLOCK_OWNERS = {"datetime", "dt", "date", "time", None}


def wall_clock_reads(path: Path, tree: ast.AST) -> list[str]:
    """``file:line`` of every ``utcnow()``, ``datetime.now()``, ``date.today()`` or ``time.time()``."""
    relative = path.relative_to(ROOT).as_posix()
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "utcnow":
            found.append(f"{relative}:{node.lineno}")
        elif isinstance(func, ast.Attribute) and func.attr in WALL_CLOCK_CALLS:
            owner = func.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", None)
            if (
                name in {"datetime", "date", "time", "dt"}
                and func.attr != "time"
                or (name == "time" and func.attr == "time")
            ):
                found.append(f"{relative}:{node.lineno}")
    return found


def test_service_code_reads_time_from_the_service_clock():
    offenders = []
    for directory in sorted(ROOT.glob("svc-*/src")):
        for path in sorted(directory.rglob("*.py")):
            if path.name in ("seed.py", "testing.py"):  # seeding stamps real time; testing.py serves tests
                continue
            offenders += wall_clock_reads(path, ast.parse(path.read_text(), filename=str(path)))
    assert not offenders, f"service code must take time from ctx.now() (the service clock): {offenders}"


def test_the_clock_check_sees_every_wall_clock_read():
    path = ROOT / "svc-x" / "src" / "x" / "service.py"
    for source in (
        "utcnow()\n",
        "dt.datetime.now(dt.timezone.utc)\n",
        "datetime.now()\n",
        "date.today()\n",
        "time.time()\n",
        "dt.date.today()\n",
    ):
        assert wall_clock_reads(path, ast.parse(source)), source
    assert not wall_clock_reads(path, ast.parse("ctx.now()\nenv.now\nclock.now()\n"))


# --- the live category dictionary (issue 8, part 4): categories are administered in svc-dispatch
# through its API; service code checks and labels them from its own table (dispatch's, or a copy
# kept with jiceng_shared.categorycopy), never from the county file as shipped.

FILE_DICTIONARY = {"CATEGORIES", "CATEGORY_BY_CODE"}


def file_dictionary_reads(path: Path, tree: ast.AST) -> list[str]:
    """``file:line`` of every use of the county file's categories (``CATEGORIES``, ``CATEGORY_BY_CODE``)."""
    relative = path.relative_to(ROOT).as_posix()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "jiceng_shared.categories":
            if any(alias.name in FILE_DICTIONARY for alias in node.names):
                found.append(f"{relative}:{node.lineno}")
        elif isinstance(node, ast.Attribute) and node.attr in FILE_DICTIONARY:
            found.append(f"{relative}:{node.lineno}")
    return found


def test_service_code_checks_categories_against_the_live_dictionary():
    offenders = []
    for directory in sorted(ROOT.glob("svc-*/src")):
        for path in sorted(directory.rglob("*.py")):
            if path.name in ("seed.py", "testing.py"):
                continue
            offenders += file_dictionary_reads(path, ast.parse(path.read_text(), filename=str(path)))
    assert not offenders, f"categories come from the live dictionary, not the county file: {offenders}"


def test_the_category_check_sees_every_form_of_use():
    path = ROOT / "svc-x" / "src" / "x" / "service.py"
    for source in (
        "from jiceng_shared.categories import CATEGORY_BY_CODE\n",
        "from jiceng_shared.categories import CATEGORIES, county_dir\n",
        "from jiceng_shared import categories\ncategories.CATEGORY_BY_CODE.get('x')\n",
    ):
        assert file_dictionary_reads(path, ast.parse(source)), source
    assert not file_dictionary_reads(path, ast.parse("from jiceng_shared.categories import county_dir\n"))


# --- one name for the scope filter (issue 17): a sub-domain's "what may this principal read" is
# `readable(principal)` (a loader built on it may be `load_readable`), never a second name.

SECOND_NAMES = {"visible", "_visible", "_readable", "is_visible", "visible_to", "scope", "_scope"}


def second_scope_filter_names(path: Path, tree: ast.AST) -> list[str]:
    """``file:line name`` of every function named as the scope filter under another name."""
    relative = path.relative_to(ROOT).as_posix()
    return [
        f"{relative}:{node.lineno} {node.name}"
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in SECOND_NAMES
    ]


def test_the_scope_filter_has_one_name():
    offenders = []
    for directory in sorted(ROOT.glob("svc-*/src")):
        for path in sorted(directory.rglob("*.py")):
            offenders += second_scope_filter_names(path, ast.parse(path.read_text(), filename=str(path)))
    assert not offenders, f"name the scope filter readable(principal): {offenders}"


def test_the_scope_filter_check_sees_a_second_name():
    path = ROOT / "svc-x" / "src" / "x" / "queries.py"
    for source in ("def visible(principal): ...\n", "def _visible(p): ...\n", "async def _readable(p): ...\n"):
        assert second_scope_filter_names(path, ast.parse(source)), source
    assert not second_scope_filter_names(path, ast.parse("def readable(principal): ...\ndef visible_groups(): ...\n"))


# --- no import cycle in the shared library (issue 17: db.py and tables.py imported each other,
# one of them from inside a function to dodge the cycle). Imports inside functions count; only
# imports under TYPE_CHECKING (annotations) do not.


def _runtime_imports(tree: ast.AST) -> list[ast.AST]:
    """Every import the module runs, at module level or inside a function (not under TYPE_CHECKING)."""
    found: list[ast.AST] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                found.extend(_runtime_imports(ast.Module(body=child.orelse, type_ignores=[])))
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found.append(child)
            visit(child)

    visit(tree)
    return found


def shared_import_cycles() -> list[list[str]]:
    source = ROOT / "shared" / "src"
    modules = {}
    for path in source.rglob("*.py"):
        parts = path.relative_to(source).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for node in _runtime_imports(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                targets.add(node.module)
                targets.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
        graph[name] = {t for t in targets if t in modules and t != name}
    cycles, state = [], {}

    def visit(name: str, path: list[str]) -> None:
        state[name] = "open"
        for target in sorted(graph[name]):
            if state.get(target) == "open":
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    return cycles


def test_the_shared_library_has_no_import_cycle():
    assert not shared_import_cycles()
