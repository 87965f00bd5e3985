"""API boundary of the worker profile (本人信息管理): the six sections and their versions."""
from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from registry.enterprises import catalog
from registry.web.api import Count


def _text(max_length: int, required: bool = True, **kwargs) -> fields.String:
    if required:
        return fields.String(required=True, validate=validate.Length(min=1, max=max_length), **kwargs)
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=max_length), **kwargs)


class _Strict(Schema):
    """Trim text, turn empty optional values (text or dates) into null.

    Keys are the names the data arrives under: a field's data_key when it has
    one (a work entry's empty "to" is an open end, a current job).
    """

    def load(self, data, *args, **kwargs):
        if isinstance(data, dict):
            by_key = {field.data_key or name: field for name, field in self.fields.items()}
            data = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
            data = {k: (None if v == "" and k in by_key and not by_key[k].required else v)
                    for k, v in data.items()}
        return super().load(data, *args, **kwargs)


def _check_range(data: dict, start: str, end: str) -> None:
    if data.get(start) and data.get(end) and data[end] < data[start]:
        raise ValidationError({end: [_("The end date is before the start date.")]})


class BasicSchema(_Strict):
    """基本信息."""

    hometown = _text(100, required=False)
    ethnicity = _text(20, required=False)
    education = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        ("primary", "junior_high", "senior_high", "vocational", "college", "bachelor", "postgraduate")))
    languages = fields.List(fields.String(validate=validate.Length(min=1, max=30)), load_default=list,
                            validate=Count(max=10))


class SkillCertificateSchema(_Strict):
    name = _text(100)
    number = _text(64)
    level = _text(30, required=False)


class ServiceSchema(_Strict):
    """服务与教育."""

    service_types = fields.List(fields.String(validate=validate.OneOf(list(catalog.SERVICE_TYPES))),
                                load_default=list, validate=Count(max=len(catalog.SERVICE_TYPES)))
    skills = fields.List(fields.String(validate=validate.Length(min=1, max=50)), load_default=list,
                         validate=Count(max=20))
    years_experience = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=60))
    certificates = fields.List(fields.Nested(SkillCertificateSchema), load_default=list,
                               validate=Count(max=20))


class InsuranceSchema(_Strict):
    """保险信息: one policy."""

    insurer = _text(100)
    kind = _text(50)
    policy_number = _text(64)
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(required=True)

    @validates_schema
    def _dates(self, data, **kwargs):
        _check_range(data, "valid_from", "valid_to")


class WorkSchema(_Strict):
    """从业经历: one employment."""

    employer = _text(200)
    role = _text(100)
    date_from = fields.Date(required=True, data_key="from")
    date_to = fields.Date(load_default=None, allow_none=True, data_key="to")

    @validates_schema
    def _dates(self, data, **kwargs):
        _check_range(data, "date_from", "date_to")


class TrainingSchema(_Strict):
    """培训考核: one course or assessment."""

    course = _text(100)
    issuer = _text(100)
    certificate_number = _text(64, required=False)
    grade = _text(30, required=False)
    date = fields.Date(required=True)


class HealthSchema(_Strict):
    """健康体检: one check."""

    institution = _text(100)
    date = fields.Date(required=True)
    result = _text(200)
    valid_until = fields.Date(required=True)

    @validates_schema
    def _dates(self, data, **kwargs):
        _check_range(data, "date", "valid_until")


def _entries(schema: type[Schema]) -> fields.List:
    return fields.List(fields.Nested(schema), required=True, validate=Count(max=30))


class InsuranceSectionSchema(Schema):
    entries = _entries(InsuranceSchema)


class WorkSectionSchema(Schema):
    entries = _entries(WorkSchema)


class TrainingSectionSchema(Schema):
    entries = _entries(TrainingSchema)


class HealthSectionSchema(Schema):
    entries = _entries(HealthSchema)


SECTION_SCHEMAS: dict[str, type[Schema]] = {
    "basic": BasicSchema,
    "service": ServiceSchema,
    "insurance": InsuranceSectionSchema,
    "work": WorkSectionSchema,
    "training": TrainingSectionSchema,
    "health": HealthSectionSchema,
}


# Sections whose form is a list of rows of these fields (the page shows rows).
ENTRY_SCHEMAS: dict[str, type[Schema]] = {
    "insurance": InsuranceSchema, "work": WorkSchema, "training": TrainingSchema, "health": HealthSchema,
}


class ProfileSectionSchema(Schema):
    section = fields.String()
    version = fields.Integer(allow_none=True, metadata={"description": "null before the first save"})
    saved_at = fields.DateTime(allow_none=True)
    data = fields.Dict()
    flags = fields.List(fields.Dict(), metadata={"description": "expiring or expired insurance/health entries"})


class ProfileSchema(Schema):
    sections = fields.List(fields.Nested(ProfileSectionSchema))


class VersionListSchema(Schema):
    items = fields.List(fields.Nested(ProfileSectionSchema))
