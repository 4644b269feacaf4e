"""Access tokens: RS256 JWTs, short-lived, verifiable by anyone through /auth/jwks.json."""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from collections import OrderedDict
from typing import Any, cast

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from jiceng_shared.identity import Principal

ALGORITHM = "RS256"


class InvalidToken(Exception):
    pass


class AccessTokens:
    def __init__(
        self, private_key_pem: str, public_key_pem: str, *, issuer: str, audience: str, ttl_seconds: int
    ) -> None:
        # RS256 keys (config.py checks the pair); the loaders are typed for every kind of key
        self._private = cast(
            rsa.RSAPrivateKey, serialization.load_pem_private_key(private_key_pem.encode(), password=None)
        )
        self._public = cast(rsa.RSAPublicKey, serialization.load_pem_public_key(public_key_pem.encode()))
        self.issuer = issuer
        self.audience = audience
        self.ttl = ttl_seconds
        der = self._public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        self.kid = base64.urlsafe_b64encode(hashlib.sha256(der).digest()[:12]).decode().rstrip("=")
        self._verified: OrderedDict[str, tuple[dict[str, Any], float]] = OrderedDict()

    def issue(self, principal: Principal, session_id: str | None = None) -> tuple[str, int]:
        now = int(time.time())
        extra = {"sid": session_id} if session_id else {}
        claims = (
            principal.claims()
            | extra
            | {
                "iss": self.issuer,
                "aud": self.audience,
                "iat": now,
                "nbf": now,
                "exp": now + self.ttl,
                "jti": uuid.uuid4().hex,
            }
        )
        token = jwt.encode(claims, self._private, algorithm=ALGORITHM, headers={"kid": self.kid})
        return token, self.ttl

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, or InvalidToken. Verified tokens are remembered until they expire."""
        now = time.time()
        hit = self._verified.get(token)
        if hit is not None:
            if hit[1] > now:
                return hit[0]
            self._verified.pop(token, None)
        try:
            claims = jwt.decode(
                token,
                self._public,
                algorithms=[ALGORITHM],  # never "none", never HS256 with the public key as secret
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        self._verified[token] = (claims, float(claims["exp"]))
        if len(self._verified) > 50_000:
            self._verified.popitem(last=False)
        return claims

    def jwks(self) -> dict[str, Any]:
        jwk = RSAAlgorithm.to_jwk(self._public, as_dict=True)
        return {"keys": [jwk | {"kid": self.kid, "use": "sig", "alg": ALGORITHM}]}
