"""Password and client-secret hashing with argon2id, off the event loop (it is slow on purpose)."""

from __future__ import annotations

import asyncio
from typing import Any

from argon2 import Parameters, PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError


def parameters_for(env: str) -> Parameters:
    """argon2id's cost: RFC 9106's low-memory profile (argon2-cffi's default, about 0.2 s of CPU a
    hash here), except in a test environment, which takes the library's profile made for tests:
    the suites log in and seed demo users thousands of times. A hash carries its parameters, so
    either verifies whatever the process's profile."""
    return profiles.CHEAPEST if env == "test" else profiles.RFC_9106_LOW_MEMORY


_hasher = PasswordHasher.from_parameters(parameters_for("production"))
#: verified against when the user does not exist, so timing does not tell which usernames exist
#: (made with the process's profile, at its first use)
_dummy_hash: str | None = None


def configure(settings: Any) -> None:
    """Hash with the cost of the process's environment (``settings.env``)."""
    global _hasher, _dummy_hash
    _hasher = PasswordHasher.from_parameters(parameters_for(settings.env))
    _dummy_hash = None


def _dummy() -> str:
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("not-a-real-password")
    return _dummy_hash


async def hash_secret(secret: str) -> str:
    return await asyncio.to_thread(_hasher.hash, secret)


async def verify_secret(stored_hash: str | None, secret: str) -> bool:
    def check() -> bool:
        try:
            return _hasher.verify(stored_hash or _dummy(), secret) and stored_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)
