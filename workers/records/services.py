"""Verified records: the worker uploads, a confirmed enterprise or an operator verifies, reminders before expiry.

Validity is computed, never stored: valid, expiring (within EXPIRING_DAYS),
expired, or lasting (a training certificate without an end date). Where a
record comes from, as households read it: 本人填报 (uploaded, not verified),
企业核验 / 平台核验 (verified by an enterprise that confirmed the worker, or by
an operator), 机构数据 (an institution's feed, verified at the source).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from registry.accounts.models import Account, Role
from registry.accounts.sms import notify_by_sms
from registry.audit import services as audit
from registry.core import clock
from registry.core.errors import Conflict, DomainError, Forbidden, NotFound
from registry.core.extensions import db
from registry.core.images import photo_type
from registry.enterprises import services as enterprises
from workers.models import Affiliation, AffiliationState
from workers.records import messages
from workers.records.models import EXPIRING, KINDS, MAX_DOCUMENT_BYTES, CredentialRecord, RecordState

EXPIRING_DAYS = 30
REMINDER_DAYS = (30, 7)
MAX_REASON_LENGTH = 500


def _invalid(field: str, message: str, code: str, status: int = 422) -> DomainError:
    return DomainError(message, code=code, status=status, fields={field: [message]})


def document_type(document: bytes) -> str:
    """image/jpeg, image/png, image/webp or application/pdf; DomainError for anything else or too large."""
    if len(document) > MAX_DOCUMENT_BYTES:
        raise _invalid("document", _("The document is larger than 10 MB."), "document_too_large", 413)
    if document.startswith(b"%PDF-") and b"%%EOF" in document[-2048:]:
        return "application/pdf"
    kind = photo_type(document)
    if kind is None:
        raise _invalid("document", _("Upload a photo (JPEG, PNG or WebP) or a PDF of the document."),
                       "document_not_accepted")
    return kind


def add_record(worker: Account, kind: str, issuer: str, number: str | None, issued_on: dt.date,
               expires_on: dt.date | None, document: bytes) -> CredentialRecord:
    """The worker's upload; it stays self-reported until verified."""
    if kind not in KINDS:
        raise _invalid("kind", _("Choose what kind of record this is."), "invalid_kind")
    issuer = (issuer or "").strip()
    if not issuer or len(issuer) > 200:
        raise _invalid("issuer", _("Name who issued it (at most 200 characters)."), "invalid_issuer")
    number = (number or "").strip() or None
    if number is not None and len(number) > 64:
        raise _invalid("number", _("The number is at most 64 characters."), "invalid_number")
    today = clock.china_today()
    if issued_on > today:
        raise _invalid("issued_on", _("The issue date cannot be in the future."), "issued_in_future")
    if KINDS[kind] in EXPIRING and expires_on is None:
        raise _invalid("expires_on", _("Health checks and insurance policies have an end date."), "expiry_required")
    if expires_on is not None and expires_on <= issued_on:
        raise _invalid("expires_on", _("The end date must come after the issue date."), "expiry_before_issue")
    media_type = document_type(document)
    record = CredentialRecord(worker_id=worker.id, category=KINDS[kind], kind=kind, issuer=issuer, number=number,
                              issued_on=issued_on, expires_on=expires_on, document=document,
                              document_type=media_type, created_at=clock.now())
    db.session.add(record)
    db.session.flush()
    audit.record("credential.added", subject_id=worker.id, actor_id=worker.id, record_id=record.id, record_kind=kind)
    return record


def records_of(worker_id: int, category: str | None = None) -> list[CredentialRecord]:
    query = sa.select(CredentialRecord).where(CredentialRecord.worker_id == worker_id)
    if category:
        query = query.where(CredentialRecord.category == category)
    return list(db.session.scalars(query.order_by(CredentialRecord.category, CredentialRecord.issued_on.desc(),
                                                  CredentialRecord.id.desc())))


def own_record(worker: Account, record_id: int) -> CredentialRecord:
    record = db.session.get(CredentialRecord, record_id)
    if record is None or record.worker_id != worker.id:
        raise NotFound(_("This record does not exist."), code="record_not_found")
    return record


def remove_record(worker: Account, record_id: int) -> None:
    """The worker takes a record (and its document) away; the audit log keeps that it existed."""
    record = own_record(worker, record_id)
    db.session.delete(record)
    db.session.flush()
    audit.record("credential.removed", subject_id=worker.id, actor_id=worker.id, record_id=record_id)


def _verifier(actor: Account, record: CredentialRecord) -> tuple[str, int | None]:
    """How actor may verify this record: ("operator", None), or ("enterprise", id) for staff of an
    enterprise that confirmed the worker. Anyone else: the record is not found (nothing learned)."""
    if actor.role == Role.ADMIN.value:
        return "operator", None
    if actor.role == Role.ENTERPRISE_STAFF.value:
        enterprise = enterprises.staff_enterprise(actor.id)
        enterprise_id = enterprise.id if enterprise else None
        confirmed = enterprise_id is not None and db.session.scalar(sa.select(Affiliation.id).where(
            Affiliation.worker_id == record.worker_id, Affiliation.enterprise_id == enterprise_id,
            Affiliation.state == AffiliationState.CONFIRMED.value))
        if confirmed:
            return "enterprise", enterprise_id
    raise NotFound(_("This record does not exist."), code="record_not_found")


def record_for_verifier(actor: Account, record_id: int) -> CredentialRecord:
    record = db.session.get(CredentialRecord, record_id)
    if record is None:
        raise NotFound(_("This record does not exist."), code="record_not_found")
    _verifier(actor, record)
    return record


def decide(actor: Account, record_id: int, decision: str, reason: str | None = None) -> CredentialRecord:
    """Verify a record against its document, or reject it with a reason the worker reads."""
    record = record_for_verifier(actor, record_id)
    via, enterprise_id = _verifier(actor, record)
    if decision not in ("verify", "reject"):
        raise _invalid("decision", _("Verify or reject."), "invalid_decision")
    if record.state != RecordState.PENDING.value:
        raise Conflict(_("This record has already been decided."), code=f"record_{record.state}")
    reason = (reason or "").strip() or None
    if decision == "reject" and (reason is None or len(reason) > MAX_REASON_LENGTH):
        raise _invalid("reason", _("Say what is wrong (at most 500 characters); the worker reads it."),
                       "reason_required")
    record.state = RecordState.VERIFIED.value if decision == "verify" else RecordState.REJECTED.value
    record.verified_by_id, record.verified_via, record.verified_enterprise_id = actor.id, via, enterprise_id
    record.decided_at, record.rejection_reason = clock.now(), reason if decision == "reject" else None
    db.session.flush()
    audit.record(f"credential.{record.state}", subject_id=record.worker_id, actor_id=actor.id, record_id=record.id,
                 via=via)
    worker = db.session.get(Account, record.worker_id)
    if decision == "reject":
        notify_by_sms(worker.phone, f"{current_app.config['SMS_SIGNATURE']}您上传的证明材料未通过核验，"
                                    "请登录平台查看原因并重新上传。", worker.id)
    return record


def pending_for(actor: Account, limit: int = 100) -> list[CredentialRecord]:
    """Records waiting for this verifier: an enterprise's confirmed workers', or everyone's for operators."""
    query = sa.select(CredentialRecord).where(CredentialRecord.state == RecordState.PENDING.value)
    if actor.role == Role.ENTERPRISE_STAFF.value:
        enterprise = enterprises.staff_enterprise(actor.id)
        if enterprise is None:
            raise Forbidden(_("Your staff account is not linked to an enterprise yet."), code="no_enterprise")
        query = query.where(CredentialRecord.worker_id.in_(sa.select(Affiliation.worker_id).where(
            Affiliation.enterprise_id == enterprise.id, Affiliation.state == AffiliationState.CONFIRMED.value)))
    elif actor.role != Role.ADMIN.value:
        raise Forbidden(_("Only enterprise staff and operators verify records."), code="not_a_verifier")
    return list(db.session.scalars(query.order_by(CredentialRecord.created_at).limit(limit)))


def expiring_for_enterprise(enterprise_id: int, today: dt.date | None = None, limit: int = 100
                            ) -> list[CredentialRecord]:
    """Records of the enterprise's confirmed workers ending within 30 days (its dashboard), soonest first."""
    today = today or clock.china_today()
    return list(db.session.scalars(sa.select(CredentialRecord).where(
        CredentialRecord.state != RecordState.REJECTED.value, CredentialRecord.expires_on >= today,
        CredentialRecord.expires_on <= today + dt.timedelta(days=EXPIRING_DAYS),
        CredentialRecord.worker_id.in_(sa.select(Affiliation.worker_id).where(
            Affiliation.enterprise_id == enterprise_id, Affiliation.state == AffiliationState.CONFIRMED.value)))
        .order_by(CredentialRecord.expires_on).limit(limit)))


# --- validity -------------------------------------------------------------------

def validity(expires_on: dt.date | None, today: dt.date | None = None) -> str:
    """lasting | valid | expiring (within 30 days) | expired."""
    today = today or clock.china_today()
    if expires_on is None:
        return "lasting"
    if expires_on < today:
        return "expired"
    return "expiring" if (expires_on - today).days <= EXPIRING_DAYS else "valid"


@dataclass(frozen=True)
class Standing:
    """What the status code needs of one category: a valid verified record, and whether one expires soon."""

    verified_valid: bool
    expiring: bool
    expired: bool
    any_record: bool


def category_standing(worker_id: int, category: str, today: dt.date | None = None) -> Standing:
    today = today or clock.china_today()
    records = [r for r in records_of(worker_id, category) if r.state != RecordState.REJECTED.value]
    state = {r.id: validity(r.expires_on, today) for r in records}
    live = [r for r in records if r.state == RecordState.VERIFIED.value and state[r.id] != "expired"]
    return Standing(verified_valid=bool(live), expiring=bool(live) and all(state[r.id] == "expiring" for r in live),
                    expired=bool(records) and all(state[r.id] == "expired" for r in records),
                    any_record=bool(records))


# --- reminders --------------------------------------------------------------------

def due_reminders(today: dt.date | None = None, batch: int = 500) -> Iterator[list[CredentialRecord]]:
    """Verified or pending expiring records whose 30- or 7-day reminder is due and not yet sent."""
    today = today or clock.china_today()
    while True:
        rows = list(db.session.scalars(sa.select(CredentialRecord).where(
            CredentialRecord.state != RecordState.REJECTED.value, CredentialRecord.expires_on.is_not(None),
            CredentialRecord.expires_on >= today,
            sa.or_(sa.and_(CredentialRecord.expires_on <= today + dt.timedelta(days=30),
                           CredentialRecord.reminded_30.is_(False)),
                   sa.and_(CredentialRecord.expires_on <= today + dt.timedelta(days=7),
                           CredentialRecord.reminded_7.is_(False))))
            .order_by(CredentialRecord.id).limit(batch)))
        if not rows:
            return
        yield rows


def send_reminders(records: list[CredentialRecord], today: dt.date | None = None) -> int:
    """Mark and queue one SMS per record (the 7-day one also covers a missed 30-day one)."""
    today = today or clock.china_today()
    sent = 0
    for record in records:
        days = (record.expires_on - today).days
        record.reminded_30 = True
        if days <= 7:
            record.reminded_7 = True
        worker = db.session.get(Account, record.worker_id)
        if worker is None:
            continue
        with force_locale("zh"):
            kind = messages.kind_label(record.kind)
        notify_by_sms(worker.phone, f"{current_app.config['SMS_SIGNATURE']}您的{kind}将于"
                                    f"{record.expires_on.year}年{record.expires_on.month}月{record.expires_on.day}日"
                                    f"到期（还有{days}天），请及时续期并上传新的证明。", worker.id)
        sent += 1
    db.session.flush()
    return sent


def delete_records(account: Account) -> None:
    """Account deletion: the records and their documents go."""
    db.session.execute(sa.delete(CredentialRecord).where(CredentialRecord.worker_id == account.id))
    db.session.execute(sa.update(CredentialRecord).where(CredentialRecord.verified_by_id == account.id)
                       .values(verified_by_id=None))
