"""Words for the worker record: registration steps, work status, enterprise claims, identity documents."""
from __future__ import annotations

from flask_babel import gettext as _


def step_label(step: str) -> str:
    return {"enterprises": _("Choose enterprises"), "identity": _("Verify identity"),
            "authorization": _("Sign the letter"), "complete": _("Registration complete")}.get(step, step)


def status_label(status: str) -> str:
    return {"active": _("Active"), "departed": _("Departed")}.get(status, status)


def affiliation_label(state: str) -> str:
    return {"pending": _("Waiting for confirmation"), "confirmed": _("Confirmed"), "rejected": _("Rejected"),
            "ended": _("Ended by the enterprise"), "withdrawn": _("Withdrawn")}.get(state, state)


def document_label(kind: str) -> str:
    return {"icao9303": _("Electronic passport or travel document"), "cn_resident_id": _("Resident identity card"),
            "hand_held_photo": _("Photo of you holding your ID card")}.get(kind, kind)

