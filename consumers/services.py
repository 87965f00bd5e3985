"""Scanning a certificate, asking to view, and the worker's approval (刷脸授权)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from consent import grants
from consumers import messages
from consumers.models import RequestState, ScanAttempt, ViewRequest
from registry.accounts.models import Account, Role
from registry.accounts.sms import notify_by_sms
from registry.audit import services as audit
from registry.core import clock
from registry.core.errors import Conflict, DomainError, Forbidden, NotFound, RateLimited
from registry.core.extensions import db
from registry.core.idnumbers import mask_name
from registry.face import services as face
from workers.certificates import services as certificates
from workers.identity import services as identity
from workers.models import Worker, WorkStatus

FACE_PURPOSE = "view_approval"


@dataclass
class ScanResult:
    """What a household sees right after scanning."""

    status: str                      # active | departed
    masked_name: str | None          # None for a departed worker: nothing more is shown
    request: ViewRequest | None


def _config_int(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


def _record_attempt(consumer: Account, certificate_id: int | None, outcome: str) -> None:
    db.session.add(ScanAttempt(consumer_id=consumer.id, certificate_id=certificate_id, at=clock.now(),
                               outcome=outcome))
    db.session.flush()


def _check_flood(consumer: Account, certificate_id: int | None) -> None:
    minute_ago = clock.now() - dt.timedelta(minutes=1)
    by_consumer = db.session.scalar(sa.select(sa.func.count()).select_from(ScanAttempt).where(
        ScanAttempt.consumer_id == consumer.id, ScanAttempt.at > minute_ago))
    if by_consumer >= _config_int("SCANS_PER_CONSUMER_PER_MINUTE", 10):
        raise RateLimited(_("Too many scans; please wait a minute."), code="scan_rate_limited", retry_after=60)
    if certificate_id is not None:
        by_certificate = db.session.scalar(sa.select(sa.func.count()).select_from(ScanAttempt).where(
            ScanAttempt.certificate_id == certificate_id, ScanAttempt.at > minute_ago))
        if by_certificate >= _config_int("SCANS_PER_CERTIFICATE_PER_MINUTE", 20):
            raise RateLimited(_("This certificate is being scanned too often; please wait a minute."),
                              code="certificate_rate_limited", retry_after=60)


def scan(consumer: Account, scanned: str) -> ScanResult:
    """Verify a scanned token or typed code and open a view request for an active worker."""
    if consumer.role not in (Role.CONSUMER.value, Role.WORKER.value):
        raise Forbidden(_("Only households and workers can scan certificates."), code="role_cannot_scan")
    _check_flood(consumer, None)
    try:
        certificate = certificates.resolve(scanned)
    except certificates.ScanRefused as refusal:
        _record_attempt(consumer, None, refusal.code)
        raise
    _check_flood(consumer, certificate.id)
    if certificate.worker_id == consumer.id:
        _record_attempt(consumer, certificate.id, "own_certificate")
        raise certificates.ScanRefused(_("This is your own certificate."), code="own_certificate")
    status = certificates.worker_status(certificate)
    _record_attempt(consumer, certificate.id, status)
    if status == WorkStatus.DEPARTED.value:
        return ScanResult(status, None, None)
    worker_account = db.session.get(Account, certificate.worker_id)
    request = _open_request(consumer, worker_account, certificate.id)
    return ScanResult(status, mask_name(worker_account.name), request)


def _open_request(consumer: Account, worker: Account, certificate_id: int) -> ViewRequest:
    now = clock.now()
    existing = db.session.scalars(sa.select(ViewRequest).where(
        ViewRequest.consumer_id == consumer.id, ViewRequest.worker_id == worker.id,
        ViewRequest.state == RequestState.PENDING.value, ViewRequest.expires_at > now)
        .order_by(ViewRequest.id.desc()).limit(1)).first()
    if existing is not None:
        return existing  # scanning twice asks once
    request = ViewRequest(consumer_id=consumer.id, worker_id=worker.id, certificate_id=certificate_id,
                          created_at=now,
                          expires_at=now + dt.timedelta(minutes=_config_int("VIEW_REQUEST_MINUTES", 10)))
    db.session.add(request)
    db.session.flush()
    audit.record("view_request.opened", subject_id=worker.id, actor_id=consumer.id, request_id=request.id)
    notify_by_sms(worker.phone, f"{current_app.config['SMS_SIGNATURE']}{mask_name(consumer.name)}请求查看您的信用信息，"
                                f"请在{_config_int('VIEW_REQUEST_MINUTES', 10)}分钟内登录平台刷脸授权或拒绝。", worker.id)
    return request


def _expire_if_due(request: ViewRequest) -> ViewRequest:
    if request.state == RequestState.PENDING.value and request.expires_at <= clock.now():
        request.state = RequestState.EXPIRED.value
    return request


def request_for_consumer(consumer: Account, request_id: int) -> ViewRequest:
    """The consumer's own request (another's id answers not found)."""
    request = db.session.get(ViewRequest, request_id)
    if request is None or request.consumer_id != consumer.id:
        raise NotFound(_("This request does not exist."), code="request_not_found")
    return _expire_if_due(request)


def _request_for_worker(worker: Account, request_id: int) -> ViewRequest:
    request = db.session.get(ViewRequest, request_id)
    if request is None or request.worker_id != worker.id:
        raise NotFound(_("This request does not exist."), code="request_not_found")
    return _expire_if_due(request)


def pending_for_worker(worker: Account) -> list[tuple[ViewRequest, Account]]:
    """Unanswered, unexpired requests with who asks."""
    rows = db.session.execute(sa.select(ViewRequest, Account).join(Account, Account.id == ViewRequest.consumer_id)
                              .where(ViewRequest.worker_id == worker.id,
                                     ViewRequest.state == RequestState.PENDING.value,
                                     ViewRequest.expires_at > clock.now())
                              .order_by(ViewRequest.id.desc())).all()
    return [(r, a) for r, a in rows]


def _check_answerable(request: ViewRequest) -> None:
    if request.state == RequestState.EXPIRED.value:
        raise Conflict(_("This request has expired."), code="request_expired")
    if request.state != RequestState.PENDING.value:
        raise Conflict(_("This request has already been answered."), code="request_answered")


def approve(worker: Account, request_id: int, face_check_id: int) -> grants.ViewGrant:
    """Approve with a fresh face check: the household gets a time-limited grant."""
    request = _request_for_worker(worker, request_id)
    _check_answerable(request)
    check = face.claim_check(worker, face_check_id, FACE_PURPOSE)
    consumer = db.session.get(Account, request.consumer_id)
    grant = grants.create_grant(worker, consumer, check.id)
    request.state, request.decided_at, request.grant_id = RequestState.APPROVED.value, clock.now(), grant.id
    audit.record("view_request.approved", subject_id=worker.id, request_id=request.id, grant_id=grant.id)
    return grant


def decline(worker: Account, request_id: int) -> ViewRequest:
    """Refuse a request; the household is told."""
    request = _request_for_worker(worker, request_id)
    _check_answerable(request)
    request.state, request.decided_at = RequestState.DECLINED.value, clock.now()
    audit.record("view_request.declined", subject_id=worker.id, request_id=request.id)
    return request


def request_summary(request: ViewRequest) -> dict:
    """A request's state and what the household is told, for the API."""
    summary = {c: getattr(request, c) for c in ("id", "state", "created_at", "expires_at", "decided_at", "grant_id")}
    summary["message"] = messages.status_message(request)
    return summary


def masked_worker_name(request: ViewRequest) -> str:
    """The worker's name as a household may see it."""
    worker = db.session.get(Account, request.worker_id)
    return mask_name(worker.name) if worker else ""


def photo_grant(request: ViewRequest, reader: Account):
    """The live grant under which the household may see the worker's identity photo, if any.

    The photo is personal data like any other section: not while the request
    is pending, and not once the grant has ended or been withdrawn.
    """
    if request.state != RequestState.APPROVED.value or request.grant_id is None:
        return None
    try:
        return grants.live_grant_for_reader(request.grant_id, reader)
    except DomainError:
        return None


def worker_photo(request: ViewRequest, reader: Account) -> bytes | None:
    """The worker's identity photo under a live grant (its read is logged for the worker)."""
    grant = photo_grant(request, reader)
    worker = db.session.get(Worker, request.worker_id) if grant else None
    photo = identity.photo_for(worker) if worker else None
    if photo is not None:
        grants.record_read(grant, ["identity_photo"])
    return photo


def delete_requests(account: Account) -> None:
    """Requests and scans made by or about a deleted account go with it."""
    db.session.execute(sa.delete(ScanAttempt).where(ScanAttempt.consumer_id == account.id))
    db.session.execute(sa.delete(ViewRequest).where(sa.or_(ViewRequest.consumer_id == account.id,
                                                           ViewRequest.worker_id == account.id)))
