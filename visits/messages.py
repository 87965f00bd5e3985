"""Words of visits in the reader's language: visit and complaint states, tags, categories, outcomes."""
from __future__ import annotations

from flask_babel import gettext as _

from visits.models import ComplaintOutcome, ComplaintState, VisitState


def visit_state_labels() -> dict[str, str]:
    return {
        VisitState.REQUESTED.value: _("Waiting for the worker to confirm"),
        VisitState.STARTED.value: _("Under way"),
        VisitState.ENDED.value: _("Ended"),
        VisitState.DECLINED.value: _("Declined by the worker"),
        VisitState.EXPIRED.value: _("Not confirmed in time"),
    }


def visit_state_label(state: str) -> str:
    return visit_state_labels().get(state, state)


def ended_by_label(ended_by: str | None) -> str:
    return {"household": _("by the household"), "worker": _("by the worker")}.get(ended_by or "", "")


def tag_labels() -> dict[str, str]:
    return {"punctual": _("Punctual"), "professional": _("Professional"),
            "communicates_well": _("Communicates well"), "hygienic": _("Clean and hygienic"),
            "careful": _("Careful"), "friendly": _("Friendly")}


def category_labels() -> dict[str, str]:
    return {"service_quality": _("Quality of the service"), "no_show_or_late": _("Late or did not come"),
            "conduct": _("Conduct or attitude"), "pricing": _("Charges"),
            "property_damage": _("Damage or loss of property"), "safety": _("Safety"), "other": _("Other")}


def category_label(category: str) -> str:
    return category_labels().get(category, category)


def against_labels() -> dict[str, str]:
    return {"worker": _("The worker"), "enterprise": _("The enterprise")}


def complaint_state_labels() -> dict[str, str]:
    return {ComplaintState.OPEN.value: _("Waiting for the enterprise's answer"),
            ComplaintState.ANSWERED.value: _("Answered; an operator is mediating"),
            ComplaintState.CLOSED.value: _("Closed")}


def complaint_state_label(state: str) -> str:
    return complaint_state_labels().get(state, state)


def outcome_labels() -> dict[str, str]:
    return {ComplaintOutcome.UPHELD.value: _("Upheld"), ComplaintOutcome.PARTLY_UPHELD.value: _("Partly upheld"),
            ComplaintOutcome.NOT_UPHELD.value: _("Not upheld"), ComplaintOutcome.WITHDRAWN.value: _("Withdrawn")}


def outcome_label(outcome: str | None) -> str:
    return outcome_labels().get(outcome or "", "")


def operator_outcome_labels() -> dict[str, str]:
    """What an operator may decide (withdrawal is the household's)."""
    labels = outcome_labels()
    labels.pop(ComplaintOutcome.WITHDRAWN.value)
    return labels
