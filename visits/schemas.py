"""API boundary of visits: entry requests, ratings and complaints in; visits and complaints in words out."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from registry.web.api import Upload
from visits.models import (
    COMPLAINT_CATEGORIES,
    MAX_AREA_LENGTH,
    MAX_COMMENT_LENGTH,
    MAX_COMPLAINT_LENGTH,
    RATING_TAGS,
    ComplaintOutcome,
)

OPERATOR_OUTCOMES = tuple(o.value for o in ComplaintOutcome if o is not ComplaintOutcome.WITHDRAWN)


class EntryRequestSchema(Schema):
    scanned = fields.String(required=True, validate=validate.Length(min=1, max=1000),
                            metadata={"description": "the certificate's QR token or its 10-character code"})
    enterprise_id = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=2**31 - 1),
                                   metadata={"description": "the enterprise the worker came for (required when "
                                                            "they work for several)"})
    area = fields.String(allow_none=True, validate=validate.Length(max=MAX_AREA_LENGTH),
                         metadata={"description": "optional, coarse: the district, never an address"})


class VisitSchema(Schema):
    id = fields.Integer()
    state = fields.String(metadata={"description": "requested | started | ended | declined | expired"})
    state_label = fields.String()
    worker_name = fields.String(metadata={"description": "masked"})
    household_name = fields.String(metadata={"description": "masked"})
    enterprise_name = fields.String(allow_none=True)
    area = fields.String(allow_none=True)
    requested_at = fields.DateTime()
    confirm_by = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    ended_by = fields.String(allow_none=True, metadata={"description": "in words"})
    rated = fields.Boolean()
    can_rate = fields.Boolean()
    can_complain = fields.Boolean()


class VisitListSchema(Schema):
    items = fields.List(fields.Nested(VisitSchema))


class RatingInputSchema(Schema):
    stars = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))
    tags = fields.List(fields.String(validate=validate.OneOf(RATING_TAGS)), load_default=list,
                       validate=validate.Length(max=len(RATING_TAGS)),
                       metadata={"description": " | ".join(RATING_TAGS)})
    comment = fields.String(allow_none=True, validate=validate.Length(max=MAX_COMMENT_LENGTH))


class RatingSchema(Schema):
    stars = fields.Integer()
    tags = fields.List(fields.String(), metadata={"description": "in words"})
    created_at = fields.DateTime()


class ComplaintFormSchema(Schema):
    """The multipart body of a complaint (documentation; the view reads the parts itself)."""
    against = fields.String(required=True, validate=validate.OneOf(("worker", "enterprise")))
    category = fields.String(required=True, validate=validate.OneOf(COMPLAINT_CATEGORIES),
                             metadata={"description": " | ".join(COMPLAINT_CATEGORIES)})
    description = fields.String(required=True, validate=validate.Length(min=1, max=MAX_COMPLAINT_LENGTH))
    evidence = fields.List(Upload(), metadata={"description": "up to 6 photos: JPEG, PNG or WebP, 5 MB each"})


class ComplaintSchema(Schema):
    id = fields.Integer()
    visit_id = fields.Integer()
    against = fields.String(metadata={"description": "in words"})
    category = fields.String(metadata={"description": "in words"})
    serious = fields.Boolean()
    description = fields.String()
    state = fields.String(metadata={"description": "open | answered | closed"})
    state_label = fields.String()
    filed_at = fields.DateTime()
    respond_by = fields.DateTime()
    response = fields.String(allow_none=True)
    responded_at = fields.DateTime(allow_none=True)
    worker_reply = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True, metadata={"description": "in words"})
    outcome_note = fields.String(allow_none=True)
    evidence_count = fields.Integer()


class ComplaintListSchema(Schema):
    items = fields.List(fields.Nested(ComplaintSchema))


def _text(description: str) -> fields.String:
    return fields.String(required=True, validate=validate.Length(min=1, max=MAX_COMPLAINT_LENGTH),
                         metadata={"description": description})


class ResponseInputSchema(Schema):
    response = _text("the enterprise's answer")


class ReplyInputSchema(Schema):
    reply = _text("the worker's side")


class DecisionInputSchema(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(OPERATOR_OUTCOMES),
                            metadata={"description": " | ".join(OPERATOR_OUTCOMES)})
    note = _text("what was decided and why (the household, worker and enterprise read it)")


class WorkerVisitsSchema(Schema):
    worker_id = fields.Integer()
    name = fields.String()
    visits = fields.Integer()
    dates = fields.List(fields.DateTime(), metadata={"description": "the latest visits' start times (up to 10)"})


class EnterpriseVisitsSchema(Schema):
    started = fields.Integer(metadata={"description": "visits under way"})
    ended = fields.Integer()
    by_worker = fields.List(fields.Nested(WorkerVisitsSchema), metadata={"description": "never the households"})
