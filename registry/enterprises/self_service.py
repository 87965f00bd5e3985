"""Enterprise self-service: its staff keep the profile's own parts and the credit commitment (信用承诺) current.

Staff may change what the enterprise itself declares: the address, the
business scope, the services it offers and its credit commitment. What the
registers say (name, credit code, legal representative, registered capital,
status, credit records) stays with imports and operators. Every change is
audited; signing the commitment dates it today. The next official import
of the enterprise applies in full again (as after an operator's edit).
"""
from __future__ import annotations

from flask_babel import gettext as _

from registry.accounts.models import Account, Role
from registry.audit import services as audit
from registry.core import clock
from registry.core.errors import DomainError, Forbidden
from registry.core.extensions import db
from registry.enterprises import catalog, services
from registry.enterprises.models import Enterprise
from registry.enterprises.validation import LIMITS

STAFF_FIELDS = ("address", "business_scope", "service_types", "commitment_text")


def own_enterprise(staff: Account) -> Enterprise:
    """The enterprise this staff account acts for; Forbidden for anyone else."""
    enterprise = services.staff_enterprise(staff.id) if staff.role == Role.ENTERPRISE_STAFF.value else None
    if enterprise is None:
        raise Forbidden(_("Only staff of an enterprise can change its profile."), code="not_enterprise_staff")
    return enterprise


def _text(data: dict, name: str, errors: dict) -> str | None:
    value = (data.get(name) or "").strip() or None
    if value is not None and len(value) > LIMITS[name]:
        errors[name] = [_("At most %(count)s characters.", count=LIMITS[name])]
    return value


def update_profile(staff: Account, data: dict, *, sign_commitment: bool = False) -> Enterprise:
    """Save the staff's changes (all fields checked first: nothing changes when one is wrong)."""
    enterprise = own_enterprise(staff)
    errors: dict[str, list[str]] = {}
    address, scope, commitment = (_text(data, n, errors) for n in ("address", "business_scope", "commitment_text"))
    services = list(dict.fromkeys(data.get("service_types") or []))
    if any(s not in catalog.SERVICE_TYPES for s in services):
        errors["service_types"] = [_("Choose services from the list.")]
    if sign_commitment and not commitment:
        errors["commitment_text"] = [_("Write the commitment before signing it.")]
    if errors:
        raise DomainError(_("Some fields are not valid."), code="invalid_profile", status=422, fields=errors)
    changed = [name for name, new in (("address", address), ("business_scope", scope),
                                      ("commitment_text", commitment)) if getattr(enterprise, name) != new]
    enterprise.address, enterprise.business_scope, enterprise.commitment_text = address, scope, commitment
    mask = catalog.service_mask(services)
    if mask != enterprise.service_mask:
        enterprise.service_mask = mask
        changed.append("service_types")
    if sign_commitment:
        enterprise.commitment_signed_on = clock.china_today()
        changed.append("commitment_signed_on")
    elif "commitment_text" in changed:
        enterprise.commitment_signed_on = None  # a changed commitment is not signed until signed again
    if changed:
        enterprise.import_hash = None
        db.session.flush()
        audit.record("enterprise.self_service_edited", actor_id=staff.id, enterprise_id=enterprise.id,
                     fields=sorted(changed))
    return enterprise
