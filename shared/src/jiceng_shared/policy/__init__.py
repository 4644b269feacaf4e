"""The access policy as data: roles, the role→permission table and the route→permission table.

The tables live in the TOML files of this folder, one per service (and ``roles.toml`` for the
roles themselves); they are reviewed like code. The gateway decides route-level permission
from them; services use the same role→permission table to filter their queries by scope.

``permission = "public"`` marks an anonymous route; nothing else is reachable without a token.
``audit = "personal_record"`` on a route makes the gateway record every successful call of it in
the audit log before the answer leaves (reads of a full personal record, domain.md).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

PUBLIC = "public"
#: any authenticated caller (e.g. /auth/me); no role needed
AUTHENTICATED = "authenticated"
#: route flags of ``audit = "..."``: a successful call is audited before the response is sent
AUDIT_FLAGS = frozenset({"personal_record"})


@dataclass(frozen=True)
class Role:
    name: str
    label_zh: str
    #: scope levels a binding of this role may have: county, township, village, grid
    scope_levels: tuple[str, ...]
    #: whether a binding of this role names a department
    department: str  # "required" | "optional" | "none"
    #: an administrative role of 三员分立 (or one whose holders audit them): its accounts and
    #: bindings are created and changed only by the security administrator
    privileged: bool = False


@dataclass(frozen=True)
class Route:
    service: str
    method: str
    path: str
    permission: str
    regex: re.Pattern[str] = field(compare=False, repr=False)
    literal_segments: int = field(compare=False, repr=False)
    #: ``personal_record`` (or None): the gateway audits every successful call
    audit: str | None = None

    @property
    def public(self) -> bool:
        return self.permission == PUBLIC


def _prefix(path: str) -> str:
    """The first two segments (``/api/grid``, ``/auth/token``): never a path parameter."""
    return "/".join(path.split("/", 3)[:3])


def _compile(path: str) -> re.Pattern[str]:
    pattern = re.sub(r"\{[a-zA-Z_][a-zA-Z0-9_]*\}", r"[^/]+", re.escape(path).replace(r"\{", "{").replace(r"\}", "}"))
    return re.compile(f"^{pattern}$")


@dataclass(frozen=True, eq=False)
class Policy:
    roles: dict[str, Role]
    role_permissions: dict[str, frozenset[str]]
    routes: tuple[Route, ...]
    permission_labels: dict[str, str]
    routes_by_method: dict[str, tuple[Route, ...]] = field(default_factory=dict, compare=False)
    routes_by_prefix: dict[tuple[str, str], tuple[Route, ...]] = field(default_factory=dict, compare=False)

    def permissions_of(self, roles: set[str] | frozenset[str]) -> frozenset[str]:
        out: set[str] = set()
        for role in roles:
            out |= self.role_permissions.get(role, frozenset())
        return frozenset(out)

    def roles_with(self, permission: str) -> frozenset[str]:
        return frozenset(r for r, perms in self.role_permissions.items() if permission in perms)

    def match(self, method: str, path: str) -> Route | None:
        # every request of the gateway passes here: look only at the routes of the path's service
        for route in self.routes_by_prefix.get((method, _prefix(path)), ()):
            if route.regex.match(path):
                return route
        return None

    def __post_init__(self) -> None:
        grouped: dict[str, list[Route]] = {}
        for route in self.routes:
            grouped.setdefault(route.method, []).append(route)
        # literal paths win over templates: /tickets/stats before /tickets/{id}
        by_method = {m: tuple(sorted(rs, key=lambda r: -r.literal_segments)) for m, rs in grouped.items()}
        by_prefix: dict[tuple[str, str], list[Route]] = {}
        for method, routes in by_method.items():
            for route in routes:
                by_prefix.setdefault((method, _prefix(route.path)), []).append(route)
        object.__setattr__(self, "routes_by_method", by_method)
        object.__setattr__(self, "routes_by_prefix", {k: tuple(v) for k, v in by_prefix.items()})

    @property
    def public_routes(self) -> tuple[Route, ...]:
        return tuple(r for r in self.routes if r.public)


def _read(name: str) -> dict:
    return tomllib.loads(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))


@cache
def load_policy() -> Policy:
    roles_doc = _read("roles.toml")
    roles = {
        name: Role(
            name,
            spec["label_zh"],
            tuple(spec["scope_levels"]),
            spec.get("department", "none"),
            bool(spec.get("privileged", False)),
        )
        for name, spec in roles_doc["roles"].items()
    }
    role_permissions: dict[str, set[str]] = {name: set() for name in roles}
    labels: dict[str, str] = {}
    routes: list[Route] = []
    for entry in sorted(resources.files(__package__).iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".toml") or entry.name == "roles.toml":
            continue
        doc = tomllib.loads(entry.read_text(encoding="utf-8"))
        service = doc["service"]
        for permission, spec in doc.get("permissions", {}).items():
            if permission in labels:
                raise ValueError(f"permission {permission} declared twice")
            labels[permission] = spec.get("label_zh", "")
            for role in spec["roles"]:
                if role not in roles:
                    raise ValueError(f"{entry.name}: unknown role {role} for {permission}")
                role_permissions[role].add(permission)
        for r in doc.get("routes", []):
            perm = r["permission"]
            if perm not in (PUBLIC, AUTHENTICATED) and perm not in doc.get("permissions", {}):
                raise ValueError(f"{entry.name}: route {r['method']} {r['path']} names undeclared permission {perm}")
            if r["path"].split("/")[-1:] and "/public/" in r["path"] and perm != PUBLIC:
                raise ValueError(f"{entry.name}: {r['path']} is under /public/ but needs {perm}")
            if perm == PUBLIC and "/public/" not in r["path"] and service != "gateway":
                raise ValueError(f"{entry.name}: public route {r['path']} must live under /public/")
            audit = r.get("audit")
            if audit is not None and audit not in AUDIT_FLAGS:
                raise ValueError(f"{entry.name}: route {r['path']} has unknown audit flag {audit!r}")
            literal = sum(1 for seg in r["path"].split("/") if seg and not seg.startswith("{"))
            routes.append(Route(service, r["method"].upper(), r["path"], perm, _compile(r["path"]), literal, audit))
    seen: set[tuple[str, str]] = set()
    for route in routes:
        key = (route.method, route.path)
        if key in seen:
            raise ValueError(f"route {route.method} {route.path} declared twice")
        seen.add(key)
    return Policy(
        roles=roles,
        role_permissions={k: frozenset(v) for k, v in role_permissions.items()},
        routes=tuple(routes),
        permission_labels=labels,
    )
