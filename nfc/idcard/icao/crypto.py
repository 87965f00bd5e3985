"""Symmetric primitives used by BAC and secure messaging (Doc 9303 Part 11).

3DES comes from ``cryptography``'s *decrepit* module on purpose: the main
module warns about TripleDES, and eMRTD chips still require it.
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import cmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ..errors import SecureMessagingError

_ZERO_IV8 = bytes(8)
_ZERO_IV16 = bytes(16)


def adjust_parity(key: bytes) -> bytes:
    """Set the DES parity bit (least significant bit) of every key byte odd."""
    out = bytearray(key)
    for i, byte in enumerate(out):
        high = byte & 0xFE
        out[i] = high | ((bin(high).count("1") + 1) & 1)
    return bytes(out)


def pad(data: bytes, block: int = 8) -> bytes:
    """ISO/IEC 9797-1 padding method 2 (0x80 then zeros to a block boundary)."""
    data = bytes(data) + b"\x80"
    return data + bytes(-len(data) % block)


def unpad(data: bytes) -> bytes:
    """Undo :func:`pad`; raises SecureMessagingError on bad padding."""
    stripped = bytes(data).rstrip(b"\x00")
    if not stripped or stripped[-1] != 0x80 or len(data) - len(stripped) > 15:
        raise SecureMessagingError("invalid ISO 9797-1 padding")
    return stripped[:-1]


def _key24(key: bytes) -> bytes:
    # cryptography deprecates 8- and 16-byte TripleDES keys; the equivalent
    # 24-byte keys (K1K1K1, K1K2K1) give identical results.
    if len(key) == 8:
        return bytes(key) * 3
    if len(key) == 16:
        return bytes(key) + bytes(key[:8])
    if len(key) == 24:
        return bytes(key)
    raise ValueError("DES keys must be 8, 16 or 24 bytes")


def des3_cbc_encrypt(key: bytes, data: bytes, iv: bytes = _ZERO_IV8) -> bytes:
    """Two-key 3DES-CBC encryption of block-aligned data."""
    enc = Cipher(TripleDES(_key24(key)), modes.CBC(iv)).encryptor()
    return enc.update(data) + enc.finalize()


def des3_cbc_decrypt(key: bytes, data: bytes, iv: bytes = _ZERO_IV8) -> bytes:
    """Two-key 3DES-CBC decryption; data must be block-aligned."""
    if len(data) % 8:
        raise SecureMessagingError("3DES ciphertext is not a multiple of 8")
    dec = Cipher(TripleDES(_key24(key)), modes.CBC(iv)).decryptor()
    return dec.update(data) + dec.finalize()


def retail_mac(key: bytes, data: bytes, *, padded: bool = False) -> bytes:
    """ISO/IEC 9797-1 MAC algorithm 3 (retail MAC) with DES, 8-byte output.

    ``data`` is padded with method 2 unless ``padded`` says it already is.
    """
    if not padded:
        data = pad(data)
    k1, k2 = key[:8], key[8:16]
    # CBC-MAC with single DES (an 8-byte TripleDES key is single DES) over all
    # blocks but the last; the last block then gets the full E(K1)D(K2)E(K1),
    # which is exactly 3DES-EDE with the chaining value as IV.
    chain = _ZERO_IV8
    if len(data) > 8:
        enc = Cipher(TripleDES(_key24(k1)), modes.CBC(_ZERO_IV8)).encryptor()
        chain = (enc.update(data[:-8]) + enc.finalize())[-8:]
    return des3_cbc_encrypt(k1 + k2, data[-8:], chain)


def kdf(seed: bytes, counter: int, algorithm: str = "3DES",
        key_bits: int = 128) -> bytes:
    """Doc 9303 Part 11 9.7.1 key derivation (counter 1 = ENC, 2 = MAC)."""
    data = bytes(seed) + counter.to_bytes(4, "big")
    if algorithm == "3DES":
        return adjust_parity(hashlib.sha1(data).digest()[:16])
    if algorithm == "AES":
        if key_bits == 128:
            return hashlib.sha1(data).digest()[:16]
        return hashlib.sha256(data).digest()[:key_bits // 8]
    raise ValueError(f"unknown algorithm {algorithm}")


def constant_time_equal(a: bytes, b: bytes) -> bool:
    """Compare MACs without leaking the position of the first difference."""
    return hmac.compare_digest(bytes(a), bytes(b))


class DESSuite:
    """3DES-CBC with zero IV and retail MAC, 8-byte SSC (BAC and 3DES-PACE)."""

    name = "3DES"
    block_size = 8

    def __init__(self, ks_enc: bytes, ks_mac: bytes) -> None:
        if len(ks_enc) != 16 or len(ks_mac) != 16:
            raise ValueError("3DES session keys must be 16 bytes")
        self.ks_enc, self.ks_mac = bytes(ks_enc), bytes(ks_mac)

    def encrypt(self, ssc: bytes, data: bytes) -> bytes:
        """Encrypt padded data (the IV is zero for 3DES SM)."""
        return des3_cbc_encrypt(self.ks_enc, data)

    def decrypt(self, ssc: bytes, data: bytes) -> bytes:
        """Decrypt to padded data."""
        return des3_cbc_decrypt(self.ks_enc, data)

    def mac(self, data: bytes) -> bytes:
        """MAC over already padded data."""
        return retail_mac(self.ks_mac, data, padded=True)


class AESSuite:
    """AES-CBC with IV = E(KSenc, SSC) and AES-CMAC truncated to 8 bytes."""

    name = "AES"
    block_size = 16

    def __init__(self, ks_enc: bytes, ks_mac: bytes) -> None:
        if len(ks_enc) not in (16, 24, 32) or len(ks_mac) != len(ks_enc):
            raise ValueError("AES session keys must be 16, 24 or 32 bytes")
        self.ks_enc, self.ks_mac = bytes(ks_enc), bytes(ks_mac)

    def _iv(self, ssc: bytes) -> bytes:
        enc = Cipher(algorithms.AES(self.ks_enc), modes.ECB()).encryptor()
        return enc.update(ssc) + enc.finalize()

    def encrypt(self, ssc: bytes, data: bytes) -> bytes:
        """Encrypt padded data with the SSC-derived IV."""
        enc = Cipher(algorithms.AES(self.ks_enc),
                     modes.CBC(self._iv(ssc))).encryptor()
        return enc.update(data) + enc.finalize()

    def decrypt(self, ssc: bytes, data: bytes) -> bytes:
        """Decrypt to padded data."""
        if len(data) % 16:
            raise SecureMessagingError("AES ciphertext is not a multiple of 16")
        dec = Cipher(algorithms.AES(self.ks_enc),
                     modes.CBC(self._iv(ssc))).decryptor()
        return dec.update(data) + dec.finalize()

    def mac(self, data: bytes) -> bytes:
        """CMAC over already padded data, truncated to 8 bytes."""
        c = cmac.CMAC(algorithms.AES(self.ks_mac))
        c.update(data)
        return c.finalize()[:8]
