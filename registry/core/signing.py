"""Server signing keys (Ed25519) with key ids, rotation and JWKS publication.

Each purpose (consent receipts, credit certificates, data exports) has its own key ring,
kept in the database so every web worker, job worker and machine signs with
the same key and sees a rotation within seconds. The newest key signs; older
keys only verify, and stay published until what they signed has expired
(`retire_older_than`).
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app

from registry.core import clock
from registry.core.database import declare_write_intent, reset_write_intent
from registry.core.extensions import db
from registry.core.models import SigningKeyRecord


def b64url(data: bytes) -> str:
    """Unpadded base64url, as JOSE uses it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded, canonical base64url; ValueError on bad input.

    Canonical: the unused low bits of the last character must be zero, so
    one value has one spelling (a token cannot be altered without changing
    what it decodes to, and caches keyed by the string cannot be split).
    """
    if not isinstance(text, str) or not _B64URL.fullmatch(text):
        raise ValueError("not base64url")
    tail = len(text) % 4
    if tail == 1:
        raise ValueError("not base64url")
    # The last character of a 2- or 3-character group carries 4 or 2 unused bits: they must be zero.
    # (Checked on the character instead of re-encoding the whole decoded value.)
    if tail and _B64URL_VALUE[text[-1]] & (0x0F if tail == 2 else 0x03):
        raise ValueError("not canonical base64url")
    return base64.urlsafe_b64decode(text + "==="[:(4 - tail) % 4] if tail else text)


_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_B64URL_VALUE = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")}


@dataclass(frozen=True)
class SigningKey:
    """One key of a ring."""

    kid: str
    created_at: dt.datetime
    private: Ed25519PrivateKey | None
    public: Ed25519PublicKey

    def public_bytes(self) -> bytes:
        return self.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    def jwk(self) -> dict:
        """The public key as a JWK (RFC 8037 OKP)."""
        return {"kty": "OKP", "crv": "Ed25519", "kid": self.kid, "use": "sig", "alg": "EdDSA",
                "x": b64url(self.public_bytes())}


def _new_key() -> SigningKey:
    private = Ed25519PrivateKey.generate()
    public_raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    # The key id is derived from the key (RFC 7638-like thumbprint, shortened).
    return SigningKey(b64url(hashlib.sha256(public_raw).digest()[:12]), clock.now(), private, private.public_key())


def _private_pem(key: SigningKey) -> bytes:
    return key.private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())


def _from_pem(kid: str, created_at: dt.datetime, pem: bytes) -> SigningKey:
    private = serialization.load_pem_private_key(pem, password=None)
    return SigningKey(kid, created_at, private, private.public_key())


class FileKeyStore:
    """Keys as PEM files named by key id in one folder: for tools and tests that sign offline.

    The app itself uses `DatabaseKeyStore`, which every process shares.
    """

    def __init__(self, folder: Path):
        self.folder = folder

    def version(self) -> tuple:
        return tuple(sorted(p.name for p in self.folder.glob("*.json"))) if self.folder.exists() else ()

    def next_generation(self) -> int:
        return len(self.version()) + 1

    def load(self) -> list[SigningKey]:
        keys = []
        for meta_path in sorted(self.folder.glob("*.json")) if self.folder.exists() else ():
            meta = json.loads(meta_path.read_text())
            keys.append(_from_pem(meta["kid"], dt.datetime.fromisoformat(meta["created_at"]),
                                  (self.folder / f"{meta['kid']}.pem").read_bytes()))
        return keys

    def add(self, key: SigningKey, generation: int) -> bool:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.folder / f"{key.kid}.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(_private_pem(key))
        (self.folder / f"{key.kid}.json").write_text(json.dumps({"kid": key.kid,
                                                                 "created_at": key.created_at.isoformat()}))
        return True

    def remove(self, kids: list[str]) -> None:
        for kid in kids:
            for suffix in (".pem", ".json"):
                (self.folder / f"{kid}{suffix}").unlink(missing_ok=True)


class DatabaseKeyStore:
    """Keys in the `signing_key` table, private keys sealed with the data keys.

    Reads and writes use a connection of their own, not the request's
    session: a key is shared state, committed at once and seen by every
    process whatever the request does next (and a request's older snapshot
    never hides a new key). The unique (purpose, generation) makes
    concurrent creators agree on one key.
    """

    def __init__(self, purpose: str):
        self.purpose = purpose
        self._table = SigningKeyRecord.__table__

    def _read(self, query: sa.Select) -> list:
        # A read of its own, never taking SQLite's write lock even inside a writing request.
        token = declare_write_intent(False)
        try:
            with db.engine.connect() as connection:
                return connection.execute(query).all()
        finally:
            reset_write_intent(token)

    def version(self) -> tuple:
        return tuple(self._read(sa.select(sa.func.count(), sa.func.max(self._table.c.generation))
                                .where(self._table.c.purpose == self.purpose))[0])

    def next_generation(self) -> int:
        # Retired keys are deleted, so the count can fall: the next generation follows the highest.
        return (self.version()[1] or 0) + 1

    def load(self) -> list[SigningKey]:
        rows = self._read(sa.select(self._table.c.kid, self._table.c.created_at, self._table.c.private_key)
                          .where(self._table.c.purpose == self.purpose))
        return [_from_pem(row.kid, row.created_at, row.private_key) for row in rows]

    def add(self, key: SigningKey, generation: int) -> bool:
        """Insert the key as that generation; False when another process took the generation first."""
        token = declare_write_intent(True)
        try:
            with db.engine.connect() as connection, connection.begin():
                taken = connection.scalar(sa.select(sa.func.max(self._table.c.generation))
                                          .where(self._table.c.purpose == self.purpose)) or 0
                if taken >= generation:
                    return False
                connection.execute(sa.insert(self._table).values(
                    purpose=self.purpose, generation=generation, kid=key.kid, created_at=key.created_at,
                    private_key=_private_pem(key), public_key=key.public_bytes()))
        except sa.exc.IntegrityError:
            return False
        finally:
            reset_write_intent(token)
        return True

    def remove(self, kids: list[str]) -> None:
        token = declare_write_intent(True)
        try:
            with db.engine.connect() as connection, connection.begin():
                connection.execute(sa.delete(self._table).where(self._table.c.purpose == self.purpose,
                                                               self._table.c.kid.in_(kids)))
        finally:
            reset_write_intent(token)


class KeyRing:
    """The keys of one purpose: the newest signs, older ones only verify.

    Keys are cached per process and re-checked with one cheap query (count
    and newest generation) at most every `refresh_seconds`, and at once when
    a token names a key this process has not seen, so a rotation made by
    another process or machine is picked up within seconds, never by a
    restart.
    """

    def __init__(self, store: FileKeyStore | DatabaseKeyStore | Path, refresh_seconds: float = 5.0):
        self.store = FileKeyStore(store) if isinstance(store, Path) else store
        self.refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._keys: dict[str, SigningKey] | None = None
        self._newest: list[SigningKey] = []  # the same keys, newest first (sorted once per load)
        self._version: tuple | None = None
        self._checked_at = 0.0
        self._forced_at = 0.0

    def _load(self, force: bool = False) -> dict[str, SigningKey]:
        now = time.monotonic()
        if self._keys is not None and not force and now - self._checked_at < self.refresh_seconds:
            return self._keys
        version = self.store.version()
        if self._keys is None or version != self._version:
            self._keys = {key.kid: key for key in self.store.load()}
            self._newest = sorted(self._keys.values(), key=lambda k: k.created_at, reverse=True)
            self._version = version
        self._checked_at = now
        return self._keys

    def keys(self) -> list[SigningKey]:
        """All keys, newest first."""
        with self._lock:
            self._load()
            return list(self._newest)

    def current(self) -> SigningKey:
        """The signing key; the first one is made on first use, once for every process."""
        with self._lock:
            self._load()
            newest = self._newest[0] if self._newest else None
        return newest if newest is not None else self._add_generation(1)

    def get(self, kid: str) -> SigningKey | None:
        with self._lock:
            key = self._load().get(kid)
            # An unknown key may be a rotation made elsewhere: look again, at most once a second.
            if key is None and time.monotonic() - self._forced_at >= 1.0:
                self._forced_at = time.monotonic()
                key = self._load(force=True).get(kid)
            return key

    def _add_generation(self, generation: int) -> SigningKey:
        key = _new_key()
        added = self.store.add(key, generation)
        with self._lock:
            keys = self._load(force=True)
        if added:
            return keys.get(key.kid, key)
        return sorted(keys.values(), key=lambda k: k.created_at, reverse=True)[0]

    def rotate(self) -> SigningKey:
        """Make a new current key; older keys keep verifying."""
        return self._add_generation(self.store.next_generation())

    def retire_older_than(self, cutoff: dt.datetime) -> list[str]:
        """Remove keys that stopped signing before cutoff (never the current key)."""
        keys = self.keys()
        retired = [older.kid for older, newer in zip(keys[1:], keys[:-1]) if newer.created_at < cutoff]
        if retired:
            self.store.remove(retired)
            with self._lock:
                self._load(force=True)
        return retired

    def sign(self, message: bytes) -> tuple[str, bytes]:
        """Sign with the current key; returns (kid, signature)."""
        key = self.current()
        return key.kid, key.private.sign(message)

    def verify(self, kid: str, message: bytes, signature: bytes) -> bool:
        """Whether signature is a valid signature of message by key kid."""
        key = self.get(kid)
        if key is None:
            return False
        try:
            key.public.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def jwks(self) -> dict:
        """The public keys as a JWK set."""
        return {"keys": [key.jwk() for key in self.keys()]}


_RINGS_KEY = "registry.signing_rings"
# Consent receipts, credit certificates, a person's data export (PIPL art. 45).
PURPOSES = ("certificates", "consent", "export")


def key_ring(purpose: str) -> KeyRing:
    """The app's key ring for a purpose (one of `PURPOSES`), shared through the database."""
    rings = current_app.extensions.setdefault(_RINGS_KEY, {})
    if purpose not in rings:
        rings[purpose] = KeyRing(DatabaseKeyStore(purpose),
                                 float(current_app.config.get("SIGNING_KEYS_REFRESH_SECONDS", 5)))
    return rings[purpose]


def ensure_keys() -> dict[str, str]:
    """Give every purpose its first key (idempotent, safe beside other processes); returns purpose -> kid.

    Keys an older version kept as files in the instance folder are imported
    first, so receipts they signed still verify.
    """
    legacy = Path(current_app.config.get("SIGNING_KEYS_PATH") or os.path.join(current_app.instance_path, "signing"))
    result = {}
    for purpose in PURPOSES:
        ring = key_ring(purpose)
        if not ring.keys():
            old = sorted(FileKeyStore(legacy / purpose).load(), key=lambda k: k.created_at)
            for generation, key in enumerate(old, start=1):
                ring.store.add(key, generation)
        result[purpose] = ring.current().kid
    return result


def canonical_json(payload: dict) -> bytes:
    """The byte form that is signed: sorted keys, no spaces, UTF-8."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
