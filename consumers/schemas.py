"""API boundary of scanning, requests, approvals and the credit view."""
from __future__ import annotations

from marshmallow import Schema, fields, validate


class ScanSchema(Schema):
    scanned = fields.String(required=True, validate=validate.Length(min=1, max=1024),
                            metadata={"description": "the QR token, or the 10-character code under it"})


class ScanResultSchema(Schema):
    status = fields.String(metadata={"description": "active | departed (离职: nothing more is shown)"})
    worker_name = fields.String(allow_none=True, metadata={"description": "masked"})
    request_id = fields.Integer(allow_none=True)
    request_state = fields.String(allow_none=True)
    message = fields.String()


class ViewRequestSchema(Schema):
    id = fields.Integer()
    state = fields.String(metadata={"description": "pending | approved | declined | expired"})
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)
    grant_id = fields.Integer(allow_none=True)
    message = fields.String()


class PendingRequestSchema(Schema):
    id = fields.Integer()
    consumer_name = fields.String(metadata={"description": "masked"})
    created_at = fields.DateTime()
    expires_at = fields.DateTime()


class ApprovalSchema(Schema):
    face_check_id = fields.Integer(required=True, validate=validate.Range(min=1))


class GrantSchema(Schema):
    id = fields.Integer()
    scopes = fields.List(fields.String(), attribute="scope_list")
    valid_from = fields.DateTime()
    valid_until = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)
    face_check_id = fields.Integer(allow_none=True)


class ReadSchema(Schema):
    section = fields.String()
    accessed_at = fields.DateTime()


class WorkerGrantSchema(GrantSchema):
    consumer_name = fields.String()
    reads = fields.List(fields.Nested(ReadSchema))


class CreditSectionSchema(Schema):
    key = fields.String()
    title = fields.String()
    source = fields.String(allow_none=True)
    as_of = fields.Raw(allow_none=True)
    data = fields.Raw(allow_none=True, metadata={"description": "null when no data exists for this section"})
    notes = fields.List(fields.String())


class CreditViewSchema(Schema):
    grant = fields.Nested(GrantSchema)
    sections = fields.List(fields.Nested(CreditSectionSchema))
