"""Active authentication (Doc 9303 Part 11, 6.1), verifier side.

The chip signs the verifier's 8-byte challenge with the private key whose
public half is in DG15: RSA with ISO/IEC 9796-2 digital signature scheme 1
(partial message recovery), or ECDSA with a plain (r || s) signature.
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from ..errors import SignatureError
from .cms import HASHES

#: ISO/IEC 10118 hash identifiers used in the two-byte 9796-2 trailer.
TRAILER_HASHES = {0x33: "sha1", 0x34: "sha256", 0x35: "sha512",
                  0x36: "sha384", 0x38: "sha224"}
TRAILER_IDS = {name: ident for ident, name in TRAILER_HASHES.items()}
CURVE_HASH = {224: "sha224", 256: "sha256", 384: "sha384", 512: "sha512",
              521: "sha512"}


def _verify_rsa(key: rsa.RSAPublicKey, challenge: bytes,
                response: bytes) -> None:
    numbers = key.public_numbers()
    size = (key.key_size + 7) // 8
    if len(response) != size:
        raise SignatureError("AA signature length does not match the key")
    signature = int.from_bytes(response, "big")
    if not 0 < signature < numbers.n:
        raise SignatureError("AA signature is out of range")
    value = pow(signature, numbers.e, numbers.n)
    if value & 0xF != 0xC:
        # ISO 9796-2 lets the signer send min(s, n - s); the representative
        # then shows up as n - f.
        value = numbers.n - value
    rep = value.to_bytes(size, "big")
    if rep[0] != 0x6A:
        raise SignatureError("AA message representative has a bad header")
    if rep[-1] == 0xBC:
        hash_name, trailer = "sha1", 1
    elif rep[-1] == 0xCC and rep[-2] in TRAILER_HASHES:
        hash_name, trailer = TRAILER_HASHES[rep[-2]], 2
    else:
        raise SignatureError("AA message representative has a bad trailer")
    hash_len = hashlib.new(hash_name).digest_size
    if size < 1 + hash_len + trailer + 1:
        raise SignatureError("AA key too small for the hash")
    m1 = rep[1:size - hash_len - trailer]
    digest = rep[size - hash_len - trailer:size - trailer]
    if not hmac.compare_digest(hashlib.new(hash_name, m1 + challenge).digest(),
                               digest):
        raise SignatureError("AA signature does not cover the challenge")


def _verify_ec(key: ec.EllipticCurvePublicKey, challenge: bytes,
               response: bytes, hash_name: str | None) -> None:
    size = (key.curve.key_size + 7) // 8
    if len(response) != 2 * size:
        raise SignatureError("ECDSA AA signature must be r || s of the "
                             "curve size")
    hash_name = hash_name or CURVE_HASH.get(key.curve.key_size, "sha256")
    r = int.from_bytes(response[:size], "big")
    s = int.from_bytes(response[size:], "big")
    try:
        key.verify(encode_dss_signature(r, s), challenge,
                   ec.ECDSA(HASHES[hash_name]()))
    except (InvalidSignature, ValueError) as exc:
        raise SignatureError("ECDSA AA signature does not verify") from exc


def verify_active_authentication(public_key, challenge: bytes,
                                 response: bytes,
                                 ecdsa_hash: str | None = None) -> None:
    """Verify the chip's answer to ``challenge``; raises SignatureError.

    ``ecdsa_hash`` comes from DG14's ActiveAuthenticationInfo; without it
    the hash matching the curve size is assumed.
    """
    if len(challenge) != 8:
        raise SignatureError("AA challenge must be 8 bytes")
    if not response:
        raise SignatureError("no AA response")
    if isinstance(public_key, rsa.RSAPublicKey):
        _verify_rsa(public_key, bytes(challenge), bytes(response))
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        _verify_ec(public_key, bytes(challenge), bytes(response), ecdsa_hash)
    else:
        raise SignatureError("DG15 key is neither RSA nor EC")
