"""Logins (password and client-credentials grants) and the principal behind an access token.

The token proves who the caller is; what they may do comes from their current bindings, loaded
from the database and cached briefly. Disabling an identity or changing its bindings through the
gateway drops the cached entry, so it takes effect on the next request, not at token expiry.
"""

from __future__ import annotations

import time

from sqlalchemy import select

from jiceng_shared.db import Database
from jiceng_shared.errors import Problem, unauthenticated
from jiceng_shared.identity import Binding, Principal

from gateway.auth.passwords import verify_secret
from gateway.auth.tokens import AccessTokens, InvalidToken
from gateway.models import Client, RoleBinding, User


def invalid_grant(detail: str) -> Problem:
    # RFC 6749 §5.2 fields beside the problem fields, so OAuth2 clients understand it too
    return Problem(400, "invalid_grant", "Login failed", detail, error="invalid_grant", error_description=detail)


class Authenticator:
    def __init__(self, db: Database, tokens: AccessTokens, *, cache_seconds: float) -> None:
        self.db = db
        self.tokens = tokens
        self.cache_seconds = cache_seconds
        self._principals: dict[str, tuple[Principal | None, float]] = {}

    async def password_grant(self, username: str, password: str) -> tuple[str, int, Principal]:
        async with self.db.session() as session:
            user = await session.scalar(select(User).where(User.username == username))
        ok = await verify_secret(user.password_hash if user else None, password)
        if not ok or user is None:
            raise invalid_grant("wrong username or password")
        if user.disabled:
            raise invalid_grant("this account is disabled")
        principal = await self.load(user.id, fresh=True)
        if principal is None:
            raise invalid_grant("this account is disabled")
        token, ttl = self.tokens.issue(principal)
        return token, ttl, principal

    async def client_credentials_grant(self, client_id: str, secret: str) -> tuple[str, int, Principal]:
        async with self.db.session() as session:
            client = await session.scalar(select(Client).where(Client.client_id == client_id))
        ok = await verify_secret(client.secret_hash if client else None, secret)
        if not ok or client is None:
            raise Problem(401, "invalid_client", "Client authentication failed", "wrong client id or secret",
                          error="invalid_client", error_description="wrong client id or secret")
        principal = await self.load(client.id, fresh=True)
        if principal is None:
            raise invalid_grant("this client is disabled")
        token, ttl = self.tokens.issue(principal)
        return token, ttl, principal

    async def principal_for(self, token: str) -> Principal:
        try:
            claims = self.tokens.verify(token)
        except InvalidToken as exc:
            raise unauthenticated(f"invalid token: {exc}") from None
        principal = await self.load(claims["sub"])
        if principal is None:
            raise unauthenticated("this identity is disabled or no longer exists")
        return principal

    async def load(self, subject: str, *, fresh: bool = False) -> Principal | None:
        now = time.monotonic()
        hit = self._principals.get(subject)
        if hit is not None and not fresh and hit[1] > now:
            return hit[0]
        principal = await self._load_from_db(subject)
        self._principals[subject] = (principal, now + self.cache_seconds)
        return principal

    def invalidate(self, subject: str | None = None) -> None:
        if subject is None:
            self._principals.clear()
        else:
            self._principals.pop(subject, None)

    async def _load_from_db(self, subject: str) -> Principal | None:
        async with self.db.session() as session:
            user = await session.get(User, subject)
            client = None if user is not None else await session.get(Client, subject)
            if (user is None and client is None) or (user or client).disabled:  # type: ignore[union-attr]
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
