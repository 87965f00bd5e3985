"""Enterprise profiles, credit records and staff membership (one enterprise at a time).

Bulk loading lives in loader.py; search in search.py.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from registry.accounts.models import Account, Role
from registry.audit import services as audit
from registry.core import clock, signals
from registry.core.errors import Conflict, DomainError, NotFound
from registry.core.extensions import db
from registry.enterprises import catalog
from registry.enterprises.models import (
    CreditRecord,
    Enterprise,
    EnterpriseBrand,
    EnterpriseStaff,
)
from registry.enterprises.search import check_typed_code, search_fields

PROFILE_FIELDS = ("name", "province_code", "city_code", "district_code", "address", "legal_representative",
                  "registered_on", "registered_capital_yuan", "business_scope", "status", "commitment_signed_on",
                  "commitment_text")
RECORD_FIELDS = ("kind", "occurred_on", "authority", "summary", "document_number", "source", "valid_until")


def get_by_code(code: str) -> Enterprise:
    """An enterprise by credit code, with brands and records loaded; NotFound otherwise (MistypedCode,
    422, when the code fails its own check: it says which position is wrong)."""
    enterprise = db.session.scalar(
        sa.select(Enterprise).where(Enterprise.credit_code == (code or "").strip().upper())
        .options(selectinload(Enterprise.brands), selectinload(Enterprise.records)))
    if enterprise is None:
        check_typed_code(code, "code")
        raise NotFound(_("No enterprise has this credit code."))
    return enterprise


def find_by_code(code: str) -> Enterprise | None:
    """An enterprise by credit code or None."""
    return db.session.scalar(sa.select(Enterprise).where(Enterprise.credit_code == code))


def refresh_search_fields(enterprise: Enterprise) -> None:
    """Recompute what the search indexes read after a name or brand change."""
    enterprise.search_text, enterprise.search_grams = search_fields(enterprise.name, enterprise.brand_names)


def save_enterprise(enterprise: Enterprise | None, data: dict, actor_id: int | None) -> Enterprise:
    """Create or correct an enterprise's profile (admin); data comes from validation.clean_enterprise."""
    created = enterprise is None
    if created:
        if find_by_code(data["credit_code"]) is not None:
            raise Conflict(_("An enterprise with this credit code is already registered."),
                           fields={"credit_code": [_("An enterprise with this credit code is already registered.")]})
        enterprise = Enterprise(credit_code=data["credit_code"])
        db.session.add(enterprise)
    for name in PROFILE_FIELDS:
        setattr(enterprise, name, data.get(name))
    enterprise.status = data.get("status") or "operating"
    enterprise.service_mask = catalog.service_mask(data.get("service_types", []))
    wanted = list(dict.fromkeys(data.get("brands", [])))
    enterprise.brands = [b for b in enterprise.brands if b.name in wanted]
    have = set(enterprise.brand_names)
    enterprise.brands.extend(EnterpriseBrand(name=n) for n in wanted if n not in have)
    enterprise.brands.sort(key=lambda b: wanted.index(b.name))
    refresh_search_fields(enterprise)
    enterprise.import_hash = None  # the next import of this enterprise applies in full
    db.session.flush()
    audit.record("enterprise.created" if created else "enterprise.edited", actor_id=actor_id,
                 enterprise_id=enterprise.id)
    return enterprise


def get_record(enterprise: Enterprise, record_id: int) -> CreditRecord:
    """One of an enterprise's records; NotFound otherwise."""
    record = db.session.get(CreditRecord, record_id)
    if record is None or record.enterprise_id != enterprise.id:
        raise NotFound(_("This credit record does not exist."))
    return record


def save_record(enterprise: Enterprise, record: CreditRecord | None, data: dict,
                actor_id: int | None) -> CreditRecord:
    """Add or correct a credit record (admin)."""
    created = record is None
    if created:
        record = CreditRecord(enterprise_id=enterprise.id)
        db.session.add(record)
    for name in RECORD_FIELDS:
        setattr(record, name, data.get(name))
    enterprise.import_hash = None
    db.session.flush()
    audit.record("enterprise.record_added" if created else "enterprise.record_edited", actor_id=actor_id,
                 enterprise_id=enterprise.id, record_id=record.id)
    return record


def delete_record(enterprise: Enterprise, record: CreditRecord, actor_id: int | None) -> None:
    """Remove a record entered by mistake (admin); the audit log keeps that it existed."""
    db.session.delete(record)
    enterprise.import_hash = None
    db.session.flush()
    audit.record("enterprise.record_deleted", actor_id=actor_id, enterprise_id=enterprise.id,
                 record_id=record.id)


def is_current(record: CreditRecord, today: dt.date | None = None) -> bool:
    """Whether a record still counts: no valid-until, or not yet passed."""
    today = today or clock.china_today()
    return record.valid_until is None or record.valid_until >= today


@dataclass
class CreditSummary:
    """What the detail page says about an enterprise's records."""

    current_adverse: dict[str, int]
    history: dict[str, list[CreditRecord]]
    current_ids: set[int]

    @property
    def adverse_total(self) -> int:
        return sum(self.current_adverse.values())


def credit_summary(enterprise: Enterprise) -> CreditSummary:
    """Current adverse records by kind and the full history by kind, newest first."""
    today = clock.china_today()
    current_adverse: dict[str, int] = {}
    history: dict[str, list[CreditRecord]] = {}
    current_ids: set[int] = set()
    for record in enterprise.records:
        history.setdefault(record.kind, []).append(record)
        if is_current(record, today):
            current_ids.add(record.id)
            if record.kind in catalog.ADVERSE_KINDS:
                current_adverse[record.kind] = current_adverse.get(record.kind, 0) + 1
    ordered = {kind: history[kind] for kind in catalog.RECORD_KINDS if kind in history}
    return CreditSummary(current_adverse, ordered, current_ids)


def affiliated_active_workers(enterprise: Enterprise) -> int | None:
    """How many active, confirmed workers the enterprise has; None when no domain counts them.

    The workers domain answers through `signals.enterprise_active_workers`
    (this domain sits below it and does not import it).
    """
    counts = [count for _receiver, count in signals.enterprise_active_workers.send(enterprise)]
    return sum(counts) if counts else None


# --- staff -------------------------------------------------------------------

def staff_enterprise(account_id: int) -> Enterprise | None:
    """The enterprise a staff account belongs to, if any."""
    return db.session.scalar(sa.select(Enterprise).join(EnterpriseStaff, EnterpriseStaff.enterprise_id == Enterprise.id)
                             .where(EnterpriseStaff.account_id == account_id))


def add_staff(account, enterprise: Enterprise, actor_id: int | None) -> EnterpriseStaff:
    """Attach an enterprise-staff account to its (one) enterprise; moving it replaces the link."""
    if account.role != Role.ENTERPRISE_STAFF.value:
        raise DomainError(_("Only enterprise staff accounts can belong to an enterprise."),
                          code="not_enterprise_staff", fields={"phone": [_("This is not an enterprise staff account.")]})
    link = db.session.get(EnterpriseStaff, account.id)
    if link is None:
        link = EnterpriseStaff(account_id=account.id, enterprise_id=enterprise.id)
        db.session.add(link)
    else:
        link.enterprise_id = enterprise.id
    db.session.flush()
    audit.record("enterprise.staff_added", actor_id=actor_id, subject_id=account.id, enterprise_id=enterprise.id)
    return link


def list_staff(enterprise: Enterprise) -> list:
    """Staff accounts of an enterprise."""
    return list(db.session.scalars(sa.select(Account).join(EnterpriseStaff, EnterpriseStaff.account_id == Account.id)
                                   .where(EnterpriseStaff.enterprise_id == enterprise.id).order_by(Account.id)))
