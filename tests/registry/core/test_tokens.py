"""JWS EdDSA tokens: issue, verify, and every way a token is refused."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.core import clock
from registry.core.signing import KeyRing, b64url, b64url_decode
from registry.core.tokens import TokenError, issue, verify

LIFE = dt.timedelta(minutes=5)


@pytest.fixture
def ring(tmp_path):
    return KeyRing(tmp_path / "ring")


def refused(ring, token, reason, token_type="test+jws"):
    with pytest.raises(TokenError) as info:
        verify(ring, token, token_type)
    assert info.value.reason == reason


def test_round_trip(ring):
    token = issue(ring, {"cid": "abc"}, LIFE, "test+jws")
    verified = verify(ring, token, "test+jws")
    assert verified.claims["cid"] == "abc" and verified.kid == ring.current().kid
    assert verified.expires_at - verified.issued_at == LIFE


def test_tampered_payload_and_signature(ring):
    token = issue(ring, {"cid": "abc"}, LIFE, "test+jws")
    header, body, signature = token.split(".")
    forged_body = b64url(json.dumps({**json.loads(b64url_decode(body)), "cid": "xyz"}).encode())
    refused(ring, f"{header}.{forged_body}.{signature}", "bad_signature")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    refused(ring, f"{header}.{body}.{flipped}", "bad_signature")
    refused(ring, token[:-10], "bad_signature")


def test_truncated_and_garbage(ring):
    token = issue(ring, {"cid": "abc"}, LIFE, "test+jws")
    refused(ring, token.rsplit(".", 1)[0], "malformed")
    refused(ring, "a.b.c", "malformed")
    refused(ring, "x" * 5000, "malformed")
    refused(ring, "", "malformed")


def test_other_key_or_deployment(ring, tmp_path):
    other = KeyRing(tmp_path / "other")
    refused(ring, issue(other, {"cid": "abc"}, LIFE, "test+jws"), "unknown_key")


def test_resigned_with_another_key_under_our_kid(ring, tmp_path):
    other = KeyRing(tmp_path / "other")
    token = issue(other, {"cid": "abc"}, LIFE, "test+jws")
    header, body, signature = token.split(".")
    ours = b64url(json.dumps({"alg": "EdDSA", "kid": ring.current().kid, "typ": "test+jws"}).encode())
    refused(ring, f"{ours}.{body}.{signature}", "bad_signature")


def test_wrong_type_or_algorithm(ring):
    refused(ring, issue(ring, {"cid": "abc"}, LIFE, "other+jws"), "wrong_type")
    token = issue(ring, {"cid": "abc"}, LIFE, "test+jws")
    _, body, signature = token.split(".")
    none_header = b64url(json.dumps({"alg": "none", "kid": ring.current().kid, "typ": "test+jws"}).encode())
    refused(ring, f"{none_header}.{body}.{signature}", "wrong_type")


def test_expired_and_future_dated(ring):
    token = issue(ring, {"cid": "abc"}, LIFE, "test+jws")
    clock.set_offset(LIFE + dt.timedelta(seconds=1))
    refused(ring, token, "expired")
    clock.set_offset(dt.timedelta(hours=1))
    future = issue(ring, {"cid": "abc"}, LIFE, "test+jws")
    clock.set_offset(dt.timedelta(0))
    refused(ring, future, "not_yet_valid")


def test_rotation_keeps_old_tokens_valid_until_retired(ring):
    old_token = issue(ring, {"cid": "abc"}, LIFE, "test+jws")
    old_kid = ring.current().kid
    ring.rotate()
    assert ring.current().kid != old_kid
    assert verify(ring, old_token, "test+jws").kid == old_kid
    assert {k["kid"] for k in ring.jwks()["keys"]} == {old_kid, ring.current().kid}
    assert ring.retire_older_than(clock.now() + dt.timedelta(seconds=1)) == [old_kid]
    refused(ring, old_token, "unknown_key")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_random_text_is_refused_cleanly(tmp_path_factory, text):
    ring = KeyRing(tmp_path_factory.mktemp("r"))
    with pytest.raises(TokenError):
        verify(ring, text, "test+jws")


def test_a_non_canonical_spelling_of_a_valid_token_is_refused(ring):
    token = issue(ring, {"cid": "abc"}, LIFE, "test+jws")
    header, body, signature = token.split(".")
    # An Ed25519 signature is 64 bytes: 86 characters, the last carrying 4 unused bits.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(signature[-1])
    twin = signature[:-1] + alphabet[last ^ 1]  # same decoded bytes, another string
    assert twin != signature
    refused(ring, f"{header}.{body}.{twin}", "malformed")
    assert verify(ring, token, "test+jws").claims["cid"] == "abc"
    with pytest.raises(ValueError):
        b64url_decode("A")  # a length no encoding produces
