"""Who is calling: the principal, its role bindings, and the gateway's signed internal token.

A binding is a role granted over an area (county, township, village/community or grid, told
apart by the shape of the code) and optionally one department. It covers a resource when the
resource's area code lies inside the binding's area and, for a department binding, the
resource belongs to that department.

The gateway signs a short-lived Ed25519 JWT naming the principal and its bindings; services
verify it on every request and never trust a bare header.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Literal

import jwt

from jiceng_shared.policy import load_policy

INTERNAL_ISSUER = "jiceng-gateway"
INTERNAL_AUDIENCE = "jiceng-internal"
INTERNAL_HEADER = "x-jiceng-internal"
INTERNAL_ALGORITHM = "EdDSA"

AreaLevel = Literal["county", "township", "village", "grid"]


def area_level(code: str) -> AreaLevel:
    """The level of a unified area code: 12-digit division codes, 15-digit grid codes."""
    if len(code) == 15 and code.isdigit():
        return "grid"
    if len(code) != 12 or not code.isdigit():
        raise ValueError(f"not an area code: {code!r}")
    if code[9:] != "000":
        return "village"
    if code[6:9] != "000":
        return "township"
    return "county"


def area_prefix(code: str) -> str:
    """The prefix every code inside this area starts with."""
    return code[: {"county": 6, "township": 9, "village": 12, "grid": 15}[area_level(code)]]


def township_of(code: str) -> str:
    """The township code (12 digits) of any area code at or below a township."""
    return code[:9] + "000"


def is_area_code(code: str) -> bool:
    try:
        area_level(code)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Binding:
    role: str
    area: str
    dept: str | None = None

    @property
    def level(self) -> AreaLevel:
        return area_level(self.area)

    @property
    def prefix(self) -> str:
        return area_prefix(self.area)

    def covers(self, area_code: str, dept: str | None = None) -> bool:
        if not area_code.startswith(self.prefix):
            return False
        return self.dept is None or self.dept == dept

    def as_claim(self) -> list[str | None]:
        return [self.role, self.area, self.dept]

    @classmethod
    def from_claim(cls, claim: list[Any]) -> Binding:
        return cls(str(claim[0]), str(claim[1]), claim[2] if len(claim) > 2 and claim[2] else None)


@dataclass(frozen=True)
class Principal:
    subject: str
    name: str
    kind: Literal["user", "client", "anonymous"]
    bindings: tuple[Binding, ...] = ()
    client_id: str | None = None
    #: the login name of a person (stable across installations, unlike ``subject``)
    username: str | None = None
    #: for a department system acting for a person, who that person is
    on_behalf_of: str | None = None
    _perm_cache: dict[str, tuple[Binding, ...]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_anonymous(self) -> bool:
        return self.kind == "anonymous"

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(b.role for b in self.bindings)

    @property
    def permissions(self) -> frozenset[str]:
        return load_policy().permissions_of(self.roles)

    def bindings_for(self, permission: str) -> tuple[Binding, ...]:
        """The bindings whose role grants ``permission``: the scopes the caller holds it in."""
        cached = self._perm_cache.get(permission)
        if cached is None:
            roles = load_policy().roles_with(permission)
            cached = tuple(b for b in self.bindings if b.role in roles)
            self._perm_cache[permission] = cached
        return cached

    def can(self, permission: str) -> bool:
        return bool(self.bindings_for(permission))

    def covers(self, permission: str, area_code: str, dept: str | None = None) -> bool:
        return any(b.covers(area_code, dept) for b in self.bindings_for(permission))

    def claims(self) -> dict[str, Any]:
        claims: dict[str, Any] = {
            "sub": self.subject,
            "name": self.name,
            "knd": self.kind,
            "bnd": [b.as_claim() for b in self.bindings],
        }
        if self.client_id:
            claims["cid"] = self.client_id
        if self.username:
            claims["usr"] = self.username
        if self.on_behalf_of:
            claims["obo"] = self.on_behalf_of
        return claims

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Principal:
        return cls(
            subject=claims["sub"],
            name=claims.get("name", ""),
            kind=claims.get("knd", "user"),
            bindings=tuple(Binding.from_claim(c) for c in claims.get("bnd", [])),
            client_id=claims.get("cid"),
            username=claims.get("usr"),
            on_behalf_of=claims.get("obo"),
        )


ANONYMOUS = Principal(subject="anonymous", name="anonymous", kind="anonymous")


class InternalTokenError(Exception):
    pass


class InternalTokenSigner:
    """Signs internal tokens; one token per principal is reused until shortly before it expires."""

    def __init__(self, private_key_pem: str, *, ttl_seconds: int = 120, refresh_margin_seconds: int = 30) -> None:
        self._key = private_key_pem
        self.ttl = ttl_seconds
        self.margin = refresh_margin_seconds
        self._cache: dict[Principal, tuple[str, float]] = {}

    def token_for(self, principal: Principal) -> str:
        now = time.time()
        hit = self._cache.get(principal)
        if hit is not None and hit[1] - self.margin > now:
            return hit[0]
        exp = now + self.ttl
        claims = principal.claims() | {
            "iss": INTERNAL_ISSUER,
            "aud": INTERNAL_AUDIENCE,
            "iat": int(now),
            "exp": int(exp),
        }
        token = jwt.encode(claims, self._key, algorithm=INTERNAL_ALGORITHM)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[principal] = (token, exp)
        return token

    def forget(self, subject: str) -> None:
        for principal in [p for p in self._cache if p.subject == subject]:
            self._cache.pop(principal, None)


class InternalTokenVerifier:
    """Verifies internal tokens; verified tokens are remembered until they expire (hot path)."""

    def __init__(self, public_key_pem: str, *, leeway_seconds: int = 5, cache_size: int = 10_000) -> None:
        self._key = public_key_pem
        self.leeway = leeway_seconds
        self.cache_size = cache_size
        self._cache: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    def verify(self, token: str) -> Principal:
        now = time.time()
        hit = self._cache.get(token)
        if hit is not None:
            if hit[1] + self.leeway > now:
                return hit[0]
            self._cache.pop(token, None)
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[INTERNAL_ALGORITHM],
                audience=INTERNAL_AUDIENCE,
                issuer=INTERNAL_ISSUER,
                leeway=self.leeway,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise InternalTokenError(str(exc)) from exc
        principal = Principal.from_claims(claims)
        self._cache[token] = (principal, float(claims["exp"]))
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return principal
