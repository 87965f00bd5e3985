"""API boundary of the workers root: affiliations and claims, and the words of in-app notices."""
from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import Schema, fields, validate

from registry.web.api import Count
from workers.models import WorkerNotice

STATES = ("pending", "confirmed", "rejected", "ended", "withdrawn")
STATUSES = ("active", "departed")


# --- check-in ----------------------------------------------------------------



# --- affiliations ------------------------------------------------------------

class ClaimSchema(Schema):
    credit_codes = fields.List(fields.String(validate=validate.Length(min=1, max=18)), required=True,
                               validate=Count(min=1, max=20),
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


def notice_text(notice: WorkerNotice) -> str:
    """A notice in the reader's language."""
    if notice.kind == "affiliation_ended":
        return _("%(enterprise)s has ended your affiliation.", enterprise=notice.enterprise_name or "")
    if notice.kind == "affiliation_rejected":
        return _("%(enterprise)s did not confirm that you work there.", enterprise=notice.enterprise_name or "")
    if notice.kind == "affiliation_confirmed":
        return _("%(enterprise)s has confirmed that you work there.", enterprise=notice.enterprise_name or "")
    # Left by the disputes domain (a higher layer) when an operator decides a worker's dispute.
    if notice.kind == "dispute_upheld":
        return _("Your dispute about a record was upheld. See My disputes for what happens to the record.")
    if notice.kind == "dispute_rejected":
        return _("Your dispute about a record was rejected. See My disputes for the reason.")
    return notice.kind
