"""The enterprise's own page for its staff: what it declares about itself, and its credit commitment."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, fields, validate

from registry.accounts.models import Role
from registry.core.errors import DomainError
from registry.enterprises import catalog, self_service
from registry.enterprises.schemas import EnterpriseSchema
from registry.enterprises.validation import LIMITS
from registry.enterprises.views import bp
from registry.web.api import dump, load_body, operation, require_json_api_login
from registry.web.helpers import flash_success, refusal_errors, roles_required

TAGS = ("enterprise self-service",)


class OwnProfileSchema(Schema):
    address = fields.String(allow_none=True, validate=validate.Length(max=LIMITS["address"]))
    business_scope = fields.String(allow_none=True, validate=validate.Length(max=LIMITS["business_scope"]))
    service_types = fields.List(fields.String(validate=validate.OneOf(tuple(catalog.SERVICE_TYPES))),
                                load_default=list, validate=validate.Length(max=len(catalog.SERVICE_TYPES)))
    commitment_text = fields.String(allow_none=True, validate=validate.Length(max=LIMITS["commitment_text"]),
                                    metadata={"description": "the credit commitment (信用承诺) in full"})
    sign_commitment = fields.Boolean(load_default=False,
                                     metadata={"description": "sign the commitment today (it must not be empty)"})


def _me():
    return current_user._get_current_object()


@bp.route("/enterprise/profile", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE_STAFF.value)
def own_profile_page():
    """企业自主填报: address, business scope, services and the credit commitment."""
    enterprise = self_service.own_enterprise(_me())
    errors: dict = {}
    if request.method == "POST":
        data = {name: request.form.get(name, "") for name in ("address", "business_scope", "commitment_text")}
        data["service_types"] = request.form.getlist("service_types")
        try:
            self_service.update_profile(_me(), data, sign_commitment=request.form.get("sign") == "1")
        except DomainError as exc:
            errors = refusal_errors(exc)
        else:
            flash_success(_("Saved. The public page shows it now."))
            return redirect(url_for("enterprises.own_profile_page"))
    return render_template("enterprises/staff_profile.html", enterprise=enterprise, errors=errors,
                           services_catalog=catalog.SERVICE_TYPES, chosen=catalog.services_of(enterprise.service_mask),
                           form=request.form if request.method == "POST" else {}), 422 if errors else 200


@bp.put("/api/v1/enterprise/profile")
@operation("Enterprise staff: update what the enterprise declares (address, scope, services, credit commitment)",
           body=OwnProfileSchema, response=EnterpriseSchema, errors=(403,), tags=TAGS)
@require_json_api_login
def api_update_own_profile():
    data = load_body(OwnProfileSchema)
    enterprise = self_service.update_profile(_me(), data, sign_commitment=data.pop("sign_commitment"))
    return dump(EnterpriseSchema, enterprise)
