"""/auth: the token endpoint (OAuth2 password and client-credentials grants), /auth/me, JWKS."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Request, Response
from pydantic import BaseModel, Field

from gateway.auth.service import Authenticator
from gateway.iam.schemas import AreaLevel, SubjectKind
from jiceng_shared.errors import Problem, unauthenticated
from jiceng_shared.identity import Principal, area_level
from jiceng_shared.policy import load_policy

router = APIRouter(prefix="/auth", tags=["auth"])


async def authenticator(request: Request) -> Authenticator:
    return request.app.state.authenticator


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise unauthenticated()
    return token.strip()


async def authenticated(request: Request, auth: Annotated[Authenticator, Depends(authenticator)]) -> Principal:
    principal = await auth.principal_for(bearer_token(request))
    request.state.principal = principal
    return principal


class TokenRequest(BaseModel):
    """The OAuth2 token request, form-encoded (RFC 6749 §4.3 password, §4.4 client credentials)."""

    grant_type: str
    username: str | None = Field(None, max_length=100)
    password: str | None = Field(None, max_length=256)
    client_id: str | None = Field(None, max_length=100)
    client_secret: str | None = Field(None, max_length=256)
    #: accepted for OAuth2 clients; roles decide access
    scope: str | None = Field(None, max_length=1000)
    #: the refresh_token grant (RFC 6749 §6): the refresh token of the last answer (used once)
    refresh_token: str | None = Field(None, max_length=200)
    #: the second factor of administrative accounts: a TOTP code, or one of the recovery codes
    totp: str | None = Field(None, max_length=10)
    recovery_code: str | None = Field(None, max_length=20)


class EnrolmentRequest(BaseModel):
    """Enrolment of the second factor authenticates with the password (form-encoded)."""

    username: str = Field(max_length=100)
    password: str = Field(max_length=256)


class ConfirmationRequest(EnrolmentRequest):
    totp: str = Field(min_length=6, max_length=10, description="the first code the authenticator shows")


class PasswordChange(EnrolmentRequest):
    new_password: str = Field(min_length=1, max_length=256)
    #: administrative accounts: the second factor too
    totp: str | None = Field(None, max_length=10)
    recovery_code: str | None = Field(None, max_length=20)


class EnrolmentOut(BaseModel):
    #: base32 secret for the authenticator app (shown once)
    secret: str
    #: the same as an otpauth:// URI (for a QR code)
    otpauth_uri: str


class ConfirmationOut(BaseModel):
    #: single-use codes to log in without the authenticator (shown once: keep them offline)
    recovery_codes: list[str]


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    #: people only: exchange it once at grant_type=refresh_token for the next pair; the session
    #: ends when it is unused for GATEWAY_SESSION_IDLE_TIMEOUT_SECONDS, at logout, or on its reuse
    refresh_token: str | None = None


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, _, secret = base64.b64decode(value).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise Problem(400, "invalid_request", "Bad credentials header", error="invalid_request") from None
    return client_id, secret


@router.post(
    "/token",
    response_model=TokenResponse,
    summary="Log in (OAuth2: password grant for people, client_credentials for department systems)",
)
async def token(
    request: Request,
    response: Response,
    auth: Annotated[Authenticator, Depends(authenticator)],
    form: Annotated[TokenRequest, Form()],
) -> TokenResponse:
    grant_type, username, password = form.grant_type, form.username, form.password
    client_id, client_secret = form.client_id, form.client_secret
    if grant_type == "password":
        if not username or not password:
            raise Problem(
                400,
                "invalid_request",
                "Missing credentials",
                "username and password are required",
                error="invalid_request",
            )
        access, ttl, _, refresh = await auth.password_grant(
            username,
            password,
            request.app.state.address(request.scope),
            totp=form.totp,
            recovery_code=form.recovery_code,
        )
    elif grant_type == "client_credentials":
        basic = _basic_credentials(request)
        cid, secret = basic if basic else (client_id, client_secret)
        if not cid or not secret:
            raise Problem(
                400,
                "invalid_request",
                "Missing credentials",
                "client_id and client_secret are required",
                error="invalid_request",
            )
        access, ttl, _ = await auth.client_credentials_grant(cid, secret, request.app.state.address(request.scope))
        refresh = None
    elif grant_type == "refresh_token":
        if not form.refresh_token:
            raise Problem(
                400, "invalid_request", "Missing credentials", "refresh_token is required", error="invalid_request"
            )
        access, ttl, _, refresh = await auth.refresh_grant(form.refresh_token, request.app.state.address(request.scope))
    else:
        raise Problem(
            400,
            "unsupported_grant_type",
            "Unsupported grant type",
            "use password, refresh_token or client_credentials",
            error="unsupported_grant_type",
        )
    response.headers["Cache-Control"] = "no-store"  # RFC 6749 §5.1
    return TokenResponse(access_token=access, expires_in=ttl, refresh_token=refresh)


@router.post("/logout", status_code=204, summary="Log out: end this session (its refresh token and access tokens)")
async def logout(request: Request, auth: Annotated[Authenticator, Depends(authenticator)]) -> Response:
    token = (request.headers.get("authorization") or "").partition(" ")[2].strip()
    claims = auth.tokens.verify(token)  # the access guard has verified it already (cached)
    subject, sid = claims["sub"], claims.get("sid")
    if sid is not None:
        await auth.end_sessions(subject, "logout", sid)
        await request.app.state.identity_changes.changed(subject)
    request.app.state.audit.write_later(
        action="logout", outcome="success", subject_id=subject, address=request.app.state.address(request.scope)
    )
    return Response(status_code=204)


@router.post(
    "/password",
    status_code=204,
    summary="Change your own password (also once it expired); every session of the account ends",
)
async def change_password(
    request: Request,
    auth: Annotated[Authenticator, Depends(authenticator)],
    form: Annotated[PasswordChange, Form()],
) -> Response:
    settings = request.app.state.settings
    subject = await auth.change_password(
        form.username,
        form.password,
        form.new_password,
        request.app.state.address(request.scope),
        totp=form.totp,
        recovery_code=form.recovery_code,
        min_length=settings.password_min_length,
        min_classes=settings.password_min_classes,
        history=settings.password_history,
    )
    await request.app.state.identity_changes.changed(subject)
    return Response(status_code=204)


@router.post(
    "/mfa/enrolment",
    response_model=EnrolmentOut,
    summary="Start enrolling the second factor (TOTP): a new secret for your authenticator",
)
async def start_mfa_enrolment(
    request: Request,
    auth: Annotated[Authenticator, Depends(authenticator)],
    form: Annotated[EnrolmentRequest, Form()],
) -> EnrolmentOut:
    secret, uri = await auth.start_enrolment(form.username, form.password, request.app.state.address(request.scope))
    return EnrolmentOut(secret=secret, otpauth_uri=uri)


@router.post(
    "/mfa/confirmation",
    response_model=ConfirmationOut,
    summary="Confirm the second factor with a first code; returns the recovery codes once",
)
async def confirm_mfa_enrolment(
    request: Request,
    auth: Annotated[Authenticator, Depends(authenticator)],
    form: Annotated[ConfirmationRequest, Form()],
) -> ConfirmationOut:
    codes = await auth.confirm_enrolment(
        form.username, form.password, form.totp, request.app.state.address(request.scope)
    )
    return ConfirmationOut(recovery_codes=codes)


class MyBindingOut(BaseModel):
    """One of the caller's own bindings, with what it grants."""

    role: str
    role_zh: str
    area: str
    area_level: AreaLevel
    dept: str | None
    #: what this binding grants, over its area (and department)
    permissions: list[str]


class MeOut(BaseModel):
    subject: str
    name: str
    kind: SubjectKind
    client_id: str | None
    bindings: list[MyBindingOut]
    permissions: list[str]


@router.get("/me", response_model=MeOut, summary="Who you are: your bindings and effective permissions")
async def me(principal: Annotated[Principal, Depends(authenticated)]) -> MeOut:
    policy = load_policy()
    return MeOut(
        subject=principal.subject,
        name=principal.name,
        kind=principal.kind,
        client_id=principal.client_id,
        bindings=[
            MyBindingOut(
                role=b.role,
                role_zh=policy.roles[b.role].label_zh if b.role in policy.roles else b.role,
                area=b.area,
                area_level=area_level(b.area),
                dept=b.dept,
                permissions=sorted(policy.role_permissions.get(b.role, ())),
            )
            for b in principal.bindings
        ],
        permissions=sorted(principal.permissions),
    )


@router.get("/jwks.json", summary="Public keys that sign access tokens (JWKS)")
async def jwks(auth: Annotated[Authenticator, Depends(authenticator)]) -> dict[str, Any]:
    return auth.tokens.jwks()
