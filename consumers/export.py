"""The consumers section of a person's data export (signals.subject_export): the view requests a household
made and the ones a worker received, and the household's scans. The other party is named only masked."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from consumers.models import ScanAttempt, ViewRequest
from registry.accounts.export import ReadableSection, iso
from registry.accounts.models import Account
from registry.core import signals
from registry.core.extensions import db
from registry.core.idnumbers import mask_name
from registry.web.presenting import NOTHING, Table, moment

SECTION = "view_requests"


def connect() -> None:
    """Connect this module's receivers (consumers' init_app calls it)."""
    signals.subject_export.connect(export_requests)
    signals.subject_export_readable.connect(readable_requests)


def _requests(condition, other_party) -> list[dict]:
    rows = db.session.execute(sa.select(ViewRequest, Account.name).join(Account, Account.id == other_party)
                              .where(condition).order_by(ViewRequest.created_at, ViewRequest.id)).all()
    return [{"other_party": mask_name(name), "state": request.state, "created_at": iso(request.created_at),
             "decided_at": iso(request.decided_at)} for request, name in rows]


def export_requests(account: Account) -> tuple[str, dict] | None:
    """signals.subject_export: requests made and received, and scans made."""
    made = _requests(ViewRequest.consumer_id == account.id, ViewRequest.worker_id)
    received = _requests(ViewRequest.worker_id == account.id, ViewRequest.consumer_id)
    scans = [{"at": iso(at), "outcome": outcome} for at, outcome in db.session.execute(
        sa.select(ScanAttempt.at, ScanAttempt.outcome).where(ScanAttempt.consumer_id == account.id)
        .order_by(ScanAttempt.at, ScanAttempt.id))]
    if not made and not received and not scans:
        return None
    return SECTION, {"requests_made": made, "requests_received": received, "scans": scans}


def _state_label(state: str) -> str:
    return {"pending": _("Waiting for the worker's answer"), "approved": _("Approved"),
            "declined": _("Declined"), "expired": _("Expired")}.get(state, NOTHING)


def readable_requests(account: Account, *, sections: dict) -> ReadableSection | None:
    """signals.subject_export_readable: the requests in words."""
    data = sections.get(SECTION)
    if data is None:
        return None
    columns = [_("State"), _("Sent at"), _("Decided at")]

    def rows(items):
        return [[r["other_party"], _state_label(r["state"]), moment(r["created_at"]), moment(r["decided_at"])]
                for r in items]

    blocks = []
    if data["requests_received"]:
        blocks.append(Table(_("Requests to view my credit information"), [_("Household"), *columns],
                            rows(data["requests_received"])))
    if data["requests_made"]:
        blocks.append(Table(_("Requests I made"), [_("Domestic worker"), *columns], rows(data["requests_made"])))
    if data["scans"]:
        blocks.append(Table(_("Certificates I scanned"), [_("Time")], [[moment(s["at"])] for s in data["scans"]]))
    return ReadableSection(SECTION, _("Requests to view credit information"), blocks)
