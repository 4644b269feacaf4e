"""Use cases of identity administration; each change and its audit entry commit together.

Reads are filtered in SQL by the administrator's scope (an account belongs to an area; a binding
lies over one), so an account of another county is simply not found (404).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.audit import AuditLog, who
from gateway.auth.service import revoke_sessions
from gateway.iam import rules
from gateway.iam.schemas import (
    AdminCreate,
    AdminUpdate,
    BindingCreate,
    BindingOut,
    BindingSpec,
    ClientCreate,
    ClientOut,
    ClientUpdate,
    PersonAccessOut,
    PersonAccessQuery,
    PersonalAccessOut,
    UserCreate,
    UserOut,
    UserUpdate,
)
from gateway.limits import account_key
from gateway.models import AuditEntry, Client, LoginFailure, RoleBinding, User
from jiceng_shared import personaldata
from jiceng_shared.areafeed import AreaCopy
from jiceng_shared.db import new_id, utcnow
from jiceng_shared.errors import Problem, not_found
from jiceng_shared.identity import Binding, Principal, area_level
from jiceng_shared.pagination import paginate, where_equal
from jiceng_shared.policy import Policy
from jiceng_shared.scope import require_scope, scope_filter


class Trail:
    """What every audit entry of one administrative request carries (who, from where, which call)."""

    def __init__(
        self,
        audit: AuditLog,
        principal: Principal,
        *,
        method: str,
        resource: str,
        address: str | None,
        areas: AreaCopy | None = None,
    ) -> None:
        #: the areas changed in svc-grid, as the gateway knows them (a retired grid takes no binding)
        self.areas = areas
        self.audit = audit
        self.principal = principal
        self.method = method
        self.resource = resource
        self.address = address

    def add(self, session: AsyncSession, action: str, permission: str, status: int, detail: dict[str, Any]) -> None:
        row = self.audit.entry(
            action=action,
            outcome="completed",
            method=self.method,
            resource=self.resource,
            permission=permission,
            status=status,
            address=self.address,
            detail=json.dumps(detail, ensure_ascii=False, sort_keys=True),
            **who(self.principal),
        )
        session.add(AuditEntry(**row))


def concurrent_update() -> Problem:
    return Problem(
        409, "concurrent_update", "Changed by someone else", "the resource changed meanwhile; reload and retry"
    )


# --- bindings ---------------------------------------------------------------------------------


def binding_out(policy: Policy, b: RoleBinding) -> BindingOut:
    role = policy.roles.get(b.role)
    return BindingOut(
        id=b.id,
        subject_id=b.subject_id,
        subject_kind=b.subject_kind,
        role=b.role,
        role_zh=role.label_zh if role else b.role,
        area=b.area,
        area_level=area_level(b.area),
        dept=b.dept,
        granted_by=b.granted_by,
        created_at=b.created_at,
    )


async def bindings_of(session: AsyncSession, subject_ids: Sequence[str]) -> dict[str, list[RoleBinding]]:
    out: dict[str, list[RoleBinding]] = {s: [] for s in subject_ids}
    if not subject_ids:
        return out
    rows = await session.scalars(
        select(RoleBinding)
        .where(RoleBinding.subject_id.in_(subject_ids))
        .order_by(RoleBinding.created_at, RoleBinding.id)
    )
    for b in rows:
        out[b.subject_id].append(b)
    return out


def _new_binding(
    policy: Policy,
    granter: Principal,
    subject_id: str,
    kind: str,
    spec: BindingSpec,
    *,
    client_dept: str | None,
    now: dt.datetime,
    field: str = "",
    privileged: bool = False,
    areas: AreaCopy | None = None,
) -> RoleBinding:
    """A new binding; ``privileged``: the security administrator's (privileged roles only), else the
    system administrator's (ordinary roles only)."""
    rules.check_binding(
        policy, spec.role, spec.area, spec.dept, client_dept=client_dept, field=field, areas=areas, now=now
    ).raise_if_any()
    if (spec.role in rules.privileged_roles(policy)) != privileged:
        if not privileged:
            raise rules.privileged_account()
        raise Problem(
            422,
            "not_privileged_role",
            "Invalid request",
            f"{field}role: {spec.role} is not an administrative role; the system administrator grants it",
        )
    problem = rules.grant_problem(
        granter,
        Binding(spec.role, spec.area, spec.dept),
        to_self=subject_id == granter.subject,
        permission=rules.ADMIN_MANAGE if privileged else rules.BINDING_MANAGE,
    )
    if problem is not None:
        raise problem
    return RoleBinding(
        id=new_id(),
        subject_id=subject_id,
        subject_kind=kind,
        role=spec.role,
        area=spec.area,
        dept=spec.dept,
        granted_by=granter.subject,
        created_at=now,
    )


async def is_privileged(session: AsyncSession, policy: Policy, subject_id: str) -> bool:
    """Whether the account holds a privileged role (its changes are the security administrator's)."""
    found = await session.scalar(
        select(RoleBinding.id).where(
            RoleBinding.subject_id == subject_id, RoleBinding.role.in_(rules.privileged_roles(policy))
        )
    )
    return found is not None


async def _exists(session: AsyncSession, subject_id: str, spec: BindingSpec) -> bool:
    dept = RoleBinding.dept.is_(None) if spec.dept is None else RoleBinding.dept == spec.dept
    found = await session.scalar(
        select(RoleBinding.id).where(
            RoleBinding.subject_id == subject_id, RoleBinding.role == spec.role, RoleBinding.area == spec.area, dept
        )
    )
    return found is not None


async def grant(session: AsyncSession, policy: Policy, trail: Trail, body: BindingCreate) -> RoleBinding:
    granter = trail.principal
    user = await session.scalar(
        select(User).where(User.id == body.subject_id, scope_filter(granter, rules.BINDING_MANAGE, User.area))
    )
    client = None
    if user is None:
        client = await session.scalar(
            select(Client).where(Client.id == body.subject_id, scope_filter(granter, rules.BINDING_MANAGE, Client.area))
        )
        if client is None:
            raise not_found("user or client", body.subject_id)
    if user is not None and await is_privileged(session, policy, user.id):
        raise rules.privileged_account()
    binding = _new_binding(
        policy,
        granter,
        body.subject_id,
        "user" if user else "client",
        body,
        client_dept=client.dept if client else None,
        now=utcnow(),
        areas=trail.areas,
    )
    if await _exists(session, body.subject_id, body):
        raise Problem(409, "binding_exists", "Already granted", "this role is already granted over this scope")
    session.add(binding)
    trail.resource = f"/api/iam/v1/bindings/{binding.id}"
    trail.add(
        session,
        "iam.binding.granted",
        rules.BINDING_MANAGE,
        201,
        {"subject_id": body.subject_id, "role": body.role, "area": body.area, "dept": body.dept},
    )
    await session.flush()
    return binding


async def revoke(session: AsyncSession, policy: Policy, trail: Trail, binding_id: str) -> RoleBinding:
    binding = await session.scalar(
        select(RoleBinding).where(
            RoleBinding.id == binding_id, scope_filter(trail.principal, rules.BINDING_MANAGE, RoleBinding.area)
        )
    )
    if binding is None:
        raise not_found("binding", binding_id)
    if await is_privileged(session, policy, binding.subject_id):
        raise rules.privileged_account()
    await session.delete(binding)
    trail.add(
        session,
        "iam.binding.revoked",
        rules.BINDING_MANAGE,
        204,
        {"subject_id": binding.subject_id, "role": binding.role, "area": binding.area, "dept": binding.dept},
    )
    await session.flush()
    return binding


# --- users ------------------------------------------------------------------------------------


def user_out(policy: Policy, user: User, bindings: list[RoleBinding]) -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        area=user.area,
        disabled=user.disabled,
        created_at=user.created_at,
        updated_at=user.updated_at,
        version=user.version,
        bindings=[binding_out(policy, b) for b in bindings],
    )


async def list_users(
    session: AsyncSession,
    principal: Principal,
    *,
    username: str | None,
    area: str | None,
    role: str | None,
    disabled: bool | None,
    limit: int,
    cursor: str | None,
) -> list[User]:
    stmt = select(User).where(scope_filter(principal, rules.USER_READ, User.area))
    stmt = where_equal(stmt, ((User.username, username), (User.area, area), (User.disabled, disabled)))
    if role is not None:
        stmt = stmt.where(User.id.in_(select(RoleBinding.subject_id).where(RoleBinding.role == role)))
    stmt = paginate(stmt, User.created_at, User.id, limit=limit, cursor=cursor)
    return list((await session.scalars(stmt)).all())


async def get_user(session: AsyncSession, principal: Principal, user_id: str, permission: str) -> User:
    user = await session.scalar(select(User).where(User.id == user_id, scope_filter(principal, permission, User.area)))
    if user is None:
        raise not_found("user", user_id)
    return user


async def create_user(
    session: AsyncSession,
    policy: Policy,
    trail: Trail,
    body: UserCreate,
    password_hash: str,
    *,
    password_min_length: int,
    password_min_classes: int = 3,
) -> User:
    require_scope(trail.principal, rules.USER_MANAGE, body.area)
    errors = rules.check_password(
        body.password, body.username, min_length=password_min_length, min_classes=password_min_classes
    )
    errors.raise_if_any()
    return await _new_account(
        session, policy, trail, body, password_hash, event="iam.user.created", permission=rules.USER_MANAGE
    )


async def _new_account(
    session: AsyncSession,
    policy: Policy,
    trail: Trail,
    body: UserCreate | AdminCreate,
    password_hash: str,
    *,
    event: str,
    permission: str,
    privileged: bool = False,
) -> User:
    """The account with its bindings (each one checked, none listed twice), audited as ``event``."""
    if await session.scalar(select(User.id).where(User.username == body.username)) is not None:
        raise Problem(409, "username_taken", "User name taken", f"{body.username} already exists")
    now = utcnow()
    user = User(
        id=new_id(),
        username=body.username,
        display_name=body.display_name,
        password_hash=password_hash,
        area=body.area,
        disabled=False,
        created_at=now,
        updated_at=now,
    )
    bindings = [
        _new_binding(
            policy,
            trail.principal,
            user.id,
            "user",
            spec,
            client_dept=None,
            now=now,
            field=f"bindings.{i}.",
            privileged=privileged,
            areas=trail.areas,
        )
        for i, spec in enumerate(body.bindings)
    ]
    if len({(b.role, b.area, b.dept) for b in bindings}) != len(bindings):
        raise Problem(422, "duplicate_binding", "Invalid request", "bindings: the same binding is listed twice")
    session.add(user)
    session.add_all(bindings)
    trail.resource = f"/api/iam/v1/users/{user.id}"
    trail.add(
        session,
        event,
        permission,
        201,
        {"username": user.username, "area": user.area, "bindings": [[b.role, b.area, b.dept] for b in bindings]},
    )
    await session.flush()
    return user


def _rename_or_disable(user: User, body: UserUpdate | AdminUpdate) -> dict[str, Any]:
    """Apply a new display name or disabled flag; returns what really changed (for the audit)."""
    changed: dict[str, Any] = {}
    if body.display_name is not None and body.display_name != user.display_name:
        user.display_name = changed["display_name"] = body.display_name
    if body.disabled is not None and body.disabled != user.disabled:
        user.disabled = changed["disabled"] = body.disabled
    return changed


async def update_user(
    session: AsyncSession,
    policy: Policy,
    trail: Trail,
    user_id: str,
    body: UserUpdate,
    password_hash: str | None,
    *,
    password_min_length: int,
    password_min_classes: int = 3,
) -> User:
    user = await get_user(session, trail.principal, user_id, rules.USER_MANAGE)
    if await is_privileged(session, policy, user.id):
        raise rules.privileged_account()
    if user.version != body.version:
        raise concurrent_update()
    if body.password is not None:
        rules.check_password(
            body.password, user.username, min_length=password_min_length, min_classes=password_min_classes
        ).raise_if_any()
    if body.disabled and user.id == trail.principal.subject:
        raise Problem(422, "cannot_disable_self", "Invalid request", "disabled: you cannot disable your own account")
    changed = _rename_or_disable(user, body)
    if password_hash is not None:
        user.password_history = json.dumps(([user.password_hash] + json.loads(user.password_history or "[]"))[:20])
        user.password_hash = password_hash
        user.password_changed_at = utcnow()
        changed["password"] = "changed"
    if changed:
        user.updated_at = utcnow()
        trail.add(session, "iam.user.updated", rules.USER_MANAGE, 200, {"username": user.username, **changed})
        await session.flush()
    if password_hash is not None or body.disabled:  # every session of the account ends with it
        await revoke_sessions(session, user.id, "password_changed" if password_hash is not None else "disabled")
    return user


# --- administrative accounts (三员分立): the security administrator's alone --------------------


async def create_admin(
    session: AsyncSession,
    policy: Policy,
    trail: Trail,
    body: AdminCreate,
    password_hash: str,
    *,
    password_min_length: int,
    password_min_classes: int = 3,
) -> User:
    """An account of the system administrator, security administrator, audit administrator or
    auditor role: only privileged bindings, granted by the security administrator (audited)."""
    require_scope(trail.principal, rules.ADMIN_MANAGE, body.area)
    rules.check_password(
        body.password, body.username, min_length=password_min_length, min_classes=password_min_classes
    ).raise_if_any()
    return await _new_account(
        session,
        policy,
        trail,
        body,
        password_hash,
        event="iam.admin.created",
        permission=rules.ADMIN_MANAGE,
        privileged=True,
    )


async def update_admin(session: AsyncSession, policy: Policy, trail: Trail, user_id: str, body: AdminUpdate) -> User:
    """Rename, disable or enable an administrative account: never one's own, never its password
    (only its holder changes that), never an ordinary account (the system administrator's)."""
    user = await get_user(session, trail.principal, user_id, rules.ADMIN_MANAGE)
    if user.id == trail.principal.subject:
        raise rules.own_account()
    if not await is_privileged(session, policy, user.id):
        raise Problem(
            409,
            "not_privileged_account",
            "Not an administrative account",
            "ordinary accounts are the system administrator's (/api/iam/v1/users)",
        )
    if user.version != body.version:
        raise concurrent_update()
    changed = _rename_or_disable(user, body)
    if changed:
        user.updated_at = utcnow()
        trail.add(session, "iam.admin.updated", rules.ADMIN_MANAGE, 200, {"username": user.username, **changed})
        await session.flush()
    if body.disabled:
        await revoke_sessions(session, user.id, "disabled")
    return user


async def reset_second_factor(session: AsyncSession, policy: Policy, trail: Trail, user_id: str) -> User:
    """Recovery of a lost authenticator: the holder enrols again (with their password, which the
    security administrator never learns nor sets). Never one's own; audited."""
    user = await get_user(session, trail.principal, user_id, rules.ADMIN_MANAGE)
    if user.id == trail.principal.subject:
        raise rules.own_account()
    if not await is_privileged(session, policy, user.id):
        raise Problem(
            409,
            "not_privileged_account",
            "Not an administrative account",
            "ordinary accounts have no second factor to reset",
        )
    user.totp_secret, user.totp_enrolled, user.recovery_codes, user.totp_last_step = None, False, None, None
    user.updated_at = utcnow()
    trail.add(session, "iam.admin.second_factor_reset", rules.ADMIN_MANAGE, 204, {"username": user.username})
    await session.flush()
    return user


async def unlock_account(session: AsyncSession, trail: Trail, user_id: str) -> int:
    """Lift the lockout of an account locked by failed logins (the security administrator's, 三员分立):
    its failures are forgotten, so it may log in again at once. Never one's own; audited with the
    number of failures cleared. Failures counted against a caller's address stay."""
    user = await get_user(session, trail.principal, user_id, rules.ACCOUNT_UNLOCK)
    if user.id == trail.principal.subject:
        raise rules.own_account()
    key = account_key(user.username)
    cleared = await session.scalar(select(func.count()).select_from(LoginFailure).where(LoginFailure.key == key)) or 0
    await session.execute(delete(LoginFailure).where(LoginFailure.key == key))
    trail.add(
        session, "iam.account.unlocked", rules.ACCOUNT_UNLOCK, 204, {"username": user.username, "failures": cleared}
    )
    return cleared


# --- clients ----------------------------------------------------------------------------------


def client_out(
    policy: Policy, client: Client, bindings: list[RoleBinding], model: type[ClientOut] = ClientOut, **extra: Any
) -> ClientOut:
    return model(
        id=client.id,
        client_id=client.client_id,
        name=client.name,
        dept=client.dept,
        area=client.area,
        disabled=client.disabled,
        created_at=client.created_at,
        updated_at=client.updated_at,
        version=client.version,
        bindings=[binding_out(policy, b) for b in bindings],
        **extra,
    )


def new_secret() -> str:
    return secrets.token_urlsafe(32)


async def list_clients(
    session: AsyncSession,
    principal: Principal,
    *,
    client_id: str | None,
    dept: str | None,
    disabled: bool | None,
    limit: int,
    cursor: str | None,
) -> list[Client]:
    stmt = select(Client).where(scope_filter(principal, rules.CLIENT_READ, Client.area))
    stmt = where_equal(stmt, ((Client.client_id, client_id), (Client.dept, dept), (Client.disabled, disabled)))
    stmt = paginate(stmt, Client.created_at, Client.id, limit=limit, cursor=cursor)
    return list((await session.scalars(stmt)).all())


async def get_client(session: AsyncSession, principal: Principal, client_id: str, permission: str) -> Client:
    client = await session.scalar(
        select(Client).where(Client.id == client_id, scope_filter(principal, permission, Client.area))
    )
    if client is None:
        raise not_found("client", client_id)
    return client


async def create_client(
    session: AsyncSession, policy: Policy, trail: Trail, body: ClientCreate, secret_hash: str
) -> Client:
    require_scope(trail.principal, rules.CLIENT_MANAGE, body.area)
    if await session.scalar(select(Client.id).where(Client.client_id == body.client_id)) is not None:
        raise Problem(409, "client_id_taken", "Client id taken", f"{body.client_id} already exists")
    if len(set(body.townships)) != len(body.townships):
        raise Problem(422, "duplicate_binding", "Invalid request", "townships: a township is listed twice")
    now = utcnow()
    client = Client(
        id=new_id(),
        client_id=body.client_id,
        name=body.name,
        secret_hash=secret_hash,
        dept=body.dept,
        area=body.area,
        disabled=False,
        created_at=now,
        updated_at=now,
    )
    bindings = [
        _new_binding(
            policy,
            trail.principal,
            client.id,
            "client",
            BindingSpec(role=rules.CLIENT_ROLE, area=township, dept=body.dept),
            client_dept=body.dept,
            now=now,
            field=f"townships.{i}.",
            areas=trail.areas,
        )
        for i, township in enumerate(body.townships)
    ]
    session.add(client)
    session.add_all(bindings)
    trail.resource = f"/api/iam/v1/clients/{client.id}"
    trail.add(
        session,
        "iam.client.created",
        rules.CLIENT_MANAGE,
        201,
        {"client_id": client.client_id, "dept": client.dept, "townships": body.townships},
    )
    await session.flush()
    return client


async def update_client(session: AsyncSession, trail: Trail, client_id: str, body: ClientUpdate) -> Client:
    client = await get_client(session, trail.principal, client_id, rules.CLIENT_MANAGE)
    if client.version != body.version:
        raise concurrent_update()
    changed: dict[str, Any] = {}
    if body.name is not None and body.name != client.name:
        client.name = changed["name"] = body.name
    if body.disabled is not None and body.disabled != client.disabled:
        client.disabled = changed["disabled"] = body.disabled
    if changed:
        client.updated_at = utcnow()
        trail.add(session, "iam.client.updated", rules.CLIENT_MANAGE, 200, {"client_id": client.client_id, **changed})
        await session.flush()
    return client


async def rotate_secret(session: AsyncSession, trail: Trail, client_id: str, secret_hash: str) -> Client:
    client = await get_client(session, trail.principal, client_id, rules.CLIENT_MANAGE)
    client.secret_hash = secret_hash
    client.updated_at = utcnow()
    trail.add(session, "iam.client.secret_rotated", rules.CLIENT_MANAGE, 200, {"client_id": client.client_id})
    await session.flush()
    return client


# --- audit log --------------------------------------------------------------------------------


async def query_audit(
    session: AsyncSession,
    *,
    subject: str | None,
    resource: str | None,
    action: str | None,
    outcome: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    request_id: str | None,
    limit: int,
    cursor: str | None,
) -> list[AuditEntry]:
    stmt = select(AuditEntry)
    if subject is not None:
        stmt = stmt.where(or_(AuditEntry.subject == subject, AuditEntry.subject_id == subject))
    if resource is not None:
        # a path, or the start of one: /api/grid/v1/residents/ finds every resident read
        escaped = resource.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(AuditEntry.resource.like(escaped + "%", escape="\\"))
    stmt = where_equal(
        stmt, ((AuditEntry.action, action), (AuditEntry.outcome, outcome), (AuditEntry.request_id, request_id))
    )
    if since is not None:
        stmt = stmt.where(AuditEntry.at >= since)
    if until is not None:
        stmt = stmt.where(AuditEntry.at < until)
    stmt = paginate(stmt, AuditEntry.at, AuditEntry.id, limit=limit, cursor=cursor)
    return list((await session.scalars(stmt)).all())


async def record_accesses(session: AsyncSession, record_id: str, *, limit: int, cursor: str | None) -> list[AuditEntry]:
    """Every audit entry of a call whose path names the record (reads of the full record, changes,
    its history, refusals), newest first: the access record a person may ask for."""
    escaped = record_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    stmt = select(AuditEntry).where(
        or_(
            AuditEntry.resource.like(f"%/{escaped}", escape="\\"),
            AuditEntry.resource.like(f"%/{escaped}/%", escape="\\"),
        ),
        # look-ups of the access record itself hold no personal data: not part of it
        AuditEntry.resource.not_like("/api/iam/v1/audit/%"),
    )
    stmt = paginate(stmt, AuditEntry.at, AuditEntry.id, limit=limit, cursor=cursor)
    return list((await session.scalars(stmt)).all())


async def person_accesses(
    session: AsyncSession, hashes: Iterable[str], *, limit: int, cursor: str | None
) -> list[AuditEntry]:
    """Every audit entry of a call that disclosed or changed data of the person whose identifiers hash
    to ``hashes`` (the keyed hashes the gateway records, :func:`gateway.audit.data_subjects`), in
    every service, newest first."""
    stmt = select(AuditEntry).where(
        AuditEntry.data_subjects.is_not(None),
        or_(*(AuditEntry.data_subjects.contains(h, autoescape=True) for h in hashes)),
        AuditEntry.resource.not_like("/api/iam/v1/audit/%"),
    )
    stmt = paginate(stmt, AuditEntry.at, AuditEntry.id, limit=limit, cursor=cursor)
    return list((await session.scalars(stmt)).all())


def person_hashes(query: PersonAccessQuery) -> dict[str, str]:
    """{keyed hash: kind of identifier} of the person asked about, under the current lookup key and
    every previous one still kept (audit entries are never rehashed)."""
    wanted = {"id_number": query.id_number.upper(), "phone": query.phone, "name": query.name}
    kinds: dict[str, str] = {}
    for kind, value in wanted.items():
        if value:
            for h in personaldata.cipher().lookups(f"person:{kind}:{value}"):
                kinds[h] = kind
    return kinds


def person_access_out(e: AuditEntry, kinds: Mapping[str, str], labels: Mapping[str, str]) -> PersonAccessOut:
    recorded = set((e.data_subjects or "").split())
    parts = (e.resource or "").split("/")
    return PersonAccessOut(
        **{k: getattr(e, k) for k in PersonalAccessOut.model_fields if k != "permission_zh"},
        permission_zh=labels.get(e.permission or ""),
        service=parts[2] if len(parts) > 2 and parts[1] == "api" else None,
        matched_by=sorted({k for h, k in kinds.items() if h in recorded}),
    )
