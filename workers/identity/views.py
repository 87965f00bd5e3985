"""The identity step's pages and API: chip read by code or upload, face check, manual review queue."""
from __future__ import annotations

import base64
import binascii
import re

from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.accounts.models import Account, Role
from registry.audit import services as audit
from registry.core import clock, qr
from registry.core.errors import DomainError
from registry.core.extensions import db
from registry.web.api import ApiValidationError, dump, load_body, operation, require_json_api_login
from registry.web.helpers import (
    flash_success,
    posted_face_check_id,
    refusal_errors,
    returned_face_check,
    roles_required,
)
from workers import services
from workers.identity import chip as identity_chip
from workers.identity import demo_card, messages, stations
from workers.identity import review as identity_review
from workers.identity import services as identity
from workers.identity.models import ReviewState
from workers.identity.schemas import (
    ChipChallengeSchema,
    ChipReadFormSchema,
    FaceCompletionSchema,
    IdentityRecordSchema,
    IdentityStatusSchema,
    ReviewFormSchema,
    ReviewSubmittedSchema,
)
from workers.models import RegistrationStep
from workers.views import bp

TAGS = ("workers",)
WORKER, ADMIN = Role.WORKER.value, Role.ADMIN.value
CHIP_FILE = re.compile(r"^(COM|SOD|DG(?:[1-9]|1[0-6]))$")
MAX_CHIP_FILE = 256 * 1024  # no LDS1 file comes close (idcard's own limit)


def record_view(record) -> dict | None:
    if record is None:
        return None
    return {"id": record.id, "method": record.method, "method_label": messages.method_label(record.method),
            "document_kind": record.document_kind, "checks": record.checks, "simulated": record.simulated,
            "failure": record.failure, "message": messages.attempt_failure(record.failure, record.checks) if record.failure else None,
            "document_verified_at": record.document_verified_at, "verified_at": record.verified_at}


def _status(worker) -> dict:
    """Where the worker's identity step stands (the page and the poll share it)."""
    record = identity.latest_record(worker)
    review = identity_review.latest_review(worker)
    binding = None
    if worker.identity_verified_at is not None:
        state, record = "verified", identity.latest_verified(worker)
    elif worker.registration_step == RegistrationStep.ENTERPRISES.value:
        state = "waiting_for_enterprises"
    elif review is not None and review.state == ReviewState.PENDING:
        state = "review_pending"
    elif record is not None and record.document_verified_at is not None:
        state = "awaiting_face"
    elif record is not None:
        state = "failed"
    else:
        state = "not_started"
    station_read = stations.latest_read(worker)
    station_name = read_problem = None
    if station_read is not None and state in ("not_started", "failed", "awaiting_face", "review_pending") and (
            record is None or station_read.created_at >= record.created_at):
        if station_read.finished_at is None and station_read.expires_at > clock.now():
            state, station_name = "reading", stations.station_name(station_read)
        elif station_read.problem:
            read_problem = messages.read_problem(station_read.problem)
    needs_code = state in ("not_started", "failed", "awaiting_face", "review_pending")
    if needs_code:
        # Reading never makes a code (a GET writes nothing): the worker asks
        # for one with a POST; a used or expired code makes the page reload
        # and offer a new one.
        binding = identity_chip.active_binding(worker)
    return {"state": state, "registration_step": worker.registration_step, "needs_code": needs_code,
            "station_name": station_name, "read_problem": read_problem,
            "demo_card": demo_card.offered() and state in ("not_started", "failed"),
            "binding_code": binding.code if binding else None,
            "binding_expires_at": binding.expires_at if binding else None, "record": record_view(record),
            "review_state": review.state if review else None,
            "review_reason": review.reason if review and review.state == "rejected" else None}


# --- worker pages ------------------------------------------------------------

@bp.route("/workers/identity", methods=["GET", "POST"])
@roles_required(WORKER)
def identity_page():
    """人证合一: the code for the desk reader, then the face check against the chip photo."""
    worker = services.ensure_worker(current_user)
    errors: dict = {}
    if request.method == "POST":
        try:
            identity.complete_with_face(current_user._get_current_object(), posted_face_check_id())
        except DomainError as exc:
            errors = refusal_errors(exc)
        else:
            flash_success(_("Your identity has been verified. Next: sign the authorization letter."))
            return redirect(url_for("workers.identity_page"))
    return _identity_page(worker, errors)


def _identity_page(worker, errors: dict):
    status = _status(worker)
    code_qr = qr.render_svg(status["binding_code"]) if status["binding_code"] else None
    return render_template("workers/identity.html", worker=worker, status=status, errors=errors,
                           face_check=returned_face_check(), code_qr=code_qr,
                           check_label=messages.check_label,
                           photo_label=messages.photo_label), 422 if errors else 200


@bp.post("/workers/identity/demo-card")
@roles_required(WORKER)
def identity_demo_card():
    """模拟证件（演示）: a software card with the account and a photo taken now, read in-process (not production)."""
    worker = services.ensure_worker(current_user)
    storage = request.files.get("photo")
    photo = storage.stream.read(demo_card.MAX_PHOTO_BYTES + 1) if storage else b""
    try:
        demo_card.read_demo_card(worker, photo)
    except DomainError as exc:
        return _identity_page(worker, refusal_errors(exc))
    flash_success(_("The simulated document has been read. Now verify your face."))
    return redirect(url_for("workers.identity_page"))


@bp.post("/workers/identity/code")
@roles_required(WORKER)
def identity_new_code():
    """A code for the desk reader; asking again makes a fresh one (the old one stops working)."""
    worker = services.ensure_worker(current_user)
    identity_chip.issue_binding_code(worker, renew=True)
    return redirect(url_for("workers.identity_page"))


def _read_photo(name: str) -> bytes:
    storage = request.files.get(name)
    # One byte past the limit lets the check name the refusal without buffering more.
    return storage.stream.read(identity_review.MAX_PHOTO_BYTES + 1) if storage else b""


@bp.route("/workers/identity/manual", methods=["GET", "POST"])
@roles_required(WORKER)
def identity_manual_page():
    """手持证件照审核: upload the hand-held photo and both sides of the card."""
    worker = services.ensure_worker(current_user)
    errors: dict = {}
    if request.method == "POST":
        try:
            identity_review.submit(worker, {kind: _read_photo(kind) for kind in identity_review.PHOTO_KINDS})
        except DomainError as exc:
            errors = refusal_errors(exc)
        else:
            flash_success(_("Your photos have been sent. An operator will review them."))
            return redirect(url_for("workers.identity_manual_page"))
    return render_template("workers/identity_manual.html", worker=worker, status=_status(worker),
                           review=identity_review.latest_review(worker), kinds=identity_review.PHOTO_KINDS,
                           photo_label=messages.photo_label, errors=errors), 422 if errors else 200


# --- operators: review queue -------------------------------------------------

@bp.get("/admin/identity/reviews")
@roles_required(ADMIN)
def review_queue():
    """Pending hand-held photo submissions, oldest first."""
    return render_template("workers/review_queue.html", items=identity_review.queue())


@bp.route("/admin/identity/reviews/<int:review_id>", methods=["GET", "POST"])
@roles_required(ADMIN)
def review_detail(review_id: int):
    """One submission: the three photos, the account's name, approve or reject with a reason."""
    review = identity_review.get_review(review_id)
    errors: dict = {}
    if request.method == "POST":
        decision = request.form.get("decision")
        reason = request.form.get("reason", "")
        try:
            if decision == "approve":
                identity_review.approve(review_id, current_user._get_current_object(), reason)
            elif decision == "reject":
                identity_review.reject(review_id, current_user._get_current_object(), reason)
            else:
                raise DomainError(_("Choose approve or reject."), code="invalid_decision", status=422)
        except DomainError as exc:
            errors = refusal_errors(exc)
        else:
            flash_success(_("The decision has been saved."))
            return redirect(url_for("workers.review_queue"))
    account = db.session.get(Account, review.worker_id)
    # The reviewer compares the full ID number with the card in the photo; the look is audited.
    audit.record("worker.identity_review_viewed", subject_id=review.worker_id, actor_id=current_user.id,
                 review_id=review.id, id_number_shown=True)
    return render_template("workers/review_detail.html", review=review, account=account,
                           kinds=identity_review.PHOTO_KINDS,
                           photo_label=messages.photo_label, errors=errors,
                           form=request.form), 422 if errors else 200


@bp.get("/admin/identity/reviews/<int:review_id>/photos/<kind>")
@roles_required(ADMIN)
def review_photo(review_id: int, kind: str):
    """One submitted photo, never cached."""
    if kind not in identity_review.PHOTO_KINDS:
        abort(404)
    data = identity_review.get_review(review_id).photo(kind)
    mime = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"  # only these two were accepted
    return Response(data, mimetype=mime, headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


# --- API ---------------------------------------------------------------------

@bp.get("/api/v1/workers/me/identity")
@operation("Where my identity step stands (the identity page polls this)", response=IdentityStatusSchema,
           errors=(403,), tags=TAGS)
@require_json_api_login
def api_identity_status():
    return dump(IdentityStatusSchema, _status(services.ensure_worker(current_user)))


@bp.post("/api/v1/workers/me/identity/chip-challenges")
@operation("An active-authentication challenge (8 bytes, base64, single-use, 2 minutes) for a chip read",
           response=ChipChallengeSchema, status=201, errors=(403, 409), tags=TAGS)
@require_json_api_login
def api_chip_challenge():
    nonce = identity_chip.issue_chip_challenge(services.ensure_worker(current_user))
    return dump(ChipChallengeSchema, {"challenge": base64.b64encode(nonce).decode(),
                                  "expires_in": int(identity_chip.NONCE_TTL.total_seconds())}, status=201)


def b64_field(name: str, errors: dict) -> bytes | None:
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        errors[name] = [_("Not valid base64.")]
        return None


@bp.post("/api/v1/workers/me/identity/chip-reads")
@operation("Upload a chip's raw files from a phone app: multipart/form-data with files named COM, SOD, "
           "DG1..DG16 and fields aa_challenge, aa_response (base64). Every check is redone on the server.",
           form=ChipReadFormSchema, response=IdentityRecordSchema, status=201, errors=(403, 404, 409, 429), tags=TAGS)
@require_json_api_login
def api_chip_read():
    worker = services.ensure_worker(current_user)
    errors: dict = {}
    files = {}
    for name, storage in request.files.items(multi=True):
        key = name.upper()
        if not CHIP_FILE.match(key):
            errors[name[:20]] = [_("Unknown file; send COM, SOD or DG1 to DG16.")]
            continue
        data = storage.stream.read(MAX_CHIP_FILE + 1)
        if len(data) > MAX_CHIP_FILE:
            errors[key] = [_("This file is too large for an identity document.")]
        files[key] = data
    if not files and not errors:
        errors["files"] = [_("Send the files read from the chip.")]
    challenge, response = b64_field("aa_challenge", errors), b64_field("aa_response", errors)
    if errors:
        raise ApiValidationError(_("Some fields are not valid."), fields=errors)
    record = identity_chip.submit_chip_read(worker, files, aa_challenge=challenge, aa_response=response)
    return dump(IdentityRecordSchema, record_view(record), status=201)


@bp.post("/api/v1/workers/me/identity/face")
@operation("Complete the identity step with a passed face check of purpose 'registration' against the chip "
           "photo", body=FaceCompletionSchema, response=IdentityRecordSchema, errors=(403, 409), tags=TAGS)
@require_json_api_login
def api_identity_face():
    services.ensure_worker(current_user)  # role first
    data = load_body(FaceCompletionSchema)
    record = identity.complete_with_face(current_user._get_current_object(), data["face_check_id"])
    return dump(IdentityRecordSchema, record_view(record))


@bp.post("/api/v1/workers/me/identity/reviews")
@operation("Submit the hand-held ID photo and both card sides for manual review: multipart/form-data with "
           "hand_held, front and back (JPEG or PNG, at most 4 MB each)", form=ReviewFormSchema,
           response=ReviewSubmittedSchema, status=201, errors=(403, 409, 422), tags=TAGS)
@require_json_api_login
def api_identity_review():
    worker = services.ensure_worker(current_user)
    review = identity_review.submit(worker, {kind: _read_photo(kind) for kind in identity_review.PHOTO_KINDS})
    return dump(ReviewSubmittedSchema, review, status=201)

