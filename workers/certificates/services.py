"""Credit certificates (家政服务员信用证书): short-lived signed QR tokens and fallback codes.

The QR holds a JWS (see registry.core.tokens) carrying only an opaque certificate
id, the key id and its times: nothing personal. A token lives a few minutes
and the certificate page renews it while open, so a photographed QR soon
stops working. Revocation (account deletion, operator action) and departure
make every scan refuse at once, because the server checks them on each scan.
"""
from __future__ import annotations

import datetime as dt
import functools
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from registry.accounts.models import Account
from registry.audit import services as audit
from registry.core import clock, qr, signals, tokens
from registry.core.errors import DomainError, RecordedRefusal
from registry.core.extensions import db
from registry.core.signing import key_ring
from workers.certificates import jobs, messages, status_code, status_lists
from workers.certificates.models import Certificate, CertificateCode
from workers.certificates.status_code import StatusCode
from workers.models import RegistrationStep, Worker, WorkStatus
from workers.services import effective_status, status_expression

TOKEN_TYPE = "hscc+jws"  # household-services credit certificate
KEY_PURPOSE = status_lists.KEY_PURPOSE
FALLBACK_LENGTH = 10


class ScanRefused(RecordedRefusal):
    """A scanned token or code was refused; `code` names the reason.

    Recorded: the refused attempt counts against the scanner's rate limit.
    """

    status = 422


@dataclass(frozen=True)
class ShownCertificate:
    """What the worker's certificate page shows right now."""

    certificate: Certificate
    token: str
    fallback_code: str
    expires_at: dt.datetime
    status_code: StatusCode


def token_lifetime() -> dt.timedelta:
    return dt.timedelta(seconds=int(current_app.config.get("CERTIFICATE_TOKEN_SECONDS", 300)))


def active_certificate(worker: Worker) -> Certificate | None:
    """The worker's unrevoked certificate, if any."""
    return db.session.scalars(sa.select(Certificate).where(Certificate.worker_id == worker.account_id,
                                                           Certificate.revoked_at.is_(None))
                              .order_by(Certificate.id.desc()).limit(1)).first()


def ensure_certificate(worker: Worker) -> Certificate:
    """The worker's certificate, created once registration is complete."""
    if worker.registration_step != RegistrationStep.COMPLETE.value:
        raise DomainError(_("Finish registration (identity and authorization) to get your certificate."),
                          code="registration_incomplete", status=409)
    certificate = active_certificate(worker)
    if certificate is None:
        revoked = db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)
                                    .where(Certificate.worker_id == worker.account_id))
        if revoked:
            raise DomainError(_("Your certificate was revoked by the platform; contact the operator."),
                              code="certificate_revoked", status=409)
        certificate = Certificate(worker_id=worker.account_id, public_id=secrets.token_urlsafe(16))
        db.session.add(certificate)
        db.session.flush()
        status_lists.assign_entry(certificate)
        db.session.flush()
        jobs.request_refresh()
        audit.record("certificate.issued", subject_id=worker.account_id, certificate_id=certificate.id)
    return certificate


def show(worker: Worker) -> ShownCertificate:
    """A fresh token and fallback code for the certificate page."""
    certificate = ensure_certificate(worker)
    lifetime = token_lifetime()
    if certificate.status_list_id is None:  # made before status lists: gets its entry now
        status_lists.assign_entry(certificate)
    # The list and index name the certificate's entry in the published status list (offline verifiers);
    # "sc" is the status code's colour and "scu" the last CST day it holds by itself (no personal data).
    code_now = status_code.compute(worker.account_id)
    claims = {"cid": certificate.public_id, "sl": certificate.status_list_id, "si": certificate.status_index,
              "sc": code_now.colour}
    if code_now.valid_until is not None:
        claims["scu"] = code_now.valid_until.isoformat()
    token = tokens.issue(key_ring(KEY_PURPOSE), claims, lifetime, TOKEN_TYPE)
    expires = clock.now() + lifetime
    db.session.execute(sa.delete(CertificateCode).where(CertificateCode.expires_at < clock.now()))
    code = qr.new_fallback_code(FALLBACK_LENGTH)
    db.session.add(CertificateCode(code=code, certificate_id=certificate.id, expires_at=expires))
    db.session.flush()
    return ShownCertificate(certificate, token, code, expires, code_now)


def resolve(scanned: str) -> Certificate:
    """The certificate a scanned token or typed code names, or ScanRefused with the reason."""
    scanned = (scanned or "").strip()
    if not scanned:
        raise ScanRefused(_("Nothing was scanned."), code="empty")
    if len(scanned) > 40:  # a token (~250 characters); a typed code is 10 plus separators
        return resolve_token(scanned)[0]
    try:
        code = qr.normalize_fallback_code(scanned, FALLBACK_LENGTH)
    except qr.FallbackCodeError as exc:
        message = {"length": _("The code has 10 characters."),
                   "character": _("The code contains characters that are not used in codes."),
                   "check": _("The code has a typo; please check each character.")}[exc.reason]
        raise ScanRefused(message, code=f"code_{exc.reason}") from None
    row = db.session.get(CertificateCode, code)
    if row is None or row.expires_at <= clock.now():
        raise ScanRefused(_("This code is unknown or has expired; ask the worker to refresh the certificate."),
                          code="code_unknown")
    return _live(db.session.get(Certificate, row.certificate_id))


def resolve_token(token: str) -> tuple[Certificate, tokens.VerifiedToken]:
    """The live certificate a token names, with the verified token; ScanRefused otherwise."""
    try:
        verified = tokens.verify(key_ring(KEY_PURPOSE), token, TOKEN_TYPE)
    except tokens.TokenError as exc:
        raise ScanRefused(messages.token_message(exc.reason), code=f"token_{exc.reason}") from None
    public_id = verified.claims.get("cid")
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.public_id == public_id)) \
        if isinstance(public_id, str) else None
    return _live(certificate), verified


@functools.cache
def _status_query() -> sa.Select:
    # Built once: constructing a statement costs more than running it here.
    return (sa.select(Certificate.revoked_at, Worker.registration_step,
                      status_expression(sa.bindparam("today")).label("status"))
            .join(Worker, Worker.account_id == Certificate.worker_id)
            .where(Certificate.public_id == sa.bindparam("public_id")))


def token_status(token: str, execute=None) -> tuple[str, dt.datetime]:
    """(active|departed, token expiry) for a token, in one indexed query; ScanRefused otherwise.

    The public verification endpoint's hot path (workers.certificates.hotpath): no ORM objects,
    no writes; `execute` runs the query (a connection's, or the session's by default).
    """
    try:
        verified = tokens.verify(key_ring(KEY_PURPOSE), token, TOKEN_TYPE)
    except tokens.TokenError as exc:
        raise ScanRefused(messages.token_message(exc.reason), code=f"token_{exc.reason}") from None
    public_id = verified.claims.get("cid")
    row = (execute or db.session.execute)(_status_query(), {"public_id": public_id, "today": clock.china_today()}
                                          ).first() if isinstance(public_id, str) else None
    if row is None:
        raise ScanRefused(_("This certificate does not exist."), code="certificate_unknown")
    if row.revoked_at is not None:
        raise ScanRefused(_("This certificate has been revoked."), code="certificate_revoked")
    if row.registration_step != RegistrationStep.COMPLETE.value:
        raise ScanRefused(messages.inactive_message(), code="certificate_inactive")
    return row.status, verified.expires_at


def _live(certificate: Certificate | None) -> Certificate:
    if certificate is None:
        raise ScanRefused(_("This certificate does not exist."), code="certificate_unknown")
    if certificate.revoked_at is not None:
        raise ScanRefused(_("This certificate has been revoked."), code="certificate_revoked")
    worker = db.session.get(Worker, certificate.worker_id)
    if worker is None or worker.registration_step != RegistrationStep.COMPLETE.value:
        raise ScanRefused(messages.inactive_message(), code="certificate_inactive")
    return certificate


def worker_status(certificate: Certificate) -> str:
    """The certificate holder's active/departed status right now."""
    return worker_status_of(db.session.get(Worker, certificate.worker_id))


def worker_status_of(worker: Worker | None) -> str:
    """active or departed (a missing worker counts as departed)."""
    return effective_status(worker) if worker else WorkStatus.DEPARTED.value


def revoke(certificate: Certificate, reason: str, actor: Account | None) -> None:
    """Operator revocation: every scan refuses from now on."""
    if certificate.revoked_at is None:
        certificate.revoked_at = clock.now()
        certificate.revoked_reason = reason[:200]
        db.session.execute(sa.delete(CertificateCode).where(CertificateCode.certificate_id == certificate.id))
        audit.record("certificate.revoked", subject_id=certificate.worker_id,
                     actor_id=actor.id if actor else None, certificate_id=certificate.id)
        # Its receivers end the grants and (on_standing_changed) have the status lists published again.
        signals.worker_standing_ended.send("certificate_revoked",
                                           worker_ids=sa.select(sa.literal(certificate.worker_id)))


def delete_certificates(account: Account) -> None:
    """Deleting the account revokes by removal: its tokens then name nothing (its status entry reads revoked)."""
    if db.session.execute(sa.delete(Certificate).where(Certificate.worker_id == account.id)).rowcount:
        jobs.request_refresh()


def on_standing_changed(*_args, **_kwargs) -> None:
    """A departure, a withdrawn or given authorization: the published status lists follow."""
    jobs.request_refresh()
