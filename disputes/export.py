"""The disputes section of a person's data export (signals.subject_export) and its words."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from disputes import messages
from disputes.models import Dispute
from registry.accounts.export import ReadableSection, iso
from registry.accounts.models import Account
from registry.core import signals
from registry.core.extensions import db
from registry.web.presenting import NOTHING, Table, moment

SECTION = "disputes"


def connect() -> None:
    """Connect this module's receivers (disputes' init_app calls it)."""
    signals.subject_export.connect(export_disputes)
    signals.subject_export_readable.connect(readable_disputes)


def export_disputes(account: Account) -> tuple[str, dict] | None:
    """signals.subject_export: every dispute the person raised, with the decision once made."""
    rows = db.session.scalars(sa.select(Dispute).where(Dispute.worker_id == account.id)
                              .order_by(Dispute.opened_at, Dispute.id)).all()
    if not rows:
        return None
    return SECTION, {"disputes": [{
        "record_kind": d.record_kind, "record_id": d.record_id, "reason": d.reason, "state": d.state,
        "opened_at": iso(d.opened_at), "resolved_at": iso(d.resolved_at), "resolution": d.resolution,
    } for d in rows]}


def readable_disputes(account: Account, *, sections: dict) -> ReadableSection | None:
    """signals.subject_export_readable: the disputes section in words."""
    data = sections.get(SECTION)
    if data is None:
        return None
    rows = [[messages.kind_label(d["record_kind"]), d["reason"], messages.state_label(d["state"]),
             moment(d["opened_at"]), moment(d["resolved_at"]), d["resolution"] or NOTHING] for d in data["disputes"]]
    return ReadableSection(SECTION, _("My disputes"), [
        Table(_("My disputes"), [_("Record"), _("Reason"), _("State"), _("Sent at"),
                                 _("Decided at"), _("Decision")], rows)])
