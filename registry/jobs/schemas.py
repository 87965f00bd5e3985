"""The jobs API boundary: a job as an operator reads it, and the import form."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from registry.jobs import messages


class JobSchema(Schema):
    """One job with its progress, in words."""

    id = fields.Integer()
    kind = fields.String(metadata={"description": "Job kind (internal name)"})
    kind_label = fields.Function(lambda job: messages.kind_label(job.kind))
    status = fields.String(metadata={"description": "pending, running, done or dead"})
    status_label = fields.Function(lambda job: messages.status_label(job.status))
    attempts = fields.Integer()
    max_attempts = fields.Integer()
    progress_done = fields.Integer()
    progress_total = fields.Integer(allow_none=True)
    result = fields.Dict(allow_none=True)
    error = fields.Function(lambda job: messages.error_label(job.last_error) or None)
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)


class JobListSchema(Schema):
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    items = fields.List(fields.Nested(JobSchema))


class ImportFormSchema(Schema):
    """The fields of the imports page beside the file itself."""

    kind = fields.String(required=True, validate=validate.Length(min=1, max=64))
    source = fields.String(load_default="", validate=validate.Length(max=100))
