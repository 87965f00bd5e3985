"""Face API (/api/v1/face/...) and the self-check page hosting the capture component."""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.accounts.models import Account
from registry.core.errors import Forbidden, NotFound
from registry.core.extensions import db
from registry.face import services
from registry.face.schemas import (
    ChallengeRequestSchema,
    CheckSchema,
    FaceChallengeSchema,
    FaceCheckFormSchema,
    ReferenceFormSchema,
    ReferenceSchema,
    ReferenceStatusSchema,
)
from registry.face.settings import setting
from registry.web.api import ApiValidationError, dump, load_body, operation, require_json_api_login
from registry.web.helpers import roles_required, safe_next

bp = Blueprint("face", __name__, template_folder="templates")

TAGS = ("face",)


def _read_upload(storage, limit: int) -> bytes:
    # Read one byte past the limit so the decoder can name the refusal
    # (image_too_large) without the whole file ever being buffered.
    return storage.stream.read(limit + 1)


def _capture_times(raw: str | None) -> list[float] | None:
    """The frames' capture times (ms), or None when none were sent; anything but numbers is a 422."""
    if raw is None or not raw.strip():
        return None
    parts = raw.split(",")
    try:
        if len(parts) > int(setting("FACE_MAX_FRAMES")) + 1 or len(raw) > 16 * len(parts):
            raise ValueError
        times = [float(part) for part in parts]
        if not all(0 <= t < 600_000 for t in times):  # finite and within a capture
            raise ValueError
    except ValueError:
        raise ApiValidationError(_("Some fields are not valid."), fields={
            "times": [_("Send each frame's capture time in milliseconds, comma-separated.")]}) from None
    return times


@bp.post("/api/v1/face/challenges")
@operation("Start a face check: random actions and, for a camera, the capture plan (action windows and the "
           "colours to flash), single-use, valid for 2 minutes", body=ChallengeRequestSchema,
           response=FaceChallengeSchema, status=201, errors=(403, 409, 429), tags=TAGS)
@require_json_api_login
def api_issue_challenge():
    data = load_body(ChallengeRequestSchema)
    challenge = services.issue_challenge(current_user, data["purpose"], data["capture"], flash=data["flash"])
    return dump(FaceChallengeSchema, challenge, status=201)


@bp.post("/api/v1/face/checks")
@operation("Decide a challenge: multipart/form-data with challenge_id, frames (JPEG/PNG/WebP, in order) and, "
           "for a camera challenge, times (each frame's capture time in ms since the capture began, comma-"
           "separated). The decision is recorded and returned with passed true or false.", form=FaceCheckFormSchema,
           response=CheckSchema, status=201, errors=(404, 409, 429), tags=TAGS)
@require_json_api_login
def api_verify():
    challenge_id = request.form.get("challenge_id", "").strip()
    if not challenge_id:
        raise ApiValidationError(_("Some fields are not valid."),
                                 fields={"challenge_id": [_("Missing data for required field.")]})
    limit = int(setting("FACE_MAX_FRAME_BYTES"))
    uploads = request.files.getlist("frames")
    # More files than allowed are not even read: the decision says too_many_frames.
    cap = int(setting("FACE_MAX_FRAMES")) + 1
    frames = [_read_upload(f, limit) for f in uploads[:cap]]
    check = services.verify(current_user, challenge_id, frames, _capture_times(request.form.get("times")))
    return dump(CheckSchema, check, status=201)


@bp.get("/api/v1/face/checks/<int:check_id>")
@operation("One of my recorded face decisions", response=CheckSchema, tags=TAGS)
@require_json_api_login
def api_get_check(check_id: int):
    return dump(CheckSchema, services.get_check(current_user, check_id))


@bp.get("/api/v1/face/reference")
@operation("Whether I have a reference face on record (never the template itself)",
           response=ReferenceStatusSchema, tags=TAGS)
@require_json_api_login
def api_reference_status():
    reference = services.active_reference(current_user)
    return dump(ReferenceStatusSchema, {"enrolled": reference is not None,
                                        "source": reference.source if reference else None,
                                        "enrolled_at": reference.created_at if reference else None})


@bp.post("/api/v1/face/references")
@operation("Operator: make an approved photo (manual review) a person's reference. "
           "multipart/form-data with account_id and photo.", form=ReferenceFormSchema, response=ReferenceSchema,
           status=201, errors=(403, 404, 409, 422), tags=TAGS)
@require_json_api_login
def api_enroll_reference():
    if not current_user.is_admin:
        raise Forbidden(_("Only operators can approve reference photos."))
    raw_id = request.form.get("account_id", "")
    photo = request.files.get("photo")
    errors = {}
    if not raw_id.isdigit() or int(raw_id) > 2**31 - 1:
        errors["account_id"] = [_("Not a valid integer.")]
    if photo is None:
        errors["photo"] = [_("Missing data for required field.")]
    if errors:
        raise ApiValidationError(_("Some fields are not valid."), fields=errors)
    account = db.session.get(Account, int(raw_id))
    if account is None:
        raise NotFound(_("This account does not exist."), code="account_not_found")
    image = _read_upload(photo, int(setting("FACE_MAX_REFERENCE_BYTES")))
    reference = services.enroll_reference(account, image, "manual_review", approved_by=current_user,
                                          keep_photo=request.form.get("keep_photo") in ("1", "true", "on"))
    return dump(ReferenceSchema, reference, status=201)


@bp.get("/face/check")
@roles_required()
def check_page():
    """A page with the capture component: confirms a purpose, then returns to `next`."""
    purpose = request.args.get("purpose", "check_in")
    if purpose not in services.PURPOSES:
        purpose = "check_in"
    success_url = safe_next(request.args.get("next"), url_for("face.check_page", purpose=purpose))
    enrolled = services.active_reference(current_user) is not None
    return render_template("face/check.html", purpose=purpose, success_url=success_url, enrolled=enrolled)
