"""Bindings, scopes and the internal token."""

import base64
import json
import time

import jwt
import pytest

from jiceng_shared import devkeys
from jiceng_shared.identity import (
    Binding,
    InternalTokenError,
    InternalTokenSigner,
    InternalTokenVerifier,
    Principal,
    area_level,
    area_prefix,
)

BUFENG = "320971100000"
VILLAGE = "320971100201"
GRID = "320971100201001"
XINCHENG_GRID = "320971001001001"


def test_area_levels_follow_the_code_shape():
    assert area_level("320971000000") == "county"
    assert area_level(BUFENG) == "township"
    assert area_level(VILLAGE) == "village"
    assert area_level(GRID) == "grid"
    assert area_prefix(BUFENG) == "320971100"
    with pytest.raises(ValueError):
        area_level("12345")


def test_a_township_binding_covers_its_grids_but_not_the_other_township():
    b = Binding("dispatcher", BUFENG)
    assert b.covers(GRID)
    assert not b.covers(XINCHENG_GRID)


def test_a_department_binding_covers_only_its_department():
    b = Binding("dept_staff", BUFENG, "psb")
    assert b.covers(GRID, "psb")
    assert not b.covers(GRID, "samr")
    assert not b.covers(GRID, None)


def test_permissions_come_from_the_policy_tables():
    worker = Principal("u1", "w", "user", (Binding("grid_worker", GRID),))
    assert worker.can("grid.incident.report")
    assert worker.covers("grid.incident.report", GRID)
    assert not worker.covers("grid.incident.report", "320971100201002")
    assert not worker.can("grid.dead_letter.manage")


def _verifier() -> InternalTokenVerifier:
    return InternalTokenVerifier(devkeys.INTERNAL_PUBLIC_KEY)


def test_internal_token_round_trip_and_reuse():
    signer = InternalTokenSigner(devkeys.INTERNAL_PRIVATE_KEY)
    p = Principal("u1", "甲", "user", (Binding("dispatcher", BUFENG), Binding("dept_staff", BUFENG, "psb")))
    token = signer.token_for(p)
    assert signer.token_for(p) == token  # reused until close to expiry
    assert _verifier().verify(token) == p


def test_internal_token_expired_tampered_or_unsigned_is_refused():
    p = Principal("u1", "甲", "user", (Binding("dispatcher", BUFENG),))
    now = int(time.time())
    base = p.claims() | {"iss": "jiceng-gateway", "aud": "jiceng-internal", "iat": now - 600, "exp": now - 300}
    expired = jwt.encode(base, devkeys.INTERNAL_PRIVATE_KEY, algorithm="EdDSA")
    with pytest.raises(InternalTokenError):
        _verifier().verify(expired)
    unsigned = jwt.encode(base | {"exp": now + 60}, None, algorithm="none")
    with pytest.raises(InternalTokenError):
        _verifier().verify(unsigned)
    good = InternalTokenSigner(devkeys.INTERNAL_PRIVATE_KEY).token_for(p)
    header, payload, signature = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["bnd"] = [["county_admin", "320971000000", None]]
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(InternalTokenError):
        _verifier().verify(f"{header}.{forged_payload}.{signature}")
