"""The household's view of a worker's credit data under a live grant.

Each section says where its data comes from and as of when; a section with
no data says so. Nothing is inferred or filled in.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from consent.grants import record_read
from consent.models import ViewGrant
from consumers.services import live_grant
from disputes import services as disputes
from registry.accounts.models import Account
from registry.core.extensions import db
from registry.core.idnumbers import mask_name
from registry.enterprises.models import Enterprise
from registry.feeds import services as feeds
from registry.web.presenting import Facts, Table, day, moment
from registry.web.words import join_words
from visits.presenting import worker_feedback
from workers import messages as worker_messages
from workers.identity import messages as identity_messages
from workers.identity import services as identity
from workers.models import Affiliation, AffiliationState, Worker
from workers.profile import presenting as profile_presenting
from workers.profile import services as profile
from workers.profile.models import ProfileVersion
from workers.records import presenting as record_presenting
from workers.services import effective_status


@dataclass
class ViewSection:
    """One section of the view."""

    key: str
    title: str
    source: str | None
    as_of: dt.date | dt.datetime | None
    data: dict | None
    notes: list[str] = field(default_factory=list)
    disputed: bool = False
    blocks: list[Facts | Table] = field(default_factory=list)  # the data in words (empty: shown as labelled data)  # the worker contests a record in it; an operator has not decided yet


# Which section of the view shows each kind of record a worker may dispute (profile versions by section name).
DISPUTE_SECTIONS = {"background_check": "background_check", "tax": "tax", "bank_credit": "bank_credit",
                    "complaint": "service_feedback",
                    "affiliation": "work_history"}
PROFILE_SECTIONS = {"basic": "basic", "work": "work_history", "training": "training", "service": "training",
                    "insurance": "insurance_health", "health": "insurance_health"}


def disputed_sections(worker_id: int) -> set[str]:
    """The view sections holding a record with an open dispute (shown 有异议 to every viewer)."""
    open_records = disputes.open_disputes_of(worker_id)
    keys = {DISPUTE_SECTIONS[kind] for kind, _id in open_records if kind in DISPUTE_SECTIONS}
    version_ids = [record_id for kind, record_id in open_records if kind == "profile"]
    if version_ids:
        names = db.session.scalars(sa.select(ProfileVersion.section).where(ProfileVersion.id.in_(version_ids),
                                                                           ProfileVersion.current.is_(True)))
        keys |= {PROFILE_SECTIONS[name] for name in names if name in PROFILE_SECTIONS}
    return keys


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
    blocks = [Facts(_("On the platform"), [(_("Name on the certificate"), data["name"]),
                                           (_("Status"), worker_messages.status_label(data["status"]))]),
              *profile_presenting.section_blocks("basic", section.data if section.version is not None else None)]
    return ViewSection("basic", _("Basic information"),
                       _("Registered account; details self-reported by the worker"), section.saved_at, data,
                       blocks=blocks)


def _section_identity(worker: Worker) -> ViewSection:
    record = identity.latest_verified(worker)
    if record is None:
        return ViewSection("identity", _("Identity verification"), None, None, None)
    summary = identity.public_summary(record)
    blocks = [Facts(_("Identity verification"), [
        (_("Result"), identity_messages.verification_sentence(summary["method"], summary["checks_passed"],
                                                              summary["checks_failed"])),
        (_("Document"), worker_messages.document_label(summary["document_kind"])),
        (_("Verified at"), moment(record.verified_at))])]
    return ViewSection("identity", _("Identity verification"), identity_messages.method_label(record.method),
                       record.verified_at, summary, blocks=blocks)


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
    blocks: list[Facts | Table] = []
    if enterprises:
        blocks.append(Table(_("Enterprises on the platform"), [_("Enterprise"), _("State"), _("Confirmed at"),
                                                                _("Ended at")],
                            [[e["name"], worker_messages.affiliation_label(e["state"]), day(e["confirmed_at"]),
                              day(e["ended_at"])] for e in enterprises]))
    blocks += profile_presenting.section_blocks("work", data["work"]["data"] if data["work"]["version"] else None)
    return ViewSection("work_history", _("Enterprises and work history"),
                       _("Enterprise confirmations on the platform; history self-reported"), saved, data,
                       blocks=blocks)


def _section_profile(key: str, title: str, names: tuple[str, ...], worker: Worker,
                     categories: tuple[str, ...] = ()) -> ViewSection:
    """Self-reported profile entries, and the documented records of those categories with their source."""
    data, saved = _profile(worker, *names)
    account = db.session.get(Account, worker.account_id)
    documented = record_presenting.household_table(account, categories) if categories else None
    if all(part["version"] is None for part in data.values()) and documented is None:
        return ViewSection(key, title, None, None, None)
    blocks = [documented] if documented else []
    blocks += [block for name in names for block in
               profile_presenting.section_blocks(name, data[name]["data"] if data[name]["version"] else None)]
    if documented:
        data["records"] = {"columns": documented.columns, "rows": documented.rows}
    source = _("Documents verified as shown per record; other entries self-reported") if documented else \
        _("Self-reported by the worker")
    return ViewSection(key, title, source, saved, data, blocks=blocks)


def _section_feed(key: str, title: str, account: Account) -> ViewSection:
    view = feeds.person_feed(account, key)
    if view is None:
        return ViewSection(key, title, None, None, None)
    notes = []
    if view.hidden_by_retention:
        notes.append(_("%(count)s older adverse record(s) are past the five-year retention period and not shown.",
                       count=view.hidden_by_retention))
    return ViewSection(key, title, view.source, view.as_of, view.data, notes)


def _section_feedback(worker: Worker) -> ViewSection:
    """Ratings and complaints from confirmed home visits: aggregates and counts, never a single review."""
    feedback = worker_feedback(worker.account_id)
    ratings, complaints = feedback["ratings"], dict(feedback["complaints"])
    if not ratings["count"] and not any(complaints.values()):
        return ViewSection("service_feedback", _("Ratings and complaints from home visits"), None, None, None)
    facts = [(_("Ratings"), _("%(count)s rating(s), average %(average)s of 5", count=ratings["count"],
                              average=ratings["average"]) if ratings["count"] else _("None yet"))]
    if ratings["tags"]:
        facts.append((_("Said most often"), join_words([f"{tag} {n}" for tag, n in ratings["tags"].items()])))
    facts.append((_("Complaints being handled"), str(complaints.pop("open", 0))))
    facts += [(_("Complaints closed: %(outcome)s", outcome=outcome), str(n)) for outcome, n in complaints.items()]
    return ViewSection("service_feedback", _("Ratings and complaints from home visits"),
                       _("Households after visits confirmed on the platform; complaints as decided by its operators"),
                       None, feedback, blocks=[Facts(_("Ratings and complaints from home visits"), facts)])


def read_sections(grant: ViewGrant) -> list[ViewSection]:
    """Assemble every granted section (a pure read: the caller logs it with `record_read`)."""
    account = db.session.get(Account, grant.worker_id)
    worker = db.session.get(Worker, grant.worker_id)
    builders = {
        "basic": lambda: _section_basic(worker, account),
        "identity": lambda: _section_identity(worker),
        "work_history": lambda: _section_work(worker),
        "training": lambda: _section_profile("training", _("Training and vocational certificates"),
                                             ("training", "service"), worker, ("training",)),
        "insurance_health": lambda: _section_profile("insurance_health", _("Insurance and health checks"),
                                                     ("insurance", "health"), worker, ("insurance", "health")),
        "service_feedback": lambda: _section_feedback(worker),
        "background_check": lambda: _section_feed("background_check", _("Police background check"),
                                                   account),
        "tax": lambda: _section_feed("tax", _("Tax information"), account),
        "bank_credit": lambda: _section_feed("bank_credit", _("Bank personal credit summary"), account),
    }
    sections = [builders[key]() for key in grant.scope_list if key in builders]
    contested = disputed_sections(grant.worker_id)
    for section in sections:
        if section.key in contested and section.data is not None:
            section.disputed = True
            section.notes.insert(0, _("%(mark)s: the worker contests a record in this section; the platform has not "
                                      "decided yet.", mark=disputes.disputed_label()))
    return sections


def read_and_log(grant_id: int, reader: Account) -> tuple[ViewGrant, list[ViewSection]]:
    """The sections of a live grant for its reader, logged in the worker's access log (every read leaves a
    trace; a section with no data was not read, so it is not logged)."""
    grant = live_grant(grant_id, reader)
    sections = read_sections(grant)
    record_read(grant, [section.key for section in sections if section.data is not None])
    return grant, sections
