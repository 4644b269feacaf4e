"""Personal data encrypted at rest (PIPL art. 51; GB/T 39786-2021, confidentiality of stored data),
and looked up through a keyed hash.

- A column typed :class:`Encrypted` holds ``enc:1:<cipher>:<key id>:<base64 nonce|ciphertext|tag>``:
  SM4-GCM (GB/T 32907, the commercial-cryptography choice) or AES-256-GCM, by the setting
  ``personal_data_cipher``; through ``cryptography``, never hand-written. The nonce is random, so
  equal values look different in the table: the table read directly shows nothing.
- The keys come from the environment (``<P>_PERSONAL_DATA_KEYS``: ``id:base64key`` pairs, a
  Kubernetes Secret), the current one by ``<P>_PERSONAL_DATA_KEY_ID``. Rotation: add a key, make it
  current, then :func:`reencrypt` (``python -m <service> reencrypt``) rewrites what the older keys
  sealed; the old key is removed after.
  A value written before encryption was turned on (no ``enc:`` prefix) reads as it is until then.
- Equality look-ups (a person by ID number) go through :meth:`FieldCipher.lookup`: HMAC-SM3 with a
  key of its own (``<P>_PERSONAL_DATA_LOOKUP_KEY``), stored beside the ciphertext in a column named
  ``<encrypted column>_hash``. A look-up compares :meth:`FieldCipher.lookups` (the hash under the
  current key and under each ``<P>_PERSONAL_DATA_LOOKUP_KEYS_PREVIOUS``), so the lookup key rotates
  like the encryption key: make the new key current and the old one previous, run ``reencrypt``
  (which also recomputes every look-up hash under the current key, :func:`rehash`), then drop the
  previous key.
- A column declared ``Encrypted(subject="id_number")`` (or ``"phone"``, ``"name"``) identifies the
  person the row is about: every value of it decrypted or written while a request is answered is
  noted, and
  :class:`DisclosureMiddleware` hands them to the gateway in the internal response header
  ``x-jiceng-data-subjects``; the gateway keeps only their keyed hashes in the audit entry of a
  full-record read or a write and drops the header (the person's access record, 个人信息查阅).
- A list or a mapping (special-group membership, a history entry) is stored as encrypted JSON
  (:class:`EncryptedJSON`); an index over a small closed set of codes (the special groups) holds
  their keyed hashes (:func:`code_hash`), rehashed through the same code list.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Column, MetaData, String, Table, Text, case, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator

PREFIX = "enc:1:"
#: key length of each cipher (bytes)
KEY_BYTES = {"sm4": 16, "aes-256-gcm": 32}
NONCE_BYTES = 12
TAG_BYTES = 16


class PersonalDataKeyError(ValueError):
    pass


def _sm4_gcm_encrypt(key: bytes, nonce: bytes, data: bytes) -> bytes:
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    return encryptor.update(data) + encryptor.finalize() + encryptor.tag


def _sm4_gcm_decrypt(key: bytes, nonce: bytes, data: bytes) -> bytes:
    body, tag = data[:-TAG_BYTES], data[-TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    return decryptor.update(body) + decryptor.finalize()


def parse_keys(text: str) -> dict[str, bytes]:
    """``id:base64key[,id:base64key...]`` → {id: key}."""
    keys: dict[str, bytes] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        key_id, sep, encoded = part.partition(":")
        if not sep or not key_id.isalnum():
            raise PersonalDataKeyError(f"personal data key {key_id!r}: expected id:base64key")
        try:
            keys[key_id] = base64.b64decode(encoded, validate=True)
        except binascii.Error as exc:
            raise PersonalDataKeyError(f"personal data key {key_id!r} is not base64") from exc
    return keys


@dataclass(frozen=True)
class FieldCipher:
    cipher: str
    keys: dict[str, bytes]
    current: str
    lookup_key: bytes
    #: lookup keys being rotated out: a look-up still finds what they hashed, until :func:`rehash`
    previous_lookup_keys: tuple[bytes, ...] = ()

    def __post_init__(self) -> None:
        if self.cipher not in KEY_BYTES:
            raise PersonalDataKeyError(f"unknown personal data cipher {self.cipher!r} (sm4 or aes-256-gcm)")
        if self.current not in self.keys:
            raise PersonalDataKeyError(f"the current personal data key {self.current!r} is not among the keys")
        for key_id, key in self.keys.items():
            if len(key) not in KEY_BYTES.values():
                raise PersonalDataKeyError(f"personal data key {key_id!r}: 16 bytes (SM4) or 32 (AES-256)")
        if len(self.keys[self.current]) != KEY_BYTES[self.cipher]:
            raise PersonalDataKeyError(f"{self.cipher} needs a {KEY_BYTES[self.cipher]}-byte current key")
        for key in (self.lookup_key, *self.previous_lookup_keys):
            if len(key) < 16:
                raise PersonalDataKeyError("a personal data lookup key needs at least 16 bytes")

    def encrypt(self, plaintext: str) -> str:
        key, nonce = self.keys[self.current], os.urandom(NONCE_BYTES)
        if self.cipher == "sm4":
            sealed = _sm4_gcm_encrypt(key, nonce, plaintext.encode())
        else:
            sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), None)
        return f"{PREFIX}{self.cipher}:{self.current}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, stored: str) -> str:
        if not stored.startswith(PREFIX):
            return stored  # written before encryption was turned on: re-encrypted by reencrypt()
        cipher, key_id, encoded = stored[len(PREFIX) :].split(":", 2)
        if key_id not in self.keys:
            raise PersonalDataKeyError(f"personal data sealed with key {key_id!r}, which is not configured")
        raw = base64.b64decode(encoded)
        nonce, sealed = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
        if cipher == "sm4":
            return _sm4_gcm_decrypt(self.keys[key_id], nonce, sealed).decode()
        return AESGCM(self.keys[key_id]).decrypt(nonce, sealed, None).decode()

    def is_current(self, stored: str | None) -> bool:
        return stored is None or stored.startswith(f"{PREFIX}{self.cipher}:{self.current}:")

    def lookup(self, value: str) -> str:
        """The keyed hash (HMAC-SM3) stored for ``value``, under the current lookup key; the value is
        trimmed and upper-cased (an ID number's check character X)."""
        return _hmac_sm3(self.lookup_key, value)

    def lookups(self, value: str) -> list[str]:
        """The hashes an equality look-up compares (``column.in_(...)``): under the current lookup key,
        then under each previous one (rows not yet rehashed after a rotation)."""
        return [_hmac_sm3(key, value) for key in (self.lookup_key, *self.previous_lookup_keys)]


def _hmac_sm3(key: bytes, value: str) -> str:
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(value.strip().upper().encode())
    return mac.finalize().hex()


_cipher: FieldCipher | None = None


def configure(settings: Any) -> FieldCipher:
    """Install the process's cipher from its settings (at start; tests may call it again)."""
    global _cipher
    _cipher = FieldCipher(
        cipher=settings.personal_data_cipher,
        keys=parse_keys(settings.personal_data_keys),
        current=settings.personal_data_key_id,
        lookup_key=base64.b64decode(settings.personal_data_lookup_key),
        previous_lookup_keys=tuple(
            base64.b64decode(k.strip()) for k in settings.personal_data_lookup_keys_previous.split(",") if k.strip()
        ),
    )
    return _cipher


def cipher() -> FieldCipher:
    if _cipher is None:
        from jiceng_shared.settings import CommonSettings

        return configure(CommonSettings())
    return _cipher


def lookup(value: str) -> str:
    return cipher().lookup(value)


def lookups(value: str) -> list[str]:
    return cipher().lookups(value)


def code_hash(namespace: str, code: str) -> str:
    """The keyed hash of a code of a small closed set (a special group), stored in an index instead of
    the code; ``namespace`` keeps it apart from the hash of any other value."""
    return lookup(f"{namespace}:{code}")


def code_hashes(namespace: str, codes: Iterable[str]) -> list[str]:
    """Every hash a stored code of ``codes`` may have (current and previous lookup keys)."""
    return [h for code in codes for h in lookups(f"{namespace}:{code}")]


def code_of(column: Any, namespace: str, codes: Iterable[str]) -> ColumnElement[Any]:
    """SQL: the code whose hash ``column`` holds (NULL for an unknown hash), to group or order by."""
    return case({h: code for code in codes for h in lookups(f"{namespace}:{code}")}, value=column, else_=None)


#: the kinds of identifier a person is known by across services (``Encrypted(subject=...)``)
SUBJECT_KINDS = ("id_number", "phone", "name")
#: the internal response header carrying the persons whose data a response disclosed
SUBJECT_HEADER = "x-jiceng-data-subjects"
#: at most this many persons are named per response (a full record names one or two)
MAX_SUBJECTS = 20

_disclosed: ContextVar[list[tuple[str, str]] | None] = ContextVar("personal_data_disclosed", default=None)


def _note(kind: str, value: str) -> None:
    noted = _disclosed.get()
    if noted is not None and len(noted) < MAX_SUBJECTS and (kind, value) not in noted and value.strip():
        noted.append((kind, value))


def encode_subjects(subjects: Iterable[tuple[str, str]]) -> str:
    """The header value: base64url of the JSON pairs (names are not Latin-1)."""
    text = json.dumps([list(s) for s in subjects], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode()


def decode_subjects(header: str) -> list[tuple[str, str]]:
    """The pairs of a header value; nothing for a malformed one (the audit entry is still written)."""
    try:
        pairs = json.loads(base64.urlsafe_b64decode(header.encode()))
        return [(str(k), str(v)) for k, v in pairs if k in SUBJECT_KINDS][:MAX_SUBJECTS]
    except (ValueError, TypeError, binascii.Error):
        return []


def subject_hash(kind: str, value: str) -> str:
    """The keyed hash a person's identifier is recorded under in the audit log."""
    return lookup(f"person:{kind}:{value}")


class DisclosureMiddleware:
    """ASGI: collects the persons whose encrypted identifiers the request decrypted and names them in
    :data:`SUBJECT_HEADER` (for the gateway's audit entry; the gateway never forwards it)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        noted: list[tuple[str, str]] = []
        token = _disclosed.set(noted)

        async def send_naming(message: Any) -> None:
            if message["type"] == "http.response.start" and noted:
                header = (SUBJECT_HEADER.encode(), encode_subjects(noted).encode())
                message = {**message, "headers": [*message.get("headers", []), header]}
            await send(message)

        try:
            await self.app(scope, receive, send_naming)
        finally:
            _disclosed.reset(token)


class Encrypted(TypeDecorator[str]):
    """A string column stored encrypted (see the module). Never compare it in SQL: compare its
    lookup column, or decrypt after loading."""

    impl = String
    cache_ok = True

    def __init__(self, length: int = 255, subject: str | None = None) -> None:
        """``length``: of the stored text, about 4/3 × (the value's UTF-8 bytes + 28) + 30;
        ``subject``: the kind of identifier of the person the row is about (:data:`SUBJECT_KINDS`),
        noted when a request decrypts it."""
        if subject is not None and subject not in SUBJECT_KINDS:
            raise ValueError(f"subject: one of {SUBJECT_KINDS}")
        super().__init__(length)
        self.subject = subject

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        if self.subject is not None:  # written: the person's data changes
            _note(self.subject, value)
        return cipher().encrypt(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        plain = cipher().decrypt(value)
        if self.subject is not None:
            _note(self.subject, plain)
        return plain


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON value (list, mapping) stored encrypted as one text (see the module): its parts cannot be
    queried in SQL. A value stored as plain JSON before encryption reads as it is until
    :func:`reencrypt`."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        return cipher().encrypt(json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")))

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, str):  # a JSON column read before its conversion
            return value
        return json.loads(cipher().decrypt(value))


def encrypted_columns(table: Table) -> list[str]:
    return [c.name for c in table.columns if isinstance(c.type, Encrypted | EncryptedJSON)]


def lookup_columns(table: Table) -> dict[str, str]:
    """{hash column: encrypted column it hashes}: by name, ``<column>_hash`` beside an encrypted
    ``<column>``."""
    encrypted = set(encrypted_columns(table))
    return {
        c.name: c.name.removesuffix("_hash")
        for c in table.columns
        if c.name.endswith("_hash") and c.name.removesuffix("_hash") in encrypted
    }


async def reencrypt(session: AsyncSession, table: Any, columns: Iterable[str] | None = None) -> int:
    """Rewrite, with the current key, the rows of ``table`` (a Table or a mapped class) whose
    encrypted columns were sealed by another key or not at all (key rotation; turning encryption
    on). How many rows changed. Look-up hashes stay: their key is not the encryption key."""
    table = getattr(table, "__table__", table)
    names = list(columns) if columns is not None else encrypted_columns(table)
    if not names:
        return 0
    pk = next(iter(table.primary_key.columns))
    stored_text = [type_coerce(table.c[c], String()) for c in names]  # as stored, not decrypted
    current = cipher()
    changed = 0
    for key, *stored in (await session.execute(select(pk, *stored_text))).all():
        if all(current.is_current(v) for v in stored):
            continue
        # sealed again as text (an EncryptedJSON column's text is its JSON): the column type is bypassed
        sealed = {
            c: type_coerce(current.encrypt(current.decrypt(v)), String()) if v is not None else None
            for c, v in zip(names, stored, strict=True)
        }
        await session.execute(update(table).where(pk == key).values(sealed))
        changed += 1
    return changed


async def rehash(session: AsyncSession, table: Any) -> int:
    """Recompute, under the current lookup key, the look-up hashes of ``table`` (each
    ``<column>_hash`` from its decrypted ``<column>``; a column declared with
    ``info={"code_hash": (namespace, codes)}`` from the codes). How many rows changed."""
    table = getattr(table, "__table__", table)
    changed = 0
    pk = next(iter(table.primary_key.columns))
    pairs = lookup_columns(table)
    if pairs:
        hashed, plain = [table.c[h] for h in pairs], [table.c[p] for p in pairs.values()]
        for key, *row in (await session.execute(select(pk, *hashed, *plain))).all():
            stored, values = row[: len(pairs)], row[len(pairs) :]
            wanted = {h: lookup(v) if v is not None else None for h, v in zip(pairs, values, strict=True)}
            if any(s != wanted[h] for h, s in zip(pairs, stored, strict=True)):
                await session.execute(update(table).where(pk == key).values(wanted))
                changed += 1
    for column in table.columns:
        declared = column.info.get("code_hash")
        if declared is not None:
            changed += await _rehash_codes(session, table, column, *declared)
    return changed


async def _rehash_codes(
    session: AsyncSession, table: Table, column: Column[Any], namespace: str, codes: Callable[[], Iterable[str]]
) -> int:
    changed = 0
    for code in codes():
        new, *old = lookups(f"{namespace}:{code}")
        if old:
            result = await session.execute(update(table).where(column.in_(old)).values({column.name: new}))
            changed += int(getattr(result, "rowcount", 0) or 0)
    return changed


async def reencrypt_all(session: AsyncSession, metadata: MetaData) -> dict[str, int]:
    """:func:`reencrypt` and :func:`rehash` over every table of a service with encrypted columns or
    look-up hashes (``python -m <service> reencrypt``, after a key rotation): rows changed per table."""
    counts: dict[str, int] = {}
    for t in metadata.sorted_tables:
        hashed = bool(lookup_columns(t)) or any("code_hash" in c.info for c in t.columns)
        if encrypted_columns(t) or hashed:
            counts[t.name] = await reencrypt(session, t) + (await rehash(session, t) if hashed else 0)
    return counts
