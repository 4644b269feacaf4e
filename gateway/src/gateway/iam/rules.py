"""Pure rules of identity administration (no I/O): what a binding may be, who may grant it."""

from __future__ import annotations

import datetime as dt
import re

from jiceng_shared.areafeed import AreaCopy
from jiceng_shared.errors import FieldErrors, Problem
from jiceng_shared.identity import Binding, Principal, area_level, is_area_code
from jiceng_shared.policy import Policy

USER_READ = "iam.user.read"
USER_MANAGE = "iam.user.manage"
CLIENT_READ = "iam.client.read"
CLIENT_MANAGE = "iam.client.manage"
BINDING_MANAGE = "iam.binding.manage"
AUDIT_READ = "iam.audit.read"
#: the audit administrator's alone: the whole log with its hashes, for safekeeping elsewhere
AUDIT_EXPORT = "iam.audit.export"
#: the security administrator's: accounts and bindings of the privileged roles (roles.toml)
ADMIN_MANAGE = "iam.admin.manage"
#: the security administrator's too: lift an account's login lockout
ACCOUNT_UNLOCK = "iam.account.unlock"

#: the role a department system gets over each township it serves
CLIENT_ROLE = "dept_system"
DEPT_PATTERN = re.compile(r"^[a-z0-9_]{2,20}$")


def check_binding(
    policy: Policy,
    role: str,
    area: str,
    dept: str | None,
    *,
    client_dept: str | None = None,
    field: str = "",
    areas: AreaCopy | None = None,
    now: dt.datetime | None = None,
) -> FieldErrors:
    """Every reason this binding cannot exist: unknown role, area or level, department rules, an
    area retired in svc-grid (``areas``: the gateway's copy of the areas changed there).

    A client's bindings all carry the client's own department (a system speaks for one department).
    """
    errors = FieldErrors()
    spec = policy.roles.get(role)
    if spec is None:
        errors.add(f"{field}role", "unknown_role", f"{role!r} is not a role of roles.toml")
    if not is_area_code(area):
        errors.add(f"{field}area", "invalid_area", f"{area!r} is not an area code (12 digits, or 15 for a grid)")
    elif areas is not None and areas.active(area, now) is False:
        errors.add(f"{field}area", "area_retired", f"{area} is retired (or not yet in force): bind its successor")
    elif spec is not None and area_level(area) not in spec.scope_levels:
        errors.add(
            f"{field}area",
            "scope_level_not_allowed",
            f"{role} is granted at {', '.join(spec.scope_levels)} level, not {area_level(area)}",
        )
    if dept is not None and not DEPT_PATTERN.match(dept):
        errors.add(f"{field}dept", "invalid_dept", "a department code is 2-20 lowercase letters, digits or _")
    elif spec is not None:
        if spec.department == "required" and dept is None:
            errors.add(f"{field}dept", "dept_required", f"{role} is granted with a department")
        if spec.department == "none" and dept is not None:
            errors.add(f"{field}dept", "dept_not_allowed", f"{role} is not granted with a department")
    if client_dept is not None and dept != client_dept:
        errors.add(
            f"{field}dept", "client_dept_mismatch", f"a client of {client_dept} is bound with its own department"
        )
    return errors


def privileged_roles(policy: Policy) -> frozenset[str]:
    """The roles of 三员分立 and of the auditors (``privileged = true`` in roles.toml)."""
    return frozenset(name for name, role in policy.roles.items() if role.privileged)


def privileged_account() -> Problem:
    return Problem(
        403,
        "privileged_account",
        "An administrative account",
        "accounts and bindings of administrative and audit roles are created and changed only by the security "
        "administrator, at /api/iam/v1/admins",
    )


def own_account() -> Problem:
    return Problem(403, "own_account", "Your own account", "nobody changes their own account's status or privileges")


def grant_problem(
    granter: Principal, binding: Binding, *, to_self: bool, permission: str = BINDING_MANAGE
) -> Problem | None:
    """Why ``granter`` may not grant ``binding`` (None when they may).

    - Only over areas where the granter administers bindings: a county administrator cannot grant
      a role outside the county (403 ``scope_denied``).
    - Nobody grants themselves more than they hold: a grant to oneself must already be covered by
      a binding of the same role (403 ``self_grant_denied``).
    """
    if not granter.covers(permission, binding.area, binding.dept):
        return Problem(403, "scope_denied", "Outside your scope", f"you do not administer bindings over {binding.area}")
    if to_self and not any(
        held.role == binding.role and held.covers(binding.area, binding.dept) for held in granter.bindings
    ):
        return Problem(
            403,
            "self_grant_denied",
            "Cannot grant yourself more",
            "you may not grant yourself a role or scope you do not already hold",
        )
    return None


def character_classes(password: str) -> int:
    """How many of lower case, upper case, digits and other characters the password mixes."""
    return sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )


def check_password(password: str, username: str, *, min_length: int, min_classes: int = 3) -> FieldErrors:
    errors = FieldErrors()
    if len(password) < min_length:
        errors.add("password", "password_too_short", f"at least {min_length} characters")
    if character_classes(password) < min_classes:
        errors.add(
            "password",
            "password_too_simple",
            f"mix at least {min_classes} of: lower case, upper case, digits, other characters",
        )
    if password.lower() == username.lower():
        errors.add("password", "password_is_username", "the password may not be the user name")
    return errors


def township_home(area: str) -> str:
    """The area an account belongs to for administration: its township (or the county itself)."""
    level = area_level(area)
    return area if level in ("county", "township") else area[:9] + "000"
