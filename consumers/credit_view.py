"""The household's view of a worker's credit data under a live grant.

Each section says where its data comes from and as of when; a section with
no data says so. Nothing is inferred or filled in.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from consent.grants import ViewGrant, record_read
from registry.accounts.models import Account
from registry.core.extensions import db
from registry.core.idnumbers import mask_name
from registry.enterprises.models import Enterprise
from registry.feeds import services as feeds
from workers.attendance.departure import effective_status
from workers.identity import messages as identity_messages
from workers.identity import services as identity
from workers.models import Affiliation, AffiliationState, Worker
from workers.profile import services as profile


@dataclass
class ViewSection:
    """One section of the view."""

    key: str
    title: str
    source: str | None
    as_of: dt.date | dt.datetime | None
    data: dict | None
    notes: list[str] = field(default_factory=list)


def _profile(worker: Worker, *names: str) -> tuple[dict, dt.datetime | None]:
    data, latest = {}, None
    for name in names:
        section = profile.current_section(worker, name)
        data[name] = {"data": section.data, "flags": section.flags, "version": section.version}
        if section.saved_at and (latest is None or section.saved_at > latest):
            latest = section.saved_at
    return data, latest


def _section_basic(worker: Worker, account: Account) -> ViewSection:
    section = profile.current_section(worker, "basic")
    data = {"name": mask_name(account.name), "status": effective_status(worker)}
    if section.version is not None:
        data.update(section.data)
    return ViewSection("basic", _("Basic information"),
                       _("Registered account; details self-reported by the worker"), section.saved_at, data)


def _section_identity(worker: Worker) -> ViewSection:
    record = identity.latest_verified(worker)
    if record is None:
        return ViewSection("identity", _("Identity verification"), None, None, None)
    return ViewSection("identity", _("Identity verification"), identity_messages.method_label(record.method),
                       record.verified_at, identity.public_summary(record))


def _section_work(worker: Worker) -> ViewSection:
    rows = db.session.execute(sa.select(Affiliation, Enterprise).join(Enterprise,
                                                                      Enterprise.id == Affiliation.enterprise_id)
                              .where(Affiliation.worker_id == worker.account_id,
                                     Affiliation.state.in_([AffiliationState.CONFIRMED.value,
                                                            AffiliationState.ENDED.value]))).all()
    enterprises = [{"name": e.name, "credit_code": e.credit_code, "state": a.state,
                    "confirmed_at": a.decided_at.isoformat() if a.decided_at else None,
                    "ended_at": a.ended_at.isoformat() if a.ended_at else None} for a, e in rows]
    data, saved = _profile(worker, "work")
    data["enterprises"] = enterprises
    if not enterprises and not data["work"]["version"]:
        return ViewSection("work_history", _("Enterprises and work history"), None, None, None)
    return ViewSection("work_history", _("Enterprises and work history"),
                       _("Enterprise confirmations on the platform; history self-reported"), saved, data)


def _section_profile(key: str, title: str, names: tuple[str, ...], worker: Worker) -> ViewSection:
    data, saved = _profile(worker, *names)
    if all(part["version"] is None for part in data.values()):
        return ViewSection(key, title, None, None, None)
    return ViewSection(key, title, _("Self-reported by the worker"), saved, data)


def _section_feed(key: str, title: str, account: Account) -> ViewSection:
    view = feeds.person_feed(account, key)
    if view is None:
        return ViewSection(key, title, None, None, None)
    notes = []
    if view.hidden_by_retention:
        notes.append(_("%(count)s older adverse record(s) are past the five-year retention period and not shown.",
                       count=view.hidden_by_retention))
    return ViewSection(key, title, view.source, view.as_of, view.data, notes)


def build_view(grant: ViewGrant) -> list[ViewSection]:
    """Assemble every granted section and log the read."""
    account = db.session.get(Account, grant.worker_id)
    worker = db.session.get(Worker, grant.worker_id)
    builders = {
        "basic": lambda: _section_basic(worker, account),
        "identity": lambda: _section_identity(worker),
        "work_history": lambda: _section_work(worker),
        "training": lambda: _section_profile("training", _("Training and vocational certificates"),
                                             ("training", "service"), worker),
        "insurance_health": lambda: _section_profile("insurance_health", _("Insurance and health checks"),
                                                     ("insurance", "health"), worker),
        "background_check": lambda: _section_feed("background_check", _("Background check (公安背景核查)"),
                                                   account),
        "tax": lambda: _section_feed("tax", _("Tax information"), account),
        "bank_credit": lambda: _section_feed("bank_credit", _("Bank personal credit summary"), account),
    }
    sections = [builders[key]() for key in grant.scope_list if key in builders]
    record_read(grant, [s.key for s in sections])
    return sections


def field_labels() -> dict[str, str]:
    """Readable names for the data keys and codes a view shows."""
    return {
        "name": _("Name"), "status": _("Status"), "active": _("Active"), "departed": _("Departed (离职)"),
        "data": _("Details"), "basic": _("Basic information"), "hometown": _("Hometown"),
        "ethnicity": _("Ethnicity"), "education": _("Education"), "languages": _("Languages"),
        "service": _("Service and education"), "service_types": _("Service types"), "skills": _("Skills"),
        "years_experience": _("Years of experience"), "certificates": _("Vocational certificates"),
        "number": _("Number"), "level": _("Level"), "insurance": _("Insurance"), "insurer": _("Insurer"),
        "kind": _("Type"), "policy_number": _("Policy number"), "valid_from": _("Valid from"),
        "valid_to": _("Valid to"), "work": _("Work history"), "employer": _("Employer"),
        "role": _("Role"), "date_from": _("From"), "date_to": _("To"), "training": _("Training and assessments"),
        "course": _("Course"), "issuer": _("Issuer"), "certificate_number": _("Certificate number"),
        "grade": _("Grade"), "date": _("Date"), "health": _("Health checks"), "institution": _("Institution"),
        "result": _("Result"), "valid_until": _("Valid until"), "entries": _("Entries"),
        "enterprises": _("Enterprises"), "credit_code": _("Unified social credit code"),
        "state": _("State"), "confirmed": _("Confirmed"), "ended": _("Ended"), "confirmed_at": _("Confirmed at"),
        "ended_at": _("Ended at"), "method": _("Method"), "document_kind": _("Document"),
        "checks": _("Checks"), "verified_at": _("Verified at"), "simulated": _("Simulated card (demo)"),
        "no_record": _("No record"), "record_found": _("Record found"), "records": _("Records"),
        "category": _("Category"), "started_on": _("Started"), "ended_on": _("Ended"), "summary": _("Summary"),
        "normal": _("Normal"), "arrears": _("Arrears"), "attention": _("Attention"), "adverse": _("Adverse"),
        "periods": _("Periods"), "period": _("Period"), "filed": _("Filed"), "not_filed": _("Not filed"),
        "tax_paid": _("Tax paid"), "credit_accounts": _("Credit accounts"),
        "overdue_accounts": _("Overdue accounts"), "max_overdue_months": _("Longest overdue (months)"),
        "adverse_records": _("Adverse records"), "passed": _("Passed"), "failed": _("Failed"),
        "skipped": _("Skipped"), "expired": _("Expired"), "expiring": _("Expiring soon"),
    }
