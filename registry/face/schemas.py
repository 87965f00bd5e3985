"""The face API boundary, in and out."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from registry.core import clock
from registry.face.messages import action_prompt, check_message, photo_prompt, public_reason
from registry.face.services import CAPTURES, PURPOSES, min_frames, uploaded_photos
from registry.face.settings import setting
from registry.web.api import Upload


class ChallengeRequestSchema(Schema):
    purpose = fields.String(required=True, validate=validate.OneOf(PURPOSES))
    capture = fields.String(load_default="camera", validate=validate.OneOf(CAPTURES), metadata={
        "description": "camera (a continuous capture on the challenge's plan, the default) or photos (no "
                       "camera: photos uploaded one by one; only where the platform allows it)"})
    flash = fields.Boolean(load_default=True, metadata={
        "description": "flash screen colours during the capture (false: the steady kind, for people who ask "
                       "for reduced motion; it asks for more actions instead)"})


class ActionSchema(Schema):
    code = fields.String()
    prompt = fields.String(metadata={"description": "Instruction to show, in the request's language"})
    photo_prompt = fields.String(allow_none=True, metadata={
        "description": "The photo to take for it when uploading photos (null: no still photo shows it)"})


class FaceChallengeSchema(Schema):
    id = fields.String()
    purpose = fields.String()
    actions = fields.Method("get_actions", metadata={"description": "Actions to perform, in order"})
    expires_at = fields.DateTime()
    expires_in = fields.Method("get_expires_in")
    min_frames = fields.Method("get_min_frames")
    max_frames = fields.Method("get_max_frames")
    capture = fields.String()
    plan = fields.Method("get_plan", metadata={
        "description": "camera capture: the timeline (ms from the start): action windows, colours to flash "
                       "full-screen, frame interval; null for photos"})

    def get_plan(self, challenge):
        plan = challenge.capture_plan
        return plan.for_client() if plan else None

    def get_actions(self, challenge):
        return [{"code": a, "prompt": action_prompt(a), "photo_prompt": photo_prompt(a)}
                for a in challenge.action_list]

    def get_min_frames(self, challenge):
        return min_frames(challenge)

    def get_max_frames(self, challenge):
        return int(setting("FACE_MAX_FRAMES"))

    def get_expires_in(self, challenge):
        return max(0, int((challenge.expires_at - clock.now()).total_seconds()))


class CheckSchema(Schema):
    """A recorded decision as its owner sees it: passed or not and what to do, nothing an attacker could
    tune against (no scores, distances, thresholds or engine; liveness refusals share one reason)."""

    id = fields.Integer()
    purpose = fields.String()
    passed = fields.Boolean()
    reason = fields.Method("get_reason", metadata={"description": "a stable code of what to change, or null"})
    message = fields.Method("get_message")
    actions = fields.Method("get_actions")
    created_at = fields.DateTime()

    def get_reason(self, check):
        return public_reason(check.reason)

    def get_message(self, check):
        return check_message(check, uploaded=uploaded_photos(check))

    def get_actions(self, check):
        return [a for a in check.actions.split(",") if a]


class ReferenceStatusSchema(Schema):
    enrolled = fields.Boolean()
    source = fields.String(allow_none=True)
    enrolled_at = fields.DateTime(allow_none=True)


class ReferenceSchema(Schema):
    """An enrolled reference as the approving operator sees it: the engine and provider stay in the record."""
    id = fields.Integer()
    account_id = fields.Integer()
    source = fields.String()
    created_at = fields.DateTime()


class FaceCheckFormSchema(Schema):
    """The multipart body of a face check (documentation; the view reads the parts itself)."""
    challenge_id = fields.Integer(required=True)
    frames = fields.List(Upload(), required=True, metadata={"description": "camera frames in order: JPEG, PNG or WebP"})
    times = fields.String(metadata={"description": "camera challenge: each frame's capture time in ms since the "
                                                   "capture began, comma-separated"})


class ReferenceFormSchema(Schema):
    """The multipart body of an operator's reference enrolment."""
    account_id = fields.Integer(required=True)
    photo = Upload(required=True, metadata={"description": "the approved face photo: JPEG or PNG"})
