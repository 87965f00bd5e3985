"""Workers: worker accounts at a registration step, their enterprise claims, China-time moments."""
from __future__ import annotations

import datetime as dt

from consent import services as consent
from registry.core import clock
from registry.core.errors import NotFound
from registry.core.extensions import db
from tests.factories.accounts import make_account
from workers import services
from workers.models import RegistrationStep

CLAIMS_URL = "/api/v1/workers/me/affiliations"


def make_worker(name: str = "李阿姨", enterprises=(), *, step: RegistrationStep | None = None,
                identity_verified: bool = False):
    """A worker account with its worker record, having claimed the given enterprises.

    step puts the registration at that step (COMPLETE: identity and consent
    done); identity_verified marks the identity step as done.
    """
    account = make_account("worker", name=name)
    worker = services.ensure_worker(account)
    if enterprises:
        services.claim_enterprises(worker, [e.credit_code for e in enterprises])
    if identity_verified:
        worker.identity_verified_at = worker.registered_at
    if step is not None:
        worker.registration_step = step.value
        db.session.flush()
    if step is RegistrationStep.COMPLETE:
        sign_consent(account)
    return account


def sign_consent(account):
    """A countersigned consent to the current letter (published first if there is none), as signing leaves."""
    try:
        letter = consent.current_letter()
    except NotFound:
        letter = consent.publish_letter("个人信用信息授权书", "本人授权平台查询、使用本人的信用信息。", None)
    return consent.record_signature(account, letter, None)


def claim_states(client) -> dict[str, str]:
    """The signed-in worker's claims as the API lists them: credit code -> state."""
    return {i["credit_code"]: i["state"] for i in client.get(CLAIMS_URL).get_json()["items"]}


def at_china_time(year, month, day, hour=12, minute=0) -> dt.datetime:
    """An aware UTC moment given as China Standard Time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=clock.CHINA_TZ).astimezone(dt.UTC)
