"""The worker's section of a person's data export (signals.subject_export) and its words.

Everything the workers domain and its sub-packages keep about one worker: the record and its
status, check-ins, enterprises, identity proofs and reviews, every saved profile version,
certificates and notices. Photos are never copied into the export: the section says that one is
held. Fallback codes of certificates (short-lived secrets) and desk-reader codes are left out.
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from flask_babel import gettext as _

from registry.accounts.export import ReadableSection, iso
from registry.accounts.models import Account
from registry.audit import services as audit
from registry.core.extensions import db
from registry.enterprises import catalog
from registry.enterprises.models import Enterprise
from registry.face.models import FaceReference
from registry.web.presenting import NOTHING, Facts, Table, day, joined, moment, text, yes_no
from workers.certificates.models import Certificate
from workers.identity import messages as identity_messages
from workers.identity.models import IdentityRecord, IdentityReview
from workers.messages import affiliation_label, document_label, status_label, step_label
from workers.models import Affiliation, Worker, WorkerNotice
from workers.profile import services as profile
from workers.profile.models import ProfileVersion
from workers.profile.presenting import education_levels, row_fields, section_titles
from workers.records import messages as record_messages
from workers.records import services as records
from workers.schemas import notice_text
from workers.services import effective_status

SECTION = "worker"
CHECK_IN_EVENT = "worker.checked_in"
REVIEW_PHOTOS = ("hand_held", "front", "back")


def export_worker(account: Account) -> tuple[str, dict] | None:
    """signals.subject_export: the "worker" section, or None for an account without a worker record."""
    worker = db.session.get(Worker, account.id)
    if worker is None:
        return None
    return SECTION, {
        "record": {
            "registration_step": worker.registration_step,
            "status": effective_status(worker),
            "registered_at": iso(worker.registered_at),
            "identity_verified_at": iso(worker.identity_verified_at),
            "authorized_at": iso(worker.authorized_at),
            "last_check_in_at": iso(worker.last_check_in_at),
            "active_until": iso(worker.due_on),
            "departed_since": iso(worker.departed_since),
        },
        "check_ins": [{"at": iso(at), "reactivated": bool(details.get("reactivated"))}
                      for at, _kind, details in audit.events_about(account.id, (CHECK_IN_EVENT,))],
        "affiliations": _affiliations(worker),
        "identity_records": _identity_records(worker),
        "identity_reviews": _identity_reviews(worker),
        "profile_versions": _profile_versions(worker),
        "certificates": [{"public_id": c.public_id, "created_at": iso(c.created_at), "revoked_at": iso(c.revoked_at),
                          "revoked_reason": c.revoked_reason}
                         for c in db.session.scalars(sa.select(Certificate).where(Certificate.worker_id == worker.account_id)
                                                     .order_by(Certificate.created_at, Certificate.id))],
        # Health, insurance and training records: what the worker entered and how it was decided (the
        # documents themselves are the worker's own uploads and stay out of the file).
        "credential_records": [{"kind": r.kind, "issuer": r.issuer, "number": r.number, "issued_on": iso(r.issued_on),
                                "expires_on": iso(r.expires_on), "document_type": r.document_type, "state": r.state,
                                "verified_via": r.verified_via, "decided_at": iso(r.decided_at),
                                "rejection_reason": r.rejection_reason, "uploaded_at": iso(r.created_at)}
                               for r in records.records_of(worker.account_id)],
        "notices": [{"kind": n.kind, "enterprise_name": n.enterprise_name, "created_at": iso(n.created_at),
                     "read_at": iso(n.read_at)}
                    for n in db.session.scalars(sa.select(WorkerNotice).where(WorkerNotice.worker_id == worker.account_id)
                                                .order_by(WorkerNotice.created_at, WorkerNotice.id))],
    }


def _affiliations(worker: Worker) -> list[dict]:
    rows = db.session.execute(
        sa.select(Affiliation, Enterprise.name, Enterprise.credit_code)
        .join(Enterprise, Enterprise.id == Affiliation.enterprise_id)
        .where(Affiliation.worker_id == worker.account_id).order_by(Affiliation.claimed_at, Affiliation.id)).all()
    return [{"enterprise_name": name, "credit_code": code, "state": a.state, "claimed_at": iso(a.claimed_at),
             "decided_at": iso(a.decided_at), "ended_at": iso(a.ended_at)} for a, name, code in rows]


def _identity_records(worker: Worker) -> list[dict]:
    records = list(db.session.scalars(sa.select(IdentityRecord).where(IdentityRecord.worker_id == worker.account_id)
                                      .order_by(IdentityRecord.created_at, IdentityRecord.id)))
    reference_ids = {r.face_reference_id for r in records if r.face_reference_id is not None}
    # Whether a photo is held, asked of the database without reading (or decrypting) the photo itself.
    with_photo = set(db.session.scalars(sa.select(FaceReference.id).where(
        FaceReference.id.in_(reference_ids), FaceReference.photo.is_not(None)))) if reference_ids else set()
    return [{
        "method": r.method,
        "document_kind": r.document_kind,
        "checks": {name: (check or {}).get("status") for name, check in sorted((r.checks or {}).items())},
        "simulated": bool(r.simulated),
        "failure": r.failure,
        "document_verified_at": iso(r.document_verified_at),
        "verified_at": iso(r.verified_at),
        "created_at": iso(r.created_at),
        "photo_held": r.face_reference_id in with_photo,
    } for r in records]


def _identity_reviews(worker: Worker) -> list[dict]:
    # Only the columns shown: the three photos are held, never loaded here.
    rows = db.session.execute(
        sa.select(IdentityReview.state, IdentityReview.submitted_at, IdentityReview.decided_at, IdentityReview.reason)
        .where(IdentityReview.worker_id == worker.account_id)
        .order_by(IdentityReview.submitted_at, IdentityReview.id)).all()
    return [{"state": row.state, "submitted_at": iso(row.submitted_at), "decided_at": iso(row.decided_at),
             "reason": row.reason, "photos_held": list(REVIEW_PHOTOS)} for row in rows]


def _profile_versions(worker: Worker) -> list[dict]:
    order = {name: index for index, name in enumerate(profile.SECTIONS)}
    rows = sorted(db.session.scalars(sa.select(ProfileVersion).where(ProfileVersion.worker_id == worker.account_id)),
                  key=lambda r: (order.get(r.section, len(order)), r.section, r.version))
    return [{"section": r.section, "version": r.version, "current": r.current, "saved_at": iso(r.created_at),
             "data": json.loads(r.content)} for r in rows]


# --- words -------------------------------------------------------------------------

def _review_label(state: str) -> str:
    return {"pending": _("Waiting for review"), "approved": _("Approved"), "rejected": _("Rejected")}.get(state, state)


def _check_status_label(status: str | None) -> str:
    return {"passed": _("Passed"), "failed": _("Failed"), "skipped": _("Skipped")}.get(status or "", text(status))


def _identity_result(record: dict) -> str:
    if record["verified_at"]:
        return _("Verified at %(time)s", time=moment(record["verified_at"]))
    if record["failure"]:
        return identity_messages.failure_message(record["failure"])
    return _("Not completed")


def _section_content(section: str, data: dict) -> str:
    """One saved version of a profile section in words, on one line."""
    if section == "basic":
        return "；".join([f"{_('Hometown')}：{text(data.get('hometown'))}",
                         f"{_('Ethnicity')}：{text(data.get('ethnicity'))}",
                         f"{_('Education')}：{education_levels().get(data.get('education') or '', NOTHING)}",
                         f"{_('Languages')}：{text(data.get('languages'))}"])
    # The form's labels, except where they speak to someone filling the form in.
    fields = [(key, _("To") if key == "to" else label) for key, label, _type in row_fields(section)]
    entries = data.get("certificates" if section == "service" else "entries") or []
    described = ["，".join(f"{label}：{text(entry.get(key))}" for key, label in fields) for entry in entries]
    if section == "service":
        kinds = [str(catalog.SERVICE_TYPES[s][2]) if s in catalog.SERVICE_TYPES else s
                 for s in data.get("service_types") or []]
        head = [f"{_('Service types')}：{text(kinds)}", f"{_('Skills')}：{text(data.get('skills'))}",
                f"{_('Years of experience')}：{text(data.get('years_experience'))}"]
        return "；".join(head + described)
    return "；".join(described) or _("Nothing entered yet.")


def readable_worker(account: Account, *, sections: dict) -> ReadableSection | None:
    """signals.subject_export_readable: the "worker" section in words."""
    data = sections.get(SECTION)
    if data is None:
        return None
    record = data["record"]
    blocks: list[Facts | Table] = [
        Facts(_("Worker record"), [
            (_("Registration step"), step_label(record["registration_step"])),
            (_("Status"), status_label(record["status"])),
            (_("Registered"), moment(record["registered_at"])),
            (_("Verified at"), moment(record["identity_verified_at"])),
            (_("Signed at"), moment(record["authorized_at"])),
            (_("Last check-in"), moment(record["last_check_in_at"])),
            (_("Valid until"), day(record["active_until"])),
            (_("Departed since"), moment(record["departed_since"])),
        ]),
        Table(_("Check-ins"), [_("Time"), _("Back from departed")],
              [[moment(c["at"]), yes_no(c["reactivated"])] for c in data["check_ins"]]),
        Table(_("My enterprises"), [_("Name"), _("Unified social credit code"), _("State"), _("Chosen at"),
                                    _("Confirmed at"), _("Ended at")],
              [[a["enterprise_name"], a["credit_code"], affiliation_label(a["state"]), moment(a["claimed_at"]),
                moment(a["decided_at"]), moment(a["ended_at"])] for a in data["affiliations"]]),
        Table(_("Identity verification"), [_("Time"), _("Method"), _("Document"), _("Checks"), _("Result"),
                                           _("Photo held")],
              [[moment(r["created_at"]), identity_messages.method_label(r["method"]),
                document_label(r["document_kind"]),
                "；".join(f"{identity_messages.check_label(name)}：{_check_status_label(status)}"
                         for name, status in r["checks"].items()) or NOTHING,
                _identity_result(r), yes_no(r["photo_held"])] for r in data["identity_records"]],
              note=_("The photo from your document's chip is held by the platform; it is not part of this copy.")),
        Table(_("Manual identity review"), [_("Submitted"), _("State"), _("Decided at"), _("Reason"), _("Photos held")],
              [[moment(r["submitted_at"]), _review_label(r["state"]), moment(r["decided_at"]), text(r["reason"]),
                joined(identity_messages.photo_label(kind) for kind in r["photos_held"])]
               for r in data["identity_reviews"]],
              note=_("The photos you submitted are held by the platform; they are not part of this copy.")),
    ]
    titles = section_titles()
    for name in dict.fromkeys(v["section"] for v in data["profile_versions"]):
        blocks.append(Table(titles.get(name, name), [_("Version"), _("Saved at"), _("Current"), _("Details")],
                            [[str(v["version"]), moment(v["saved_at"]), yes_no(v["current"]),
                              _section_content(name, v["data"])]
                             for v in data["profile_versions"] if v["section"] == name]))
    blocks.append(Table(_("Credit certificate"), [_("Number"), _("Issued at"), _("Revoked at"), _("Reason")],
                        [[c["public_id"], moment(c["created_at"]), moment(c["revoked_at"]), text(c["revoked_reason"])]
                         for c in data["certificates"]]))
    kinds, states = record_messages.kind_labels(), record_messages.state_labels()
    blocks.append(Table(_("Health, insurance and training records"),
                        [_("Kind"), _("Issuer"), _("Number"), _("Issued on"), _("Valid until"), _("State"),
                         _("Reason")],
                        [[kinds.get(r["kind"], r["kind"]), r["issuer"], text(r["number"]), day(r["issued_on"]),
                          day(r["expires_on"]), states.get(r["state"], r["state"]), text(r["rejection_reason"])]
                         for r in data.get("credential_records", [])]))
    blocks.append(Table(_("Messages"), [_("Time"), _("Message"), _("Read at")],
                        [[moment(n["created_at"]), notice_text(WorkerNotice(kind=n["kind"],
                                                                          enterprise_name=n["enterprise_name"])),
                          moment(n["read_at"])] for n in data["notices"]]))
    return ReadableSection(SECTION, _("Worker services"), blocks)
