"""API boundary of disputes: a worker's objection in, disputes and their records in words out."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_load, validate

from disputes.models import MAX_REASON_LENGTH, OUTCOMES, RECORD_KINDS, DisputeState

STATES = tuple(state.value for state in DisputeState)


def _reason(description: str) -> fields.String:
    return fields.String(required=True, validate=validate.Length(min=1, max=MAX_REASON_LENGTH),
                         metadata={"description": description})


class DisputeInputSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(RECORD_KINDS),
                         metadata={"description": " | ".join(RECORD_KINDS)})
    record_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1),
                               metadata={"description": "the record's id, as GET /api/v1/workers/me/disputes/records "
                                                        "lists it"})
    reason = _reason("why the record is wrong (the operator reads it)")


class DisputeFormSchema(Schema):
    """The page's form: one radio button `record` = "kind:record_id", and the reason."""

    record = fields.String(required=True, validate=validate.Regexp(r"^[a-z_]{1,32}:[0-9]{1,10}$"))
    reason = _reason("why the record is wrong")

    @post_load
    def _split(self, data, **kwargs):
        kind, record_id = data.pop("record").split(":")
        if int(record_id) > 2**31 - 1:
            raise ValidationError("Invalid value.", "record")
        return {**data, "kind": kind, "record_id": int(record_id)}


class ResolutionSchema(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES),
                            metadata={"description": "upheld (the record is wrong) | rejected (it stands)"})
    reason = _reason("the decision's reason; when upheld, what happens to the record (corrected, removed)")


class QueueQuerySchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))


class RecordSchema(Schema):
    kind = fields.String(metadata={"description": " | ".join(RECORD_KINDS)})
    record_id = fields.Integer()
    kind_label = fields.String()
    description = fields.String(metadata={"description": "the record in words"})
    disputable = fields.Boolean()
    disputed = fields.Boolean(metadata={"description": "a dispute about it is open (有异议)"})


class RecordListSchema(Schema):
    items = fields.List(fields.Nested(RecordSchema))


class DisputeSchema(Schema):
    id = fields.Integer(attribute="dispute.id")
    record = fields.Nested(RecordSchema)
    reason = fields.String(attribute="dispute.reason")
    state = fields.String(attribute="dispute.state", metadata={"description": " | ".join(STATES)})
    state_label = fields.String()
    opened_at = fields.DateTime(attribute="dispute.opened_at")
    resolved_at = fields.DateTime(attribute="dispute.resolved_at", allow_none=True)
    resolution = fields.String(attribute="dispute.resolution", allow_none=True)


class DisputeListSchema(Schema):
    items = fields.List(fields.Nested(DisputeSchema))


class OperatorDisputeSchema(DisputeSchema):
    worker_id = fields.Integer(attribute="dispute.worker_id")
    worker_name = fields.String(allow_none=True)


class QueuePageSchema(Schema):
    items = fields.List(fields.Nested(OperatorDisputeSchema))
    page = fields.Integer()
    pages = fields.Integer()
    total = fields.Integer()
