"""API boundary of scanning, requests, approvals and the credit view."""
from __future__ import annotations

import datetime as dt

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from consent.grants import (
    DEFAULT_SCOPES,
    DURATION_HOURS,
    SCOPES,
    ended_message,
    is_live,
    masked_consumer_name,
    reads_of,
)
from consent.messages import scope_label
from registry.core import clock
from registry.web.api import schema_to_json
from registry.web.presenting import as_json


class ScanSchema(Schema):
    scanned = fields.String(required=True, validate=validate.Length(min=1, max=1024),
                            metadata={"description": "the QR token, or the 10-character code under it"})


class ScanResultSchema(Schema):
    status = fields.String(metadata={"description": "active | departed (离职: nothing more is shown)"})
    worker_name = fields.String(allow_none=True, metadata={"description": "masked"})
    request_id = fields.Integer(allow_none=True)
    request_state = fields.String(allow_none=True)
    message = fields.String()
    status_code = fields.String(allow_none=True, metadata={"description": "安心码: green | yellow | red"})
    status_code_label = fields.String(allow_none=True)
    status_code_about = fields.List(fields.String(), metadata={
        "description": "what the reasons are about (working status, health check, ...), never the details"})


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
    times_asked_before = fields.Integer(metadata={"description": "earlier requests by this household"})
    created_at = fields.DateTime()
    expires_at = fields.DateTime()


def end_of_china_day(day: dt.date) -> dt.datetime:
    """24:00 China Standard Time at the end of `day`, in UTC."""
    midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=clock.CHINA_TZ)
    return midnight.astimezone(dt.UTC)


class GrantChoiceSchema(Schema):
    """Which sections, for how long: `hours` (one of the offered durations) or `until_date` (to the end of that
    China day); neither means 24 hours."""

    scopes = fields.List(fields.String(validate=validate.OneOf(SCOPES)), load_default=lambda: list(DEFAULT_SCOPES),
                         validate=validate.Length(min=1, max=len(SCOPES)))
    hours = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.OneOf(DURATION_HOURS))
    until_date = fields.Date(load_default=None, allow_none=True)

    @validates_schema
    def one_end(self, data, **kwargs):
        if data.get("hours") is not None and data.get("until_date") is not None:
            raise ValidationError("Choose a duration or an end date, not both.", "until_date")

    @post_load
    def resolve_end(self, data, **kwargs):
        if data.get("until_date") is not None:
            data["until"] = end_of_china_day(data["until_date"])
        else:
            data["until"] = clock.now() + dt.timedelta(hours=data.get("hours") or 24)
        return data


class ApprovalSchema(GrantChoiceSchema):
    face_check_id = fields.Integer(required=True, validate=validate.Range(min=1))


class NarrowingSchema(Schema):
    """Fewer sections and/or an earlier end; widening needs a new request."""

    scopes = fields.List(fields.String(validate=validate.OneOf(SCOPES)), required=True,
                         validate=validate.Length(min=1, max=len(SCOPES)))
    until = fields.AwareDateTime(load_default=None, allow_none=True)


class GrantSchema(Schema):
    id = fields.Integer()
    scopes = fields.List(fields.String(), attribute="scope_list")
    valid_from = fields.DateTime()
    valid_until = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)
    end_reason = fields.String(allow_none=True, metadata={"description": "why it ended early (see end_message)"})
    live = fields.Function(lambda grant: is_live(grant), metadata={"openapi": {"type": "boolean"}})
    end_message = fields.Function(lambda grant: None if is_live(grant) else ended_message(grant)[1],
                                  allow_none=True, metadata={"openapi": {"type": "string"},
                                                             "description": "why it no longer shows anything"})
    face_check_id = fields.Integer(allow_none=True)


class ReadSchema(Schema):
    section = fields.String()
    section_name = fields.Function(lambda read: scope_label(read.section), metadata={"openapi": {"type": "string"}})
    accessed_at = fields.DateTime()


class WorkerGrantSchema(GrantSchema):
    consumer_name = fields.Function(masked_consumer_name, metadata={"openapi": {"type": "string"}, "description": "masked"})
    reads = fields.Function(lambda grant: ReadSchema(many=True).dump(reads_of(grant)),
                            metadata={"openapi": {"type": "array", "items": schema_to_json(ReadSchema())}, "description": "reads under the grant, newest first"})


class CreditSectionSchema(Schema):
    key = fields.String()
    title = fields.String()
    source = fields.String(allow_none=True)
    as_of = fields.Raw(allow_none=True)
    data = fields.Raw(allow_none=True, metadata={"description": "null when no data exists for this section"})
    notes = fields.List(fields.String())
    display = fields.Function(lambda section: [as_json(block) for block in section.blocks],
                              metadata={"openapi": {"type": "array", "items": {"type": "object"}},
                                        "description": "the section in words, as blocks of facts or tables"})
    disputed = fields.Boolean(metadata={"description": "a record here is contested by the worker (有异议)"})


class CreditViewSchema(Schema):
    grant = fields.Nested(GrantSchema)
    sections = fields.List(fields.Nested(CreditSectionSchema))
