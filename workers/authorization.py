"""Step 3 of registration: the credit-information authorization (授权书).

The letter and its signing live in the consent domain; this module ties
them to the worker's registration. Signing needs a verified identity and
completes registration; withdrawing consent takes the worker back to this
step, so certificates stop answering until they sign again.
"""
from __future__ import annotations

from flask_babel import gettext as _

from consent import services as consent
from consent.models import SignedConsent
from registry.accounts.models import Account
from registry.core.errors import DomainError
from registry.core.extensions import db
from workers.models import RegistrationStep, Worker


@consent.before_signing
def require_verified_identity(account: Account) -> None:
    """A worker signs only after the identity step (chip + face, or approved review)."""
    worker = db.session.get(Worker, account.id)
    if worker is None or worker.identity_verified_at is None:
        raise DomainError(_("Verify your identity before signing the authorization letter."),
                          code="identity_not_verified", status=409)


@consent.on_signed
def complete_registration(account: Account, signed: SignedConsent) -> None:
    """The signed letter is the last step: the worker becomes a registered, active worker."""
    worker = db.session.get(Worker, account.id)
    worker.authorized_at = signed.signed_at
    if worker.registration_step == RegistrationStep.AUTHORIZATION.value:
        worker.registration_step = RegistrationStep.COMPLETE.value


@consent.on_revoked
def withdraw_authorization(account: Account, signed: SignedConsent) -> None:
    """Without a consent nothing may be shown: back to the authorization step."""
    worker = db.session.get(Worker, account.id)
    if worker is None or consent.active_consent(account) is not None:
        return
    worker.authorized_at = None
    if worker.registration_step == RegistrationStep.COMPLETE.value:
        worker.registration_step = RegistrationStep.AUTHORIZATION.value
