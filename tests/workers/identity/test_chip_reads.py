"""Chip reads (人证合一, ICAO 9303 on a software card): matching the account, passive and active
authentication, expiry, production refusals and the failed-read limit."""
from __future__ import annotations

import datetime as dt

import pytest

from idcard.softcard import build_document
from registry.core.errors import DomainError, Forbidden, RateLimited
from registry.face import services as face
from tests.factories.accounts import make_id_number
from tests.factories.audit import audit_kinds
from tests.factories.identity import make_document, read_chip, real_photo, shared_pki, submit_document
from workers.identity import chip as identity_chip
from workers.identity import services as identity

# --- matching the account ----------------------------------------------------

def test_chip_of_another_person_is_refused_with_an_audit_event(worker_account, worker):
    stranger = make_id_number("19700101", sequence=7)
    with pytest.raises(DomainError) as refusal:
        submit_document(make_document(worker_account, name="陌生人", id_number=stranger), worker)
    assert refusal.value.code == "identity_mismatch" and refusal.value.status == 422
    assert refusal.value.commit_changes  # the attempt and its audit event are kept
    assert "不属于您本人" in refusal.value.message
    record = identity.latest_record(worker)
    assert record.failure == "identity_mismatch" and record.checks["identity_match"]["status"] == "failed"
    assert record.document_verified_at is None and identity.pending_chip_record(worker) is None
    assert "worker.identity_mismatch" in audit_kinds(worker.account_id)
    assert face.active_reference(worker_account) is None  # the stranger's photo never became the reference


def test_same_birth_date_but_other_name_and_number_is_a_mismatch(worker_account, worker):
    same_birth_other_number = make_id_number(worker_account.id_number[6:14], sequence=999)
    with pytest.raises(DomainError) as refusal:
        submit_document(make_document(worker_account, name="陌生人", id_number=same_birth_other_number,
                                birth=worker_account.id_number[8:14]), worker)
    assert refusal.value.code == "identity_mismatch"


@pytest.mark.slow  # runs dlib face recognition
def test_name_in_national_characters_and_birth_date_suffice(worker_account, worker):
    birth = worker_account.id_number[8:14]
    record = submit_document(make_document(worker_account, dg11={0x5F0E: worker_account.name}, birth=birth), worker)
    assert record.checks["identity_match"] == {"status": "passed", "reason": "birth date and name match"}


def test_other_birth_date_is_a_mismatch_even_with_the_right_number(worker_account, worker):
    with pytest.raises(DomainError) as refusal:
        submit_document(make_document(worker_account, birth="010101"), worker)
    assert refusal.value.code == "identity_mismatch"
    assert identity.latest_record(worker).checks["identity_match"]["reason"] == "birth date differs"


def test_document_without_dg11_cannot_be_matched(worker_account):
    assert identity_chip.match_icao(worker_account, worker_account.id_number[8:14], None)["status"] == "failed"


# --- document checks ---------------------------------------------------------

def test_untrusted_issuer_fails_and_is_recorded(worker_account, worker):
    with pytest.raises(DomainError) as refusal:
        submit_document(make_document(worker_account), worker, trust=False)
    assert refusal.value.code == "checks_failed"
    record = identity.latest_record(worker)
    assert record.checks["certificate_chain"]["status"] == "failed"
    assert "worker.identity_failed" in audit_kinds(worker.account_id)


def test_altered_data_group_fails_passive_authentication(worker_account, worker):
    document = make_document(worker_account)
    read = read_chip(document, worker)
    files = dict(read.files)
    files["DG11"] = files["DG11"][:-1] + bytes([files["DG11"][-1] ^ 1])
    with pytest.raises(DomainError) as refusal:
        identity_chip.submit_chip_read(worker, files, aa_challenge=read.aa_challenge, aa_response=read.aa_response,
                                  extra_csca=[document.csca_certificate], simulated=True)
    assert refusal.value.code == "checks_failed"
    assert identity.latest_record(worker).checks["data_group_hashes"]["status"] == "failed"


@pytest.mark.slow  # runs dlib face recognition
def test_replayed_active_authentication_fails(worker_account, worker):
    document = make_document(worker_account)
    read = read_chip(document, worker)
    identity_chip.submit_chip_read(worker, read.files, aa_challenge=read.aa_challenge, aa_response=read.aa_response,
                              extra_csca=[document.csca_certificate], simulated=True)
    with pytest.raises(DomainError):
        identity_chip.submit_chip_read(worker, read.files, aa_challenge=read.aa_challenge,
                                  aa_response=read.aa_response, extra_csca=[document.csca_certificate],
                                  simulated=True)
    assert identity.latest_record(worker).checks["active_authentication"]["status"] == "failed"


def test_expired_challenge_fails(worker_account, worker, move_clock):
    document = make_document(worker_account)
    read = read_chip(document, worker)
    move_clock(dt.timedelta(minutes=3))
    with pytest.raises(DomainError):
        identity_chip.submit_chip_read(worker, read.files, aa_challenge=read.aa_challenge,
                                  aa_response=read.aa_response, extra_csca=[document.csca_certificate],
                                  simulated=True)
    assert identity.latest_record(worker).checks["active_authentication"]["status"] == "failed"


def test_db_nonce_store_is_single_use(worker):
    store = identity_chip.DbNonceStore()
    key = identity_chip.session_key(worker)
    nonce = store.issue(key)
    assert len(nonce) == 8
    assert store.consume(key, b"wrongone") is False
    assert store.consume(key, nonce) is False  # a wrong guess used it up
    nonce = store.issue(key)
    assert store.consume(key, nonce) is True and store.consume(key, nonce) is False


def test_production_refuses_simulated_reads(app, worker_account, worker, monkeypatch):
    document = make_document(worker_account)
    read = read_chip(document, worker)
    monkeypatch.setitem(app.config, "ENV", "production")
    with pytest.raises(Forbidden) as refusal:
        identity_chip.submit_chip_read(worker, read.files, aa_challenge=read.aa_challenge,
                                  aa_response=read.aa_response, extra_csca=[document.csca_certificate])
    assert refusal.value.code == "simulated_refused"
    assert identity.latest_record(worker) is None


def test_production_refuses_a_simulated_csca_even_from_the_trust_store(app, worker_account, worker, monkeypatch,
                                                                       tmp_path):
    document = make_document(worker_account)
    (tmp_path / "csca.pem").write_bytes(document.pki.csca_pem)
    monkeypatch.setitem(app.config, "NFC_TRUST_STORE", str(tmp_path))
    monkeypatch.setitem(app.config, "ENV", "production")
    read = read_chip(document, worker)
    with pytest.raises(Forbidden):
        identity_chip.submit_chip_read(worker, read.files, aa_challenge=read.aa_challenge,
                                  aa_response=read.aa_response)


# --- expiry and limits ---------------------------------------------------------

def test_expired_document_fails(worker_account, worker):
    document = build_document(document_number="E12345678", birth_date=worker_account.id_number[8:14],
                              expiry_date="200101", face_jpeg=real_photo(), pki=shared_pki(),
                              dg11={0x5F0E: worker_account.name, 0x5F10: worker_account.id_number})
    with pytest.raises(DomainError) as refusal:
        submit_document(document, worker)
    assert refusal.value.code == "checks_failed"
    assert identity.latest_record(worker).checks["document_expiry"] == {"status": "failed",
                                                                        "reason": "document expired"}


@pytest.mark.slow  # runs dlib face recognition
def test_too_many_failed_reads_wait(worker_account, worker, move_clock):
    document = make_document(worker_account)
    for _ in range(identity_chip.MAX_FAILED_READS):
        with pytest.raises(DomainError):
            submit_document(document, worker, trust=False)
    with pytest.raises(RateLimited) as refusal:
        submit_document(document, worker)
    assert refusal.value.retry_after > 0
    move_clock(dt.timedelta(hours=1, seconds=5))
    assert submit_document(document, worker).document_verified_at is not None
