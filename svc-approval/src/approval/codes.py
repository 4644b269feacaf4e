"""Check codes and rating codes: short random codes the applicant gets on paper; only hashes are kept."""

from __future__ import annotations

import hashlib
import hmac
import secrets

#: no 0/O, 1/I: codes are read off paper and typed in
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 8


def new_code(length: int = LENGTH) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def code_hash(receipt_number: str, code: str) -> str:
    """Bound to the receipt number, so one hash says nothing about another application's code."""
    return hashlib.sha256(f"{receipt_number}:{code.strip().upper()}".encode()).hexdigest()


def code_matches(receipt_number: str, code: str, stored_hash: str | None) -> bool:
    if not stored_hash:
        return False
    return hmac.compare_digest(code_hash(receipt_number, code), stored_hash)
