"""Access tokens: RS256 from the published key only; every forgery or expiry is a 401."""

import base64
import hashlib
import hmac
import json
import time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from jiceng_shared import devkeys
from jiceng_shared.devkeys import demo_login_form


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(gw, token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


async def _refused(gw, token: str) -> None:
    async with gw.client() as c:
        for path in ("/auth/me", "/api/grid/v1/areas", "/api/iam/v1/users"):
            response = await c.get(path, headers=bearer(token))
            assert response.status_code == 401, (path, response.text)
            assert response.json()["code"] == "unauthenticated"
            assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_token_verifies_with_the_published_jwks_and_carries_the_bindings(gw):
    token = await gw.token("grid_worker.bufeng")
    async with gw.client() as c:
        jwks = (await c.get("/auth/jwks.json")).json()
    key = jwks["keys"][0]
    assert key["alg"] == "RS256" and key["kty"] == "RSA" and key["use"] == "sig"
    public = jwt.PyJWK(key).key
    claims = jwt.decode(token, public, algorithms=["RS256"], audience=gw.settings.token_audience)
    assert claims["usr"] == "grid_worker.bufeng"
    assert ["grid_worker", "320971100201001", None] in claims["bnd"]
    assert claims["exp"] - claims["iat"] == 900
    assert jwt.get_unverified_header(token)["kid"] == key["kid"]


async def test_an_expired_token_is_refused(gw):
    claims = _claims(gw, await gw.token("dispatcher.bufeng"))
    now = int(time.time())
    expired = jwt.encode(
        claims | {"iat": now - 1000, "nbf": now - 1000, "exp": now - 100}, devkeys.ACCESS_PRIVATE_KEY, algorithm="RS256"
    )
    await _refused(gw, expired)


async def test_alg_none_and_hs256_with_the_public_key_are_refused(gw):
    claims = _claims(gw, await gw.token("dispatcher.bufeng"))
    unsigned = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode()) + "." + _b64(json.dumps(claims).encode()) + "."
    await _refused(gw, unsigned)
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps(claims).encode())
    mac = hmac.new(devkeys.ACCESS_PUBLIC_KEY.encode(), f"{header}.{body}".encode(), hashlib.sha256).digest()
    await _refused(gw, f"{header}.{body}.{_b64(mac)}")


async def test_a_token_signed_with_another_key_is_refused(gw):
    claims = _claims(gw, await gw.token("dispatcher.bufeng"))
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    await _refused(gw, jwt.encode(claims, pem, algorithm="RS256"))


async def test_tampered_claims_break_the_signature(gw):
    token = await gw.token("dispatcher.bufeng")
    header, payload, signature = token.split(".")
    claims = _claims(gw, token)
    claims["bnd"] = [["county_admin", "320971000000", None]]
    await _refused(gw, f"{header}.{_b64(json.dumps(claims).encode())}.{signature}")


async def test_wrong_issuer_or_audience_is_refused(gw):
    claims = _claims(gw, await gw.token("dispatcher.bufeng"))
    for change in ({"iss": "https://evil.example/auth"}, {"aud": "another-api"}):
        await _refused(
            gw, jwt.encode(claims | change, devkeys.ACCESS_PRIVATE_KEY, algorithm="RS256", headers={"kid": "x"})
        )


async def test_no_token_or_garbage_is_a_401_and_public_keys_need_none(gw):
    async with gw.client() as c:
        assert (await c.get("/api/grid/v1/areas")).status_code == 401
        assert (await c.get("/api/grid/v1/areas", headers={"Authorization": "Basic abc"})).status_code == 401
        await _refused(gw, "not.a.token")
        assert (await c.get("/auth/jwks.json")).status_code == 200


async def test_the_token_endpoint_says_no_store_and_refuses_unknown_grants(gw):
    async with gw.client("10.1.0.1") as c:
        ok = await c.post("/auth/token", data=demo_login_form("auditor", steps=gw.totp_steps))
        assert ok.headers["cache-control"] == "no-store"
        bad = await c.post("/auth/token", data={"grant_type": "implicit"})
        assert bad.status_code == 400 and bad.json()["error"] == "unsupported_grant_type"
