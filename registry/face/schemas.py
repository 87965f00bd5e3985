"""The face API boundary, in and out."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from registry.core import clock
from registry.face.messages import action_prompt, photo_prompt, reason_message
from registry.face.services import CAPTURES, PURPOSES, min_frames
from registry.face.settings import setting
from registry.web.api import Upload


class ChallengeRequestSchema(Schema):
    purpose = fields.String(required=True, validate=validate.OneOf(PURPOSES))
    capture = fields.String(load_default="camera", validate=validate.OneOf(CAPTURES), metadata={
        "description": "camera (a burst of frames, the default) or photos (no camera: the person uploads "
                       "photos one by one, so no action a still photo cannot show, such as a blink)"})


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
    """A recorded decision; `reason` is a stable code, `message` says what to do."""

    id = fields.Integer()
    purpose = fields.String()
    passed = fields.Boolean()
    reason = fields.String(allow_none=True)
    message = fields.Method("get_message")
    frame_index = fields.Integer(allow_none=True)
    actions = fields.Method("get_actions")
    scores = fields.Dict()
    thresholds = fields.Dict()
    provider = fields.String()
    engine = fields.String()
    created_at = fields.DateTime()

    def get_message(self, check):
        return reason_message(check.reason, check.frame_index)

    def get_actions(self, check):
        return [a for a in check.actions.split(",") if a]


class ReferenceStatusSchema(Schema):
    enrolled = fields.Boolean()
    source = fields.String(allow_none=True)
    enrolled_at = fields.DateTime(allow_none=True)


class ReferenceSchema(Schema):
    id = fields.Integer()
    account_id = fields.Integer()
    source = fields.String()
    provider = fields.String()
    engine = fields.String()
    created_at = fields.DateTime()


class FaceCheckFormSchema(Schema):
    """The multipart body of a face check (documentation; the view reads the parts itself)."""
    challenge_id = fields.Integer(required=True)
    frames = fields.List(Upload(), required=True, metadata={"description": "camera frames in order: JPEG, PNG or WebP"})


class ReferenceFormSchema(Schema):
    """The multipart body of an operator's reference enrolment."""
    account_id = fields.Integer(required=True)
    photo = Upload(required=True, metadata={"description": "the approved face photo: JPEG or PNG"})
