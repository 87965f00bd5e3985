"""Compact signed tokens: JWS (RFC 7515) with EdDSA/Ed25519 (RFC 8037).

JWS was chosen over COSE_Sign1/Base45 because any JOSE library verifies it
offline against our published JWKS, with no CBOR stack on either side. A
certificate token carries only an opaque id and times; its ~250 characters
make a version-12 QR code at error correction M, which phone cameras read
easily (COSE/Base45 would save about a third).
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

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
    header = {"alg": "EdDSA", "kid": key.kid, "typ": token_type}
    body = dict(claims, iat=int(now.timestamp()), exp=int((now + lifetime).timestamp()))
    signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "."
                     + b64url(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()))
    return signing_input + "." + b64url(key.private.sign(signing_input.encode("ascii")))


def sign_payload(ring: KeyRing, payload: bytes, token_type: str) -> str:
    """A compact JWS over payload exactly as given (no claims added, no size limit): for signed documents
    such as a person's data export, whose payload is their canonical JSON. Verify with any JOSE library."""
    key = ring.current()
    header = {"alg": "EdDSA", "kid": key.kid, "typ": token_type}
    signing_input = b64url(json.dumps(header, separators=(",", ":")).encode()) + "." + b64url(payload)
    return signing_input + "." + b64url(key.private.sign(signing_input.encode("ascii")))


def verify(ring: KeyRing, token: str, token_type: str) -> VerifiedToken:
    """Check structure, algorithm, key, signature and validity window; TokenError otherwise."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
        raise TokenError("malformed")
    header_part, body_part, signature_part = token.split(".")
    try:
        header = json.loads(b64url_decode(header_part))
        body = json.loads(b64url_decode(body_part))
        signature = b64url_decode(signature_part)
    except (ValueError, UnicodeDecodeError):
        raise TokenError("malformed") from None
    if not isinstance(header, dict) or not isinstance(body, dict):
        raise TokenError("malformed")
    if header.get("alg") != "EdDSA" or header.get("typ") != token_type:
        raise TokenError("wrong_type")
    kid = header.get("kid")
    if not isinstance(kid, str) or ring.get(kid) is None:
        raise TokenError("unknown_key")
    if not ring.verify(kid, f"{header_part}.{body_part}".encode("ascii"), signature):
        raise TokenError("bad_signature")
    iat, exp = body.get("iat"), body.get("exp")
    if not isinstance(iat, int) or not isinstance(exp, int) or isinstance(iat, bool) or isinstance(exp, bool):
        raise TokenError("malformed")
    now = clock.now()
    issued = dt.datetime.fromtimestamp(iat, dt.UTC)
    expires = dt.datetime.fromtimestamp(exp, dt.UTC)
    if issued > now + CLOCK_SKEW:
        raise TokenError("not_yet_valid")
    if expires <= now:
        raise TokenError("expired")
    return VerifiedToken(kid, body, issued, expires)
