"""Production refuses weak or development secrets and keys, SQLite, and demo accounts with the demo password."""

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from gateway.config import GatewaySettings
from gateway.main import create_app
from jiceng_shared.settings import InsecureConfiguration


def _rsa(bits: int) -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def _ed25519() -> str:
    return (
        ed25519.Ed25519PrivateKey.generate()
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )


@pytest.fixture(scope="module")
def strong() -> dict[str, str]:
    private, public = _rsa(2048)
    return {
        "env": "production",
        "database_url": "postgresql+asyncpg://jiceng@db/gateway",
        "access_private_key": private,
        "access_public_key": public,
        "internal_private_key": _ed25519(),
        "demo_password": "a-long-demo-secret",
        "personal_data_lookup_key": "YSBsb29rdXAga2V5IG9mIHRoZSBhdWRpdCBsb2csIDMy",
    }


def test_a_strong_configuration_starts(strong):
    assert GatewaySettings(**strong).production_problems() == []
    create_app(GatewaySettings(**strong))


def test_development_keys_and_sqlite_are_refused():
    with pytest.raises(InsecureConfiguration) as info:
        create_app(GatewaySettings(env="production"))
    message = str(info.value)
    for problem in (
        "GATEWAY_ACCESS_PRIVATE_KEY is the development key",
        "GATEWAY_ACCESS_PUBLIC_KEY is the development key",
        "GATEWAY_INTERNAL_PRIVATE_KEY is the development key",
        "SQLite",
    ):
        assert problem in message


def test_rsa_keys_need_2048_bits(strong):
    private, public = _rsa(1024)
    problems = GatewaySettings(
        **strong | {"access_private_key": private, "access_public_key": public}
    ).production_problems()
    assert problems == ["GATEWAY_ACCESS_PRIVATE_KEY has 1024 bits; at least 2048 are required"]


def test_mismatched_or_wrong_kinds_of_keys_are_refused(strong):
    _, other_public = _rsa(2048)
    assert GatewaySettings(**strong | {"access_public_key": other_public}).production_problems() == [
        "GATEWAY_ACCESS_PUBLIC_KEY is not the public half of GATEWAY_ACCESS_PRIVATE_KEY"
    ]
    assert GatewaySettings(**strong | {"internal_private_key": strong["access_private_key"]}).production_problems() == [
        "GATEWAY_INTERNAL_PRIVATE_KEY must be an Ed25519 key"
    ]


async def test_production_seeds_demo_accounts_only_with_a_demo_password_of_12_characters(strong):
    from types import SimpleNamespace

    from gateway.seed import seed

    for weak in ("demo", "x" * 11):
        with pytest.raises(InsecureConfiguration, match="GATEWAY_DEMO_PASSWORD"):
            await seed(SimpleNamespace(settings=GatewaySettings(**strong | {"demo_password": weak}), db=None))
    assert not GatewaySettings(**strong | {"demo_password": "x" * 12}).weak_demo_password()


async def test_production_does_not_start_while_demo_accounts_open_with_the_demo_password(make_gateway, strong):
    async with make_gateway() as dev:  # seeded with the development password
        url = dev.settings.database_url
    if url.startswith("sqlite"):
        pytest.skip("production refuses SQLite before it looks at the demo accounts: needs PostgreSQL")
    app = create_app(GatewaySettings(**strong | {"database_url": url}))
    with pytest.raises(InsecureConfiguration, match="demo accounts"):
        async with app.api.router.lifespan_context(app.api):
            pass


def test_production_refuses_the_development_key_of_the_audit_logs_person_hashes(strong):
    from jiceng_shared import devkeys

    weak = strong | {"personal_data_lookup_key": devkeys.PERSONAL_DATA_LOOKUP_KEY}
    assert GatewaySettings(**weak).production_problems() == ["GATEWAY_PERSONAL_DATA_LOOKUP_KEY is the development key"]
