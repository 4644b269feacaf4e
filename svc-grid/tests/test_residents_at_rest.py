"""Residents' ID numbers and phones encrypted at rest (SM4-GCM by default), found by their keyed
hash; the keys rotate without a reader noticing (jiceng_shared.personaldata)."""

import base64
import dataclasses

import pytest
from sqlalchemy import text

from grid.residents import rules
from grid.residents.models import Resident
from jiceng_shared import personaldata
from jiceng_shared.testing.plugin import headers_for, principal

GRID_1 = "320971100201001"
worker = principal(("grid_worker", GRID_1), name="网格员甲")


def person(first17: str) -> dict:
    return {
        "grid_code": GRID_1,
        "name": "李四",
        "id_number": first17 + rules.check_character(first17),
        "phone": "13911112222",
        "address": "步凤村六组1号",
        "household_no": "H-0777",
        "household_head": True,
        "special_groups": [],
    }


async def _stored(grid, resident_id: str) -> tuple[str, str, str]:
    async with grid.ctx.db.session() as s:
        row = (
            await s.execute(
                text("SELECT id_number, phone, id_number_hash FROM residents WHERE id = :id"), {"id": resident_id}
            )
        ).one()
    return row[0], row[1], row[2]


async def test_the_table_read_directly_shows_neither_the_id_number_nor_the_phone(grid):
    body = person("32097119850505011")
    created = await grid.client.post("/api/grid/v1/residents", json=body, headers=headers_for(worker))
    assert created.status_code == 201, created.text
    number, phone, number_hash = await _stored(grid, created.json()["id"])
    assert number.startswith("enc:1:sm4:") and phone.startswith("enc:1:sm4:")
    assert body["id_number"] not in number and body["id_number"][:6] not in number and "1391111" not in phone
    assert number_hash == personaldata.lookup(body["id_number"]) and body["id_number"] not in number_hash
    full = await grid.client.get(f"/api/grid/v1/residents/{created.json()['id']}", headers=headers_for(worker))
    assert full.json()["id_number"] == body["id_number"] and full.json()["phone"] == body["phone"]


async def test_the_same_id_number_is_found_through_its_keyed_hash(grid):
    body = person("32097119850505021")
    assert (await grid.client.post("/api/grid/v1/residents", json=body, headers=headers_for(worker))).status_code == 201
    # the stored number is a different ciphertext each time: the look-up compares the keyed hash
    again = body | {"household_no": "H-0778", "phone": "13911113333"}
    response = await grid.client.post("/api/grid/v1/residents", json=again, headers=headers_for(worker))
    assert response.status_code == 409 and response.json()["code"] == "resident_exists"


async def test_a_new_key_takes_over_and_the_old_rows_are_reencrypted(grid):
    body = person("32097119850505031")
    created = await grid.client.post("/api/grid/v1/residents", json=body, headers=headers_for(worker))
    resident_id = created.json()["id"]
    before = personaldata.cipher()
    rotated = dataclasses.replace(
        before, keys=before.keys | {"k2": base64.b64decode("bmV3LXNtNC1rZXktMjAyNg==")}, current="k2"
    )
    personaldata._cipher = rotated
    try:
        # rows sealed by the old key still read
        assert (await grid.client.get(f"/api/grid/v1/residents/{resident_id}", headers=headers_for(worker))).json()[
            "id_number"
        ] == body["id_number"]
        async with grid.ctx.db.transaction() as s:
            assert (await personaldata.reencrypt_all(s, Resident.metadata))["residents"] >= 1
        number, phone, _ = await _stored(grid, resident_id)
        assert number.startswith("enc:1:sm4:k2:") and phone.startswith("enc:1:sm4:k2:")
        async with grid.ctx.db.transaction() as s:
            assert await personaldata.reencrypt(s, Resident) == 0  # nothing left to do
        # the old key can go
        personaldata._cipher = dataclasses.replace(rotated, keys={"k2": rotated.keys["k2"]})
        full = await grid.client.get(f"/api/grid/v1/residents/{resident_id}", headers=headers_for(worker))
        assert full.json()["phone"] == body["phone"]
    finally:
        personaldata._cipher = before
        async with grid.ctx.db.transaction() as s:  # leave the table readable by the usual key
            personaldata._cipher = dataclasses.replace(before, keys=before.keys | rotated.keys)
            await personaldata.reencrypt_all(s, Resident.metadata)
        personaldata._cipher = before


def test_sm4_is_the_gb_t_32907_cipher_and_a_changed_ciphertext_is_refused():
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = bytes.fromhex("0123456789abcdeffedcba9876543210")  # GB/T 32907-2016, appendix A.1
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    assert (encryptor.update(key) + encryptor.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"
    c = personaldata.FieldCipher("sm4", {"a": key}, "a", b"x" * 32)
    sealed = c.encrypt("13800001111")
    assert c.decrypt(sealed) == "13800001111" and c.encrypt("13800001111") != sealed  # random nonce
    raw = bytearray(base64.b64decode(sealed.rsplit(":", 1)[1]))
    raw[-1] ^= 1
    with pytest.raises(Exception):  # noqa: B017 - the GCM tag refuses it (InvalidTag)
        c.decrypt(sealed.rsplit(":", 1)[0] + ":" + base64.b64encode(bytes(raw)).decode())
    aes = personaldata.FieldCipher("aes-256-gcm", {"b": b"k" * 32}, "b", b"x" * 32)
    assert aes.decrypt(aes.encrypt("王小明")) == "王小明" and aes.encrypt("x").startswith("enc:1:aes-256-gcm:b:")


def test_production_refuses_the_development_personal_data_keys():
    from grid.config import GridSettings

    problems = " ".join(GridSettings(env="production").production_problems())
    assert "PERSONAL_DATA_KEYS are the development keys" in problems
    assert "PERSONAL_DATA_LOOKUP_KEY is the development key" in problems
    real = GridSettings(
        env="production",
        personal_data_keys="k1:" + base64.b64encode(b"0123456789abcdef").decode(),
        personal_data_key_id="k1",
        personal_data_lookup_key=base64.b64encode(b"a lookup key of 32 bytes, random").decode(),
    )
    assert "PERSONAL_DATA" not in " ".join(real.production_problems())


async def test_special_group_membership_is_not_in_any_table_read_directly(grid):
    body = person("32097119850505041") | {
        "household_no": "H-0779",
        "special_groups": ["community_corrections", "empty_nest_elderly"],
        "group_details": {"community_corrections": {"term_end": "2027-06-30"}},
        "social_security": ["minimum_living"],
    }
    created = await grid.client.post("/api/grid/v1/residents", json=body, headers=headers_for(worker))
    assert created.status_code == 201, created.text
    resident_id = created.json()["id"]
    changed = await grid.client.patch(
        f"/api/grid/v1/residents/{resident_id}",
        json={
            "version": created.json()["version"],
            "special_groups": ["empty_nest_elderly", "disabled"],
            "group_details": {},
        },
        headers=headers_for(worker),
    )
    assert changed.status_code == 200, changed.text
    async with grid.ctx.db.session() as s:
        resident = (
            await s.execute(
                text("SELECT special_groups, group_details, social_security FROM residents WHERE id = :id"),
                {"id": resident_id},
            )
        ).one()
        index = (
            await s.execute(text("SELECT * FROM resident_groups WHERE resident_id = :id"), {"id": resident_id})
        ).all()
        history = (
            await s.execute(text("SELECT changes FROM base_data_changes WHERE entity_id = :id"), {"id": resident_id})
        ).all()
    raw = " ".join(str(v) for v in [*resident, *[c for row in index for c in row], *[row[0] for row in history]])
    assert len(index) == 2 and len(history) == 2
    for code in rules.SPECIAL_GROUPS:
        assert code not in raw, code
    assert "term_end" not in raw and "2027-06-30" not in raw and "13911112222" not in raw
    assert "minimum_living" not in raw and str(resident[2]).startswith("enc:1:sm4:")
    assert str(resident[0]).startswith("enc:1:sm4:") and str(history[0][0]).startswith("enc:1:sm4:")
    # the registers still find the person through the hashes, and the record reads as it was given
    listed = await grid.client.get(
        "/api/grid/v1/residents", params={"special_group": "disabled", "grid_code": GRID_1}, headers=headers_for(worker)
    )
    assert resident_id in [r["id"] for r in _items(listed.json())]
    gone = await grid.client.get(
        "/api/grid/v1/residents",
        params={"special_group": "community_corrections", "grid_code": GRID_1},
        headers=headers_for(worker),
    )
    assert resident_id not in [r["id"] for r in _items(gone.json())]
    full = await grid.client.get(f"/api/grid/v1/residents/{resident_id}", headers=headers_for(worker))
    assert full.json()["special_groups"] == ["disabled", "empty_nest_elderly"]
    assert full.json()["social_security"] == ["minimum_living"]


def _items(body):
    return body["items"] if isinstance(body, dict) else body


async def test_a_new_lookup_key_finds_old_rows_until_the_rehash_and_then_only_its_own_hashes_remain(grid):
    body = person("32097119850505051") | {"household_no": "H-0780", "special_groups": ["disabled"]}
    created = await grid.client.post("/api/grid/v1/residents", json=body, headers=headers_for(worker))
    assert created.status_code == 201, created.text
    resident_id = created.json()["id"]
    before = personaldata.cipher()
    new_key = b"a new lookup key, 32 bytes, 2026"
    rotated = dataclasses.replace(before, lookup_key=new_key, previous_lookup_keys=(before.lookup_key,))
    personaldata._cipher = rotated
    try:
        # during the rotation, rows hashed under the old key are still found: the ID number (a second
        # registration refused) and the register
        again = body | {"household_no": "H-0781"}
        refused = await grid.client.post("/api/grid/v1/residents", json=again, headers=headers_for(worker))
        assert refused.status_code == 409 and refused.json()["code"] == "resident_exists"
        params = {"special_group": "disabled", "grid_code": GRID_1}
        listed = await grid.client.get("/api/grid/v1/residents", params=params, headers=headers_for(worker))
        assert resident_id in [r["id"] for r in _items(listed.json())]
        async with grid.ctx.db.transaction() as s:
            counts = await personaldata.reencrypt_all(s, Resident.metadata)
        assert counts["residents"] >= 1 and counts["resident_groups"] >= 1
        # after the rehash the tables hold only hashes under the new key, and the old key can go
        async with grid.ctx.db.session() as s:
            numbers = (await s.execute(text("SELECT id_number_hash FROM residents"))).scalars().all()
            groups = (await s.execute(text("SELECT group_hash FROM resident_groups"))).scalars().all()
        only_new = dataclasses.replace(rotated, previous_lookup_keys=())
        old_hashes = {before.lookup(f"special_group:{code}") for code in rules.SPECIAL_GROUPS}
        new_hashes = {only_new.lookup(f"special_group:{code}") for code in rules.SPECIAL_GROUPS}
        assert set(groups) <= new_hashes and not set(groups) & old_hashes
        assert only_new.lookup(body["id_number"]) in numbers and before.lookup(body["id_number"]) not in numbers
        personaldata._cipher = only_new
        listed = await grid.client.get("/api/grid/v1/residents", params=params, headers=headers_for(worker))
        assert resident_id in [r["id"] for r in _items(listed.json())]
        refused = await grid.client.post("/api/grid/v1/residents", json=again, headers=headers_for(worker))
        assert refused.status_code == 409 and refused.json()["code"] == "resident_exists"
        async with grid.ctx.db.transaction() as s:
            assert await personaldata.rehash(s, Resident) == 0  # nothing left to do
    finally:
        personaldata._cipher = dataclasses.replace(before, previous_lookup_keys=(new_key,))
        async with grid.ctx.db.transaction() as s:  # leave the tables hashed by the usual key
            await personaldata.reencrypt_all(s, Resident.metadata)
        personaldata._cipher = before
