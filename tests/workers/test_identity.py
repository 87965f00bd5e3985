"""The identity step (人证合一): chip read, matching the account, face against the chip photo."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from flask_babel import gettext
import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.core.errors import Conflict, DomainError, Forbidden, NotFound
from registry.core.extensions import db
from tests.helpers import log_in, make_account, make_id_number
from tests.workers import identity_support as S
from tests.workers.conftest import make_enterprise, make_worker
from workers.identity import services as identity, chip as identity_chip
from workers.models import RegistrationStep
from workers.services import ensure_worker


@pytest.fixture
def worker_account():
    return make_worker(enterprises=[make_enterprise()])


@pytest.fixture
def worker(worker_account):
    return ensure_worker(worker_account)


def _audit_kinds(account_id: int) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.kind).where(AuditEvent.subject_id == account_id)
                                   .order_by(AuditEvent.id)))


# --- chip read, then face ----------------------------------------------------

def test_chip_read_then_face_check_completes_the_step(worker_account, worker):
    record = S.submit(S.document_for(worker_account), worker)
    assert record.document_verified_at is not None and record.verified_at is None
    assert record.method == "chip" and record.document_kind == "icao9303" and record.simulated
    assert all(c["status"] == "passed" for c in record.checks.values())
    assert identity.latest_verified(worker) is None and identity.photo_for(worker) is None
    assert worker.registration_step == RegistrationStep.IDENTITY.value

    done = identity.complete_with_face(worker_account, S.face_check_for(worker_account, record).id)
    assert done.id == record.id and done.verified_at is not None and done.face_check_id is not None
    assert worker.identity_verified_at is not None
    assert worker.registration_step == RegistrationStep.AUTHORIZATION.value
    assert identity.latest_verified(worker).id == record.id
    photo = identity.photo_for(worker)
    assert photo.startswith(b"\xff\xd8\xff")
    from registry.face import services as face

    reference = face.active_reference(worker_account)
    assert reference.source == "chip_dg2" and reference.photo is not None
    assert {"worker.identity_document_verified", "worker.identity_verified"} <= set(_audit_kinds(worker.account_id))


def test_public_summary_names_checks_and_never_personal_data(worker_account, worker):
    record = S.submit(S.document_for(worker_account), worker)
    identity.complete_with_face(worker_account, S.face_check_for(worker_account, record).id)
    summary = identity.public_summary(record)
    assert summary["method"] == "chip" and summary["simulated"] is True
    assert "identity_match" in summary["checks_passed"] and summary["checks_failed"] == []
    assert dt.datetime.fromisoformat(summary["verified_at"])
    stored = json.dumps(record.checks, ensure_ascii=False) + json.dumps(summary, ensure_ascii=False)
    assert worker_account.name not in stored and worker_account.id_number not in stored
    assert worker_account.id_number[6:14] not in stored and "E12345678" not in stored


def test_method_labels():
    assert identity.method_label("chip") == "证件芯片核验"
    assert identity.method_label("manual_review") == gettext("Manual review") != "Manual review"
    assert identity.method_label("other") == "other"


def test_failed_face_check_keeps_the_chip_read(worker_account, worker):
    record = S.submit(S.document_for(worker_account), worker)
    failed = S.face_check_for(worker_account, record, passed=False)
    with pytest.raises(DomainError) as refusal:
        identity.complete_with_face(worker_account, failed.id)
    assert refusal.value.code == "face_check_failed"
    assert identity.pending_chip_record(worker).id == record.id  # no second read needed
    identity.complete_with_face(worker_account, S.face_check_for(worker_account, record).id)
    assert worker.identity_verified_at is not None


def test_double_face_submission_is_idempotent(worker_account, worker):
    record = S.submit(S.document_for(worker_account), worker)
    first = identity.complete_with_face(worker_account, S.face_check_for(worker_account, record).id)
    spare = S.face_check_for(worker_account, record)
    again = identity.complete_with_face(worker_account, spare.id)
    assert again.id == first.id
    assert spare.claimed_at is None  # the second check was not spent
    assert _audit_kinds(worker.account_id).count("worker.identity_verified") == 1


def test_face_check_against_another_reference_is_refused(worker_account, worker):
    record = S.submit(S.document_for(worker_account), worker)
    from registry.face.models import FaceCheck

    stray = FaceCheck(account_id=worker_account.id, purpose="registration", actions="blink", passed=True,
                      frame_count=5, provider="test", engine="test", scores={}, thresholds={}, reference_id=None)
    db.session.add(stray)
    db.session.flush()
    with pytest.raises(DomainError) as refusal:
        identity.complete_with_face(worker_account, stray.id)
    assert refusal.value.code == "face_check_reference" and stray.claimed_at is None
    wrong_purpose = S.face_check_for(worker_account, record, purpose="check_in")
    with pytest.raises(DomainError) as refusal:
        identity.complete_with_face(worker_account, wrong_purpose.id)
    assert refusal.value.code == "face_check_purpose"


def test_someone_elses_face_check_is_not_found(worker_account, worker):
    record = S.submit(S.document_for(worker_account), worker)
    other = make_worker(name="张三", enterprises=[make_enterprise()])
    check = S.face_check_for(other, record)
    with pytest.raises(NotFound):
        identity.complete_with_face(worker_account, check.id)


# --- matching the account ----------------------------------------------------

def test_chip_of_another_person_is_refused_with_an_audit_event(worker_account, worker):
    stranger = make_id_number("19700101", sequence=7)
    with pytest.raises(DomainError) as refusal:
        S.submit(S.document_for(worker_account, name="陌生人", id_number=stranger), worker)
    assert refusal.value.code == "identity_mismatch" and refusal.value.status == 422
    assert refusal.value.commit_changes  # the attempt and its audit event are kept
    assert "不属于您本人" in refusal.value.message
    record = identity.latest_record(worker)
    assert record.failure == "identity_mismatch" and record.checks["identity_match"]["status"] == "failed"
    assert record.document_verified_at is None and identity.pending_chip_record(worker) is None
    assert "worker.identity_mismatch" in _audit_kinds(worker.account_id)
    from registry.face import services as face

    assert face.active_reference(worker_account) is None  # the stranger's photo never became the reference


def test_same_birth_date_but_other_name_and_number_is_a_mismatch(worker_account, worker):
    same_birth_other_number = make_id_number(worker_account.id_number[6:14], sequence=999)
    with pytest.raises(DomainError) as refusal:
        S.submit(S.document_for(worker_account, name="陌生人", id_number=same_birth_other_number,
                                birth=worker_account.id_number[8:14]), worker)
    assert refusal.value.code == "identity_mismatch"


def test_name_in_national_characters_and_birth_date_suffice(worker_account, worker):
    birth = worker_account.id_number[8:14]
    record = S.submit(S.document_for(worker_account, dg11={0x5F0E: worker_account.name}, birth=birth), worker)
    assert record.checks["identity_match"] == {"status": "passed", "reason": "birth date and name match"}


def test_other_birth_date_is_a_mismatch_even_with_the_right_number(worker_account, worker):
    with pytest.raises(DomainError) as refusal:
        S.submit(S.document_for(worker_account, birth="010101"), worker)
    assert refusal.value.code == "identity_mismatch"
    assert identity.latest_record(worker).checks["identity_match"]["reason"] == "birth date differs"


def test_document_without_dg11_cannot_be_matched(worker_account):
    assert identity_chip.match_icao(worker_account, worker_account.id_number[8:14], None)["status"] == "failed"


# --- document checks ---------------------------------------------------------

def test_untrusted_issuer_fails_and_is_recorded(worker_account, worker):
    with pytest.raises(DomainError) as refusal:
        S.submit(S.document_for(worker_account), worker, trust=False)
    assert refusal.value.code == "checks_failed"
    record = identity.latest_record(worker)
    assert record.checks["certificate_chain"]["status"] == "failed"
    assert "worker.identity_failed" in _audit_kinds(worker.account_id)


def test_altered_data_group_fails_passive_authentication(worker_account, worker):
    document = S.document_for(worker_account)
    read = S.read_chip(document, worker)
    files = dict(read.files)
    files["DG11"] = files["DG11"][:-1] + bytes([files["DG11"][-1] ^ 1])
    with pytest.raises(DomainError) as refusal:
        identity_chip.submit_chip_read(worker, files, aa_challenge=read.aa_challenge, aa_response=read.aa_response,
                                  extra_csca=[document.csca_certificate], simulated=True)
    assert refusal.value.code == "checks_failed"
    assert identity.latest_record(worker).checks["data_group_hashes"]["status"] == "failed"


def test_replayed_active_authentication_fails(worker_account, worker):
    document = S.document_for(worker_account)
    read = S.read_chip(document, worker)
    identity_chip.submit_chip_read(worker, read.files, aa_challenge=read.aa_challenge, aa_response=read.aa_response,
                              extra_csca=[document.csca_certificate], simulated=True)
    with pytest.raises(DomainError):
        identity_chip.submit_chip_read(worker, read.files, aa_challenge=read.aa_challenge,
                                  aa_response=read.aa_response, extra_csca=[document.csca_certificate],
                                  simulated=True)
    assert identity.latest_record(worker).checks["active_authentication"]["status"] == "failed"


def test_expired_challenge_fails(worker_account, worker, move_clock):
    document = S.document_for(worker_account)
    read = S.read_chip(document, worker)
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
    document = S.document_for(worker_account)
    read = S.read_chip(document, worker)
    monkeypatch.setitem(app.config, "ENV", "production")
    with pytest.raises(Forbidden) as refusal:
        identity_chip.submit_chip_read(worker, read.files, aa_challenge=read.aa_challenge,
                                  aa_response=read.aa_response, extra_csca=[document.csca_certificate])
    assert refusal.value.code == "simulated_refused"
    assert identity.latest_record(worker) is None


def test_production_refuses_a_simulated_csca_even_from_the_trust_store(app, worker_account, worker, monkeypatch,
                                                                       tmp_path):
    document = S.document_for(worker_account)
    (tmp_path / "csca.pem").write_bytes(document.pki.csca_pem)
    monkeypatch.setitem(app.config, "NFC_TRUST_STORE", str(tmp_path))
    monkeypatch.setitem(app.config, "ENV", "production")
    read = S.read_chip(document, worker)
    with pytest.raises(Forbidden):
        identity_chip.submit_chip_read(worker, read.files, aa_challenge=read.aa_challenge,
                                  aa_response=read.aa_response)


# --- step order --------------------------------------------------------------

def test_identity_before_enterprises_is_refused():
    account = make_account("worker")
    worker = ensure_worker(account)
    for attempt in (lambda: identity_chip.issue_chip_challenge(worker), lambda: identity_chip.issue_binding_code(worker),
                    lambda: identity.complete_with_face(account, 1)):
        with pytest.raises(Conflict) as refusal:
            attempt()
        assert refusal.value.code == "step_out_of_order"


def test_face_before_the_chip_read_is_refused(worker_account, worker):
    with pytest.raises(Conflict) as refusal:
        identity.complete_with_face(worker_account, 1)
    assert refusal.value.code == "step_out_of_order"


def test_new_read_after_verification_is_refused(worker_account, worker):
    record = S.submit(S.document_for(worker_account), worker)
    identity.complete_with_face(worker_account, S.face_check_for(worker_account, record).id)
    with pytest.raises(Conflict) as refusal:
        identity_chip.issue_chip_challenge(worker)
    assert refusal.value.code == "identity_already_verified"


# --- resident ID reader ------------------------------------------------------

def _resident_record(name: str, id_number: str) -> bytes:
    from idcard.cnid import build_resident_record

    sex = "1" if int(id_number[16]) % 2 else "2"  # GB 11643: odd sequence numbers are men
    return build_resident_record(name=name, sex_code=sex, ethnicity_code="01", birth_date=id_number[6:14],
                                 address="北京市朝阳区", id_number=id_number, issuing_authority="北京市公安局",
                                 valid_from="20200101", valid_until="20400101")


def test_resident_id_reader_record_must_match_exactly(worker_account, worker):
    record = identity_chip.submit_resident_id_read(worker, _resident_record(worker_account.name,
                                                                       worker_account.id_number))
    assert record.method == "resident_id_reader" and record.document_verified_at is not None
    assert record.checks["identity_match"]["status"] == "passed"
    with pytest.raises(DomainError) as refusal:
        identity_chip.submit_resident_id_read(worker, _resident_record("别人", worker_account.id_number))
    assert refusal.value.code == "identity_mismatch"


# --- binding codes and the desk-reader command --------------------------------

def test_binding_code_is_stable_renewable_and_single_use(worker, move_clock):
    first = identity_chip.issue_binding_code(worker)
    assert len(first.code) == 8 and set(first.code) <= set(identity_chip.CODE_ALPHABET)
    assert identity_chip.issue_binding_code(worker).code == first.code
    renewed = identity_chip.issue_binding_code(worker, renew=True)
    assert renewed.code != first.code
    with pytest.raises(Conflict) as refusal:
        identity_chip.redeem_binding_code(first.code)
    assert refusal.value.code == "binding_code_expired"
    spaced = renewed.code[:4].lower() + "-" + renewed.code[4:]
    assert identity_chip.redeem_binding_code(spaced).account_id == worker.account_id
    with pytest.raises(Conflict) as refusal:
        identity_chip.redeem_binding_code(renewed.code)
    assert refusal.value.code == "binding_code_used"
    late = identity_chip.issue_binding_code(worker)
    move_clock(dt.timedelta(minutes=11))
    with pytest.raises(Conflict):
        identity_chip.redeem_binding_code(late.code)
    for bad in ("", "ABC", "0000OOOO", "ZZZZZZZZ"):
        with pytest.raises(NotFound):
            identity_chip.redeem_binding_code(bad)


def test_read_chip_command_simulated(runner, worker_account, worker, tmp_path):
    db.session.commit()  # the command rolls back its own refusals; keep the fixtures
    from tests.face import photos

    photo = tmp_path / "face.jpg"
    photo.write_bytes(photos.photo_bytes()["obama.jpg"])
    code = identity_chip.issue_binding_code(worker).code
    result = runner.invoke(args=["workers", "read-chip", "--code", code, "--simulated", "--face-photo", str(photo)])
    assert result.exit_code == 0, result.output
    output = json.loads(result.output)
    assert output["accepted"] is True and output["simulated"] is True and "identity_match" in output["checks_passed"]
    assert worker_account.name not in result.output and worker_account.id_number not in result.output
    assert identity.pending_chip_record(worker) is not None
    again = runner.invoke(args=["workers", "read-chip", "--code", code, "--simulated"])
    assert again.exit_code == 1 and "已使用" in again.output


def test_read_chip_command_refusals(runner, app, worker, monkeypatch):
    db.session.commit()  # the command rolls back its own refusals; keep the fixtures
    unknown = runner.invoke(args=["workers", "read-chip", "--code", "ABCDEFGH", "--simulated"])
    assert unknown.exit_code == 1 and "无效" in unknown.output
    real = runner.invoke(args=["workers", "read-chip", "--code", "ABCDEFGH"])
    assert real.exit_code == 2 and "--document-number" in real.output
    monkeypatch.setitem(app.config, "ENV", "production")
    code = identity_chip.issue_binding_code(worker).code
    refused = runner.invoke(args=["workers", "read-chip", "--code", code, "--simulated"])
    assert refused.exit_code == 2 and "production" in refused.output
    assert identity_chip.active_binding(worker).code == code  # nothing was spent


def test_read_chip_command_without_a_usable_photo_reports_why(runner, worker):
    code = identity_chip.issue_binding_code(worker).code
    # The software card's default photo is a drawing: no face to enroll.
    result = runner.invoke(args=["workers", "read-chip", "--code", code, "--simulated"])
    assert result.exit_code == 2
    output = json.loads(result.output)
    assert output["accepted"] is False and output["code"] == "face_reference_refused"
    assert identity.latest_record(worker).failure == "face_reference_refused"


# --- pages and API -----------------------------------------------------------

def test_identity_page_shows_the_code_and_then_the_face_step(client, worker_account, worker):
    log_in(client, worker_account)
    page = client.get("/workers/identity?lang=en")
    assert page.status_code == 200
    code = identity_chip.active_binding(worker).code
    assert code in page.get_data(as_text=True)
    status = client.get("/api/v1/workers/me/identity").get_json()
    assert status["state"] == "not_started" and status["binding_code"] == code
    identity_chip.redeem_binding_code(code)  # the desk used it: the poll sees it gone and the page reloads
    assert client.get("/api/v1/workers/me/identity").get_json()["binding_code"] is None
    fresh = client.get("/workers/identity").get_data(as_text=True)
    assert identity_chip.active_binding(worker).code in fresh and code not in fresh
    S.submit(S.document_for(worker_account), worker)
    page = client.get("/workers/identity?lang=en").get_data(as_text=True)
    assert "data-face-capture" in page and 'data-purpose="registration"' in page
    assert "Simulated document" in page
    assert client.get("/api/v1/workers/me/identity").get_json()["state"] == "awaiting_face"


def test_identity_page_completes_with_a_face_check(client, worker_account, worker):
    from tests.helpers import form_post

    record = S.submit(S.document_for(worker_account), worker)
    log_in(client, worker_account)
    check = S.face_check_for(worker_account, record)
    assert f'value="{check.id}"' in client.get(f"/workers/identity?face_check={check.id}").get_data(as_text=True)
    response = form_post(client, "/workers/identity", {"face_check_id": str(check.id)})
    assert response.status_code == 302
    page = client.get("/workers/identity?lang=en").get_data(as_text=True)
    assert 'data-testid="identity-verified"' in page and "Simulated document" in page
    again = form_post(client, "/workers/identity", {"face_check_id": str(check.id)})
    assert again.status_code == 302  # a double submission changes nothing


def test_identity_page_refuses_bad_face_input(client, worker_account, worker):
    from tests.helpers import form_post

    log_in(client, worker_account)
    for raw in ("", "abc", "9" * 13):
        response = form_post(client, "/workers/identity?lang=en", {"face_check_id": raw})
        assert response.status_code == 422 and "Verify your face first." in response.get_data(as_text=True)
    response = form_post(client, "/workers/identity?lang=en", {"face_check_id": "12345"})
    assert response.status_code == 422 and "Read your identity document" in response.get_data(as_text=True)


def test_identity_page_before_enterprises(client):
    account = make_account("worker")
    log_in(client, account)
    page = client.get("/workers/identity?lang=en").get_data(as_text=True)
    assert "Choose the enterprises you work for before verifying your identity." in page


def test_identity_pages_are_for_workers(client):
    household = make_account("consumer")
    log_in(client, household)
    assert client.get("/workers/identity").status_code == 403
    assert client.get("/api/v1/workers/me/identity").status_code == 403


def _upload(client, document, worker, extra=None, challenge=True):
    import base64
    import io

    from idcard.icao.reader import ChipReader
    from idcard.softcard import SoftwareCardTransport

    from tests.helpers import csrf_token

    nonce = None
    if challenge:
        answer = client.post("/api/v1/workers/me/identity/chip-challenges",
                             headers={"X-CSRFToken": csrf_token(client)})
        assert answer.status_code == 201, answer.get_json()
        nonce = base64.b64decode(answer.get_json()["challenge"])
    read = ChipReader(SoftwareCardTransport(document.card())).read(document.mrz_information, aa_challenge=nonce)
    data = {name: (io.BytesIO(content), name) for name, content in read.files.items()}
    if read.aa_response:
        data["aa_challenge"] = base64.b64encode(read.aa_challenge).decode()
        data["aa_response"] = base64.b64encode(read.aa_response).decode()
    data.update(extra or {})
    return client.post("/api/v1/workers/me/identity/chip-reads", data=data, content_type="multipart/form-data",
                       headers={"X-CSRFToken": csrf_token(client)})


def test_phone_upload_is_verified_on_the_server(app, client, worker_account, worker, monkeypatch, tmp_path):
    document = S.document_for(worker_account)
    log_in(client, worker_account)
    untrusted = _upload(client, document, worker)
    assert untrusted.status_code == 422 and untrusted.get_json()["code"] == "checks_failed"
    assert identity.latest_record(worker).failure == "checks_failed"  # the refusal was committed
    (tmp_path / "csca.pem").write_bytes(document.pki.csca_pem)
    monkeypatch.setitem(app.config, "NFC_TRUST_STORE", str(tmp_path))
    accepted = _upload(client, document, worker)
    assert accepted.status_code == 201, accepted.get_json()
    body = accepted.get_json()
    assert body["document_verified_at"] and body["simulated"] is True
    assert body["checks"]["active_authentication"]["status"] == "passed"
    check = S.face_check_for(worker_account, identity.latest_record(worker))
    from tests.helpers import api_post

    done = api_post(client, "/api/v1/workers/me/identity/face", {"face_check_id": check.id})
    assert done.status_code == 200 and done.get_json()["verified_at"]


def test_phone_upload_bad_input(client, worker_account, worker):
    import io

    from tests.helpers import api_post, csrf_token

    log_in(client, worker_account)
    document = S.document_for(worker_account)
    headers = {"X-CSRFToken": csrf_token(client)}
    url = "/api/v1/workers/me/identity/chip-reads"
    empty = client.post(url, data={}, content_type="multipart/form-data", headers=headers)
    assert empty.status_code == 422 and "files" in empty.get_json()["fields"]
    odd = client.post(url, data={"DG99": (io.BytesIO(b"x"), "x")}, content_type="multipart/form-data",
                      headers=headers)
    assert odd.status_code == 422 and "DG99" in odd.get_json()["fields"]
    big = client.post(url, data={"DG2": (io.BytesIO(b"x" * (256 * 1024 + 1)), "x")},
                      content_type="multipart/form-data", headers=headers)
    assert big.status_code == 422 and "DG2" in big.get_json()["fields"]
    garbled = _upload(client, document, worker, extra={"aa_response": "!!not base64!!"})
    assert garbled.status_code == 422 and "aa_response" in garbled.get_json()["fields"]
    assert identity.latest_record(worker) is None
    junk = api_post(client, "/api/v1/workers/me/identity/face", {"face_check_id": "1"})
    assert junk.status_code == 422
    no_json = client.post("/api/v1/workers/me/identity/face", data="x", headers=headers)
    assert no_json.status_code == 415


def test_api_needs_a_session(client):
    assert client.get("/api/v1/workers/me/identity").status_code == 401


# --- deletion ----------------------------------------------------------------

def test_account_deletion_removes_identity_rows(worker_account, worker):
    from registry.accounts.services import erase_account
    from workers.identity.review import IdentityReview

    record = S.submit(S.document_for(worker_account), worker)
    identity.complete_with_face(worker_account, S.face_check_for(worker_account, record).id)
    account_id = worker_account.id
    erase_account(worker_account)
    for model in (identity.IdentityRecord, identity.IdentityBinding, identity.IdentityNonce, IdentityReview):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)
                                 .where(model.worker_id == account_id)) == 0


def test_deletion_hook_runs_on_its_own(worker_account, worker):
    identity_chip.issue_binding_code(worker)
    identity_chip.issue_chip_challenge(worker)
    with pytest.raises(DomainError):
        S.submit(S.document_for(worker_account), worker, trust=False)
    identity.delete_identity_data(worker_account)
    for model in (identity.IdentityRecord, identity.IdentityBinding, identity.IdentityNonce):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)
                                 .where(model.worker_id == worker_account.id)) == 0


def test_expired_document_fails(worker_account, worker):
    from idcard.softcard import build_document

    document = build_document(document_number="E12345678", birth_date=worker_account.id_number[8:14],
                              expiry_date="200101", face_jpeg=S.real_photo(), pki=S.shared_pki(),
                              dg11={0x5F0E: worker_account.name, 0x5F10: worker_account.id_number})
    with pytest.raises(DomainError) as refusal:
        S.submit(document, worker)
    assert refusal.value.code == "checks_failed"
    assert identity.latest_record(worker).checks["document_expiry"] == {"status": "failed",
                                                                        "reason": "document expired"}


def test_too_many_failed_reads_wait(worker_account, worker, move_clock):
    from registry.core.errors import RateLimited

    document = S.document_for(worker_account)
    for _ in range(identity_chip.MAX_FAILED_READS):
        with pytest.raises(DomainError):
            S.submit(document, worker, trust=False)
    with pytest.raises(RateLimited) as refusal:
        S.submit(document, worker)
    assert refusal.value.retry_after > 0
    move_clock(dt.timedelta(hours=1, seconds=5))
    assert S.submit(document, worker).document_verified_at is not None
