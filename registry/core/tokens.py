"""Compact signed tokens: JWS (RFC 7515) with EdDSA/Ed25519 (RFC 8037).

JWS was chosen over COSE_Sign1/Base45 because any JOSE library verifies it
offline against our published JWKS, with no CBOR stack on either side. A
certificate token carries only an opaque id and times; its ~250 characters
make a version-12 QR code at error correction M, which phone cameras read
easily (COSE/Base45 would save about a third).
"""
from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature

from registry.core import clock
from registry.core.signing import KeyRing, b64url, b64url_decode

MAX_TOKEN_LENGTH = 1024
# A token dated in the future beyond this skew is refused (clocks differ a little).
CLOCK_SKEW = dt.timedelta(seconds=60)


class TokenError(ValueError):
    """A token was refused; `reason` names why (malformed, bad_signature, unknown_key, expired, ...)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class VerifiedToken:
    """The claims of a token whose signature, key and times checked out."""

    kid: str
    claims: dict
    issued_at: dt.datetime
    expires_at: dt.datetime


def issue(ring: KeyRing, claims: dict, lifetime: dt.timedelta, token_type: str) -> str:
    """Sign claims (plus iat and exp) with the ring's current key."""
    key = ring.current()
    now = clock.now()
    body = dict(claims, iat=int(now.timestamp()), exp=int((now + lifetime).timestamp()))
    signing_input = (_encoded_header(key.kid, token_type) + "."
                     + b64url(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()))
    return signing_input + "." + b64url(key.private.sign(signing_input.encode("ascii")))


@functools.lru_cache(maxsize=64)
def _encoded_header(kid: str, token_type: str) -> str:
    # The same few bytes for every token a key signs: encoded once, not per token.
    return b64url(json.dumps({"alg": "EdDSA", "kid": kid, "typ": token_type}, separators=(",", ":")).encode())


def sign_payload(ring: KeyRing, payload: bytes, token_type: str) -> str:
    """A compact JWS over payload exactly as given (no claims added, no size limit): for signed documents
    such as a person's data export, whose payload is their canonical JSON. Verify with any JOSE library."""
    key = ring.current()
    signing_input = _encoded_header(key.kid, token_type) + "." + b64url(payload)
    return signing_input + "." + b64url(key.private.sign(signing_input.encode("ascii")))


@functools.lru_cache(maxsize=256)
def _header(header_part: str) -> tuple[str | None, str | None, str | None]:
    """(alg, typ, kid) of an encoded header; TokenError("malformed") when it is not a JSON object.

    Cached by its exact (canonical) spelling: every token of one key and type has the same
    header, so it is decoded once per process, not once per scan. Only the parse is
    cached; the key and the signature are checked on every call.
    """
    try:
        header = json.loads(b64url_decode(header_part))
    except (ValueError, UnicodeDecodeError):
        raise TokenError("malformed") from None
    if not isinstance(header, dict):
        raise TokenError("malformed")
    kid = header.get("kid")
    return header.get("alg"), header.get("typ"), kid if isinstance(kid, str) else None


def verify(ring: KeyRing, token: str, token_type: str) -> VerifiedToken:
    """Check structure, algorithm, key, signature and validity window; TokenError otherwise."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
        raise TokenError("malformed")
    header_part, body_part, signature_part = token.split(".")
    alg, typ, kid = _header(header_part)
    try:
        body = json.loads(b64url_decode(body_part))
        signature = b64url_decode(signature_part)
    except (ValueError, UnicodeDecodeError):
        raise TokenError("malformed") from None
    if not isinstance(body, dict):
        raise TokenError("malformed")
    if alg != "EdDSA" or typ != token_type:
        raise TokenError("wrong_type")
    key = ring.get(kid) if kid is not None else None
    if key is None:
        raise TokenError("unknown_key")
    try:
        key.public.verify(signature, f"{header_part}.{body_part}".encode("ascii"))
    except InvalidSignature:
        raise TokenError("bad_signature") from None
    iat, exp = body.get("iat"), body.get("exp")
    if type(iat) is not int or type(exp) is not int:  # noqa: E721 - exactly int: a bool is not a time
        raise TokenError("malformed")
    now = clock.now().timestamp()
    if iat > now + CLOCK_SKEW.total_seconds():
        raise TokenError("not_yet_valid")
    if exp <= now:
        raise TokenError("expired")
    try:
        issued, expires = dt.datetime.fromtimestamp(iat, dt.UTC), dt.datetime.fromtimestamp(exp, dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise TokenError("malformed") from None
    return VerifiedToken(kid, body, issued, expires)
