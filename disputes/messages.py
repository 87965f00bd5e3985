"""Words of disputes in the reader's language: record kinds, states, the 有异议 mark, records described."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _

from disputes.models import DisputeState


def kind_labels() -> dict[str, str]:
    """Each record kind a worker may dispute, in words (the fixed list of `disputes.models.RECORD_KINDS`)."""
    return {
        "background_check": _("Police background check"),
        "tax": _("Tax information"),
        "bank_credit": _("Bank personal credit summary"),
        "affiliation": _("Enterprise affiliation"),
        "profile": _("Profile section"),
        "complaint": _("Complaint about a home visit"),
    }


def kind_label(kind: str) -> str:
    return kind_labels().get(kind, kind)


def state_labels() -> dict[str, str]:
    return {
        DisputeState.OPEN.value: _("Waiting for a decision"),
        DisputeState.UPHELD.value: _("Upheld: the record is wrong"),
        DisputeState.REJECTED.value: _("Rejected: the record stands"),
    }


def state_label(state: str) -> str:
    return state_labels().get(state, state)


def outcome_labels() -> dict[str, str]:
    """The operator's two choices."""
    return {DisputeState.UPHELD.value: _("Uphold: the record is wrong"),
            DisputeState.REJECTED.value: _("Reject: the record stands")}


def disputed_label() -> str:
    """The mark every viewer sees on a record with an open dispute (有异议)."""
    return _("Disputed")


def section_label(section: str) -> str:
    """Profile section names, as the profile pages show them."""
    return {"basic": _("Basic information"), "service": _("Service and education"), "insurance": _("Insurance"),
            "work": _("Work history"), "training": _("Training and assessments"),
            "health": _("Health checks")}.get(section, section)


def describe_feed(source: str, as_of: dt.date) -> str:
    """Which agency record (the kind's label is shown beside it)."""
    return _("From %(source)s, as of %(date)s", source=source, date=as_of.isoformat())


def describe_affiliation(enterprise: str, state: str, day: dt.date | None) -> str:
    if state == "ended":
        return _("%(enterprise)s: affiliation ended by the enterprise on %(date)s", enterprise=enterprise,
                 date=day.isoformat() if day else "")
    return _("%(enterprise)s: confirmed by the enterprise on %(date)s", enterprise=enterprise,
             date=day.isoformat() if day else "")


def describe_profile(section: str, version: int, day: dt.date) -> str:
    return _("%(section)s, version %(version)s, saved on %(date)s", section=section_label(section),
             version=version, date=day.isoformat())


def describe_complaint(category: str, outcome: str, day: dt.date) -> str:
    return _("%(category)s, closed on %(date)s: %(outcome)s", category=category, outcome=outcome,
             date=day.isoformat())


def record_gone() -> str:
    return _("This record no longer exists.")


def outcome_sms(outcome: str) -> str:
    """The text message telling the worker the outcome (callers force Chinese)."""
    if outcome == DisputeState.UPHELD.value:
        return _("[Household Services Credit] Your dispute about a record was upheld. Log in and open My "
                 "disputes to see what happens to the record.")
    return _("[Household Services Credit] Your dispute about a record was rejected. Log in and open My "
             "disputes to see the reason.")
