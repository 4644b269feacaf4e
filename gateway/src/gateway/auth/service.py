"""Logins (password and client-credentials grants) and the principal behind an access token.

The token proves who the caller is; what they may do comes from their current bindings, loaded
from the database and cached briefly. Every change made through the administration API drops
the cached entry here and, through NATS, in the other gateway replicas, so disabling an identity
or removing a binding takes effect on the next request, not at token expiry; the cache lifetime
(``GATEWAY_PRINCIPAL_CACHE_SECONDS``) bounds the delay should a broadcast be lost.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import time
from collections import OrderedDict
from typing import Any

from sqlalchemy import select, update

from gateway.audit import AuditLog
from gateway.auth import mfa
from gateway.auth.passwords import hash_secret, verify_secret
from gateway.auth.tokens import AccessTokens, InvalidToken
from gateway.limits import SharedLoginThrottle
from gateway.models import Client, LoginSession, RefreshToken, RoleBinding, User
from jiceng_shared.db import Database, new_id, utcnow
from jiceng_shared.errors import Problem, unauthenticated
from jiceng_shared.identity import Binding, Principal


def invalid_grant(detail: str) -> Problem:
    # RFC 6749 §5.2 fields beside the problem fields, so OAuth2 clients understand it too
    return Problem(400, "invalid_grant", "Login failed", detail, error="invalid_grant", error_description=detail)


def _digest(refresh: str) -> str:
    return hashlib.sha256(refresh.encode()).hexdigest()


async def revoke_sessions(db_or_session: Any, subject: str, reason: str, session_id: str | None = None) -> None:
    """Mark the sessions ended (in the given transaction, or a new one on a Database)."""
    stmt = (
        update(LoginSession)
        .where(LoginSession.subject_id == subject, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )
    if session_id is not None:
        stmt = stmt.where(LoginSession.id == session_id)
    if isinstance(db_or_session, Database):
        async with db_or_session.transaction() as session:
            await session.execute(stmt)
    else:
        await db_or_session.execute(stmt)


def mfa_problem(code: str, detail: str) -> Problem:
    return Problem(400, code, "Second factor required", detail, error="invalid_grant", error_description=detail)


def already_enrolled() -> Problem:
    return Problem(
        409,
        "mfa_already_enrolled",
        "Second factor already enrolled",
        "a second factor is enrolled; the security administrator resets it (DELETE /api/iam/v1/admins/{id}/second-factor)",
    )


def invalid_client() -> Problem:
    detail = "wrong client id or secret"
    return Problem(
        401, "invalid_client", "Client authentication failed", detail, error="invalid_client", error_description=detail
    )


def too_many_attempts(retry_after: int) -> Problem:
    return Problem(
        429,
        "too_many_attempts",
        "Too many failed logins",
        f"too many failed logins for this account or address; try again in {retry_after} s",
        error="invalid_request",
        headers={"Retry-After": str(retry_after)},
    )


class Authenticator:
    def __init__(
        self,
        db: Database,
        tokens: AccessTokens,
        *,
        cache_seconds: float,
        throttle: SharedLoginThrottle,
        audit: AuditLog,
        cache_size: int = 50_000,
        mfa_roles: frozenset[str] = frozenset(),
        totp_issuer: str = "Jiceng",
        recovery_code_count: int = 10,
        session_idle_seconds: int = 1800,
        session_max_seconds: int = 12 * 3600,
        password_max_age_days: int = 90,
    ) -> None:
        self.password_max_age = dt.timedelta(days=password_max_age_days)
        self.session_idle = dt.timedelta(seconds=session_idle_seconds)
        self.session_max = dt.timedelta(seconds=session_max_seconds)
        self.db = db
        #: holders of these roles log in with a second factor
        self.mfa_roles = mfa_roles
        self.totp_issuer = totp_issuer
        self.recovery_code_count = recovery_code_count
        self.tokens = tokens
        self.cache_seconds = cache_seconds
        self.throttle = throttle
        self.audit = audit
        self.cache_size = cache_size
        self._principals: OrderedDict[str, tuple[Principal | None, float]] = OrderedDict()
        #: per subject, its recently revoked sessions (access tokens naming them are refused)
        self._revoked_sessions: dict[str, frozenset[str]] = {}
        #: bumped by every invalidation, so a load that raced with a change is not cached
        self._generation = 0

    # --- logins ---------------------------------------------------------------------------

    async def _begin(self, account: str, address: str | None, grant: str) -> list[str]:
        """Refuse a throttled attempt (429); otherwise it counts as failed until it proves right
        (in the gateway's database: every replica counts the same attempts)."""
        wait, attempt = await self.throttle.attempt(account, address)
        if wait is not None:
            self.audit.write_later(
                action="login",
                outcome="throttled",
                subject=account,
                address=address,
                detail=f"{grant} grant refused for {wait} s",
                status=429,
            )
            raise too_many_attempts(wait)
        return attempt

    def _failed(self, account: str, address: str | None, grant: str, reason: str, status: int) -> None:
        self.audit.write_later(
            action="login",
            outcome="failure",
            subject=account,
            address=address,
            detail=f"{grant} grant: {reason}",
            status=status,
        )

    async def _succeeded(
        self, principal: Principal, account: str, address: str | None, grant: str, attempt: list[str]
    ) -> None:
        await self.throttle.succeeded(account, address, attempt)
        self.audit.write_later(
            action="login",
            outcome="success",
            subject=account,
            subject_id=principal.subject,
            client_id=principal.client_id,
            address=address,
            detail=f"{grant} grant",
            status=200,
        )

    async def _check_password(
        self, username: str, password: str, address: str | None, grant: str
    ) -> tuple[User, list[str]]:
        started = await self._begin(username, address, grant)
        async with self.db.session() as session:
            user = await session.scalar(select(User).where(User.username == username))
        ok = await verify_secret(user.password_hash if user else None, password)
        if not ok or user is None:
            self._failed(username, address, grant, "wrong username or password", 400)
            raise invalid_grant("wrong username or password")
        if user.disabled:
            self._failed(username, address, grant, "account disabled", 400)
            raise invalid_grant("this account is disabled")
        return user, started

    def needs_second_factor(self, principal: Principal) -> bool:
        return any(b.role in self.mfa_roles for b in principal.bindings)

    async def password_grant(
        self,
        username: str,
        password: str,
        address: str | None = None,
        *,
        totp: str | None = None,
        recovery_code: str | None = None,
    ) -> tuple[str, int, Principal, str]:
        user, started = await self._check_password(username, password, address, "password")
        principal = await self.load(user.id, fresh=True)
        if principal is None:
            self._failed(username, address, "password", "account disabled", 400)
            raise invalid_grant("this account is disabled")
        if self.needs_second_factor(principal):
            await self._second_factor(user, address, totp, recovery_code)
        if utcnow() - (user.password_changed_at or user.created_at) > self.password_max_age:
            self._failed(username, address, "password", "password expired", 400)
            detail = (
                f"the password is older than {self.password_max_age.days} days: set a new one at POST /auth/password"
            )
            raise Problem(400, "password_expired", "Password expired", detail, error="invalid_grant")
        await self._succeeded(principal, username, address, "password", started)
        session_id, refresh = await self._new_session(user.id)
        token, ttl = self.tokens.issue(principal, session_id)
        return token, ttl, principal, refresh

    async def change_password(
        self,
        username: str,
        password: str,
        new_password: str,
        address: str | None,
        *,
        totp: str | None,
        recovery_code: str | None,
        min_length: int,
        min_classes: int,
        history: int,
    ) -> str:
        """The holder sets a new password (also once it expired): the rules, no recent one again;
        every session of the account ends."""
        from gateway.iam import rules

        user, started = await self._check_password(username, password, address, "password_change")
        principal = await self.load(user.id, fresh=True)
        if principal is not None and self.needs_second_factor(principal):
            await self._second_factor(user, address, totp, recovery_code)
        await self.throttle.succeeded(username, address, started)  # the holder proved who they are
        rules.check_password(new_password, username, min_length=min_length, min_classes=min_classes).raise_if_any()
        previous = [user.password_hash, *json.loads(user.password_history or "[]")][:history]
        for old in previous:
            if await verify_secret(old, new_password):
                raise Problem(
                    422,
                    "password_reused",
                    "Invalid request",
                    f"new_password: none of the last {history} passwords may come back",
                )
        new_hash = await hash_secret(new_password)
        async with self.db.transaction() as session:
            row = await session.get(User, user.id)
            assert row is not None
            row.password_history = json.dumps(previous[:20])
            row.password_hash = new_hash
            row.password_changed_at = utcnow()
            await session.flush()
            await revoke_sessions(session, user.id, "password_changed")
        self.invalidate(user.id)
        self.audit.write_later(
            action="password_changed", outcome="success", subject=username, subject_id=user.id, address=address
        )
        return user.id

    # --- sessions: rotating refresh tokens ------------------------------------------------

    async def _new_session(self, subject: str) -> tuple[str, str]:
        now = utcnow()
        login = LoginSession(
            id=new_id(), subject_id=subject, created_at=now, last_used_at=now, expires_at=now + self.session_max
        )
        refresh = secrets.token_urlsafe(32)
        async with self.db.transaction() as session:
            session.add(login)
            session.add(RefreshToken(id=new_id(), session_id=login.id, token_hash=_digest(refresh), created_at=now))
        return login.id, refresh

    async def refresh_grant(self, refresh: str, address: str | None = None) -> tuple[str, int, Principal, str]:
        """A new access token and the next refresh token. A refresh token used twice means it was
        stolen: the whole session ends (RFC 9700 §4.14.2)."""
        now = utcnow()
        ended: str | None = None
        async with self.db.transaction() as session:
            token = await session.scalar(
                select(RefreshToken).where(RefreshToken.token_hash == _digest(refresh)).with_for_update()
            )
            login = await session.get(LoginSession, token.session_id, with_for_update=True) if token else None
            if token is None or login is None:
                raise invalid_grant("unknown refresh token")
            if login.revoked_at is not None:
                raise invalid_grant("this session has ended")
            if token.used_at is not None:
                ended = "refresh_token_reuse"
            elif now - login.last_used_at > self.session_idle:
                ended = "idle_timeout"
            elif now >= login.expires_at:
                ended = "expired"
            if ended is not None:
                login.revoked_at, login.revoked_reason = now, ended
            else:
                token.used_at = now
                login.last_used_at = now
                refresh = secrets.token_urlsafe(32)
                session.add(RefreshToken(id=new_id(), session_id=login.id, token_hash=_digest(refresh), created_at=now))
            subject = login.subject_id
            session_id = login.id
        if ended is not None:
            self.invalidate(subject)
            self.audit.write_later(
                action="session_ended", outcome="revoked", subject_id=subject, address=address, detail=ended
            )
            raise invalid_grant(
                "refresh token reused: the session has ended" if ended == "refresh_token_reuse" else f"session {ended}"
            )
        principal = await self.load(subject, fresh=True)
        if principal is None:
            raise invalid_grant("this account is disabled")
        token_str, ttl = self.tokens.issue(principal, session_id)
        return token_str, ttl, principal, refresh

    async def end_sessions(self, subject: str, reason: str, session_id: str | None = None) -> None:
        """Revoke one session of ``subject`` (logout) or all of them (password change, disable)."""
        await revoke_sessions(self.db, subject, reason, session_id)
        self.invalidate(subject)

    async def _second_factor(
        self, user: User, address: str | None, totp: str | None, recovery_code: str | None
    ) -> None:
        if not user.totp_enrolled or not user.totp_secret:
            self._failed(user.username, address, "password", "second factor not enrolled", 400)
            raise mfa_problem(
                "mfa_enrolment_required",
                "this account logs in with a TOTP code: enrol at POST /auth/mfa/enrolment, then confirm at "
                "POST /auth/mfa/confirmation",
            )
        if totp:
            step = mfa.matching_step(user.totp_secret, totp, utcnow())
            if step is not None:
                if await self._spend_step(user.id, step):
                    return
                self._failed(user.username, address, "password", "TOTP code used before", 400)
                raise mfa_problem(
                    "mfa_code_used", "this TOTP code has been used already: wait for the next one of the authenticator"
                )
        elif recovery_code:
            async with self.db.transaction() as session:
                row = await session.get(User, user.id, with_for_update=True)
                remaining = mfa.use_recovery_code(row.recovery_codes if row else None, recovery_code)
                if row is not None and remaining is not None:
                    row.recovery_codes = remaining
                    self.audit.write_later(
                        action="mfa.recovery_code_used",
                        outcome="success",
                        subject=user.username,
                        subject_id=user.id,
                        address=address,
                        detail=f"{len(json.loads(remaining))} recovery codes left",
                    )
                    return
        else:
            raise mfa_problem("mfa_required", "this account logs in with a TOTP code (field totp) or a recovery code")
        self._failed(user.username, address, "password", "wrong second factor", 400)
        raise mfa_problem("mfa_invalid", "wrong TOTP or recovery code")

    async def _spend_step(self, user_id: str, step: int) -> bool:
        """Record ``step`` as the account's last accepted one; False when it (or a later one) was
        accepted before. The row lock makes two logins racing with the same code count once."""
        async with self.db.transaction() as session:
            row = await session.get(User, user_id, with_for_update=True)
            if row is None or (row.totp_last_step is not None and step <= row.totp_last_step):
                return False
            row.totp_last_step = step
        return True

    async def start_enrolment(self, username: str, password: str, address: str | None) -> tuple[str, str]:
        """A new TOTP secret for the account (not counted until confirmed with a first code)."""
        user, started = await self._check_password(username, password, address, "mfa_enrolment")
        if user.totp_enrolled:
            raise already_enrolled()
        secret = mfa.new_secret()
        async with self.db.transaction() as session:
            row = await session.get(User, user.id)
            assert row is not None
            row.totp_secret = secret
        await self.throttle.succeeded(username, address, started)
        self.audit.write_later(
            action="mfa.enrolment_started", outcome="success", subject=username, subject_id=user.id, address=address
        )
        return secret, mfa.provisioning_uri(secret, username, self.totp_issuer)

    async def confirm_enrolment(self, username: str, password: str, totp: str, address: str | None) -> list[str]:
        """The second factor counts from now on; the recovery codes are returned once."""
        user, started = await self._check_password(username, password, address, "mfa_enrolment")
        if user.totp_enrolled:
            raise already_enrolled()
        if not user.totp_secret:
            raise Problem(409, "mfa_not_started", "No enrolment under way", "start at POST /auth/mfa/enrolment")
        step = mfa.matching_step(user.totp_secret, totp, utcnow())
        if step is None:
            self._failed(username, address, "mfa_enrolment", "wrong TOTP code", 400)
            raise mfa_problem("mfa_invalid", "wrong TOTP code")
        codes, stored = mfa.new_recovery_codes(self.recovery_code_count)
        async with self.db.transaction() as session:
            row = await session.get(User, user.id)
            assert row is not None
            row.totp_enrolled = True
            row.recovery_codes = stored
            row.totp_last_step = step  # the confirming code does not log in afterwards
        await self.throttle.succeeded(username, address, started)
        self.audit.write_later(
            action="mfa.enrolled", outcome="success", subject=username, subject_id=user.id, address=address
        )
        return codes

    async def client_credentials_grant(
        self, client_id: str, secret: str, address: str | None = None
    ) -> tuple[str, int, Principal]:
        started = await self._begin(client_id, address, "client_credentials")
        async with self.db.session() as session:
            client = await session.scalar(select(Client).where(Client.client_id == client_id))
        ok = await verify_secret(client.secret_hash if client else None, secret)
        if not ok or client is None:
            self._failed(client_id, address, "client_credentials", "wrong client id or secret", 401)
            raise invalid_client()
        principal = None if client.disabled else await self.load(client.id, fresh=True)
        if principal is None:
            self._failed(client_id, address, "client_credentials", "client disabled", 400)
            raise invalid_grant("this client is disabled")
        await self._succeeded(principal, client_id, address, "client_credentials", started)
        token, ttl = self.tokens.issue(principal)
        return token, ttl, principal

    # --- tokens → principals --------------------------------------------------------------

    async def principal_for(self, token: str) -> Principal:
        try:
            claims = self.tokens.verify(token)
        except InvalidToken as exc:
            raise unauthenticated(f"invalid token: {exc}") from None
        principal = await self.load(claims["sub"])
        if principal is None:
            raise unauthenticated("this identity is disabled or no longer exists")
        sid = claims.get("sid")
        if sid is not None and sid in self._revoked_sessions.get(claims["sub"], ()):
            raise unauthenticated("this session has ended (logout, password change or refresh token reuse)")
        return principal

    async def load(self, subject: str, *, fresh: bool = False) -> Principal | None:
        now = time.monotonic()
        hit = self._principals.get(subject)
        if hit is not None and not fresh and hit[1] > now:
            return hit[0]
        generation = self._generation
        principal = await self._load_from_db(subject)
        revoked = await self._revoked_from_db(subject)
        if generation == self._generation:  # else a change came in meanwhile: do not keep a stale answer
            self._principals[subject] = (principal, now + self.cache_seconds)
            self._revoked_sessions[subject] = revoked
            self._principals.move_to_end(subject)
            if len(self._principals) > self.cache_size:
                self._principals.popitem(last=False)
        return principal

    def invalidate(self, subject: str | None = None) -> None:
        """Forget a cached principal (all of them with None); the next request reads the database."""
        self._generation += 1
        if subject is None:
            self._principals.clear()
            self._revoked_sessions.clear()
        else:
            self._principals.pop(subject, None)
            self._revoked_sessions.pop(subject, None)

    async def _revoked_from_db(self, subject: str) -> frozenset[str]:
        """Sessions of ``subject`` ended recently enough for one of their access tokens to live."""
        since = utcnow() - dt.timedelta(seconds=self.tokens.ttl + 60)
        async with self.db.session() as session:
            rows = await session.scalars(
                select(LoginSession.id).where(LoginSession.subject_id == subject, LoginSession.revoked_at >= since)
            )
            return frozenset(rows.all())

    async def _load_from_db(self, subject: str) -> Principal | None:
        async with self.db.session() as session:
            user = await session.get(User, subject)
            client = None if user is not None else await session.get(Client, subject)
            if (user is None and client is None) or (user or client).disabled:  # type: ignore[union-attr]  # one of them is set here
                return None
            rows = (
                await session.scalars(
                    select(RoleBinding).where(RoleBinding.subject_id == subject).order_by(RoleBinding.created_at)
                )
            ).all()
        bindings = tuple(Binding(b.role, b.area, b.dept) for b in rows)
        if user is not None:
            return Principal(
                subject=user.id, name=user.display_name, kind="user", bindings=bindings, username=user.username
            )
        assert client is not None
        return Principal(
            subject=client.id, name=client.name, kind="client", bindings=bindings, client_id=client.client_id
        )
