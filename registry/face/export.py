"""The face section of a person's data export (signals.subject_export) and its words.

References (where each came from, when, whether it is the one used) and every recorded decision.
Templates, reference photos and kept frames are biometric data: the export says that one is held
and never copies it, and they are not even read from the database here.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from registry.accounts.export import ReadableSection, iso
from registry.accounts.models import Account
from registry.core.extensions import db
from registry.face import messages
from registry.face.models import FaceCheck, FaceReference
from registry.web.presenting import NOTHING, Table, joined, moment, yes_no

SECTION = "face"


def export_face(account: Account) -> tuple[str, dict] | None:
    """signals.subject_export: the "face" section, or None when the person never used face verification."""
    references = db.session.execute(
        sa.select(FaceReference.id, FaceReference.source, FaceReference.created_at, FaceReference.retired_at,
                  FaceReference.template.is_not(None).label("template_held"),
                  FaceReference.photo.is_not(None).label("photo_held"),
                  FaceReference.approved_by_id.is_not(None).label("approved"))
        .where(FaceReference.account_id == account.id).order_by(FaceReference.created_at, FaceReference.id)).all()
    checks = db.session.execute(
        sa.select(FaceCheck.purpose, FaceCheck.passed, FaceCheck.reason, FaceCheck.actions, FaceCheck.created_at,
                  FaceCheck.claimed_at, FaceCheck.frames.is_not(None).label("frames_held"))
        .where(FaceCheck.account_id == account.id).order_by(FaceCheck.created_at, FaceCheck.id)).all()
    if not references and not checks:
        return None
    # The reference in use is the newest one not retired (registry.face.services.active_reference).
    active_id = max((r.id for r in references if r.retired_at is None), default=None)
    return SECTION, {
        "references": [{"source": r.source, "enrolled_at": iso(r.created_at), "retired_at": iso(r.retired_at), "active": r.id == active_id,
                        "approved_by_operator": bool(r.approved), "template_held": bool(r.template_held),
                        "photo_held": bool(r.photo_held)} for r in references],
        "checks": [{"purpose": c.purpose, "passed": bool(c.passed), "reason": c.reason,
                    "actions": [a for a in c.actions.split(",") if a], "created_at": iso(c.created_at),
                    "used_at": iso(c.claimed_at),
                    "frames_held": bool(c.frames_held)} for c in checks],
    }


def readable_face(account: Account, *, sections: dict) -> ReadableSection | None:
    """signals.subject_export_readable: the "face" section in words."""
    data = sections.get(SECTION)
    if data is None:
        return None
    references = Table(_("Reference photos"), [_("Source"), _("Enrolled at"), _("Retired at"), _("In use"),
                                               _("Photo held")],
                       [[messages.source_label(r["source"]), moment(r["enrolled_at"]), moment(r["retired_at"]),
                         yes_no(r["active"]), yes_no(r["photo_held"])] for r in data["references"]],
                       note=_("A face template (the numbers a match is computed from) is held for each reference; "
                              "it is not part of this copy."))
    checks = Table(_("Face checks"), [_("Time"), _("Purpose"), _("Result"), _("Reason"), _("Actions"), _("Used at")],
                   [[moment(c["created_at"]), messages.purpose_label(c["purpose"]),
                     _("Passed") if c["passed"] else _("Failed"),
                     NOTHING if c["passed"] else messages.reason_message(c["reason"] or "unknown"),
                     joined(messages.action_prompt(a) for a in c["actions"]), moment(c["used_at"])]
                    for c in data["checks"]],
                   note=_("Pictures taken during a check are kept only where the operator requires it; "
                          "they are never part of this copy."))
    return ReadableSection(SECTION, _("Face verification"), [references, checks])
