"""Checking a certificate token offline: signature, key, validity window, then its status-list entry.

The token is a compact JWS (EdDSA, typ "hscc+jws") whose claims are
`cid` (opaque id), `sl` (status list id), `si` (index), `iat`, `exp`. A
status list is a compact JWS (typ "vc+jwt") whose payload is a
BitstringStatusListCredential: `credentialSubject.encodedList` is "u" +
base64url(gzip(bits)), `statusSize` bits per entry, index 0 in the
left-most bits; values 0 active, 1 departed, 2 withdrawn, 3 revoked.
"""
from __future__ import annotations

import base64
import binascii
import gzip
import json
import re
import time
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

TOKEN_TYPE = "hscc+jws"
LIST_TYPE = "vc+jwt"
MAX_TOKEN_LENGTH = 1024
CLOCK_SKEW = 60
STATUS_NAMES = {0: "active", 1: "departed", 2: "withdrawn", 3: "revoked"}
_B64URL = re.compile(r"[A-Za-z0-9_-]*")


class Refused(ValueError):
    """The token does not pass; `code` names why (the platform's codes where they exist)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Result:
    status: str  # active | departed
    expires_at: int
    list_id: int
    index: int
    status_code: str | None = None  # 安心码: green | yellow | red (None from a token issued before it existed)


def b64url_decode(text: str) -> bytes:
    if not isinstance(text, str) or not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if base64.urlsafe_b64encode(data).rstrip(b"=").decode() != text:
        raise ValueError("not canonical base64url")
    return data


def _jws(token: str, typ: str, keys: dict[str, Ed25519PublicKey], refused: str) -> tuple[dict, str]:
    """The verified payload and kid of a compact JWS; Refused(refused + reason) otherwise."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise Refused(f"{refused}_malformed")
    header_part, body_part, signature_part = token.split(".")
    try:
        header = json.loads(b64url_decode(header_part))
        payload = json.loads(b64url_decode(body_part))
        signature = b64url_decode(signature_part)
    except (ValueError, UnicodeDecodeError):
        raise Refused(f"{refused}_malformed") from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise Refused(f"{refused}_malformed")
    if header.get("alg") != "EdDSA" or header.get("typ") != typ:
        raise Refused(f"{refused}_wrong_type")
    key = keys.get(header.get("kid")) if isinstance(header.get("kid"), str) else None
    if key is None:
        raise Refused(f"{refused}_unknown_key")
    try:
        key.verify(signature, f"{header_part}.{body_part}".encode("ascii"))
    except InvalidSignature:
        raise Refused(f"{refused}_bad_signature") from None
    return payload, header["kid"]


def load_jwks(jwks: dict) -> dict[str, Ed25519PublicKey]:
    """kid -> public key of the Ed25519 keys of a JWK set (others are ignored)."""
    keys = {}
    for jwk in jwks.get("keys", []) if isinstance(jwks, dict) else []:
        if isinstance(jwk, dict) and jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519" \
                and isinstance(jwk.get("kid"), str):
            try:
                keys[jwk["kid"]] = Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
            except (ValueError, KeyError, TypeError):
                continue
    return keys


@dataclass(frozen=True)
class StatusList:
    list_id: int
    bits: bytes
    status_size: int
    valid_until: int


def load_status_list(credential: str, keys: dict[str, Ed25519PublicKey], now: float | None = None) -> StatusList:
    """Verify a signed status list and decode its bitstring; Refused("status_list_...") otherwise."""
    payload, _kid = _jws(credential, LIST_TYPE, keys, "status_list")
    subject = payload.get("credentialSubject")
    exp, list_id = payload.get("exp"), payload.get("list")
    if not isinstance(subject, dict) or type(exp) is not int or type(list_id) is not int:  # noqa: E721
        raise Refused("status_list_malformed")
    encoded, size = subject.get("encodedList"), subject.get("statusSize", 1)
    if not isinstance(encoded, str) or not encoded.startswith("u") or size not in (1, 2, 4, 8):
        raise Refused("status_list_malformed")
    try:
        bits = gzip.decompress(b64url_decode(encoded[1:]))
    except (ValueError, OSError, EOFError, binascii.Error):
        raise Refused("status_list_malformed") from None
    if exp <= (time.time() if now is None else now):
        raise Refused("status_list_expired")
    return StatusList(list_id, bits, size, exp)


def status_at(status_list: StatusList, index: int) -> int:
    size = status_list.status_size
    byte, slot = divmod(index * size, 8)
    if byte >= len(status_list.bits):
        raise Refused("status_index_out_of_range")
    return (status_list.bits[byte] >> (8 - size - slot)) & ((1 << size) - 1)


def verify(token: str, keys: dict[str, Ed25519PublicKey], lists: dict[int, StatusList],
           now: float | None = None) -> Result:
    """Check a certificate token offline; Refused with the reason otherwise."""
    if not isinstance(token, str) or not token.strip() or len(token) > MAX_TOKEN_LENGTH:
        raise Refused("token_malformed")
    claims, _kid = _jws(token.strip(), TOKEN_TYPE, keys, "token")
    iat, exp, list_id, index = claims.get("iat"), claims.get("exp"), claims.get("sl"), claims.get("si")
    if any(type(value) is not int for value in (iat, exp, list_id, index)) or index < 0:
        raise Refused("token_malformed")
    now = time.time() if now is None else now
    if iat > now + CLOCK_SKEW:
        raise Refused("token_not_yet_valid")
    if exp <= now:
        raise Refused("token_expired")
    status_list = lists.get(list_id)
    if status_list is None:
        raise Refused("status_list_missing")
    if status_list.valid_until <= now:
        raise Refused("status_list_expired")
    value = status_at(status_list, index)
    if value == 3:
        raise Refused("certificate_revoked")
    if value == 2:
        raise Refused("certificate_inactive")
    status = STATUS_NAMES.get(value, "active")
    return Result(status, exp, list_id, index, _status_code(claims, status, now))


def _status_code(claims: dict, status: str, now: float) -> str | None:
    """The token's colour; green holds until its day "scu" (China time) ends; a departed entry makes it red."""
    if status == "departed":
        return "red"
    colour = claims.get("sc") if claims.get("sc") in ("green", "yellow", "red") else None
    until = claims.get("scu")
    if colour == "green" and isinstance(until, str):
        china_today = time.strftime("%Y-%m-%d", time.gmtime(now + 8 * 3600))
        if china_today > until:
            return "yellow"
    return colour
