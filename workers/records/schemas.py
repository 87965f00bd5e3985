"""API boundary of records: an upload's fields in, records with their source and validity in words out."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from registry.web.api import Upload
from workers.records.models import KINDS


class RecordFormSchema(Schema):
    """The multipart body of an upload (the view reads the document part itself)."""
    kind = fields.String(required=True, validate=validate.OneOf(tuple(KINDS)),
                         metadata={"description": " | ".join(KINDS)})
    issuer = fields.String(required=True, validate=validate.Length(min=1, max=200))
    number = fields.String(allow_none=True, validate=validate.Length(max=64))
    issued_on = fields.Date(required=True)
    expires_on = fields.Date(allow_none=True, metadata={"description": "required for health and insurance"})
    document = Upload(required=True, metadata={"description": "a photo (JPEG, PNG, WebP) or PDF, at most 10 MB"})


class RecordSchema(Schema):
    id = fields.Integer()
    category = fields.String(metadata={"description": "in words"})
    kind = fields.String(metadata={"description": "in words"})
    issuer = fields.String()
    number = fields.String(allow_none=True, metadata={"description": "masked for anyone but the worker"})
    issued_on = fields.Date()
    expires_on = fields.Date(allow_none=True)
    validity = fields.String(metadata={"description": "in words: valid, expiring within 30 days, expired"})
    state = fields.String(metadata={"description": "pending | verified | rejected"})
    state_label = fields.String()
    source = fields.String(metadata={"description": "in words: self-reported, verified by an enterprise, ..."})
    rejection_reason = fields.String(allow_none=True)
    worker_name = fields.String(metadata={"description": "for verifiers"})


class RecordListSchema(Schema):
    items = fields.List(fields.Nested(RecordSchema))


class DecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(("verify", "reject")))
    reason = fields.String(allow_none=True, validate=validate.Length(max=500),
                           metadata={"description": "required to reject: what is wrong (the worker reads it)"})
