"""API boundary of the enterprise's roster: its workers' claims, states and statuses."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from workers.schemas import STATUSES


class RosterQuerySchema(Schema):
    state = fields.String(load_default=None, validate=validate.OneOf(("pending", "confirmed")))
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))


class RosterRowSchema(Schema):
    affiliation_id = fields.Integer()
    worker_id = fields.Integer()
    name = fields.String()
    phone_masked = fields.String()
    state = fields.String()
    status = fields.String()
    last_check_in_at = fields.DateTime(allow_none=True)
    due_on = fields.Date()
    claimed_at = fields.DateTime()


class RosterPageSchema(Schema):
    items = fields.List(fields.Nested(RosterRowSchema))
    page = fields.Integer()
    pages = fields.Integer()
    total = fields.Integer()


class AffiliationDecisionSchema(Schema):
    id = fields.Integer()
    state = fields.String()
    decided_at = fields.DateTime(allow_none=True)
