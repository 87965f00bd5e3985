"""Words for the certificate: the refusals a scanner reads, and the status code's colours and reasons."""
from __future__ import annotations

from flask_babel import gettext as _


def token_message(reason: str) -> str:
    return {
        "expired": _("This QR code has expired; ask the worker to refresh the certificate."),
        "not_yet_valid": _("This QR code is dated in the future; check the phone's clock."),
        "unknown_key": _("This QR code was not issued by this platform."),
        "bad_signature": _("This QR code has been tampered with."),
        "wrong_type": _("This QR code is not a credit certificate."),
    }.get(reason, _("This is not a valid credit certificate code."))


def inactive_message() -> str:
    return _("This worker has withdrawn the credit-information authorization; no information is available.")


def status_colour_labels() -> dict[str, str]:
    return {"green": _("Green: all checks in order"), "yellow": _("Yellow: something needs attention"),
            "red": _("Red: do not let this worker in without checking")}


def status_reason_labels() -> dict[str, str]:
    """Why a status code is not green, in words the worker can act on."""
    return {
        "departed": _("No check-in for more than 30 days: check in with your face to become active again."),
        "certificate_revoked": _("Your certificate has been revoked; contact the platform."),
        "identity_unverified": _("Your identity is not verified yet: read your ID document's chip at a reader "
                                 "station."),
        "health_missing": _("No health check on record: upload your health certificate."),
        "health_unverified": _("Your health check is not verified yet: your enterprise or the platform checks it."),
        "health_expiring": _("Your health check ends within 30 days: upload the new one."),
        "health_expired": _("Your health check has run out: upload a valid one."),
        "insurance_missing": _("No insurance on record: upload your accident or liability insurance."),
        "insurance_unverified": _("Your insurance is not verified yet: your enterprise or the platform checks it."),
        "insurance_expiring": _("Your insurance ends within 30 days: upload the renewed policy."),
        "insurance_expired": _("Your insurance has run out: upload a valid policy."),
    }


def status_category_labels() -> dict[str, str]:
    """What a household is told before any consent: only what a reason is about."""
    return {"status": _("Working status"), "identity": _("Identity verification"), "health": _("Health check"),
            "insurance": _("Insurance"), "service": _("Service record")}
