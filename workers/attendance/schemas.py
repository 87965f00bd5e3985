"""API boundary of the monthly check-in and the worker's active/departed status."""
from __future__ import annotations

from marshmallow import Schema, fields, validate


class CheckInSchema(Schema):
    face_check_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1))


class WorkerStatusSchema(Schema):
    status = fields.String(metadata={"description": "active | departed (离职), by China Standard Time days"})
    last_check_in_at = fields.DateTime(allow_none=True)
    registered_at = fields.DateTime()
    due_on = fields.Date(metadata={"description": "last CST day still active without a new check-in"})
    days_left = fields.Integer()
    registration_step = fields.String()


class CheckInResultSchema(WorkerStatusSchema):
    reactivated = fields.Boolean()
