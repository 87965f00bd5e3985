"""Complaints about real visits: filed by the household, answered by the enterprise, closed by an operator.

Only the household of a visit that started can complain, against its worker
or the enterprise the worker came for, with a category, a description and up
to MAX_EVIDENCE photos. The enterprise (its staff) answers by respond_by
(VISIT_COMPLAINT_RESPONSE_DAYS after filing); the worker may add their side.
An operator mediates and closes with an outcome. Upheld (or partly upheld)
against an enterprise, the complaint becomes a 消费投诉 credit record on the
enterprise's public page; against a worker, it counts by outcome in the
household credit view. Descriptions, answers and evidence are encrypted.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter

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
from registry.enterprises.models import CreditRecord, Enterprise
from visits import messages
from visits.models import (
    COMPLAINT_CATEGORIES,
    MAX_COMPLAINT_LENGTH,
    UPHOLDING,
    Complaint,
    ComplaintEvidence,
    ComplaintOutcome,
    ComplaintState,
    HomeVisit,
    VisitState,
)
from workers.roster.services import staff_enterprise

MAX_EVIDENCE = 6
MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
# How long an upheld complaint stays on the enterprise's public page as an adverse record.
RECORD_VALID_DAYS = 365


def _text(value: str | None, name: str, limit: int, required: bool = True) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise DomainError(_("Please write what happened."), code=f"{name}_required", status=422,
                              fields={name: [_("Required.")]})
        return None
    if len(value) > limit:
        raise DomainError(_("The text is too long."), code=f"{name}_too_long", status=422,
                          fields={name: [_("At most %(count)s characters.", count=limit)]})
    return value


def _evidence(photo: bytes, index: int) -> ComplaintEvidence:
    """One evidence photo, checked to be a real JPEG, PNG or WebP image within the size limit."""
    if len(photo) > MAX_EVIDENCE_BYTES:
        raise DomainError(_("Photo %(number)s is larger than 5 MB.", number=index + 1), code="evidence_too_large",
                          status=413, fields={"evidence": [_("At most 5 MB per photo.")]})
    media_type = photo_type(photo)
    if media_type is None:
        raise DomainError(_("Photo %(number)s is not a JPEG, PNG or WebP image.", number=index + 1),
                          code="evidence_not_an_image", status=422,
                          fields={"evidence": [_("Photos only: JPEG, PNG or WebP.")]})
    return ComplaintEvidence(media_type=media_type, content=photo, created_at=clock.now())


def file_complaint(household: Account, visit_id: int, against: str, category: str, description: str,
                   photos: list[bytes] | tuple[bytes, ...] = ()) -> Complaint:
    """A household's complaint about one of its visits that really started."""
    visit = db.session.get(HomeVisit, visit_id)
    if visit is None or visit.household_id != household.id:
        # Someone else's visit and none at all answer alike: only a real visit allows a complaint.
        raise NotFound(_("You can only complain about a visit to your home."), code="visit_not_found")
    if visit.state not in (VisitState.STARTED.value, VisitState.ENDED.value):
        raise Conflict(_("The worker never confirmed entry for this visit, so there is nothing to complain about "
                         "here."), code="visit_not_started")
    if against not in ("worker", "enterprise"):
        raise DomainError(_("Choose whom the complaint is about."), code="invalid_against", status=422,
                          fields={"against": [_("The worker or the enterprise.")]})
    if against == "enterprise" and visit.enterprise_id is None:
        raise Conflict(_("This visit was not for an enterprise; complain about the worker."),
                       code="visit_without_enterprise")
    if category not in COMPLAINT_CATEGORIES:
        raise DomainError(_("Choose a category."), code="invalid_category", status=422,
                          fields={"category": [_("Choose a category.")]})
    description = _text(description, "description", MAX_COMPLAINT_LENGTH)
    if len(photos) > MAX_EVIDENCE:
        raise DomainError(_("At most %(count)s photos.", count=MAX_EVIDENCE), code="too_much_evidence",
                          status=422, fields={"evidence": [_("At most %(count)s photos.", count=MAX_EVIDENCE)]})
    evidence = [_evidence(photo, index) for index, photo in enumerate(photos)]
    if db.session.scalar(sa.select(Complaint.id).where(Complaint.visit_id == visit.id, Complaint.against == against,
                                                       Complaint.state != ComplaintState.CLOSED.value)):
        raise Conflict(_("A complaint about this visit is already open."), code="complaint_already_open")
    now = clock.now()
    days = int(current_app.config.get("VISIT_COMPLAINT_RESPONSE_DAYS", 3))
    complaint = Complaint(visit_id=visit.id, household_id=household.id, worker_id=visit.worker_id,
                          enterprise_id=visit.enterprise_id, against=against, category=category,
                          description=description, filed_at=now, respond_by=now + dt.timedelta(days=days),
                          evidence=evidence)
    db.session.add(complaint)
    db.session.flush()
    audit.record("complaint.filed", subject_id=visit.worker_id, actor_id=household.id, complaint_id=complaint.id,
                 against=against, category=category)
    worker = db.session.get(Account, visit.worker_id)
    notify_by_sms(worker.phone, f"{current_app.config['SMS_SIGNATURE']}您服务的一户家庭提交了投诉，"
                                "请登录平台查看并说明情况。", worker.id)
    return complaint


def _complaint(complaint_id: int) -> Complaint:
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None:
        raise NotFound(_("This complaint does not exist."), code="complaint_not_found")
    return complaint


def visible_complaint(account: Account, complaint_id: int) -> Complaint:
    """A complaint as its household, its worker, staff of its enterprise or an operator may read it."""
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is not None and _may_read(account, complaint):
        return complaint
    raise NotFound(_("This complaint does not exist."), code="complaint_not_found")


def _may_read(account: Account, complaint: Complaint) -> bool:
    if account.role == Role.ADMIN.value or account.id in (complaint.household_id, complaint.worker_id):
        return True
    if account.role == Role.ENTERPRISE_STAFF.value and complaint.enterprise_id is not None:
        try:
            return staff_enterprise(account).id == complaint.enterprise_id
        except Forbidden:
            return False
    return False


def respond(staff: Account, complaint_id: int, response: str) -> Complaint:
    """The enterprise's answer (its staff only): the complaint goes to an operator to mediate."""
    enterprise = staff_enterprise(staff)
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None or complaint.enterprise_id != enterprise.id:
        raise NotFound(_("This complaint does not exist."), code="complaint_not_found")
    if complaint.state != ComplaintState.OPEN.value:
        raise Conflict(_("This complaint has already been answered."), code=f"complaint_{complaint.state}")
    complaint.response = _text(response, "response", MAX_COMPLAINT_LENGTH)
    complaint.state, complaint.responded_at, complaint.responded_by_id = (ComplaintState.ANSWERED.value,
                                                                          clock.now(), staff.id)
    db.session.flush()
    audit.record("complaint.answered", subject_id=complaint.worker_id, actor_id=staff.id, complaint_id=complaint.id,
                 late=complaint.responded_at > complaint.respond_by)
    return complaint


def worker_reply(worker: Account, complaint_id: int, reply: str) -> Complaint:
    """The worker's side of the story, read by the operator before deciding."""
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None or complaint.worker_id != worker.id:
        raise NotFound(_("This complaint does not exist."), code="complaint_not_found")
    if complaint.state == ComplaintState.CLOSED.value:
        raise Conflict(_("This complaint is closed."), code="complaint_closed")
    complaint.worker_reply = _text(reply, "reply", MAX_COMPLAINT_LENGTH)
    db.session.flush()
    audit.record("complaint.worker_replied", subject_id=worker.id, actor_id=worker.id, complaint_id=complaint.id)
    return complaint


def withdraw(household: Account, complaint_id: int) -> Complaint:
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None or complaint.household_id != household.id:
        raise NotFound(_("This complaint does not exist."), code="complaint_not_found")
    return _close(complaint, ComplaintOutcome.WITHDRAWN.value, None, household)


def close(operator: Account, complaint_id: int, outcome: str, note: str) -> Complaint:
    """An operator's decision after mediation. Upheld against an enterprise: a 消费投诉 credit record."""
    if operator.role != Role.ADMIN.value:
        raise Forbidden(_("Only operators close complaints."), code="not_an_operator")
    if outcome not in (o.value for o in ComplaintOutcome) or outcome == ComplaintOutcome.WITHDRAWN.value:
        raise DomainError(_("Choose an outcome."), code="invalid_outcome", status=422,
                          fields={"outcome": [_("Choose an outcome.")]})
    return _close(_complaint(complaint_id), outcome, _text(note, "note", MAX_COMPLAINT_LENGTH), operator)


def _close(complaint: Complaint, outcome: str, note: str | None, actor: Account) -> Complaint:
    if complaint.state == ComplaintState.CLOSED.value:
        raise Conflict(_("This complaint is closed."), code="complaint_closed")
    complaint.state, complaint.outcome, complaint.outcome_note = ComplaintState.CLOSED.value, outcome, note
    complaint.closed_at, complaint.closed_by_id = clock.now(), actor.id
    if outcome in UPHOLDING and complaint.against == "enterprise" and complaint.enterprise_id is not None:
        complaint.credit_record_id = _credit_record(complaint).id
    db.session.flush()
    audit.record("complaint.closed", subject_id=complaint.worker_id, actor_id=actor.id, complaint_id=complaint.id,
                 outcome=outcome)
    household = db.session.get(Account, complaint.household_id)
    if household is not None and actor.id != household.id:
        notify_by_sms(household.phone, f"{current_app.config['SMS_SIGNATURE']}您的投诉已处理完毕，"
                                       "请登录平台查看结果。", household.id)
    return complaint


def _credit_record(complaint: Complaint) -> CreditRecord:
    """The adverse record an upheld complaint leaves on the enterprise's public page, in Chinese as registers are."""
    with force_locale("zh"):
        summary = _("Consumer complaint upheld after mediation: %(category)s (%(outcome)s).",
                    category=messages.category_label(complaint.category),
                    outcome=messages.outcome_label(complaint.outcome))
    record = CreditRecord(kind="complaint", occurred_on=clock.china_today(), authority="家政服务信用信息平台",
                          summary=summary, document_number=f"TS{complaint.id:08d}", source="visit_complaint",
                          valid_until=clock.china_today() + dt.timedelta(days=RECORD_VALID_DAYS))
    enterprise = db.session.get(Enterprise, complaint.enterprise_id)
    enterprise.records.append(record)  # through the relationship, so a loaded enterprise shows it at once
    enterprise.import_hash = None  # a re-import must not skip this enterprise as unchanged
    db.session.flush()
    return record


def for_enterprise(staff: Account, open_only: bool = True, limit: int = 100) -> list[Complaint]:
    """The complaints the staff's enterprise must answer (or has), oldest first."""
    enterprise = staff_enterprise(staff)
    query = sa.select(Complaint).where(Complaint.enterprise_id == enterprise.id)
    if open_only:
        query = query.where(Complaint.state == ComplaintState.OPEN.value)
    return list(db.session.scalars(query.order_by(Complaint.filed_at).limit(limit)))


def operator_queue(operator: Account, limit: int = 100) -> list[Complaint]:
    """Complaints not yet closed, oldest first (answered ones, then those past their deadline, first)."""
    if operator.role != Role.ADMIN.value:
        raise Forbidden(_("Only operators mediate complaints."), code="not_an_operator")
    return list(db.session.scalars(sa.select(Complaint).where(Complaint.state != ComplaintState.CLOSED.value)
                                   .order_by(Complaint.filed_at).limit(limit)))


def own_complaints(account: Account) -> list[Complaint]:
    column = Complaint.worker_id if account.role == Role.WORKER.value else Complaint.household_id
    return list(db.session.scalars(sa.select(Complaint).where(column == account.id)
                                   .order_by(Complaint.id.desc()).limit(100)))


def worker_counts(worker_id: int) -> dict[str, int]:
    """Complaints against a worker as the household credit view shows them: open, and closed by outcome."""
    rows = db.session.execute(sa.select(Complaint.state, Complaint.outcome).where(
        Complaint.worker_id == worker_id, Complaint.against == "worker")).all()
    counts = Counter("open" if state != ComplaintState.CLOSED.value else outcome for state, outcome in rows)
    return {key: counts.get(key, 0) for key in ("open", *(o.value for o in ComplaintOutcome))}


def open_serious(worker_id: int) -> int:
    """Serious complaints (safety, property damage) open against a worker: they keep the status code off green."""
    return sum(1 for c in db.session.scalars(sa.select(Complaint).where(
        Complaint.worker_id == worker_id, Complaint.state != ComplaintState.CLOSED.value)) if c.serious)


def status_concerns(worker_id: int) -> list[tuple[str, str, str]]:
    """Answers `signals.worker_status_concerns`: while a complaint about one of the worker's visits is open
    (against them or the enterprise they came for), the code is yellow; its outcome decides what stays."""
    open_ones = list(db.session.scalars(sa.select(Complaint).where(
        Complaint.worker_id == worker_id, Complaint.state != ComplaintState.CLOSED.value)))
    if not open_ones:
        return []
    if any(c.serious for c in open_ones):
        return [("yellow", "serious_complaint_open",
                 _("A serious complaint about a visit is being handled; add your side on the complaint's page."))]
    return [("yellow", "complaint_open",
             _("A complaint about a visit is being handled; add your side on the complaint's page."))]
