"""API boundary of accounts."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate

from registry.accounts.models import CodePurpose, Role
from registry.accounts.names import InvalidName, normalize_name
from registry.core.idnumbers import (
    InvalidIdNumber,
    InvalidPhone,
    mask_id_number,
    mask_phone,
    normalize_id_number,
    normalize_phone,
)


class PhoneField(fields.String):
    """A mainland mobile number, normalised to 11 digits."""

    def _deserialize(self, value, attr, data, **kwargs):
        raw = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalize_phone(raw)
        except InvalidPhone as exc:
            raise ValidationError(str(exc)) from None


class IdNumberField(fields.String):
    """A mainland resident ID number, checked and upper-cased."""

    def _deserialize(self, value, attr, data, **kwargs):
        raw = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalize_id_number(raw)
        except InvalidIdNumber as exc:
            raise ValidationError(str(exc)) from None


class PersonNameField(fields.String):
    """A person's name as on the ID card (registry/accounts/names.py), in its kept form."""

    def _deserialize(self, value, attr, data, **kwargs):
        raw = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalize_name(raw)
        except InvalidName as exc:
            raise ValidationError(str(exc)) from None


CODE_FIELD = dict(required=True, validate=validate.Regexp(r"^\d{6}$", error=_l("Enter the 6-digit code.")))


class SendCodeSchema(Schema):
    phone = PhoneField(required=True)
    purpose = fields.String(required=True, validate=validate.OneOf(
        [CodePurpose.REGISTER.value, CodePurpose.LOGIN.value]))


class SendCodeResultSchema(Schema):
    sent_to = fields.String()
    expires_in = fields.Integer()
    resend_after = fields.Integer()


class RegisterSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in (Role.WORKER, Role.CONSUMER)]))
    name = PersonNameField(required=True, metadata={
        "description": "as on the ID card: 2-20 Chinese characters (parts of a minority or foreign name joined "
                       "by the middle dot U+00B7; look-alike dots are accepted and stored as U+00B7), or Latin "
                       "letters with spaces, hyphens and apostrophes (2-64)"})
    id_number = IdNumberField(required=True)
    phone = PhoneField(required=True)
    code = fields.String(**CODE_FIELD)


class LoginSchema(Schema):
    phone = PhoneField(required=True)
    code = fields.String(**CODE_FIELD)
    remember = fields.Boolean(load_default=False)


class CodeOnlySchema(Schema):
    code = fields.String(**CODE_FIELD)


class NewPhoneSchema(Schema):
    phone = PhoneField(required=True)


class NewPhoneConfirmSchema(Schema):
    phone = PhoneField(required=True)
    code = fields.String(**CODE_FIELD)


class AccountSchema(Schema):
    """What an account looks like from outside: sensitive fields masked."""

    id = fields.Integer()
    role = fields.String()
    name = fields.String()
    id_number = fields.Function(lambda a: mask_id_number(a.id_number))
    phone = fields.Function(lambda a: mask_phone(a.phone))
    created_at = fields.DateTime()


class CsrfSchema(Schema):
    csrf_token = fields.String()


class ExportSchema(Schema):
    """A person's own copy of everything held about them (PIPL art. 45): unmasked, signed."""

    token = fields.String(metadata={"description": "compact JWS (EdDSA, typ hscr-export+jws) whose payload is the "
                                                   "document's canonical JSON; verify offline with the key of its "
                                                   "kid in /.well-known/jwks.json"})
    document = fields.Dict(metadata={"description": "the signed document: format, subject, generated_at, "
                                                    "sections (one per domain holding data about the person)"})
