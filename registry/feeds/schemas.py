"""The agency file formats, one JSON object per line, validated per kind."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

# Per-person agency feeds, and the institution feeds of health checks, insurance policies and training
# certificates (hospitals, insurers, training bodies): verified at the source.
CREDENTIAL_KINDS: dict[str, tuple[str, ...]] = {
    "health": ("health_check", "health_certificate"),
    "insurance": ("accident_insurance", "liability_insurance"),
    "training": ("training_certificate", "skill_certificate"),
}
KINDS = ("tax", "bank_credit", "background_check", *CREDENTIAL_KINDS)


class _PersonLine(Schema):
    """Fields every line has: who (by ID hash, or ID number hashed on import), source, as-of date."""

    id_number_hash = fields.String(validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    id_number = fields.String()
    source = fields.String(required=True, validate=validate.Length(min=1, max=100))
    as_of = fields.Date(required=True)

    @validates_schema
    def _one_key(self, data, **kwargs):
        if ("id_number_hash" in data) == ("id_number" in data):
            raise ValidationError("give exactly one of id_number_hash or id_number", "id_number_hash")


class TaxPeriodSchema(Schema):
    period = fields.String(required=True, validate=validate.Regexp(r"^\d{4}(-\d{2})?$"))
    status = fields.String(required=True, validate=validate.OneOf(["filed", "not_filed", "arrears"]))
    tax_paid = fields.Decimal(load_default=None, allow_none=True, as_string=True, places=2)


class TaxLineSchema(_PersonLine):
    status = fields.String(required=True, validate=validate.OneOf(["normal", "arrears"]))
    periods = fields.List(fields.Nested(TaxPeriodSchema), load_default=list, validate=validate.Length(max=120))


class AdverseRecordSchema(Schema):
    category = fields.String(required=True, validate=validate.Length(min=1, max=100))
    started_on = fields.Date(load_default=None, allow_none=True)
    ended_on = fields.Date(load_default=None, allow_none=True)
    summary = fields.String(load_default="", validate=validate.Length(max=500))


class BankCreditLineSchema(_PersonLine):
    status = fields.String(required=True, validate=validate.OneOf(["normal", "attention", "adverse"]))
    credit_accounts = fields.Integer(required=True, validate=validate.Range(min=0, max=10000))
    overdue_accounts = fields.Integer(required=True, validate=validate.Range(min=0, max=10000))
    max_overdue_months = fields.Integer(load_default=0, validate=validate.Range(min=0, max=600))
    adverse_records = fields.List(fields.Nested(AdverseRecordSchema), load_default=list,
                                  validate=validate.Length(max=200))


class BackgroundCheckLineSchema(_PersonLine):
    result = fields.String(required=True, validate=validate.OneOf(["no_record", "record_found"]))
    records = fields.List(fields.Nested(AdverseRecordSchema), load_default=list, validate=validate.Length(max=200))

    @validates_schema
    def _consistent(self, data, **kwargs):
        if data.get("result") == "record_found" and not data.get("records"):
            raise ValidationError("record_found needs at least one record", "records")
        if data.get("result") == "no_record" and data.get("records"):
            raise ValidationError("no_record cannot list records", "records")


def _credential_line(category: str) -> type[Schema]:
    """A line of an institution feed: the person's current records of one category (a later file replaces it)."""

    class CredentialSchema(Schema):
        kind = fields.String(required=True, validate=validate.OneOf(CREDENTIAL_KINDS[category]))
        issuer = fields.String(required=True, validate=validate.Length(min=1, max=200))
        number = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
        issued_on = fields.Date(required=True)
        expires_on = fields.Date(load_default=None, allow_none=True)

        @validates_schema
        def _dates(self, data, **kwargs):
            if data.get("expires_on") and data["expires_on"] <= data["issued_on"]:
                raise ValidationError("expires_on must come after issued_on", "expires_on")
            if category != "training" and not data.get("expires_on"):
                raise ValidationError("health and insurance records need expires_on", "expires_on")

    class CredentialLineSchema(_PersonLine):
        items = fields.List(fields.Nested(CredentialSchema), required=True, validate=validate.Length(min=1, max=50))

    CredentialLineSchema.__name__ = f"{category.capitalize()}LineSchema"
    return CredentialLineSchema


LINE_SCHEMAS: dict[str, type[Schema]] = {
    "tax": TaxLineSchema,
    "bank_credit": BankCreditLineSchema,
    "background_check": BackgroundCheckLineSchema,
    **{category: _credential_line(category) for category in CREDENTIAL_KINDS},
}
