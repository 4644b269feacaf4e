"""HTTP routes of /api/iam/v1: users, clients, bindings (county administrators), audit log (auditors).

The gateway's access guard has already matched each call against the route table (gateway.toml);
the ``require`` dependencies repeat the route-level check and the service functions apply scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from gateway import auditchain
from gateway.audit import who
from gateway.auth.passwords import hash_secret
from gateway.iam import rules, service
from gateway.iam.changes import IdentityChanges
from gateway.iam.schemas import (
    AdminCreate,
    AdminUpdate,
    AuditOut,
    AuditOutcome,
    AuditVerificationOut,
    BindingCreate,
    BindingOut,
    ClientCreate,
    ClientCreated,
    ClientOut,
    ClientSecret,
    ClientUpdate,
    PersonAccessOut,
    PersonAccessQuery,
    PersonalAccessOut,
    RoleOut,
    UserCreate,
    UserOut,
    UserUpdate,
)
from gateway.models import User
from gateway.open311 import open311_api_key
from jiceng_shared.db import Database
from jiceng_shared.errors import Problem
from jiceng_shared.identity import Principal
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, page_of
from jiceng_shared.policy import Policy, load_policy
from jiceng_shared.service import require

router = APIRouter(prefix="/api/iam/v1", tags=["identity administration"])

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


async def _db(request: Request) -> Database:
    return request.app.state.db


async def _changes(request: Request) -> IdentityChanges:
    return request.app.state.identity_changes


Db = Annotated[Database, Depends(_db)]
Changes = Annotated[IdentityChanges, Depends(_changes)]


def trail(request: Request, principal: Principal) -> service.Trail:
    return service.Trail(
        request.app.state.audit,
        principal,
        method=request.method,
        resource=request.url.path,
        address=request.app.state.address(request.scope),
        areas=getattr(request.app.state, "areas", None),
    )


async def _on_file(
    request: Request, principal: Principal, action: str, outcome: str, permission: str, **fields: Any
) -> None:
    """An audit administrator's own reading or export, on file before the answer leaves: who, the
    request, the right it used."""
    await request.app.state.audit.write_now(
        action=action,
        outcome=outcome,
        method=request.method,
        resource=request.url.path,
        permission=permission,
        address=request.app.state.address(request.scope),
        **fields,
        **who(principal),
    )


def _policy() -> Policy:
    return load_policy()


def _min_length(request: Request) -> int:
    return request.app.state.settings.password_min_length


def _min_classes(request: Request) -> int:
    return request.app.state.settings.password_min_classes


# --- roles ------------------------------------------------------------------------------------


@router.get(
    "/roles",
    response_model=Page[RoleOut],
    summary="The roles, the scope levels each is granted at, and what each may do (one page: the policy's few roles)",
)
async def list_roles(_: Annotated[Principal, Depends(require(rules.USER_READ))]) -> Page[RoleOut]:
    policy = _policy()
    return Page(
        items=[
            RoleOut(
                name=r.name,
                label_zh=r.label_zh,
                scope_levels=list(r.scope_levels),
                department=r.department,
                permissions=sorted(policy.role_permissions.get(r.name, ())),
            )
            for r in policy.roles.values()
        ]
    )


# --- users ------------------------------------------------------------------------------------


@router.get("/users", response_model=Page[UserOut], summary="User accounts in your scope, newest first")
async def list_users(
    db: Db,
    principal: Annotated[Principal, Depends(require(rules.USER_READ))],
    username: str | None = None,
    area: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
    role: str | None = None,
    disabled: bool | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[UserOut]:
    async with db.session() as session:
        rows = await service.list_users(
            session, principal, username=username, area=area, role=role, disabled=disabled, limit=limit, cursor=cursor
        )
        items, next_cursor = page_of(rows, limit)
        bindings = await service.bindings_of(session, [u.id for u in items])
    policy = _policy()
    return Page[UserOut](items=[service.user_out(policy, u, bindings[u.id]) for u in items], next_cursor=next_cursor)


async def _create_account(
    create: Callable[..., Awaitable[User]],
    body: UserCreate | AdminCreate,
    request: Request,
    response: Response,
    db: Database,
    changes: IdentityChanges,
    principal: Principal,
) -> UserOut:
    """An ordinary or an administrative account: ``create`` (the service's use case) checks who
    may create which; hashing, the transaction, the change notice and the answer are the same."""
    password_hash = await hash_secret(body.password)
    async with db.transaction() as session:
        user = await create(
            session,
            _policy(),
            trail(request, principal),
            body,
            password_hash,
            password_min_length=_min_length(request),
            password_min_classes=_min_classes(request),
        )
        bindings = await service.bindings_of(session, [user.id])
    await changes.changed(user.id)
    response.headers["Location"] = f"/api/iam/v1/users/{user.id}"
    return service.user_out(_policy(), user, bindings[user.id])


@router.post("/users", status_code=201, response_model=UserOut, summary="Create a user account, with its bindings")
async def create_user(
    body: UserCreate,
    request: Request,
    response: Response,
    db: Db,
    changes: Changes,
    principal: Annotated[Principal, Depends(require(rules.USER_MANAGE))],
) -> UserOut:
    return await _create_account(service.create_user, body, request, response, db, changes, principal)


@router.post(
    "/admins",
    status_code=201,
    response_model=UserOut,
    summary="Create an administrative account (system, security or audit administrator, auditor)",
)
async def create_admin(
    body: AdminCreate,
    request: Request,
    response: Response,
    db: Db,
    changes: Changes,
    principal: Annotated[Principal, Depends(require(rules.ADMIN_MANAGE))],
) -> UserOut:
    return await _create_account(service.create_admin, body, request, response, db, changes, principal)


@router.patch(
    "/admins/{user_id}",
    response_model=UserOut,
    summary="Rename, disable or enable an administrative account (never your own; takes effect at once)",
)
async def update_admin(
    user_id: str,
    body: AdminUpdate,
    request: Request,
    db: Db,
    changes: Changes,
    principal: Annotated[Principal, Depends(require(rules.ADMIN_MANAGE))],
) -> UserOut:
    async with db.transaction() as session:
        user = await service.update_admin(session, _policy(), trail(request, principal), user_id, body)
        bindings = await service.bindings_of(session, [user.id])
    await changes.changed(user.id)
    return service.user_out(_policy(), user, bindings[user.id])


@router.delete(
    "/admins/{user_id}/second-factor",
    status_code=204,
    summary="Reset an administrative account's second factor (lost authenticator): its holder enrols again",
)
async def reset_second_factor(
    user_id: str,
    request: Request,
    db: Db,
    changes: Changes,
    principal: Annotated[Principal, Depends(require(rules.ADMIN_MANAGE))],
) -> Response:
    async with db.transaction() as session:
        await service.reset_second_factor(session, _policy(), trail(request, principal), user_id)
    await changes.changed(user_id)
    return Response(status_code=204)


@router.post(
    "/users/{user_id}/unlock",
    status_code=204,
    summary="Lift the login lockout of an account (security administrator; never your own; audited)",
)
async def unlock_account(
    user_id: str,
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(require(rules.ACCOUNT_UNLOCK))],
) -> Response:
    async with db.transaction() as session:
        await service.unlock_account(session, trail(request, principal), user_id)
    return Response(status_code=204)


@router.get("/users/{user_id}", response_model=UserOut, summary="One user account with its bindings")
async def get_user(user_id: str, db: Db, principal: Annotated[Principal, Depends(require(rules.USER_READ))]) -> UserOut:
    async with db.session() as session:
        user = await service.get_user(session, principal, user_id, rules.USER_READ)
        bindings = await service.bindings_of(session, [user.id])
    return service.user_out(_policy(), user, bindings[user.id])


@router.patch(
    "/users/{user_id}",
    response_model=UserOut,
    summary="Rename, disable or enable a user, or set a new password (takes effect at once)",
)
async def update_user(
    user_id: str,
    body: UserUpdate,
    request: Request,
    db: Db,
    changes: Changes,
    principal: Annotated[Principal, Depends(require(rules.USER_MANAGE))],
) -> UserOut:
    password_hash = await hash_secret(body.password) if body.password is not None else None
    async with db.transaction() as session:
        user = await service.update_user(
            session,
            _policy(),
            trail(request, principal),
            user_id,
            body,
            password_hash,
            password_min_length=_min_length(request),
            password_min_classes=_min_classes(request),
        )
        bindings = await service.bindings_of(session, [user.id])
    await changes.changed(user.id)
    return service.user_out(_policy(), user, bindings[user.id])


# --- clients ----------------------------------------------------------------------------------


@router.get("/clients", response_model=Page[ClientOut], summary="Department systems in your scope")
async def list_clients(
    db: Db,
    principal: Annotated[Principal, Depends(require(rules.CLIENT_READ))],
    client_id: str | None = None,
    dept: str | None = None,
    disabled: bool | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[ClientOut]:
    async with db.session() as session:
        rows = await service.list_clients(
            session, principal, client_id=client_id, dept=dept, disabled=disabled, limit=limit, cursor=cursor
        )
        items, next_cursor = page_of(rows, limit)
        bindings = await service.bindings_of(session, [c.id for c in items])
    policy = _policy()
    return Page[ClientOut](
        items=[service.client_out(policy, c, bindings[c.id]) for c in items], next_cursor=next_cursor
    )


@router.post(
    "/clients",
    status_code=201,
    response_model=ClientCreated,
    summary="Register a department system; its secret is shown once",
)
async def create_client(
    body: ClientCreate,
    request: Request,
    response: Response,
    db: Db,
    changes: Changes,
    principal: Annotated[Principal, Depends(require(rules.CLIENT_MANAGE))],
) -> Any:
    secret = service.new_secret()
    secret_hash = await hash_secret(secret)
    async with db.transaction() as session:
        client = await service.create_client(session, _policy(), trail(request, principal), body, secret_hash)
        bindings = await service.bindings_of(session, [client.id])
    await changes.changed(client.id)
    response.headers["Location"] = f"/api/iam/v1/clients/{client.id}"
    response.headers["Cache-Control"] = "no-store"
    return service.client_out(
        _policy(),
        client,
        bindings[client.id],
        ClientCreated,
        client_secret=secret,
        open311_api_key=open311_api_key(client.client_id, secret),
    )


@router.get("/clients/{client_id}", response_model=ClientOut, summary="One department system with its bindings")
async def get_client(
    client_id: str, db: Db, principal: Annotated[Principal, Depends(require(rules.CLIENT_READ))]
) -> ClientOut:
    async with db.session() as session:
        client = await service.get_client(session, principal, client_id, rules.CLIENT_READ)
        bindings = await service.bindings_of(session, [client.id])
    return service.client_out(_policy(), client, bindings[client.id])


@router.patch(
    "/clients/{client_id}",
    response_model=ClientOut,
    summary="Rename, disable or enable a department system (takes effect at once)",
)
async def update_client(
    client_id: str,
    body: ClientUpdate,
    request: Request,
    db: Db,
    changes: Changes,
    principal: Annotated[Principal, Depends(require(rules.CLIENT_MANAGE))],
) -> ClientOut:
    async with db.transaction() as session:
        client = await service.update_client(session, trail(request, principal), client_id, body)
        bindings = await service.bindings_of(session, [client.id])
    await changes.changed(client.id)
    return service.client_out(_policy(), client, bindings[client.id])


@router.post(
    "/clients/{client_id}/secret",
    response_model=ClientSecret,
    summary="Issue a new secret (shown once); the old one stops working at once",
)
async def rotate_client_secret(
    client_id: str,
    request: Request,
    response: Response,
    db: Db,
    principal: Annotated[Principal, Depends(require(rules.CLIENT_MANAGE))],
) -> ClientSecret:
    secret = service.new_secret()
    secret_hash = await hash_secret(secret)
    async with db.transaction() as session:
        client = await service.rotate_secret(session, trail(request, principal), client_id, secret_hash)
    response.headers["Cache-Control"] = "no-store"
    return ClientSecret(
        client_id=client.client_id, client_secret=secret, open311_api_key=open311_api_key(client.client_id, secret)
    )


# --- bindings ---------------------------------------------------------------------------------


@router.post(
    "/bindings",
    status_code=201,
    response_model=BindingOut,
    summary="Grant a role over a scope to a user or a client (within your own scope)",
)
async def grant_binding(
    body: BindingCreate,
    request: Request,
    response: Response,
    db: Db,
    changes: Changes,
    principal: Annotated[Principal, Depends(require(rules.BINDING_MANAGE))],
) -> BindingOut:
    async with db.transaction() as session:
        binding = await service.grant(session, _policy(), trail(request, principal), body)
    await changes.changed(binding.subject_id)
    response.headers["Location"] = f"/api/iam/v1/bindings/{binding.id}"
    return service.binding_out(_policy(), binding)


@router.delete("/bindings/{binding_id}", status_code=204, summary="Revoke a binding (takes effect at once)")
async def revoke_binding(
    binding_id: str,
    request: Request,
    db: Db,
    changes: Changes,
    principal: Annotated[Principal, Depends(require(rules.BINDING_MANAGE))],
) -> Response:
    async with db.transaction() as session:
        binding = await service.revoke(session, _policy(), trail(request, principal), binding_id)
    await changes.changed(binding.subject_id)
    return Response(status_code=204)


# --- audit log --------------------------------------------------------------------------------


@router.get(
    "/audit",
    response_model=Page[AuditOut],
    summary="The audit log, newest first: by subject, resource (path prefix), action and time",
)
async def query_audit(
    db: Db,
    _: Annotated[Principal, Depends(require(rules.AUDIT_READ))],
    subject: Annotated[str | None, Query(description="login name, client id or subject id")] = None,
    resource: Annotated[str | None, Query(description="a path or the start of one", max_length=500)] = None,
    action: str | None = None,
    outcome: AuditOutcome | None = None,
    request_id: str | None = None,
    since: Annotated[dt.datetime | None, Query(description="from this time (inclusive, RFC 3339)")] = None,
    until: Annotated[dt.datetime | None, Query(description="before this time (RFC 3339)")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[AuditOut]:
    for value in (since, until):
        if value is not None and value.tzinfo is None:
            raise Problem(422, "naive_datetime", "Invalid request", "since/until need a time-zone offset")
    async with db.session() as session:
        rows = await service.query_audit(
            session,
            subject=subject,
            resource=resource,
            action=action,
            outcome=outcome,
            since=since,
            until=until,
            request_id=request_id,
            limit=limit,
            cursor=cursor,
        )
    items, next_cursor = page_of(rows, limit, created="at")
    return Page[AuditOut](
        items=[AuditOut.model_validate(e, from_attributes=True) for e in items], next_cursor=next_cursor
    )


@router.get(
    "/audit/verification",
    response_model=AuditVerificationOut,
    summary="Recompute the audit log's hash chain: is every entry as it was written, none missing?",
)
async def verify_audit(db: Db, _: Annotated[Principal, Depends(require(rules.AUDIT_READ))]) -> AuditVerificationOut:
    async with db.snapshot() as session:  # the sealing goes on meanwhile: one moment's chain
        result = await auditchain.verify(session)
    return AuditVerificationOut(**result.__dict__)


@router.get(
    "/audit/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}, "description": "one JSON entry a line, chain order"}},
    summary="Export the audit log with its hashes (NDJSON, chain order; the audit administrator's)",
)
async def export_audit(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(require(rules.AUDIT_EXPORT))],
    since: Annotated[dt.datetime | None, Query(description="from this time (inclusive, RFC 3339)")] = None,
    until: Annotated[dt.datetime | None, Query(description="before this time (RFC 3339)")] = None,
) -> StreamingResponse:
    for value in (since, until):
        if value is not None and value.tzinfo is None:
            raise Problem(422, "naive_datetime", "Invalid request", "since/until need a time-zone offset")
    # on file before the first byte leaves
    await _on_file(
        request,
        principal,
        "iam.audit.exported",
        "started",
        rules.AUDIT_EXPORT,
        detail=f"since={since.isoformat() if since else ''} until={until.isoformat() if until else ''}",
    )
    return StreamingResponse(
        auditchain.export_lines(db, since=since, until=until),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="audit-log.ndjson"', "Cache-Control": "no-store"},
    )


@router.get(
    "/audit/record-accesses/{record_id}",
    response_model=Page[PersonalAccessOut],
    summary="Who read, changed or tried to reach a person's record, when and on which right (个人信息查阅)",
)
async def record_accesses(
    record_id: Annotated[str, Path(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")],
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(require(rules.AUDIT_READ))],
    limit: Limit = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[PersonalAccessOut]:
    await _on_file(request, principal, "personal_access_record", "success", rules.AUDIT_READ)
    async with db.session() as session:
        rows = await service.record_accesses(session, record_id, limit=limit, cursor=cursor)
    items, next_cursor = page_of(rows, limit, created="at")
    labels = _policy().permission_labels
    return Page[PersonalAccessOut](
        items=[
            PersonalAccessOut(
                **{k: getattr(e, k) for k in PersonalAccessOut.model_fields if k != "permission_zh"},
                permission_zh=labels.get(e.permission or ""),
            )
            for e in items
        ],
        next_cursor=next_cursor,
    )


@router.post(
    "/audit/person-accesses",
    response_model=Page[PersonAccessOut],
    summary="Who read or changed a person's data in any service, when and on which right (个人信息查阅)",
)
async def person_accesses(
    body: PersonAccessQuery,
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(require(rules.AUDIT_READ))],
    limit: Limit = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[PersonAccessOut]:
    kinds = service.person_hashes(body)
    await _on_file(request, principal, "personal_access_record", "success", rules.AUDIT_READ)
    async with db.session() as session:
        rows = await service.person_accesses(session, kinds, limit=limit, cursor=cursor)
    items, next_cursor = page_of(rows, limit, created="at")
    labels = _policy().permission_labels
    return Page[PersonAccessOut](
        items=[service.person_access_out(e, kinds, labels) for e in items], next_cursor=next_cursor
    )
