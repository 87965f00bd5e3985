"""Worker records, the worker's side of enterprise affiliations, notices and deletion.

The departure rule is here; check-ins, the sweep and the reminders are in
attendance/, the enterprise's side in roster/, the profile in profile/.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _

from consent import services as consent_services
from consent.models import SignedConsent
from registry.accounts.models import Account, Role
from registry.audit import services as audit
from registry.core import clock
from registry.core.errors import Conflict, DomainError, Forbidden, NotFound
from registry.core.extensions import db
from registry.enterprises import catalog
from registry.enterprises.models import Enterprise
from workers.models import (
    OPEN_STATES,
    Affiliation,
    AffiliationState,
    RegistrationStep,
    Worker,
    WorkerNotice,
    WorkStatus,
)

# --- the 30-day departure rule -------------------------------------------------
# Days are China Standard Time calendar days, whatever the server's zone: a
# worker who checks in at 23:50 CST on 1 March has used up 1 March, and one
# who checks in at 00:10 CST on 2 March counts from 2 March. "More than 30
# days ago" means: active through the 30th day after the check-in day
# (`due_on`), departed from the 31st. attendance/ writes it (check-ins,
# the sweep, the reminders); every domain reads it from here.

ALLOWED_DAYS = 30


def china_date(moment: dt.datetime) -> dt.date:
    """The China-Standard-Time calendar date of an aware moment."""
    return moment.astimezone(clock.CHINA_TZ).date()


def due_on_after(moment: dt.datetime) -> dt.date:
    """The last CST day a worker stays active after registering or checking in at moment."""
    return china_date(moment) + dt.timedelta(days=ALLOWED_DAYS)


def effective_status(worker: Worker, today: dt.date | None = None) -> str:
    """active or departed, as of today's CST date; the same rule the sweep writes."""
    today = today or clock.china_today()
    return WorkStatus.DEPARTED.value if today > worker.due_on else WorkStatus.ACTIVE.value


def days_left(worker: Worker, today: dt.date | None = None) -> int:
    """Whole CST days until departure: 0 on the last active day, negative once departed."""
    today = today or clock.china_today()
    return (worker.due_on - today).days


def status_expression(today: dt.date):
    """SQL for effective_status, for filters and listings."""
    return sa.case((Worker.due_on < today, WorkStatus.DEPARTED.value), else_=WorkStatus.ACTIVE.value)


def status_summary(worker: Worker) -> dict:
    """What the worker and the API show about the departure rule."""
    today = clock.china_today()
    return {
        "status": effective_status(worker, today),
        "last_check_in_at": worker.last_check_in_at,
        "registered_at": worker.registered_at,
        "due_on": worker.due_on,
        "days_left": max(0, days_left(worker, today)) if effective_status(worker, today) == "active" else 0,
        "registration_step": worker.registration_step,
    }


MAX_OPEN_AFFILIATIONS = 20


def ensure_worker(account: Account) -> Worker:
    """The worker record of a worker account, created on first use.

    The 30-day rule counts from the account's registration until the first
    check-in, so a new worker starts active.
    """
    if account.role != Role.WORKER.value:
        raise Forbidden(_("Only domestic worker accounts can do this."), code="not_a_worker")
    worker = db.session.get(Worker, account.id)
    if worker is None:
        registered = account.created_at or clock.now()
        worker = Worker(account_id=account.id, registered_at=registered, due_on=due_on_after(registered),
                        registration_step=RegistrationStep.ENTERPRISES.value)
        db.session.add(worker)
        db.session.flush()
    return worker


# --- affiliations (worker side) ----------------------------------------------

def list_affiliations(worker: Worker) -> list[tuple[Affiliation, Enterprise]]:
    """The worker's claims with their enterprises, open ones first, then by claim time."""
    rows = db.session.execute(
        sa.select(Affiliation, Enterprise).join(Enterprise, Enterprise.id == Affiliation.enterprise_id)
        .where(Affiliation.worker_id == worker.account_id)
        .order_by(Affiliation.state.in_(OPEN_STATES).desc(), Affiliation.claimed_at.desc(), Affiliation.id)).all()
    return [(row[0], row[1]) for row in rows]


def closed_enterprise_message(name: str, status: str) -> str:
    """Why an enterprise whose registration is revoked (吊销) or cancelled (注销) cannot be chosen."""
    return _("%(name)s cannot be chosen: its registration status is %(status)s.", name=name,
             status=catalog.STATUSES[status][1])


def claim_enterprises(worker: Worker, credit_codes: list[str]) -> list[Affiliation]:
    """Claim to work for the enterprises with these credit codes; each waits for its staff.

    Claiming an enterprise already pending or confirmed changes nothing (a
    double submission is harmless); one that was rejected, ended or
    withdrawn is claimed afresh. Only operating enterprises can be chosen:
    a revoked or deregistered one is refused by name and status.
    Completes the registration step.
    """
    codes = list(dict.fromkeys((c or "").strip().upper() for c in credit_codes))
    if not codes:
        raise DomainError(_("Choose at least one enterprise."), code="no_enterprise", status=422,
                          fields={"credit_codes": [_("Choose at least one enterprise.")]})
    rows = db.session.execute(sa.select(Enterprise.credit_code, Enterprise.id, Enterprise.name, Enterprise.status)
                              .where(Enterprise.credit_code.in_(codes))).all()
    by_code = {row.credit_code: row.id for row in rows}
    if len(by_code) != len(codes):
        raise NotFound(_("Some of the chosen enterprises do not exist."), code="enterprise_not_found",
                       fields={"credit_codes": [_("Some of the chosen enterprises do not exist.")]})
    closed = [closed_enterprise_message(row.name, row.status)
              for row in sorted(rows, key=lambda r: codes.index(r.credit_code)) if row.status in catalog.CLOSED_STATUSES]
    if closed:
        raise Conflict(" ".join(closed), code="enterprise_closed", fields={"credit_codes": closed})
    wanted = [by_code[c] for c in codes]
    existing = {a.enterprise_id: a for a in db.session.scalars(
        sa.select(Affiliation).where(Affiliation.worker_id == worker.account_id))}
    open_count = sum(1 for a in existing.values() if a.state in OPEN_STATES)
    opening = [i for i in wanted if i not in existing or existing[i].state not in OPEN_STATES]
    if open_count + len(opening) > MAX_OPEN_AFFILIATIONS:
        raise Conflict(_("You can work for at most %(n)d enterprises at a time.", n=MAX_OPEN_AFFILIATIONS),
                       code="too_many_enterprises")
    now = clock.now()
    # Lock the worker (PostgreSQL) so a check-in at the same moment cannot
    # leave a new claim with the old due date.
    db.session.refresh(worker, with_for_update=True)
    result = []
    for enterprise_id in wanted:
        affiliation = existing.get(enterprise_id)
        if affiliation is None:
            affiliation = Affiliation(worker_id=worker.account_id, enterprise_id=enterprise_id, claimed_at=now,
                                      worker_due_on=worker.due_on)
            db.session.add(affiliation)
        elif affiliation.state not in OPEN_STATES:
            affiliation.state = AffiliationState.PENDING.value
            affiliation.claimed_at, affiliation.decided_at, affiliation.decided_by_id = now, None, None
            affiliation.ended_at = None
            affiliation.worker_due_on = worker.due_on
        result.append(affiliation)
    if worker.registration_step == RegistrationStep.ENTERPRISES.value:
        worker.registration_step = RegistrationStep.IDENTITY.value
    db.session.flush()
    for enterprise_id in opening:
        audit.record("worker.affiliation_claimed", subject_id=worker.account_id, enterprise_id=enterprise_id)
    return result


def withdraw_affiliation(worker: Worker, affiliation_id: int) -> Affiliation:
    """Withdraw a pending claim or leave a confirmed enterprise; doing it twice is refused."""
    affiliation = db.session.get(Affiliation, affiliation_id)
    if affiliation is None or affiliation.worker_id != worker.account_id:
        raise NotFound(_("This enterprise claim does not exist."), code="affiliation_not_found")
    if affiliation.state not in OPEN_STATES:
        raise Conflict(_("This enterprise claim is no longer open."), code="affiliation_closed")
    affiliation.state = AffiliationState.WITHDRAWN.value
    affiliation.ended_at = clock.now()
    db.session.flush()
    audit.record("worker.affiliation_withdrawn", subject_id=worker.account_id,
                 enterprise_id=affiliation.enterprise_id)
    return affiliation


# --- notices -----------------------------------------------------------------

def add_notice(worker_id: int, kind: str, enterprise_name: str | None = None) -> WorkerNotice:
    """Leave an in-app message for a worker."""
    notice = WorkerNotice(worker_id=worker_id, kind=kind, enterprise_name=enterprise_name, created_at=clock.now())
    db.session.add(notice)
    db.session.flush()
    return notice


def recent_notices(worker: Worker, limit: int = 10) -> list[WorkerNotice]:
    """The newest notices of a worker."""
    return list(db.session.scalars(sa.select(WorkerNotice).where(WorkerNotice.worker_id == worker.account_id)
                                   .order_by(WorkerNotice.created_at.desc(), WorkerNotice.id.desc()).limit(limit)))


def mark_notices_read(worker: Worker) -> int:
    """Mark every unread notice read; returns how many."""
    return db.session.execute(sa.update(WorkerNotice).where(
        WorkerNotice.worker_id == worker.account_id, WorkerNotice.read_at.is_(None)).values(
        read_at=clock.now())).rowcount or 0


def count_active_affiliated(enterprise: Enterprise) -> int:
    """Confirmed workers of an enterprise who are not departed (answers `signals.enterprise_active_workers`)."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Affiliation)
        .where(Affiliation.enterprise_id == enterprise.id, Affiliation.state == AffiliationState.CONFIRMED.value,
               Affiliation.worker_due_on >= clock.china_today())) or 0


# --- registration steps that follow the consent domain ---------------------
# Step 3 (the authorization letter) lives in consent; these receivers tie
# its signals to the worker's registration: signing needs a verified
# identity and completes registration; withdrawing takes the worker back to
# the authorization step, so certificates stop answering until they sign again.

def require_verified_identity(account: Account) -> None:
    """A worker signs only after the identity step (chip + face, or approved review)."""
    worker = db.session.get(Worker, account.id)
    if worker is None or worker.identity_verified_at is None:
        raise DomainError(_("Verify your identity before signing the authorization letter."),
                          code="identity_not_verified", status=409)

def complete_registration(account: Account, consent: SignedConsent) -> None:
    """The signed letter is the last step: the worker becomes a registered, active worker."""
    worker = db.session.get(Worker, account.id)
    worker.authorized_at = consent.signed_at
    if worker.registration_step == RegistrationStep.AUTHORIZATION.value:
        worker.registration_step = RegistrationStep.COMPLETE.value

def withdraw_authorization(account: Account, consent: SignedConsent) -> None:
    """Without a consent nothing may be shown: back to the authorization step."""
    worker = db.session.get(Worker, account.id)
    if worker is None or consent_services.active_consent(account) is not None:
        return
    worker.authorized_at = None
    if worker.registration_step == RegistrationStep.COMPLETE.value:
        worker.registration_step = RegistrationStep.AUTHORIZATION.value


# --- deletion ----------------------------------------------------------------

def delete_worker_data(account: Account) -> None:
    """Remove every worker row of a deleted account (注销); staff decisions lose their author."""
    db.session.execute(sa.update(Affiliation).where(Affiliation.decided_by_id == account.id)
                       .values(decided_by_id=None))
    for model in (WorkerNotice, Affiliation):
        db.session.execute(sa.delete(model).where(model.worker_id == account.id))
    db.session.execute(sa.delete(Worker).where(Worker.account_id == account.id))
