"""The demo workers of `flask demo seed`, one at each interesting stage, working for the demo enterprise.

| phone       | stage                                                                                      |
| ----------- | ------------------------------------------------------------------------------------------ |
| 13800000001 | registered: confirmed by the demo enterprise, identity verified, authorization signed,     |
|             | checked in 3 days ago, certificate ready to show                                           |
| 13800000002 | halfway: the demo enterprise chosen (its staff has yet to confirm), identity not verified  |
| 13800000003 | departed: registered like the first, last check-in 40 days ago, marked departed (离职)      |

Each is made once, through the same services registration uses, except the
two steps that need a real person: the identity proof is recorded as a
simulated manual review (shown to households as a demo) with no photo, and
the consent is countersigned without a face check. Without a photo the demo
workers cannot pass a face check, so instead of checking in from the app the
registered one is checked in again by the next `flask demo seed` once it
would have departed; otherwise a second run changes nothing.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _

from consent import services as consent
from registry.accounts import demo as demo_people
from registry.accounts import services as accounts
from registry.accounts.models import Account, Role
from registry.core import clock, signals
from registry.core.extensions import db
from registry.enterprises import services as enterprises
from registry.enterprises.demo import DEMO_ENTERPRISE_CODE, DEMO_STAFF_PHONE
from registry.web.demo import DemoAccount
from workers import services
from workers.attendance import checkins, departure
from workers.certificates import services as certificates
from workers.identity import services as identity
from workers.identity.models import IdentityRecord
from workers.models import RegistrationStep, Worker, WorkStatus
from workers.roster import services as roster

REGISTERED_PHONE, HALFWAY_PHONE, DEPARTED_PHONE = "13800000001", "13800000002", "13800000003"
CHECKED_IN_DAYS_AGO = 3
DEPARTED_CHECK_IN_DAYS_AGO = 40


def seed_demo_workers(_app) -> str:
    """Create the three demo workers that are missing; returns the line to print."""
    enterprise = enterprises.find_by_code(DEMO_ENTERPRISE_CODE)
    if enterprise is None:
        return "demo workers: skipped (no demo enterprise)"
    staff = accounts.find_by_phone(DEMO_STAFF_PHONE)
    done = [
        _registered(REGISTERED_PHONE, "张演示", demo_people.demo_id_number(1985, 1), enterprise, staff,
                    CHECKED_IN_DAYS_AGO, keep_active=True),
        _halfway(HALFWAY_PHONE, "李演示", demo_people.demo_id_number(1990, 2), enterprise),
        _registered(DEPARTED_PHONE, "刘演示", demo_people.demo_id_number(1982, 3), enterprise, staff,
                    DEPARTED_CHECK_IN_DAYS_AGO, keep_active=False),
    ]
    return "demo workers: " + ", ".join(done)


def _halfway(phone: str, name: str, id_number: str, enterprise) -> str:
    account, created = demo_people.ensure_person(Role.WORKER, name, phone, id_number)
    if not created:
        return f"{phone} (already there)"
    services.claim_enterprises(services.ensure_worker(account), [enterprise.credit_code])
    return f"{phone} (halfway)"


def _registered(phone: str, name: str, id_number: str, enterprise, staff: Account | None, days_ago: int, *,
                keep_active: bool) -> str:
    account, created = demo_people.ensure_person(Role.WORKER, name, phone, id_number)
    now = clock.now()
    if not created:
        worker = db.session.get(Worker, account.id)
        if (keep_active and worker is not None and worker.registration_step == RegistrationStep.COMPLETE.value
                and services.effective_status(worker) == WorkStatus.DEPARTED.value):
            checkins.record_check_in(worker, now)
            return f"{phone} (checked in again)"
        return f"{phone} (already there)"
    worker = services.ensure_worker(account)
    worker.registered_at = now - dt.timedelta(days=days_ago + 20)  # registered well before that check-in
    db.session.flush()  # the services below refresh the worker row, which drops unflushed changes
    affiliation = services.claim_enterprises(worker, [enterprise.credit_code])[0]
    if staff is not None and getattr(enterprises.staff_enterprise(staff.id), "id", None) == enterprise.id:
        roster.confirm(staff, affiliation.id)
    _verify_identity(worker)
    _sign_authorization(account)
    db.session.flush()
    checkins.record_check_in(worker, now - dt.timedelta(days=days_ago))
    certificates.ensure_certificate(worker)
    if services.effective_status(worker) == WorkStatus.DEPARTED.value:
        # What the nightly sweep writes for this worker (and the grants it would end).
        departure.sweep_batch(worker.account_id, worker.account_id + 1, clock.china_today(), now)
        db.session.refresh(worker)
        return f"{phone} (departed)"
    return f"{phone} (registered)"


def _verify_identity(worker: Worker) -> None:
    """The identity step, recorded as a simulated review: a demo account has no document or face to show."""
    now = clock.now()
    record = IdentityRecord(worker_id=worker.account_id, method="manual_review", document_kind="demo",
                            checks={"operator_review": {"status": identity.PASSED,
                                                        "reason": "demo account (flask demo seed)"}},
                            simulated=True, document_verified_at=now, created_at=now)
    db.session.add(record)
    db.session.flush()
    identity.mark_identity_verified(worker, record, None)


def _sign_authorization(account: Account) -> None:
    """Sign the current letter as `consent.services.sign` does, minus the face check a demo cannot pass."""
    signals.consent_signing.send(account)
    signed = consent.record_signature(account, consent.current_letter(), None)
    signals.consent_signed.send(account, consent=signed)


def demo_accounts(_app) -> list[DemoAccount]:
    worker = lambda: _("Domestic worker")  # noqa: E731 - the role's words, read at render time
    return [
        DemoAccount(REGISTERED_PHONE, worker,
                    lambda: _("Registered: identity verified, authorization signed, checked in, certificate ready")),
        DemoAccount(HALFWAY_PHONE, worker,
                    lambda: _("Halfway: enterprise chosen (waiting for its staff), identity not verified yet")),
        DemoAccount(DEPARTED_PHONE, worker,
                    lambda: _("Departed: last check-in %(days)d days ago", days=DEPARTED_CHECK_IN_DAYS_AGO)),
    ]
