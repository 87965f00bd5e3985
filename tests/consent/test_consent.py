"""The authorization letter: publishing, signing with a face check, receipts, revocation."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from consent import services
from consent.models import SignedConsent
from registry.accounts.services import erase_account
from registry.core.errors import Conflict, DomainError, Forbidden
from tests.factories.accounts import make_account
from tests.factories.face import make_face_check
from tests.factories.http import api_post, form_post, log_in
from tests.factories.workers import make_worker
from workers import services as workers
from workers.models import RegistrationStep


def verified_worker(name: str = "王芳"):
    """A worker whose identity step is done: the letter is the next step."""
    return make_worker(name, step=RegistrationStep.AUTHORIZATION, identity_verified=True)


@pytest.fixture
def letter(db_session):
    return services.publish_letter("信用信息授权书", "本人授权平台采集并展示本人的信用信息。" * 3, None)


def test_versions_are_numbered_and_hashed(letter):
    second = services.publish_letter("信用信息授权书", "第二版正文，内容有所修改。", None)
    assert (letter.version, second.version) == (1, 2)
    assert services.current_letter().id == second.id
    assert second.sha256 == services.letter_digest("信用信息授权书", "第二版正文，内容有所修改。")


def test_sign_records_version_digest_face_check_and_server_signature(letter, db_session):
    worker = verified_worker()
    check = make_face_check(worker, "consent")
    consent = services.sign(worker, letter.version, letter.sha256, check.id)
    assert (consent.letter_version, consent.letter_sha256, consent.face_check_id) == (1, letter.sha256, check.id)
    assert services.verify_signature(consent)
    consent.letter_version = 2  # any change breaks the server's signature
    assert not services.verify_signature(consent)


def test_double_submission_signs_once(letter, db_session):
    worker = verified_worker()
    first = services.sign(worker, letter.version, letter.sha256, make_face_check(worker, "consent").id)
    again = services.sign(worker, letter.version, letter.sha256, make_face_check(worker, "consent").id)
    assert again.id == first.id
    assert db_session.scalar(sa.select(sa.func.count()).select_from(SignedConsent)) == 1


def test_old_version_or_wrong_digest_is_refused(letter, db_session):
    worker = verified_worker()
    check = make_face_check(worker, "consent")
    services.publish_letter("信用信息授权书", "新版正文，需要重新阅读。", None)
    with pytest.raises(Conflict):
        services.sign(worker, 1, letter.sha256, check.id)
    current = services.current_letter()
    with pytest.raises(Conflict):
        services.sign(worker, current.version, "0" * 64, check.id)


def test_stale_foreign_or_wrong_purpose_face_checks_are_refused(app, letter, db_session, move_clock):
    worker, other = verified_worker(), verified_worker("钱七")
    with pytest.raises(DomainError) as wrong_purpose:
        services.sign(worker, letter.version, letter.sha256, make_face_check(worker, "check_in").id)
    assert wrong_purpose.value.code == "face_check_purpose"
    with pytest.raises(DomainError) as foreign:
        services.sign(worker, letter.version, letter.sha256, make_face_check(other, "consent").id)
    assert foreign.value.code == "check_not_found"
    stale = make_face_check(worker, "consent")
    move_clock(dt.timedelta(hours=1))
    with pytest.raises(DomainError) as old:
        services.sign(worker, letter.version, letter.sha256, stale.id)
    assert old.value.code == "face_check_stale"
    assert db_session.scalar(sa.select(sa.func.count()).select_from(SignedConsent)) == 0


def test_only_workers_sign(letter, db_session):
    household = make_account(role="consumer")
    with pytest.raises(Forbidden):
        services.sign(household, letter.version, letter.sha256, make_face_check(household, "consent").id)


def test_api_sign_list_revoke(client, letter, db_session):
    worker = verified_worker()
    log_in(client, worker)
    current = client.get("/api/v1/consent/letter").get_json()
    assert current["version"] == 1 and current["sha256"] == letter.sha256
    check = make_face_check(worker, "consent")
    response = api_post(client, "/api/v1/consent/consents", {"letter_version": 1, "letter_sha256": letter.sha256,
                                                             "face_check_id": check.id})
    assert response.status_code == 201
    consent_id = response.get_json()["id"]
    reused = api_post(client, "/api/v1/consent/consents", {"letter_version": 1, "letter_sha256": letter.sha256,
                                                           "face_check_id": check.id})
    assert reused.status_code == 201 and reused.get_json()["id"] == consent_id  # idempotent
    assert [c["id"] for c in client.get("/api/v1/consent/consents").get_json()] == [consent_id]
    revoked = api_post(client, f"/api/v1/consent/consents/{consent_id}/revocation")
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"]
    assert api_post(client, f"/api/v1/consent/consents/{consent_id}/revocation").status_code == 409


def test_api_bad_input(client, letter, db_session):
    worker = verified_worker()
    log_in(client, worker)
    bad = api_post(client, "/api/v1/consent/consents", {"letter_version": 0, "letter_sha256": "xyz",
                                                        "face_check_id": "a"})
    assert bad.status_code == 422 and set(bad.get_json()["fields"]) == {"letter_version", "letter_sha256",
                                                                        "face_check_id"}
    missing = api_post(client, "/api/v1/consent/consents", {"letter_version": 1, "letter_sha256": letter.sha256,
                                                            "face_check_id": 999999})
    assert missing.status_code == 404
    other = verified_worker("孙八")
    foreign = services.sign(other, 1, letter.sha256, make_face_check(other, "consent").id)
    assert api_post(client, f"/api/v1/consent/consents/{foreign.id}/revocation").status_code == 404
    assert client.get(f"/consent/receipts/{foreign.id}").status_code == 404


def test_letter_page_flow_and_receipt(client, letter, db_session):
    worker = verified_worker()
    log_in(client, worker)
    page = client.get("/consent/letter").get_data(as_text=True)
    assert "本人授权平台" in page and "data-face-capture" in page and letter.sha256 in page
    check = make_face_check(worker, "consent")
    form = client.get(f"/consent/letter?face_check={check.id}").get_data(as_text=True)
    assert 'data-testid="sign-form"' in form
    signed = form_post(client, "/consent/letter", {"letter_version": "1", "letter_sha256": letter.sha256,
                                                   "face_check_id": str(check.id)})
    assert signed.status_code == 302
    receipt = client.get(signed.headers["Location"]).get_data(as_text=True)
    assert letter.sha256 in receipt and "本人授权平台" in receipt
    assert 'data-testid="signature-status">有效' in receipt


def test_sign_page_with_a_used_check_shows_the_reason(client, letter, db_session):
    worker = verified_worker()
    log_in(client, worker)
    check = make_face_check(worker, "check_in")
    response = form_post(client, "/consent/letter", {"letter_version": "1", "letter_sha256": letter.sha256,
                                                     "face_check_id": str(check.id)})
    assert response.status_code == 422
    assert "另一用途" in response.get_data(as_text=True)
    assert 'data-face-capture' in response.get_data(as_text=True)  # a fresh face check is offered


def test_admin_publishes_versions(client, db_session):
    log_in(client, make_account(role="admin", name="运营"))
    assert form_post(client, "/admin/consent/letters", {"title": "授权书", "body": "太短"}).status_code == 422
    ok = form_post(client, "/admin/consent/letters", {"title": "授权书", "body": "这是一份足够长的授权书正文。"})
    assert ok.status_code == 302
    assert services.current_letter().version == 1
    household = client.application.test_client()
    log_in(household, make_account(role="consumer"))
    assert household.get("/admin/consent/letters").status_code == 403


def test_account_deletion_removes_consents(letter, db_session):
    worker = verified_worker()
    services.sign(worker, 1, letter.sha256, make_face_check(worker, "consent").id)
    erase_account(worker)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(SignedConsent)) == 0


def test_demo_seed_publishes_the_sample_letter(runner, db_session):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0 and "demo authorization letter v1" in result.output
    assert "示例" in services.current_letter().title


def test_signing_needs_a_verified_identity_and_completes_registration(letter, db_session):
    account = make_account(role="worker")
    worker = workers.ensure_worker(account)
    with pytest.raises(DomainError) as info:
        services.sign(account, letter.version, letter.sha256, make_face_check(account, "consent").id)
    assert info.value.code == "identity_not_verified"
    worker.identity_verified_at = worker.registered_at
    worker.registration_step = RegistrationStep.AUTHORIZATION.value
    services.sign(account, letter.version, letter.sha256, make_face_check(account, "consent").id)
    assert worker.registration_step == RegistrationStep.COMPLETE.value and worker.authorized_at is not None
