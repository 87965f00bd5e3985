"""Monthly check-in (签到): a passed face check against the reference keeps a worker active."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from registry.accounts.models import Account
from registry.audit import services as audit
from registry.core import clock
from registry.core.errors import Conflict
from registry.core.extensions import db
from registry.face import services as face
from workers import services
from workers.models import Affiliation, RegistrationStep, Worker, WorkStatus
from workers.services import due_on_after, effective_status

PURPOSE = "check_in"


@dataclass
class CheckInResult:
    worker: Worker
    reactivated: bool


def check_in(account: Account, face_check_id: int) -> CheckInResult:
    """Spend a passed "check_in" face check and restart the 30-day count from now.

    The face service refuses checks of another person (404), another purpose,
    failed, stale or already used ones (422/409), so a replayed or double
    submission never counts twice. A departed worker becomes active again.
    """
    worker = services.ensure_worker(account)
    if worker.registration_step == RegistrationStep.ENTERPRISES.value:
        raise Conflict(_("Choose the enterprises you work for before checking in."), code="step_out_of_order")
    face.claim_check(account, face_check_id, PURPOSE)
    was_departed = effective_status(worker) == WorkStatus.DEPARTED.value
    record_check_in(worker, clock.now())
    audit.record("worker.checked_in", subject_id=account.id, face_check_id=face_check_id,
                 reactivated=was_departed)
    return CheckInResult(worker, was_departed)


def record_check_in(worker: Worker, moment: dt.datetime) -> None:
    """Restart the worker's 30-day count from a check-in at `moment` (`check_in` after its face check;
    `flask demo seed` for its demo workers' past check-ins)."""
    # Lock the row (PostgreSQL) so a concurrent sweep batch waits and then
    # re-checks its WHERE against the new due date.
    db.session.refresh(worker, with_for_update=True)
    worker.last_check_in_at = moment
    worker.due_on = due_on_after(moment)
    worker.status = WorkStatus.ACTIVE.value
    worker.departed_since = None
    db.session.execute(sa.update(Affiliation).where(Affiliation.worker_id == worker.account_id)
                       .values(worker_due_on=worker.due_on).execution_options(synchronize_session="fetch"))
    db.session.flush()


