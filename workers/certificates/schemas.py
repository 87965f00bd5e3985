"""API boundary of the credit certificate: the worker's token and the public verification."""
from __future__ import annotations

from marshmallow import Schema, fields, validate


class CertificateTokenSchema(Schema):
    token = fields.String(metadata={"description": "JWS compact (EdDSA); verify with /.well-known/jwks.json"})
    fallback_code = fields.String(metadata={"description": "10 characters for manual entry"})
    fallback_code_display = fields.String(metadata={"description": "the same code in printed groups (JP4JZ-GZWKK)"})
    expires_at = fields.DateTime()
    svg = fields.String(metadata={"description": "the QR code (error correction M) as inline SVG"})
    status = fields.String()
    status_code = fields.String(metadata={"description": "安心码: green | yellow | red (also in the token, claim sc)"})
    status_code_label = fields.String()
    status_code_reasons = fields.List(fields.String(), metadata={"description": "what to do, in words"})


class VerificationQuerySchema(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=1024))


class VerificationSchema(Schema):
    valid = fields.Boolean()
    status = fields.String(metadata={"description": "active | departed (离职)"})
    expires_at = fields.DateTime()


class StatusListEntrySchema(Schema):
    id = fields.Integer()
    url = fields.String()


class StatusListIndexSchema(Schema):
    lists = fields.List(fields.Nested(StatusListEntrySchema))
    size = fields.Integer(metadata={"description": "entries per list"})
    status_size = fields.Integer(metadata={"description": "bits per entry"})


class StatusListSchema(Schema):
    id = fields.Integer()
    credential = fields.String(metadata={"description": "JWS compact (EdDSA, typ vc+jwt) whose payload is the "
                                                        "BitstringStatusListCredential; verify with /.well-known/jwks.json"})
    valid_until = fields.DateTime()
