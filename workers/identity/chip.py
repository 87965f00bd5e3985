"""Reading identity documents for the identity step: desk-reader codes, AA nonces, verification, matching.

Matching the account (decided here, documented for operators):

* ICAO chip: the birth date in DG1 (YYMMDD) must equal the birth date in the
  account's resident ID number, and DG11 must carry either the account's ID
  number as personal number or the account's name (national characters) as
  full name. The Latin MRZ name is not compared: transliteration of Chinese
  names is not unique. DG11 only counts because EF.SOD hashes it (an
  unhashed or altered data group fails passive authentication).
* Resident-ID reader record: name, ID number and birth date must all equal
  the account's. Such records are not signed by the card, so they are
  accepted only from an enrolled reader station (its signed request carries
  the record and the photo its certified SAM reader decoded), never from the
  public API. The decoded photo becomes the face reference, so the worker's
  face is compared with the card's photo like a chip's.

Trust: CSCAs come from NFC_TRUST_STORE or instance/csca. A software card's
CSCA is trusted only for the one read that passes it (simulated demos and
tests), such reads are marked simulated, and production refuses them.
"""
from __future__ import annotations

import datetime as dt
import hmac
import os
import secrets
from collections.abc import Iterable, Mapping

import sqlalchemy as sa
from cryptography import x509
from flask import current_app
from flask_babel import gettext as _

from idcard.errors import IdCardError
from idcard.icao.lds import parse_dg1, parse_dg11
from idcard.icao.trust import TrustStore
from idcard.verification import VerificationService
from registry.accounts.models import Account
from registry.audit import services as audit
from registry.core import clock
from registry.core.errors import Conflict, DomainError, Forbidden, NotFound, RateLimited, RecordedRefusal
from registry.core.extensions import db
from registry.core.idnumbers import birth_date_of
from registry.face import services as face
from workers.identity.messages import failure_message
from workers.identity.models import CODE_LENGTH
from workers.identity.services import (
    FAILED,
    PASSED,
    IdentityBinding,
    IdentityNonce,
    IdentityRecord,
    require_identity_step,
)
from workers.models import Worker

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed at a desk
CODE_TTL = dt.timedelta(minutes=10)
NONCE_TTL = dt.timedelta(minutes=2)
# Failed document reads per worker and hour before further reads wait (someone trying documents).
MAX_FAILED_READS = 10
FAILED_READ_WINDOW = dt.timedelta(hours=1)


# --- binding codes (desk reader) ---------------------------------------------

def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def active_binding(worker: Worker) -> IdentityBinding | None:
    """The worker's unused, unexpired code, if any."""
    return db.session.scalars(
        sa.select(IdentityBinding).where(IdentityBinding.worker_id == worker.account_id,
                                         IdentityBinding.used_at.is_(None),
                                         IdentityBinding.expires_at > clock.now())
        .order_by(IdentityBinding.id.desc()).limit(1)).first()


def issue_binding_code(worker: Worker, *, renew: bool = False) -> IdentityBinding:
    """The code shown on the identity page; the same one until used or expired, unless renewed."""
    require_identity_step(worker)
    current = active_binding(worker)
    if current is not None and not renew:
        return current
    now = clock.now()
    if current is not None:
        current.expires_at = now  # only one live code per worker
    binding = IdentityBinding(worker_id=worker.account_id, code=_new_code(), created_at=now,
                              expires_at=now + CODE_TTL)
    db.session.add(binding)
    db.session.flush()
    return binding


def normalize_code(raw: str) -> str:
    """Upper-case, without spaces or dashes (people type codes as they see fit)."""
    return "".join(ch for ch in (raw or "").upper() if ch not in " -")


def redeem_binding_code(raw: str) -> Worker:
    """Spend a code once and return its worker; unknown, expired or used codes are refused."""
    code = normalize_code(raw)
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        raise NotFound(_("This code is not valid. Use the code shown on the identity page."),
                       code="binding_code_invalid")
    binding = db.session.scalar(sa.select(IdentityBinding).where(IdentityBinding.code == code))
    if binding is None:
        raise NotFound(_("This code is not valid. Use the code shown on the identity page."),
                       code="binding_code_invalid")
    if binding.used_at is not None:
        raise Conflict(_("This code has already been used. Refresh the identity page for a new one."),
                       code="binding_code_used")
    now = clock.now()
    if binding.expires_at <= now:
        raise Conflict(_("This code has expired. Refresh the identity page for a new one."),
                       code="binding_code_expired")
    # One UPDATE decides between two readers racing with the same code.
    spent = db.session.execute(
        sa.update(IdentityBinding).where(IdentityBinding.id == binding.id, IdentityBinding.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False)).rowcount
    if spent != 1:
        raise Conflict(_("This code has already been used. Refresh the identity page for a new one."),
                       code="binding_code_used")
    worker = db.session.get(Worker, binding.worker_id)
    require_identity_step(worker)
    return worker


# --- active-authentication nonces --------------------------------------------

def session_key(worker: Worker) -> str:
    """The registration session a challenge belongs to."""
    return f"identity:{worker.account_id}"


class DbNonceStore:
    """idcard's NonceStore on the database: one live challenge per session, single-use, 2 minutes.

    Kept in the database so the phone that asked for a challenge may upload
    through any app process, and a restart forgets nothing.
    """

    def issue(self, key: str) -> bytes:
        """A fresh 8-byte challenge replacing any earlier one of this session."""
        worker_id = int(key.rsplit(":", 1)[1])
        nonce = os.urandom(8)
        db.session.execute(sa.delete(IdentityNonce).where(IdentityNonce.session_key == key))
        db.session.add(IdentityNonce(session_key=key, worker_id=worker_id, nonce=nonce,
                                     expires_at=clock.now() + NONCE_TTL))
        db.session.flush()
        return nonce

    def consume(self, key: str, nonce: bytes | None) -> bool:
        """Use the session's challenge up (right or wrong); True if it was nonce and in time."""
        row = db.session.get(IdentityNonce, key)
        if row is None:
            return False
        expected, expires = bytes(row.nonce), row.expires_at
        deleted = db.session.execute(sa.delete(IdentityNonce).where(IdentityNonce.session_key == key)
                                     .execution_options(synchronize_session=False)).rowcount
        db.session.expunge(row)
        if deleted != 1 or nonce is None:
            return False
        return clock.now() <= expires and hmac.compare_digest(expected, bytes(nonce))


def issue_chip_challenge(worker: Worker) -> bytes:
    """The active-authentication challenge the reader must relay to the chip."""
    require_identity_step(worker)
    return DbNonceStore().issue(session_key(worker))


# --- verification ------------------------------------------------------------

def production() -> bool:
    """Whether this platform is in production (where nothing simulated is accepted)."""
    return current_app.config.get("ENV") == "production"


def trust_store(extra_csca: Iterable = ()):
    """Trusted CSCAs from NFC_TRUST_STORE or instance/csca, plus any given for this one read."""
    folder = current_app.config.get("NFC_TRUST_STORE") or os.path.join(current_app.instance_path, "csca")
    try:
        store = TrustStore.from_folder(folder) if os.path.isdir(folder) else TrustStore()
    except IdCardError:
        current_app.logger.error("the CSCA trust store cannot be loaded")
        store = TrustStore()
    for certificate in extra_csca:
        store.add(certificate)
    return store


def verification_service(extra_csca: Iterable = ()):
    """idcard's VerificationService on our trust store, nonce store and clock."""
    return VerificationService(trust_store(extra_csca), DbNonceStore(), now=clock.now)


def _refuse_simulation() -> None:
    raise Forbidden(_("Simulated documents are not accepted on this platform."), code="simulated_refused")


def _generic_checks(checks: Mapping) -> dict:
    """Check outcomes without anything personal (MRZ errors quote fields; expiry reasons quote dates)."""
    generic = {
        "mrz_check_digits": {PASSED: "check digits correct", FAILED: "MRZ missing or check digits wrong"},
        "document_expiry": {PASSED: "document valid", FAILED: "document expired"},
    }
    out = {}
    for name, check in checks.items():
        status = check.status
        reason = generic.get(name, {}).get(status, str(check.reason)[:160])
        out[name] = {"status": status, "reason": reason}
    return out


def _digits(text: str) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def _plain_name(text: str) -> str:
    return "".join(ch for ch in (text or "") if ch not in " <,·.\u3000")


def match_icao(account: Account, mrz_birth_date: str | None, dg11: Mapping | None) -> dict:
    """The identity_match check for a chip: birth date, then ID number or national-character name."""
    if not account.id_number:
        return {"status": FAILED, "reason": "account has no ID number"}
    if mrz_birth_date != birth_date_of(account.id_number).strftime("%y%m%d"):
        return {"status": FAILED, "reason": "birth date differs"}
    if not dg11:
        return {"status": FAILED, "reason": "no DG11 to compare name or ID number"}
    if _digits(str(dg11.get("personal_number", ""))) == account.id_number:
        return {"status": PASSED, "reason": "birth date and ID number match"}
    if _plain_name(str(dg11.get("full_name", ""))) == _plain_name(account.name):
        return {"status": PASSED, "reason": "birth date and name match"}
    return {"status": FAILED, "reason": "neither name nor ID number matches"}


def match_resident(account: Account, name: str, id_number: str, birth_date: str) -> dict:
    """The identity_match check for a resident-ID record: name, number and birth date exactly."""
    if not account.id_number:
        return {"status": FAILED, "reason": "account has no ID number"}
    same = (_plain_name(name) == _plain_name(account.name) and id_number.upper() == account.id_number
            and birth_date == birth_date_of(account.id_number).isoformat())
    return {"status": PASSED, "reason": "name, ID number and birth date match"} if same else \
        {"status": FAILED, "reason": "name, ID number or birth date differs"}


def _stop(worker: Worker, record: IdentityRecord, failure: str, *, detail: str | None = None) -> None:
    """Keep the failed attempt and its audit event, then refuse (the refusal is committed)."""
    record.failure = failure
    db.session.flush()
    kind = "worker.identity_mismatch" if failure == "identity_mismatch" else "worker.identity_failed"
    audit.record(kind, subject_id=worker.account_id, record_id=record.id, method=record.method,
                 failure=failure, failed_checks=sorted(n for n, c in record.checks.items()
                                                       if c["status"] == FAILED))
    raise RecordedRefusal(failure_message(failure, detail), code=failure, status=422)


def check_read_rate(worker: Worker) -> None:
    """Refuse reads after too many failed ones within the hour (trying other people's documents)."""
    since = clock.now() - FAILED_READ_WINDOW
    failures = db.session.scalars(
        sa.select(IdentityRecord.created_at).where(IdentityRecord.worker_id == worker.account_id,
                                                   IdentityRecord.failure.is_not(None),
                                                   IdentityRecord.created_at >= since)
        .order_by(IdentityRecord.created_at.desc()).limit(MAX_FAILED_READS)).all()
    if len(failures) >= MAX_FAILED_READS:
        retry_after = max(1, int((failures[-1] + FAILED_READ_WINDOW - clock.now()).total_seconds()) + 1)
        raise RateLimited(_("Too many failed document reads. Please try again later."), code="identity_rate_limited",
                          retry_after=retry_after)


def load_simulated_csca(data: bytes) -> x509.Certificate:
    """A software card's CSCA (PEM or DER) sent with a simulated read."""
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError:
        raise DomainError(_("The simulated card's certificate cannot be read."), code="simulated_csca_invalid",
                          status=422, fields={"csca": [_("Not a certificate.")]}) from None


def _enroll_document_photo(worker: Worker, record: IdentityRecord, account: Account, photo: bytes,
                           source: str) -> None:
    """Make the document's photo the face reference, or stop with the reason it cannot be one."""
    try:
        reference = face.enroll_reference(account, photo, source, keep_photo=True)
    except DomainError as refusal:
        record.checks = {**record.checks, "face_reference": {"status": FAILED, "reason": refusal.code}}
        return _stop(worker, record, "face_reference_refused", detail=refusal.code)
    record.checks = {**record.checks, "face_reference": {"status": PASSED, "reason": "enrolled"}}
    record.face_reference_id = reference.id


def submit_chip_read(worker: Worker, files: Mapping[str, bytes], *, aa_challenge: bytes | None = None,
                     aa_response: bytes | None = None, ca_transcript: Mapping | None = None,
                     access_protocol: str | None = None, extra_csca: Iterable = (),
                     simulated: bool = False, station_id: int | None = None) -> IdentityRecord:
    """Verify raw eMRTD files for a worker, match them to the account and enroll the chip photo.

    Every check is redone here; the client's own opinion is never asked.
    extra_csca trusts a software card's CSCA for this one read (simulated
    demos and tests); production refuses anything simulated. On success the
    record waits for the face check; on failure it is kept, an audit event
    is written, and a RecordedRefusal (422) says why.
    """
    extra_csca = list(extra_csca)
    if production() and (simulated or extra_csca):
        _refuse_simulation()
    require_identity_step(worker)
    check_read_rate(worker)
    account = db.session.get(Account, worker.account_id)
    result = verification_service(extra_csca).verify_emrtd(
        files, session_key=session_key(worker), aa_challenge=aa_challenge, aa_response=aa_response,
        ca_transcript=ca_transcript, simulated=simulated)
    if result.simulated and production():
        _refuse_simulation()
    record = IdentityRecord(worker_id=worker.account_id, method="chip", document_kind=result.document_kind,
                            checks=_generic_checks(result.checks), simulated=bool(result.simulated or simulated),
                            station_id=station_id, created_at=clock.now())
    db.session.add(record)
    if not result.ok:
        return _stop(worker, record, "checks_failed")
    upper = {k.upper(): bytes(v) for k, v in files.items() if v}
    try:
        birth = parse_dg1(upper["DG1"]).birth_date
        dg11 = parse_dg11(upper["DG11"]) if "DG11" in upper else None
    except IdCardError:
        birth, dg11 = None, None
    record.checks = {**record.checks, "identity_match": match_icao(account, birth, dg11)}
    if record.checks["identity_match"]["status"] != PASSED:
        return _stop(worker, record, "identity_mismatch")
    if not result.face_proven or not result.face_image:
        record.checks = {**record.checks, "face_reference": {"status": FAILED, "reason": "no photo in DG2"}}
        return _stop(worker, record, "no_face_photo")
    _enroll_document_photo(worker, record, account, result.face_image, "chip_dg2")
    record.document_verified_at = clock.now()
    db.session.flush()
    audit.record("worker.identity_document_verified", subject_id=worker.account_id, record_id=record.id,
                 method="chip", simulated=record.simulated, station_id=station_id,
                 access_protocol=access_protocol if access_protocol in ("PACE", "BAC") else None,
                 chip_proofs=list(getattr(result, "chip_proofs", ())))
    return record


def submit_resident_id_read(worker: Worker, record_bytes: bytes, wlt_photo: bytes | None = None, *,
                            photo: bytes | None = None, simulated: bool = False,
                            station_id: int | None = None) -> IdentityRecord:
    """A resident-ID record from an enrolled station's SAM reader, matched exactly to the account.

    The record is not signed by the card: only a station's signed request may
    bring it, never the public API. `photo` is the card photo the reader's
    SDK decoded from the WLT data; it becomes the face reference, so the face
    check compares the worker with the card.
    """
    if production() and simulated:
        _refuse_simulation()
    require_identity_step(worker)
    check_read_rate(worker)
    account = db.session.get(Account, worker.account_id)
    result = verification_service().verify_resident_id(record_bytes, wlt_photo, simulated=simulated)
    record = IdentityRecord(worker_id=worker.account_id, method="resident_id_reader",
                            document_kind=result.document_kind, checks=_generic_checks(result.checks),
                            simulated=simulated, station_id=station_id, created_at=clock.now())
    db.session.add(record)
    if not result.ok:
        return _stop(worker, record, "checks_failed")
    identity = result.identity
    record.checks = {**record.checks, "identity_match": match_resident(
        account, identity.name, identity.document_number, identity.birth_date)}
    if record.checks["identity_match"]["status"] != PASSED:
        return _stop(worker, record, "identity_mismatch")
    checks = {name: check for name, check in record.checks.items() if name != "face_binding"}
    if not photo:
        record.checks = {**checks, "face_reference": {"status": FAILED, "reason": "no decoded card photo"}}
        return _stop(worker, record, "no_face_photo")
    record.checks = checks
    _enroll_document_photo(worker, record, account, photo, "resident_id_card")
    record.document_verified_at = clock.now()
    db.session.flush()
    audit.record("worker.identity_document_verified", subject_id=worker.account_id, record_id=record.id,
                 method="resident_id_reader", simulated=record.simulated)
    return record
