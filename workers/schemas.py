"""API boundary of the workers domain: check-ins, affiliations, roster and the profile sections."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

STATES = ("pending", "confirmed", "rejected", "ended", "withdrawn")
STATUSES = ("active", "departed")


# --- check-in ----------------------------------------------------------------



# --- affiliations ------------------------------------------------------------

class ClaimSchema(Schema):
    credit_codes = fields.List(fields.String(validate=validate.Length(min=1, max=18)), required=True,
                               validate=validate.Length(min=1, max=20),
                               metadata={"description": "unified social credit codes (统一社会信用代码)"})


class AffiliationSchema(Schema):
    id = fields.Integer()
    enterprise_id = fields.Integer()
    enterprise_name = fields.String()
    credit_code = fields.String()
    state = fields.String(metadata={"description": " | ".join(STATES)})
    claimed_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)


class AffiliationListSchema(Schema):
    items = fields.List(fields.Nested(AffiliationSchema))


# --- profile sections --------------------------------------------------------



