"""Certificate tokens, fallback codes, JWKS, rotation and revocation."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from consent import services as consent
from registry.accounts.services import erase_account
from registry.core.errors import DomainError
from registry.core.signing import b64url_decode, key_ring
from tests.factories.accounts import make_account
from tests.factories.face import make_face_check
from tests.factories.http import api_post, log_in
from tests.factories.workers import make_worker
from workers import services
from workers.certificates import services as certificates
from workers.models import RegistrationStep


def test_token_carries_nothing_personal_and_verifies_offline_with_jwks(client, worker_account):
    account, worker = worker_account
    shown = certificates.show(worker)
    header, body, signature = shown.token.split(".")
    claims = json.loads(b64url_decode(body))
    assert set(claims) == {"cid", "sl", "si", "sc", "iat", "exp"} and claims["sc"] in ("green", "yellow", "red")
    assert isinstance(claims["sl"], int) and isinstance(claims["si"], int)
    assert account.name not in shown.token and account.phone not in json.dumps(claims)
    # A third party verifies with nothing but the published JWKS.
    jwks = client.get("/.well-known/jwks.json").get_json()
    kid = json.loads(b64url_decode(header))["kid"]
    key = next(k for k in jwks["keys"] if k["kid"] == kid)
    assert key["kty"] == "OKP" and key["crv"] == "Ed25519"
    Ed25519PublicKey.from_public_bytes(b64url_decode(key["x"])).verify(
        b64url_decode(signature), f"{header}.{body}".encode())
    assert len(shown.fallback_code) == 10


def test_certificate_needs_complete_registration(db_session):
    account = make_account(role="worker")
    worker = services.ensure_worker(account)
    with pytest.raises(DomainError) as info:
        certificates.show(worker)
    assert info.value.code == "registration_incomplete"


def test_certificate_page_and_api(client, worker_account):
    account, _ = worker_account
    log_in(client, account)
    page = client.get("/workers/certificate").get_data(as_text=True)
    assert "<svg" in page and 'data-testid="fallback-code"' in page
    data = client.get("/api/v1/workers/me/certificate").get_json()
    assert data["status"] == "active" and data["svg"].startswith("<svg") and data["token"].count(".") == 2


def test_rotate_key_keeps_old_tokens_valid(runner, worker_account, client, own_certificate_keys):
    _, worker = worker_account
    old = certificates.show(worker).token
    result = runner.invoke(args=["certs", "rotate-key"])
    assert result.exit_code == 0 and "signing with key" in result.output
    published = {k["kid"] for k in client.get("/.well-known/jwks.json").get_json()["keys"]}
    ring = key_ring(certificates.KEY_PURPOSE)
    # Both certificate keys are published (beside the data-export keys, which are another ring's).
    assert len(ring.keys()) == 2 and {k.kid for k in ring.keys()} <= published
    assert certificates.resolve(old).worker_id == worker.account_id
    assert certificates.show(worker).token.split(".")[0] != old.split(".")[0]


def test_operator_revocation_refuses_at_once(runner, worker_account):
    account, worker = worker_account
    token = certificates.show(worker).token
    result = runner.invoke(args=["certs", "revoke", str(account.id), "--reason", "伪造资料"])
    assert result.exit_code == 0, result.output
    with pytest.raises(certificates.ScanRefused) as info:
        certificates.resolve(token)
    assert info.value.code == "certificate_revoked"
    with pytest.raises(DomainError) as again:
        certificates.show(worker)
    assert again.value.code == "certificate_revoked"
    assert runner.invoke(args=["certs", "revoke", "999999", "--reason", "x"]).exit_code != 0


def test_fallback_code_resolves_until_it_expires(worker_account, move_clock):
    _, worker = worker_account
    shown = certificates.show(worker)
    typed = shown.fallback_code.lower()[:5] + "-" + shown.fallback_code.lower()[5:]
    assert certificates.resolve(typed).id == shown.certificate.id
    move_clock(certificates.token_lifetime() + dt.timedelta(seconds=1))
    with pytest.raises(certificates.ScanRefused) as info:
        certificates.resolve(shown.fallback_code)
    assert info.value.code == "code_unknown"


@pytest.mark.parametrize("typed, reason", [("ABC", "code_length"), ("ABCDEFGHUK", "code_character")])
def test_malformed_codes(worker_account, typed, reason):
    with pytest.raises(certificates.ScanRefused) as info:
        certificates.resolve(typed)
    assert info.value.code == reason


def test_deleted_account_certificate_names_nothing(worker_account):
    account, worker = worker_account
    token = certificates.show(worker).token
    erase_account(account)
    with pytest.raises(certificates.ScanRefused) as info:
        certificates.resolve(token)
    assert info.value.code == "certificate_unknown"


def test_household_has_no_certificate(client, db_session):
    log_in(client, make_account(role="consumer"))
    assert client.get("/workers/certificate").status_code == 403
    assert client.get("/api/v1/workers/me/certificate").status_code == 403
    other = make_worker("林木", step=RegistrationStep.COMPLETE)
    assert services.ensure_worker(other).registration_step == "complete"
    assert api_post(client, "/api/v1/workers/me/certificate").status_code == 405


def test_public_verification_endpoint_says_valid_and_status_only(client, worker_account):
    _, worker = worker_account
    token = certificates.show(worker).token
    data = client.get("/api/v1/certificates/verification", query_string={"token": token}).get_json()
    assert data["valid"] is True and data["status"] == "active" and set(data) == {"valid", "status", "expires_at"}
    bad = client.get("/api/v1/certificates/verification", query_string={"token": token[:-4] + "AAAA"})
    assert bad.status_code == 422 and bad.get_json()["code"] == "token_bad_signature"
    assert client.get("/api/v1/certificates/verification").status_code == 422


def test_withdrawn_consent_stops_the_certificate(client, worker_account):
    account, worker = worker_account
    worker.identity_verified_at = worker.registered_at
    letter = consent.publish_letter("授权书", "本人授权平台展示本人的信用信息。", None)
    signed = consent.sign(account, letter.version, letter.sha256, make_face_check(account, "consent").id)
    token = certificates.show(worker).token
    assert certificates.resolve(token)
    consent.revoke(account, signed.id)
    assert worker.registration_step == "authorization" and worker.authorized_at is None
    with pytest.raises(certificates.ScanRefused) as info:
        certificates.resolve(token)
    assert info.value.code == "certificate_inactive"
    verify = client.get("/api/v1/certificates/verification", query_string={"token": token})
    assert verify.get_json()["code"] == "certificate_inactive"
    # Signing again completes registration again.
    consent.sign(account, letter.version, letter.sha256, make_face_check(account, "consent").id)
    assert worker.registration_step == "complete" and certificates.resolve(token)
