"""Server signing keys (Ed25519) with key ids, rotation and JWKS publication.

Each purpose (consent receipts, credit certificates) has its own key ring in
a folder: the instance folder by default, or SIGNING_KEYS_PATH. The newest key
signs; older keys only verify, and stay published until what they signed has
expired (`retire_older_than`).
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app

from registry.core import clock


def b64url(data: bytes) -> str:
    """Unpadded base64url, as JOSE uses it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url; ValueError on bad input."""
    if not isinstance(text, str) or not _B64URL.fullmatch(text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_B64URL = re.compile(r"[A-Za-z0-9_-]*")


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


class KeyRing:
    """The keys of one purpose, kept as PEM files named by key id."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._lock = threading.Lock()
        self._keys: dict[str, SigningKey] | None = None

    def _load(self) -> dict[str, SigningKey]:
        if self._keys is not None:
            return self._keys
        keys: dict[str, SigningKey] = {}
        if self.folder.exists():
            for meta_path in sorted(self.folder.glob("*.json")):
                meta = json.loads(meta_path.read_text())
                pem = (self.folder / f"{meta['kid']}.pem").read_bytes()
                private = serialization.load_pem_private_key(pem, password=None)
                keys[meta["kid"]] = SigningKey(meta["kid"], dt.datetime.fromisoformat(meta["created_at"]),
                                               private, private.public_key())
        self._keys = keys
        return keys

    def keys(self) -> list[SigningKey]:
        """All keys, newest first."""
        with self._lock:
            return sorted(self._load().values(), key=lambda k: k.created_at, reverse=True)

    def current(self) -> SigningKey:
        """The signing key; the first one is made on first use."""
        keys = self.keys()
        if keys:
            return keys[0]
        return self.rotate()

    def get(self, kid: str) -> SigningKey | None:
        with self._lock:
            return self._load().get(kid)

    def rotate(self) -> SigningKey:
        """Make a new current key; older keys keep verifying."""
        with self._lock:
            private = Ed25519PrivateKey.generate()
            public_raw = private.public_key().public_bytes(serialization.Encoding.Raw,
                                                           serialization.PublicFormat.Raw)
            # The key id is derived from the key (RFC 7638-like thumbprint, shortened).
            kid = b64url(hashlib.sha256(public_raw).digest()[:12])
            created = clock.now()
            self.folder.mkdir(parents=True, exist_ok=True)
            pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
            fd = os.open(self.folder / f"{kid}.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
            (self.folder / f"{kid}.json").write_text(json.dumps({"kid": kid, "created_at": created.isoformat()}))
            key = SigningKey(kid, created, private, private.public_key())
            self._load()[kid] = key
            return key

    def retire_older_than(self, cutoff: dt.datetime) -> list[str]:
        """Remove keys that stopped signing before cutoff (never the current key)."""
        keys = self.keys()
        retired = []
        with self._lock:
            for older, newer in zip(keys[1:], keys[:-1]):
                if newer.created_at < cutoff:
                    for suffix in (".pem", ".json"):
                        (self.folder / f"{older.kid}{suffix}").unlink(missing_ok=True)
                    self._load().pop(older.kid, None)
                    retired.append(older.kid)
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


def key_ring(purpose: str) -> KeyRing:
    """The app's key ring for a purpose (e.g. "consent", "certificates")."""
    rings = current_app.extensions.setdefault(_RINGS_KEY, {})
    if purpose not in rings:
        base = current_app.config.get("SIGNING_KEYS_PATH") or os.path.join(current_app.instance_path, "signing")
        rings[purpose] = KeyRing(Path(base) / purpose)
    return rings[purpose]


def canonical_json(payload: dict) -> bytes:
    """The byte form that is signed: sorted keys, no spaces, UTF-8."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
