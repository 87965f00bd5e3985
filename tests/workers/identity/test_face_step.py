"""The identity step's second half: a face check against the chip photo completes a verified
read; and the steps' order."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from flask_babel import gettext

from registry.core.errors import Conflict, DomainError, NotFound
from registry.face import services as face
from tests.factories.accounts import make_account
from tests.factories.audit import audit_kinds
from tests.factories.enterprises import make_enterprise
from tests.factories.face import make_face_check
from tests.factories.identity import make_document, submit_document
from tests.factories.workers import make_worker
from workers.identity import chip as identity_chip
from workers.identity import services as identity
from workers.models import RegistrationStep
from workers.services import ensure_worker

# --- chip read, then face ----------------------------------------------------

@pytest.mark.slow  # runs dlib face recognition
def test_chip_read_then_face_check_completes_the_step(worker_account, worker):
    record = submit_document(make_document(worker_account), worker)
    assert record.document_verified_at is not None and record.verified_at is None
    assert record.method == "chip" and record.document_kind == "icao9303" and record.simulated
    assert all(c["status"] == "passed" for c in record.checks.values())
    assert identity.latest_verified(worker) is None and identity.photo_for(worker) is None
    assert worker.registration_step == RegistrationStep.IDENTITY.value
    face_check = make_face_check(worker_account, "registration", reference_id=record.face_reference_id)
    done = identity.complete_with_face(worker_account, face_check.id)
    assert done.id == record.id and done.verified_at is not None and done.face_check_id is not None
    assert worker.identity_verified_at is not None
    assert worker.registration_step == RegistrationStep.AUTHORIZATION.value
    assert identity.latest_verified(worker).id == record.id
    photo = identity.photo_for(worker)
    assert photo.startswith(b"\xff\xd8\xff")
    reference = face.active_reference(worker_account)
    assert reference.source == "chip_dg2" and reference.photo is not None
    assert {"worker.identity_document_verified", "worker.identity_verified"} <= set(audit_kinds(worker.account_id))


@pytest.mark.slow  # runs dlib face recognition
def test_public_summary_names_checks_and_never_personal_data(worker_account, worker):
    record = submit_document(make_document(worker_account), worker)
    face_check = make_face_check(worker_account, "registration", reference_id=record.face_reference_id)
    identity.complete_with_face(worker_account, face_check.id)
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


@pytest.mark.slow  # runs dlib face recognition
def test_failed_face_check_keeps_the_chip_read(worker_account, worker):
    record = submit_document(make_document(worker_account), worker)
    failed = make_face_check(worker_account, "registration", passed=False, reference_id=record.face_reference_id)
    with pytest.raises(DomainError) as refusal:
        identity.complete_with_face(worker_account, failed.id)
    assert refusal.value.code == "face_check_failed"
    assert identity.pending_chip_record(worker).id == record.id  # no second read needed
    face_check = make_face_check(worker_account, "registration", reference_id=record.face_reference_id)
    identity.complete_with_face(worker_account, face_check.id)
    assert worker.identity_verified_at is not None


@pytest.mark.slow  # runs dlib face recognition
def test_double_face_submission_is_idempotent(worker_account, worker):
    record = submit_document(make_document(worker_account), worker)
    face_check = make_face_check(worker_account, "registration", reference_id=record.face_reference_id)
    first = identity.complete_with_face(worker_account, face_check.id)
    spare = make_face_check(worker_account, "registration", reference_id=record.face_reference_id)
    again = identity.complete_with_face(worker_account, spare.id)
    assert again.id == first.id
    assert spare.claimed_at is None  # the second check was not spent
    assert audit_kinds(worker.account_id).count("worker.identity_verified") == 1


@pytest.mark.slow  # runs dlib face recognition
def test_face_check_against_another_reference_is_refused(worker_account, worker):
    record = submit_document(make_document(worker_account), worker)
    stray = make_face_check(worker_account, "registration", reference_id=None)
    with pytest.raises(DomainError) as refusal:
        identity.complete_with_face(worker_account, stray.id)
    assert refusal.value.code == "face_check_reference" and stray.claimed_at is None
    wrong_purpose = make_face_check(worker_account, "check_in", reference_id=record.face_reference_id)
    with pytest.raises(DomainError) as refusal:
        identity.complete_with_face(worker_account, wrong_purpose.id)
    assert refusal.value.code == "face_check_purpose"


@pytest.mark.slow  # runs dlib face recognition
def test_someone_elses_face_check_is_not_found(worker_account, worker):
    record = submit_document(make_document(worker_account), worker)
    other = make_worker(name="张三", enterprises=[make_enterprise()])
    check = make_face_check(other, "registration", reference_id=record.face_reference_id)
    with pytest.raises(NotFound):
        identity.complete_with_face(worker_account, check.id)


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


@pytest.mark.slow  # runs dlib face recognition
def test_new_read_after_verification_is_refused(worker_account, worker):
    record = submit_document(make_document(worker_account), worker)
    face_check = make_face_check(worker_account, "registration", reference_id=record.face_reference_id)
    identity.complete_with_face(worker_account, face_check.id)
    with pytest.raises(Conflict) as refusal:
        identity_chip.issue_chip_challenge(worker)
    assert refusal.value.code == "identity_already_verified"
