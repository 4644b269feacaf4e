"""The second factor of administrative accounts: TOTP (RFC 6238, through ``pyotp``) and
single-use recovery codes.

GB/T 22239-2019 level 3 (8.1.4.1 c) asks for two or more authentication techniques, one of them
cryptographic, for the administrators; roles.toml marks the roles (``privileged = true``).
Enrolment needs the password; the secret is confirmed with a first code before it counts, and
then ten recovery codes are shown once (stored as SHA-256 hashes: they are random, 50 bits each).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets

import pyotp

#: codes of the step before and after the current one are accepted too (clock drift)
VALID_WINDOW = 1
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def code_ok(secret: str, code: str, at: dt.datetime) -> bool:
    return matching_step(secret, code, at) is not None


def matching_step(secret: str, code: str, at: dt.datetime) -> int | None:
    """The time step (RFC 6238 T) whose code ``code`` is, within the drift window, else None.
    The caller refuses a step at or before the last one accepted: a code counts once (§5.2), so a
    code seen over a shoulder or in a proxy log cannot log in again within its 90 seconds."""
    totp = pyotp.TOTP(secret)
    code = code.strip()
    current = totp.timecode(at)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().replace("-", "").encode()).hexdigest()


def new_recovery_codes(count: int) -> tuple[list[str], str]:
    """``count`` fresh codes (shown once) and what is stored of them."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes, json.dumps([_hash(c) for c in codes])


def use_recovery_code(stored: str | None, code: str) -> str | None:
    """What remains stored once ``code`` is used, or None when it is not one of them."""
    hashes: list[str] = json.loads(stored or "[]")
    wanted = _hash(code)
    for i, h in enumerate(hashes):
        if hmac.compare_digest(h, wanted):
            return json.dumps(hashes[:i] + hashes[i + 1 :])
    return None
