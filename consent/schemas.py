"""API boundary of consent."""
from __future__ import annotations

from marshmallow import Schema, fields, validate


class LetterSchema(Schema):
    version = fields.Integer()
    title = fields.String()
    body = fields.String()
    sha256 = fields.String()
    published_at = fields.DateTime()


class SignSchema(Schema):
    letter_version = fields.Integer(required=True, validate=validate.Range(min=1))
    letter_sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    face_check_id = fields.Integer(required=True, validate=validate.Range(min=1))


class ConsentSchema(Schema):
    id = fields.Integer()
    letter_version = fields.Integer()
    letter_sha256 = fields.String()
    face_check_id = fields.Integer(allow_none=True)
    signed_at = fields.DateTime()
    key_id = fields.String()
    signature = fields.String()
    revoked_at = fields.DateTime(allow_none=True)


class LetterInputSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=2, max=200))
    body = fields.String(required=True, validate=validate.Length(min=10, max=100_000))
