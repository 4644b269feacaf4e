"""Password and client-secret hashing with argon2id, off the event loop (it is slow on purpose)."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
#: verified against when the user does not exist, so timing does not tell which usernames exist
_DUMMY_HASH = _hasher.hash("not-a-real-password")


async def hash_secret(secret: str) -> str:
    return await asyncio.to_thread(_hasher.hash, secret)


async def verify_secret(stored_hash: str | None, secret: str) -> bool:
    def check() -> bool:
        try:
            return _hasher.verify(stored_hash or _DUMMY_HASH, secret) and stored_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)
