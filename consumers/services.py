"""Scanning a certificate, asking to view, and the worker's approval (刷脸授权)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from consent import grants
from consent import messages as consent_messages
from consent import services as consent
from consumers import messages
from consumers.models import RequestState, ScanAttempt, ViewRequest
from registry.accounts.models import Account, Role
from registry.accounts.sms import notify_by_sms
from registry.audit import services as audit
from registry.core import clock
from registry.core.errors import Conflict, DomainError, Forbidden, Gone, NotFound, RateLimited
from registry.core.extensions import db
from registry.core.idnumbers import mask_name
from registry.face import services as face
from visits import services as visits
from visits.models import HomeVisit
from workers.certificates import services as certificates
from workers.certificates import status_code
from workers.certificates.models import Certificate
from workers.certificates.status_code import StatusCode
from workers.identity import services as identity
from workers.models import Worker, WorkStatus
from workers.services import effective_status

FACE_PURPOSE = "view_approval"


@dataclass
class ScanResult:
    """What a household sees right after scanning."""

    status: str                      # active | departed
    masked_name: str | None          # None for a departed worker: nothing more is shown
    request: ViewRequest | None
    status_code: StatusCode | None = None  # 安心码: colour and reason categories, no personal data


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
    code = status_code.compute(certificate.worker_id)
    if status == WorkStatus.DEPARTED.value:
        return ScanResult(status, None, None, code)
    worker_account = db.session.get(Account, certificate.worker_id)
    request = _open_request(consumer, worker_account, certificate.id)
    return ScanResult(status, mask_name(worker_account.name), request, code)


def door_status(view_request: ViewRequest) -> StatusCode | None:
    """The status code of the worker a household has just scanned, for its request page."""
    try:
        return status_code.compute(view_request.worker_id)
    except NotFound:
        return None


def enter_from_request(consumer: Account, request_id: int, enterprise_id: int | None = None) -> HomeVisit:
    """确认入户 from the page of a scan made at the door: the worker is asked to confirm."""
    view_request = request_for_consumer(consumer, request_id)
    if view_request.created_at < clock.now() - dt.timedelta(minutes=_config_int("VISIT_SCAN_MINUTES", 30)):
        raise Conflict(_("This scan is too old; scan the certificate again at the door."), code="scan_too_old")
    certificate = db.session.get(Certificate, view_request.certificate_id) if view_request.certificate_id else None
    if certificate is None:
        raise Conflict(_("This certificate no longer exists; scan again."), code="certificate_gone")
    return visits.request_entry_at(consumer, certificate, enterprise_id)


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


def times_asked_before(request: ViewRequest) -> int:
    """How many earlier requests this household made to this worker (shown on the approval screen)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(ViewRequest).where(
        ViewRequest.consumer_id == request.consumer_id, ViewRequest.worker_id == request.worker_id,
        ViewRequest.id < request.id))


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


def standing_refusal(worker_id: int) -> tuple[str, str] | None:
    """(code, words) if the worker's standing no longer allows anyone to see their data, else None.

    Checked on every read, so a departure the nightly sweep has not written yet, or a withdrawal,
    stops the data at once; the sweep and the withdrawal also end the grants themselves.
    """
    worker = db.session.get(Worker, worker_id)
    if worker is None or effective_status(worker) == WorkStatus.DEPARTED.value:
        return "grant_departed", consent_messages.end_reason_message("departed")
    if not consent.has_standing_consent(worker_id):
        return "grant_consent_withdrawn", consent_messages.end_reason_message("consent_withdrawn")
    return None


def live_grant(grant_id: int, reader: Account) -> grants.ViewGrant:
    """The reader's grant if it is live and its basis holds; 410 with the named reason otherwise."""
    grant = grants.live_grant_for_reader(grant_id, reader)
    refusal = standing_refusal(grant.worker_id)
    if refusal is not None:
        raise Gone(refusal[1], code=refusal[0])
    return grant


def approve(worker: Account, request_id: int, face_check_id: int, scopes: list[str] | tuple[str, ...],
            until: dt.datetime) -> grants.ViewGrant:
    """Approve with a fresh face check: the household gets the sections the worker chose, until the end chosen.

    Everything that can refuse is checked before the face check is spent.
    """
    request = _request_for_worker(worker, request_id)
    _check_answerable(request)
    refusal = standing_refusal(worker.id)
    if refusal is not None:
        raise Conflict(refusal[1], code=refusal[0].removeprefix("grant_"))
    grants.check_choice(scopes, until, clock.now())
    check = face.claim_check(worker, face_check_id, FACE_PURPOSE)
    consumer = db.session.get(Account, request.consumer_id)
    grant = grants.create_grant(worker, consumer, check.id, scopes, until)
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
        grant = live_grant(request.grant_id, reader)
    except DomainError:
        return None
    return grant if "identity" in grant.scope_list else None


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
