"""Publishing letters, signing and revoking consents, checking receipts."""
from __future__ import annotations

import hashlib

import sqlalchemy as sa
from flask_babel import gettext as _

from consent import grants
from consent.models import AuthorizationLetter, SignedConsent
from registry.accounts.models import Account, Role
from registry.audit import services as audit
from registry.core import clock, signals
from registry.core.errors import Conflict, DomainError, Forbidden, NotFound
from registry.core.extensions import db
from registry.core.signing import b64url, b64url_decode, canonical_json, key_ring
from registry.face import services as face

KEY_PURPOSE = "consent"

def letter_digest(title: str, body: str) -> str:
    """SHA-256 of the letter exactly as shown: title, blank line, body (UTF-8)."""
    return hashlib.sha256(f"{title}\n\n{body}".encode()).hexdigest()


def publish_letter(title: str, body: str, actor_id: int | None) -> AuthorizationLetter:
    """Publish a new version; it becomes the one workers sign from now on."""
    latest = db.session.scalar(sa.select(sa.func.max(AuthorizationLetter.version))) or 0
    letter = AuthorizationLetter(version=latest + 1, title=title, body=body, sha256=letter_digest(title, body),
                                 published_by_id=actor_id, published_at=clock.now())
    db.session.add(letter)
    db.session.flush()
    audit.record("consent.letter_published", actor_id=actor_id, version=letter.version)
    return letter


def current_letter() -> AuthorizationLetter:
    """The newest published letter."""
    letter = db.session.scalars(
        sa.select(AuthorizationLetter).order_by(AuthorizationLetter.version.desc()).limit(1)).first()
    if letter is None:
        raise NotFound(_("No authorization letter has been published yet."), code="no_letter")
    return letter


def letters() -> list[AuthorizationLetter]:
    """Every version, newest first."""
    return list(db.session.scalars(sa.select(AuthorizationLetter).order_by(AuthorizationLetter.version.desc())))


def _signed_payload(consent: SignedConsent) -> bytes:
    return canonical_json({
        "consent_id": consent.id, "account_id": consent.account_id, "letter_version": consent.letter_version,
        "letter_sha256": consent.letter_sha256, "face_check_id": consent.face_check_id,
        "signed_at": consent.signed_at.isoformat(),
    })


def active_consent(account: Account) -> SignedConsent | None:
    """The worker's unrevoked consent to the current letter, if any."""
    letter = current_letter()
    return db.session.scalars(
        sa.select(SignedConsent).where(SignedConsent.account_id == account.id,
                                       SignedConsent.letter_id == letter.id,
                                       SignedConsent.revoked_at.is_(None))
        .order_by(SignedConsent.id.desc()).limit(1)).first()


def sign(account: Account, letter_version: int, letter_sha256: str, face_check_id: int) -> SignedConsent:
    """Sign the current letter, confirmed by a fresh face check ("刷脸授权").

    The client says which version and digest it showed; both must be the
    current letter's, so nobody signs text they were not shown.
    """
    if account.role != Role.WORKER.value:
        raise Forbidden(_("Only domestic workers sign the authorization letter."), code="not_a_worker")
    letter = current_letter()
    if letter_version != letter.version or letter_sha256 != letter.sha256:
        raise Conflict(_("The authorization letter has changed; please read the current version and sign again."),
                       code="letter_outdated")
    existing = active_consent(account)
    if existing is not None:
        return existing  # a double submission signs once
    signals.consent_signing.send(account)  # a receiver may refuse (identity not verified yet)
    check = face.claim_check(account, face_check_id, "consent")
    consent = record_signature(account, letter, check.id)
    signals.consent_signed.send(account, consent=consent)
    return consent


def record_signature(account: Account, letter: AuthorizationLetter, face_check_id: int | None) -> SignedConsent:
    """Write a consent to `letter` and countersign it (the checks are the caller's: see `sign`)."""
    consent = SignedConsent(account_id=account.id, letter_id=letter.id, letter_version=letter.version,
                            letter_sha256=letter.sha256, face_check_id=face_check_id,
                            signed_at=clock.now().replace(microsecond=0), key_id="", signature="")
    db.session.add(consent)
    db.session.flush()
    kid, signature = key_ring(KEY_PURPOSE).sign(_signed_payload(consent))
    consent.key_id, consent.signature = kid, b64url(signature)
    audit.record("consent.signed", subject_id=account.id, consent_id=consent.id, letter_version=letter.version,
                 face_check_id=face_check_id)
    return consent


def verify_signature(consent: SignedConsent) -> bool:
    """Whether the stored server signature still matches the consent's fields."""
    try:
        signature = b64url_decode(consent.signature)
    except ValueError:
        return False
    return key_ring(KEY_PURPOSE).verify(consent.key_id, _signed_payload(consent), signature)


def get_own(account: Account, consent_id: int) -> SignedConsent:
    """One of the account's own consents."""
    consent = db.session.get(SignedConsent, consent_id)
    if consent is None or consent.account_id != account.id:
        raise NotFound(_("This authorization does not exist."), code="consent_not_found")
    return consent


def list_own(account: Account) -> list[SignedConsent]:
    """The account's consents, newest first."""
    return list(db.session.scalars(sa.select(SignedConsent).where(SignedConsent.account_id == account.id)
                                   .order_by(SignedConsent.id.desc())))


def revoke(account: Account, consent_id: int) -> SignedConsent:
    """Withdraw consent; nobody may see the worker's credit data from now on."""
    consent = get_own(account, consent_id)
    if consent.revoked_at is not None:
        raise DomainError(_("This authorization was already withdrawn."), code="already_revoked", status=409)
    consent.revoked_at = clock.now()
    audit.record("consent.revoked", subject_id=account.id, consent_id=consent.id)
    if not has_standing_consent(account.id):
        # Withdrawing the authorization is withdrawing every view it allowed, in this transaction.
        grants.end_worker_grants(account, "consent_withdrawn")
    signals.consent_revoked.send(account, consent=consent)
    return consent


def has_standing_consent(account_id: int) -> bool:
    """Whether the worker has a signed authorization not withdrawn (of any letter version): the basis of
    every grant. A new letter version does not end the grants given under the old one."""
    return db.session.scalar(sa.select(sa.exists().where(SignedConsent.account_id == account_id,
                                                         SignedConsent.revoked_at.is_(None))))


def delete_consents(account: Account) -> None:
    """A deleted account's consents go with it."""
    db.session.execute(sa.delete(SignedConsent).where(SignedConsent.account_id == account.id))
    db.session.execute(sa.update(AuthorizationLetter).where(AuthorizationLetter.published_by_id == account.id)
                       .values(published_by_id=None))
