"""The identity step of worker registration (人证合一): document read, then face.

A worker proves who they are by reading their identity document's chip
(ICAO 9303 passport or permit, verified here by the NFC library's
VerificationService against our trusted CSCA certificates), and then by a
face check against the chip photo. Without NFC they submit a hand-held ID
photo for manual review instead (review.py).

Reading documents and matching them to the account is in chip.py.

The chip read and the face check are separate facts: a verified read stays
valid when the face check fails, so the worker never reads the chip again.
Nothing personal is stored in IdentityRecord: check names, statuses and
generic reasons only; the chip photo lives (encrypted) in the face reference.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from registry.accounts.models import Account
from registry.audit import services as audit
from registry.core import clock
from registry.core.errors import Conflict, DomainError
from registry.core.extensions import db
from registry.face import services as face
from registry.face.imaging import REFERENCE_FORMATS, ImageRejected, decode_image, to_jpeg
from registry.face.models import FaceReference
from workers import services as worker_services
from workers.identity.messages import method_label
from workers.identity.models import (
    IdentityBinding,
    IdentityNonce,
    IdentityRecord,
    IdentityReview,
    IdentityStation,
    StationRead,
)
from workers.models import RegistrationStep, Worker

METHODS = ("chip", "resident_id_reader", "manual_review")
FACE_PURPOSE = "registration"
PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"


# --- labels and summaries ----------------------------------------------------



def public_summary(record: IdentityRecord) -> dict:
    """What households may see: how, which checks passed or failed, when; never the data itself."""
    return {
        "method": record.method,
        "method_label": method_label(record.method),
        "document_kind": record.document_kind,
        "checks_passed": sorted(n for n, c in (record.checks or {}).items() if c.get("status") == PASSED),
        "checks_failed": sorted(n for n, c in (record.checks or {}).items() if c.get("status") == FAILED),
        "verified_at": record.verified_at.isoformat() if record.verified_at else None,
        "simulated": bool(record.simulated),
    }


def latest_verified(worker: Worker) -> IdentityRecord | None:
    """The newest completed identity proof of a worker."""
    return db.session.scalars(
        sa.select(IdentityRecord).where(IdentityRecord.worker_id == worker.account_id,
                                        IdentityRecord.verified_at.is_not(None))
        .order_by(IdentityRecord.verified_at.desc(), IdentityRecord.id.desc()).limit(1)).first()


def latest_record(worker: Worker) -> IdentityRecord | None:
    """The newest attempt of any outcome (the identity page shows it)."""
    return db.session.scalars(
        sa.select(IdentityRecord).where(IdentityRecord.worker_id == worker.account_id)
        .order_by(IdentityRecord.id.desc()).limit(1)).first()


def pending_chip_record(worker: Worker) -> IdentityRecord | None:
    """A verified document read still waiting for its face check, if it is the newest attempt."""
    record = latest_record(worker)
    if record is not None and record.document_verified_at is not None and record.verified_at is None:
        return record
    return None


def photo_for(worker: Worker) -> bytes | None:
    """The identity photo as JPEG (chip DG2 or reviewed photo), or None."""
    record = latest_verified(worker)
    if record is None or record.face_reference_id is None:
        return None
    reference = db.session.get(FaceReference, record.face_reference_id)
    if reference is None or not reference.photo:
        return None
    if reference.photo.startswith(b"\xff\xd8\xff"):
        return reference.photo
    try:  # DG2 may be JPEG 2000: hand out JPEG, which every browser shows
        pixels = decode_image(reference.photo, formats=REFERENCE_FORMATS, max_bytes=8_000_000,
                              max_pixels=16_000_000, max_side=1280)
    except ImageRejected:
        return None
    return to_jpeg(pixels)


# --- step order --------------------------------------------------------------

def require_identity_step(worker: Worker) -> None:
    """Refuse identity work before the enterprises are chosen or after identity is proven."""
    if worker.registration_step == RegistrationStep.ENTERPRISES.value:
        raise Conflict(_("Choose the enterprises you work for before verifying your identity."),
                       code="step_out_of_order")
    if worker.identity_verified_at is not None:
        raise Conflict(_("Your identity has already been verified."), code="identity_already_verified")


def mark_identity_verified(worker: Worker, record: IdentityRecord, reference_id: int | None) -> None:
    """Complete the identity step; registration moves on to the authorization letter."""
    now = clock.now()
    record.verified_at = now
    worker.identity_verified_at = now
    if reference_id is not None:
        worker.photo_ref = f"face_reference:{reference_id}"
    if worker.registration_step == RegistrationStep.IDENTITY.value:
        worker.registration_step = RegistrationStep.AUTHORIZATION.value
    db.session.flush()
    audit.record("worker.identity_verified", subject_id=worker.account_id, record_id=record.id,
                 method=record.method, simulated=record.simulated)


def complete_with_face(account: Account, face_check_id: int) -> IdentityRecord:
    """Spend a passed "registration" face check against the chip photo; completes the identity step.

    Idempotent once done: a second submission returns the verified record
    and leaves the second face check unspent.
    """
    worker = worker_services.ensure_worker(account)
    if worker.identity_verified_at is not None:
        done = latest_verified(worker)
        if done is not None:
            return done
    if worker.registration_step == RegistrationStep.ENTERPRISES.value:
        require_identity_step(worker)
    record = pending_chip_record(worker)
    if record is None:
        raise Conflict(_("Read your identity document before the face check."), code="step_out_of_order")
    check = face.get_check(account, face_check_id)
    if record.face_reference_id is None or check.reference_id != record.face_reference_id:
        raise DomainError(_("This face check was not made against your document's photo; please verify again."),
                          code="face_check_reference", status=422)
    check = face.claim_check(account, face_check_id, FACE_PURPOSE)
    record.face_check_id = check.id
    mark_identity_verified(worker, record, record.face_reference_id)
    return record


# --- deletion ----------------------------------------------------------------

def delete_identity_data(account: Account) -> None:
    """Remove a deleted account's identity records, codes, challenges and review photos."""

    db.session.execute(sa.update(IdentityReview).where(IdentityReview.decided_by_id == account.id)
                       .values(decided_by_id=None))
    for column in ("created_by_id", "revoked_by_id"):  # an operator's stations outlive the operator's account
        db.session.execute(sa.update(IdentityStation).where(getattr(IdentityStation, column) == account.id)
                           .values({column: None}))
    for model in (StationRead, IdentityReview, IdentityRecord, IdentityBinding, IdentityNonce):
        db.session.execute(sa.delete(model).where(model.worker_id == account.id))
