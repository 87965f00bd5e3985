"""Field encryption at rest and keyed hashes for looking encrypted values up.

Values are sealed with Fernet (AES-CBC + HMAC-SHA256, authenticated) through
MultiFernet: the first key encrypts, every key decrypts, so keys rotate
without downtime (`flask keys rotate` re-encrypts old rows).
"""
from __future__ import annotations

import hashlib
import hmac

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

EXTENSION_KEY = "registry.cipher"


class FieldCipher:
    """Encrypts and decrypts field values and computes lookup hashes."""

    def __init__(self, data_keys: list[str], lookup_key: str):
        if not data_keys:
            raise ValueError("at least one data key is required")
        self._fernets = [Fernet(k.encode() if isinstance(k, str) else k) for k in data_keys]
        self._multi = MultiFernet(self._fernets)
        self._lookup_key = lookup_key.encode()

    def encrypt(self, plaintext: bytes) -> bytes:
        """Seal with the newest key."""
        return self._multi.encrypt(plaintext)

    def decrypt(self, token: bytes) -> bytes:
        """Open with whichever configured key sealed it."""
        try:
            return self._multi.decrypt(token)
        except InvalidToken:
            raise DecryptionError("a field could not be decrypted with any configured key") from None

    def rotate(self, token: bytes) -> bytes:
        """Re-seal with the newest key."""
        return self._multi.rotate(token)

    def is_current(self, token: bytes) -> bool:
        """Whether the newest key sealed this token."""
        try:
            self._fernets[0].decrypt(token)
        except InvalidToken:
            return False
        return True

    def lookup_hash(self, value: str, purpose: str) -> str:
        """A keyed hash for equality lookups; purpose separates domains of values."""
        mac = hmac.new(self._lookup_key, purpose.encode() + b"\x00" + value.encode(), hashlib.sha256)
        return mac.hexdigest()


class DecryptionError(RuntimeError):
    """A stored value cannot be opened with the configured keys."""


def cipher() -> FieldCipher:
    """The cipher of the current app."""
    return current_app.extensions[EXTENSION_KEY]


def lookup_hash(value: str, purpose: str) -> str:
    """Keyed hash of value with the current app's lookup key."""
    return cipher().lookup_hash(value, purpose)


class EncryptedText(sa.types.TypeDecorator):
    """A text column stored encrypted; Python sees plain str."""

    impl = sa.LargeBinary
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return cipher().encrypt(value.encode("utf-8"))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return cipher().decrypt(bytes(value)).decode("utf-8")


class EncryptedBytes(sa.types.TypeDecorator):
    """A binary column stored encrypted (face templates, chip photos, feeds)."""

    impl = sa.LargeBinary
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return cipher().encrypt(bytes(value))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return cipher().decrypt(bytes(value))
