"""The visits section of a person's data export (signals.subject_export) and its words.

A household's file holds its visits, ratings and complaints in full; a
worker's holds their visits (the household masked, as they saw it) and the
complaints about them with the answers and decisions. Evidence photos stay
out of the file (the complaint page shows them).
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from registry.accounts.export import ReadableSection, iso
from registry.accounts.models import Account, Role
from registry.core import signals
from registry.core.extensions import db
from registry.core.idnumbers import mask_name
from registry.web.presenting import Table, moment, text
from registry.web.words import join_words
from visits import messages
from visits.models import Complaint, HomeVisit, VisitRating

SECTION = "visits"


def connect() -> None:
    """Connect this module's receivers (visits' init_app calls it)."""
    signals.subject_export.connect(export_visits)
    signals.subject_export_readable.connect(readable_visits)


def _other(visit: HomeVisit, account: Account) -> str:
    other = db.session.get(Account, visit.worker_id if account.id == visit.household_id else visit.household_id)
    return mask_name(other.name) if other else ""


def export_visits(account: Account) -> tuple[str, dict] | None:
    """signals.subject_export: the person's visits, ratings and complaints."""
    if account.role not in (Role.CONSUMER.value, Role.WORKER.value):
        return None
    side = HomeVisit.worker_id if account.role == Role.WORKER.value else HomeVisit.household_id
    visits = db.session.scalars(sa.select(HomeVisit).where(side == account.id).order_by(HomeVisit.id)).all()
    complaint_side = Complaint.worker_id if account.role == Role.WORKER.value else Complaint.household_id
    complaints = db.session.scalars(sa.select(Complaint).where(complaint_side == account.id)
                                    .order_by(Complaint.id)).all()
    if not visits and not complaints:
        return None
    ratings = {r.visit_id: r for r in db.session.scalars(sa.select(VisitRating).where(
        VisitRating.visit_id.in_([v.id for v in visits])))} if account.role == Role.CONSUMER.value else {}
    return SECTION, {
        "visits": [{"with": _other(v, account), "state": v.state, "area": v.area, "requested_at": iso(v.requested_at),
                    "started_at": iso(v.started_at), "ended_at": iso(v.ended_at), "ended_by": v.ended_by,
                    "rating": {"stars": ratings[v.id].stars, "tags": ratings[v.id].tag_list,
                               "comment": ratings[v.id].comment} if v.id in ratings else None} for v in visits],
        "complaints": [{"against": c.against, "category": c.category, "description": c.description,
                        "filed_at": iso(c.filed_at), "response": c.response, "worker_reply": c.worker_reply,
                        "state": c.state, "outcome": c.outcome, "outcome_note": c.outcome_note,
                        "evidence_photos": len(c.evidence)} for c in complaints],
    }


def readable_visits(account: Account, *, sections: dict) -> ReadableSection | None:
    """signals.subject_export_readable: the visits section in words."""
    data = sections.get(SECTION)
    if data is None:
        return None
    tags = messages.tag_labels()
    visits = [[v["with"], messages.visit_state_label(v["state"]), moment(v["started_at"] or v["requested_at"]),
               moment(v["ended_at"]), text(v["area"]),
               join_words([_("%(stars)s of 5", stars=v["rating"]["stars"]),
                           *(tags.get(t, t) for t in v["rating"]["tags"])]) if v["rating"] else text(None)]
              for v in data["visits"]]
    complaints = [[messages.against_labels().get(c["against"], c["against"]), messages.category_label(c["category"]),
                   c["description"], moment(c["filed_at"]), text(c["response"]), text(c["worker_reply"]),
                   messages.complaint_state_label(c["state"]), text(messages.outcome_label(c["outcome"]) or None),
                   text(c["outcome_note"])] for c in data["complaints"]]
    return ReadableSection(SECTION, _("My home visits"), [
        Table(_("My home visits"), [_("With"), _("State"), _("Started at"), _("Ended at"), _("District"),
                                    _("Rating")], visits),
        Table(_("Complaints"), [_("About"), _("Category"), _("Complaint"), _("Filed at"), _("The enterprise's answer"),
                                _("The worker's side"), _("State"), _("Outcome"), _("Decision")], complaints)])
