"""Visits and complaints in words, for the person looking: names masked, codes turned into labels."""
from __future__ import annotations

from registry.accounts.models import Account
from registry.core.extensions import db
from registry.core.idnumbers import mask_name
from registry.enterprises.models import Enterprise
from visits import complaints, messages, services
from visits.models import Complaint, ComplaintState, HomeVisit, VisitState


def describe_visit(visit: HomeVisit, viewer: Account) -> dict:
    worker, household = db.session.get(Account, visit.worker_id), db.session.get(Account, visit.household_id)
    enterprise = db.session.get(Enterprise, visit.enterprise_id) if visit.enterprise_id else None
    is_household = viewer.id == visit.household_id
    rated = services.rating_of(visit) is not None
    real = visit.state in (VisitState.STARTED.value, VisitState.ENDED.value)
    return {
        "id": visit.id, "state": visit.state, "state_label": messages.visit_state_label(visit.state),
        "worker_name": mask_name(worker.name if worker else ""),
        "household_name": mask_name(household.name if household else ""),
        "enterprise_name": enterprise.name if enterprise else None, "area": visit.area,
        "requested_at": visit.requested_at, "confirm_by": visit.confirm_by, "started_at": visit.started_at,
        "ended_at": visit.ended_at, "ended_by": messages.ended_by_label(visit.ended_by) or None,
        "rated": rated, "can_rate": is_household and visit.state == VisitState.ENDED.value and not rated,
        "can_complain": is_household and real,
        "is_household": is_household, "is_worker": viewer.id == visit.worker_id,
    }


def describe_complaint(complaint: Complaint) -> dict:
    return {
        "id": complaint.id, "visit_id": complaint.visit_id,
        "against": messages.against_labels()[complaint.against],
        "category": messages.category_label(complaint.category), "serious": complaint.serious,
        "description": complaint.description, "state": complaint.state,
        "state_label": messages.complaint_state_label(complaint.state), "filed_at": complaint.filed_at,
        "respond_by": complaint.respond_by, "response": complaint.response, "responded_at": complaint.responded_at,
        "worker_reply": complaint.worker_reply,
        "outcome": messages.outcome_label(complaint.outcome) or None, "outcome_note": complaint.outcome_note,
        "evidence_count": len(complaint.evidence), "evidence_ids": [e.id for e in complaint.evidence],
        "answerable": complaint.state == ComplaintState.OPEN.value,
    }


def worker_feedback(worker_id: int) -> dict:
    """What a household reading a worker's credit view (under a grant) sees: aggregates and counts only."""
    summary = services.rating_summary(worker_id=worker_id)
    counts = complaints.worker_counts(worker_id)
    return {"ratings": {"count": summary.count, "average": summary.average,
                        "tags": {messages.tag_labels()[t]: n for t, n in summary.tags.items()}},
            "complaints": {"open": counts["open"],
                           **{messages.outcome_label(o): n for o, n in counts.items() if o != "open"}}}
