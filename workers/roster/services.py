"""The enterprise's side: confirm or reject claims, end affiliations, the roster and its CSV.

Every action starts from the staff account's own enterprise; an affiliation
of another enterprise is "not found", so staff can neither act on nor
discover other enterprises' claims.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from registry.accounts.models import Account, Role
from registry.accounts.sms import notify_by_sms
from registry.audit import services as audit
from registry.core import clock
from registry.core.errors import Conflict, Forbidden, NotFound
from registry.core.extensions import db
from registry.core.idnumbers import mask_phone
from registry.core.pagination import Page
from registry.enterprises.models import Enterprise, EnterpriseStaff
from workers import services
from workers.models import Affiliation, AffiliationState, Worker
from workers.services import status_expression

ROSTER_STATES = (AffiliationState.PENDING.value, AffiliationState.CONFIRMED.value)


def staff_enterprise(account: Account) -> Enterprise:
    """The enterprise a staff account acts for; Forbidden for anyone else."""
    if account.role != Role.ENTERPRISE_STAFF.value:
        raise Forbidden(_("Only enterprise staff can do this."), code="not_enterprise_staff")
    enterprise = db.session.scalar(sa.select(Enterprise).join(
        EnterpriseStaff, EnterpriseStaff.enterprise_id == Enterprise.id).where(EnterpriseStaff.account_id == account.id))
    if enterprise is None:
        raise Forbidden(_("Your staff account is not linked to an enterprise yet."), code="no_enterprise")
    return enterprise


def _own_affiliation(enterprise: Enterprise, affiliation_id: int) -> Affiliation:
    affiliation = db.session.get(Affiliation, affiliation_id)
    if affiliation is None or affiliation.enterprise_id != enterprise.id:
        raise NotFound(_("This worker claim does not exist."), code="affiliation_not_found")
    return affiliation


def _decide(staff: Account, affiliation_id: int, to_state: str, allowed_from: tuple[str, ...],
            notice_kind: str) -> tuple[Affiliation, bool]:
    """Move an own affiliation to to_state; returns it and whether this call changed it."""
    enterprise = staff_enterprise(staff)
    affiliation = _own_affiliation(enterprise, affiliation_id)
    if affiliation.state == to_state:
        return affiliation, False  # a double submission: already done
    if affiliation.state not in allowed_from:
        raise Conflict(_("This claim can no longer be changed that way."), code="affiliation_state")
    now = clock.now()
    # Conditional UPDATE: of two staff answering at once, exactly one decides.
    changed = db.session.execute(
        sa.update(Affiliation).where(Affiliation.id == affiliation.id, Affiliation.state == affiliation.state)
        .values(state=to_state, decided_at=now, decided_by_id=staff.id,
                ended_at=now if to_state == AffiliationState.ENDED.value else None)
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(affiliation)
    if changed != 1:
        if affiliation.state == to_state:
            return affiliation, False
        raise Conflict(_("This claim can no longer be changed that way."), code="affiliation_state")
    services.add_notice(affiliation.worker_id, notice_kind, enterprise.name)
    audit.record(f"worker.affiliation_{to_state}", subject_id=affiliation.worker_id, actor_id=staff.id,
                 enterprise_id=enterprise.id)
    return affiliation, True


def confirm(staff: Account, affiliation_id: int) -> Affiliation:
    """Confirm that the worker works for the staff member's enterprise."""
    return _decide(staff, affiliation_id, AffiliationState.CONFIRMED.value, (AffiliationState.PENDING.value,),
                   "affiliation_confirmed")[0]


def reject(staff: Account, affiliation_id: int) -> Affiliation:
    """Reject a pending claim."""
    return _decide(staff, affiliation_id, AffiliationState.REJECTED.value, (AffiliationState.PENDING.value,),
                   "affiliation_rejected")[0]


def end(staff: Account, affiliation_id: int) -> Affiliation:
    """End a confirmed affiliation; the worker is told in the app and by SMS."""
    affiliation, changed = _decide(staff, affiliation_id, AffiliationState.ENDED.value,
                                   (AffiliationState.CONFIRMED.value,), "affiliation_ended")
    worker_account = db.session.get(Account, affiliation.worker_id)
    if worker_account is not None and changed:
        enterprise = db.session.get(Enterprise, affiliation.enterprise_id)
        # Text messages go out in Chinese, whatever language the staff member's page uses.
        with force_locale("zh"):
            body = _("[Household Services Credit] %(enterprise)s has ended your affiliation. Log in to see "
                     "your enterprises.", enterprise=enterprise.name)
        notify_by_sms(worker_account.phone, body, worker_account.id)  # after the commit, by the job worker
    return affiliation


# --- roster ------------------------------------------------------------------

@dataclass
class RosterRow:
    affiliation_id: int
    worker_id: int
    name: str
    phone_masked: str
    state: str
    status: str
    last_check_in_at: object
    due_on: object
    claimed_at: object


def _roster_filters(enterprise: Enterprise, state: str | None, status: str | None) -> list:
    """Conditions on worker_affiliation alone, answered by its two roster indexes."""
    today = clock.china_today()
    where = [Affiliation.enterprise_id == enterprise.id,
             Affiliation.state == state if state else Affiliation.state.in_(ROSTER_STATES)]
    if status == "departed":
        where.append(Affiliation.worker_due_on < today)
    elif status == "active":
        where.append(Affiliation.worker_due_on >= today)
    return where


def _rows_for(ids) -> sa.Select:
    status_col = status_expression(clock.china_today()).label("status")
    return (sa.select(Affiliation.id, Affiliation.worker_id, Affiliation.state, Affiliation.claimed_at,
                      Account.name, Account.phone, Worker.last_check_in_at, Worker.due_on, status_col)
            .join(Worker, Worker.account_id == Affiliation.worker_id)
            .join(Account, Account.id == Affiliation.worker_id)
            .where(Affiliation.id.in_(ids)).order_by(Affiliation.worker_id))


def _row(row) -> RosterRow:
    return RosterRow(row.id, row.worker_id, row.name, mask_phone(row.phone), row.state, row.status,
                     row.last_check_in_at, row.due_on, row.claimed_at)


def roster(enterprise: Enterprise, *, state: str | None = None, status: str | None = None, page: int = 1,
           per_page: int = 20) -> Page:
    """One page of the enterprise's workers (pending and confirmed unless state says), by worker id."""
    where = _roster_filters(enterprise, state, status)
    # Count and pick the page from the index alone; only the page's rows join workers and accounts.
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Affiliation).where(*where))
    ids = db.session.scalars(sa.select(Affiliation.id).where(*where).order_by(Affiliation.worker_id)
                             .limit(per_page).offset((page - 1) * per_page)).all()
    rows = db.session.execute(_rows_for(ids)).all() if ids else []
    pages = max(1, -(-total // per_page))
    return Page([_row(r) for r in rows], page, pages, total, per_page)


def roster_csv(enterprise: Enterprise, *, state: str | None = None, status: str | None = None,
               labels: dict[str, str] | None = None) -> Iterator[str]:
    """The roster as CSV lines (UTF-8 with BOM so spreadsheet programs read the Chinese)."""
    labels = labels or {}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Name"), _("Phone"), _("Claim"), _("Status"), _("Last check-in (CST)"),
                     _("Active until (CST)")])
    yield "\ufeff" + buffer.getvalue()
    last_id = 0
    where = _roster_filters(enterprise, state, status)
    while True:
        ids = db.session.scalars(sa.select(Affiliation.id).where(*where, Affiliation.worker_id > last_id)
                                 .order_by(Affiliation.worker_id).limit(1000)).all()
        if not ids:
            return
        rows = db.session.execute(_rows_for(ids)).all()
        for raw in rows:
            row = _row(raw)
            last_id = row.worker_id
            buffer.seek(0)
            buffer.truncate()
            checked = row.last_check_in_at.astimezone(clock.CHINA_TZ).strftime("%Y-%m-%d %H:%M") \
                if row.last_check_in_at else ""
            writer.writerow([_csv_safe(row.name), row.phone_masked, labels.get(row.state, row.state),
                             labels.get(row.status, row.status), checked, row.due_on.isoformat()])
            yield buffer.getvalue()


def _csv_safe(text: str) -> str:
    # A cell starting with = + - @ would run as a formula in a spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
