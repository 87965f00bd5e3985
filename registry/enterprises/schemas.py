"""API boundary of enterprises: query parameters in, profiles and records out."""
from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import (
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates_schema,
)

from registry.enterprises import catalog, regions, services, validation


def _region(level: int):
    def check(code: str) -> None:
        region = regions.table().get(code)
        if region is None or region.level != level:
            raise ValidationError(_("Unknown region code."))
    return check


class SearchQuerySchema(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=200),
                      metadata={"description": "credit code, or 2+ characters of a name or brand"})
    province = fields.String(load_default=None, validate=_region(regions.PROVINCE))
    city = fields.String(load_default=None, validate=_region(regions.CITY))
    code = fields.String(load_default=None, validate=validate.Length(max=18),
                         metadata={"description": "exact unified social credit code"})
    # Empty means any service (a search form sends every field; drop_empty removes it).
    service = fields.String(load_default=None, validate=validate.OneOf(["", *catalog.SERVICE_TYPES]),
                            metadata={"description": "a service type; empty for any"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000))

    @pre_load
    def drop_empty(self, data, **kwargs):
        # A search form sends every field; an empty select means "any".
        return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip() and k != "q")}

    @validates_schema
    def city_in_province(self, data, **kwargs):
        province, city = data.get("province"), data.get("city")
        if province and city and regions.table().get(city).parent_code != province:
            raise ValidationError(_("The city is not in this province."), "city")


def _region_name(code):
    return regions.table().name(code)


class RecordSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    kind_name = fields.Function(lambda r: catalog.RECORD_KINDS[r.kind][0])
    adverse = fields.Function(lambda r: r.kind in catalog.ADVERSE_KINDS)
    current = fields.Function(lambda r: services.is_current(r))
    occurred_on = fields.Date()
    authority = fields.String(allow_none=True)
    summary = fields.String()
    document_number = fields.String(allow_none=True)
    source = fields.String()
    valid_until = fields.Date(allow_none=True)


class EnterpriseSummarySchema(Schema):
    credit_code = fields.String()
    name = fields.String()
    brands = fields.Function(lambda e: e.brand_names)
    province_code = fields.String()
    province = fields.Function(lambda e: _region_name(e.province_code))
    city_code = fields.String()
    city = fields.Function(lambda e: _region_name(e.city_code))
    district_code = fields.String(allow_none=True)
    district = fields.Function(lambda e: _region_name(e.district_code) or None)
    status = fields.String()
    service_types = fields.Function(lambda e: catalog.services_of(e.service_mask))


class EnterpriseSchema(EnterpriseSummarySchema):
    address = fields.String(allow_none=True)
    legal_representative = fields.String(allow_none=True)
    registered_on = fields.Date(allow_none=True)
    registered_capital = fields.String(allow_none=True, metadata={"description": "in 万元 (10,000 yuan)"})
    business_scope = fields.String(allow_none=True)
    commitment = fields.Function(lambda e: {"signed_on": e.commitment_signed_on.isoformat(),
                                            "text": e.commitment_text} if e.commitment_signed_on else None)
    current_adverse = fields.Function(lambda e: services.credit_summary(e).current_adverse)
    affiliated_active_workers = fields.Function(lambda e: services.affiliated_active_workers(e))
    records = fields.List(fields.Nested(RecordSchema))


class SearchPageSchema(Schema):
    items = fields.List(fields.Nested(EnterpriseSummarySchema))
    page = fields.Integer()
    pages = fields.Integer()
    total = fields.Integer()
    total_capped = fields.Boolean(attribute="capped",
                                  metadata={"description": "true when there are more than `total` matches"})
    exact_code = fields.String(allow_none=True)


class EnterpriseFormSchema(Schema):
    """The admin form; the rules themselves are validation.clean_enterprise."""

    credit_code = fields.String(load_default="")
    name = fields.String(load_default="")
    brands = fields.String(load_default="")
    province_code = fields.String(load_default="")
    city_code = fields.String(load_default="")
    district_code = fields.String(load_default="")
    address = fields.String(load_default="")
    legal_representative = fields.String(load_default="")
    registered_on = fields.String(load_default="")
    registered_capital = fields.String(load_default="")
    business_scope = fields.String(load_default="")
    service_types = fields.List(fields.String(), load_default=list)
    status = fields.String(load_default="operating")
    commitment_signed_on = fields.String(load_default="")
    commitment_text = fields.String(load_default="")

    def clean(self, raw: dict) -> tuple[dict, dict[str, list[str]]]:
        """(clean data, errors by field) for posted form values."""
        try:
            data, errors = self.load(raw), {}
        except ValidationError as exc:
            return {}, {k: [str(m) for m in v] if isinstance(v, list) else [str(v)] for k, v in exc.messages.items()}
        try:
            return validation.clean_enterprise(data, with_records=False), errors
        except validation.RowErrors as exc:
            return {}, {field: [reason] for field, reason in exc.errors.items()}


class RecordFormSchema(Schema):
    """The admin record form; rules in validation.clean_record."""

    kind = fields.String(load_default="")
    occurred_on = fields.String(load_default="")
    authority = fields.String(load_default="")
    summary = fields.String(load_default="")
    document_number = fields.String(load_default="")
    source = fields.String(load_default="")
    valid_until = fields.String(load_default="")

    def clean(self, raw: dict) -> tuple[dict, dict[str, list[str]]]:
        try:
            data = self.load(raw)
        except ValidationError as exc:
            return {}, {k: [str(m) for m in v] if isinstance(v, list) else [str(v)] for k, v in exc.messages.items()}
        errors: dict[str, str] = {}
        record = validation.clean_record(data, None, errors)
        return (record, {}) if not errors else ({}, {k: [v] for k, v in errors.items()})
