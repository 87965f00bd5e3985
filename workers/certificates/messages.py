"""Words for the certificate refusals a scanner reads."""
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
