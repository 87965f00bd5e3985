"""Identity without NFC: a hand-held ID photo and both card sides, reviewed by an operator.

As the peer platforms do (手持证件照审核): the worker uploads three photos,
an operator approves with a reason (the hand-held photo becomes the face
reference) or rejects with a reason the worker sees, and the worker may
submit again after a rejection. The photos are stored encrypted and are
deleted with the account.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from registry.accounts.models import Account
from registry.audit import services as audit
from registry.core import clock
from registry.core.errors import Conflict, DomainError, Forbidden, NotFound
from registry.core.extensions import db
from registry.face import services as face
from registry.face.imaging import ImageRejected, decode_image
from workers.identity import messages
from workers.identity import services as identity
from workers.identity.models import IdentityRecord, IdentityReview, ReviewState
from workers.models import Worker

PHOTO_KINDS = ("hand_held", "front", "back")
UPLOAD_FORMATS = ("JPEG", "PNG")
MAX_PHOTO_BYTES = 4 * 1024 * 1024
MAX_PHOTO_PIXELS = 24_000_000
MAX_REASON = 500


def check_photo(data: bytes) -> None:
    """Refuse anything but a readable JPEG/PNG within the limits (format sniffed from the bytes).

    Decoding goes through the face module's hardened decoder: the pixel
    count is checked from the header first, so a decompression bomb is
    refused before any pixels are made.
    """
    if not data:
        raise ImageRejected("empty_image")
    decode_image(data, formats=UPLOAD_FORMATS, max_bytes=MAX_PHOTO_BYTES, max_pixels=MAX_PHOTO_PIXELS,
                 max_side=256)


def latest_review(worker: Worker) -> IdentityReview | None:
    """The worker's newest submission."""
    return db.session.scalars(sa.select(IdentityReview).where(IdentityReview.worker_id == worker.account_id)
                              .order_by(IdentityReview.id.desc()).limit(1)).first()


def submit(worker: Worker, photos: dict[str, bytes]) -> IdentityReview:
    """Queue the three photos for review; refused while one is pending or once identity is proven."""
    identity.require_identity_step(worker)
    pending = latest_review(worker)
    if pending is not None and pending.state == ReviewState.PENDING:
        raise Conflict(_("Your photos are already waiting for review."), code="review_pending")
    errors = {}
    for kind in PHOTO_KINDS:
        try:
            check_photo(photos.get(kind) or b"")
        except ImageRejected as refusal:
            errors[kind] = [messages.upload_message(refusal.reason)]
    if errors:
        raise DomainError(_("Some photos cannot be used."), code="invalid_photos", status=422, fields=errors)
    review = IdentityReview(worker_id=worker.account_id, state=ReviewState.PENDING,
                            hand_held_photo=photos["hand_held"], front_photo=photos["front"],
                            back_photo=photos["back"], submitted_at=clock.now())
    db.session.add(review)
    db.session.flush()
    audit.record("worker.identity_review_submitted", subject_id=worker.account_id, review_id=review.id)
    return review


def queue(limit: int = 100) -> list[tuple[IdentityReview, Account]]:
    """Pending submissions, oldest first, with their workers' accounts."""
    rows = db.session.execute(
        sa.select(IdentityReview, Account).join(Account, Account.id == IdentityReview.worker_id)
        .where(IdentityReview.state == ReviewState.PENDING)
        .order_by(IdentityReview.submitted_at, IdentityReview.id).limit(limit)).all()
    return [(row[0], row[1]) for row in rows]


def get_review(review_id: int) -> IdentityReview:
    review = db.session.get(IdentityReview, review_id)
    if review is None:
        raise NotFound(_("This submission does not exist."), code="review_not_found")
    return review


def _require_operator(operator: Account) -> None:
    if not operator.is_admin:
        raise Forbidden(_("Only operators review identity photos."), code="not_an_operator")


def _decidable(review: IdentityReview, reason: str, required: bool = True) -> str | None:
    """The decision's reason: a rejection needs one (the worker reads it), an approval may have one."""
    if review.state != ReviewState.PENDING:
        raise Conflict(_("This submission has already been decided."), code="review_decided")
    text = (reason or "").strip()
    if not text and not required:
        return None
    if not text or len(text) > MAX_REASON:
        message = _("Give a reason of at most %(n)d characters.", n=MAX_REASON)
        raise DomainError(message, code="reason_required", status=422, fields={"reason": [message]})
    return text


def approve(review_id: int, operator: Account, reason: str) -> IdentityReview:
    """Approve: the hand-held photo becomes the face reference and the identity step is complete."""
    _require_operator(operator)
    review = get_review(review_id)
    text = _decidable(review, reason, required=False)
    worker = db.session.get(Worker, review.worker_id)
    if worker.identity_verified_at is not None:
        # Proven meanwhile (chip and face): approving would silently replace the face reference.
        raise Conflict(_("This worker's identity has been verified meanwhile; reject this submission instead."),
                       code="identity_already_verified")
    account = db.session.get(Account, review.worker_id)
    try:
        reference = face.enroll_reference(account, review.hand_held_photo, "manual_review", approved_by=operator,
                                          keep_photo=True)
    except DomainError as refusal:
        crop = face.largest_face_crop(review.hand_held_photo, max_bytes=MAX_PHOTO_BYTES,
                                       max_pixels=MAX_PHOTO_PIXELS) if refusal.code == "multiple_faces" else None
        if crop is None:
            raise DomainError(_("The hand-held photo cannot be used for face checks (%(reason)s). Reject it and "
                                "ask for a clearer photo.", reason=refusal.message),
                              code="reference_refused", status=422) from None
        reference = face.enroll_reference(account, crop, "manual_review", approved_by=operator, keep_photo=True)
    now = clock.now()
    record = IdentityRecord(
        worker_id=worker.account_id, method="manual_review", document_kind="hand_held_photo",
        checks={"operator_review": {"status": identity.PASSED, "reason": "approved by an operator"},
                "face_reference": {"status": identity.PASSED, "reason": "enrolled"}},
        simulated=False, face_reference_id=reference.id, document_verified_at=now, created_at=now)
    db.session.add(record)
    db.session.flush()
    review.state, review.decided_at, review.decided_by_id, review.reason = ReviewState.APPROVED, now, operator.id, text
    review.identity_record_id = record.id
    audit.record("worker.identity_review_approved", subject_id=worker.account_id, actor_id=operator.id,
                 review_id=review.id, record_id=record.id)
    identity.mark_identity_verified(worker, record, reference.id)
    return review


def reject(review_id: int, operator: Account, reason: str) -> IdentityReview:
    """Reject with a reason the worker sees; they may submit again."""
    _require_operator(operator)
    review = get_review(review_id)
    text = _decidable(review, reason)
    review.state, review.decided_at, review.decided_by_id, review.reason = \
        ReviewState.REJECTED, clock.now(), operator.id, text
    db.session.flush()
    audit.record("worker.identity_review_rejected", subject_id=review.worker_id, actor_id=operator.id,
                 review_id=review.id)
    return review
