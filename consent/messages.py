"""Words people read about consents and grants: section names and why a grant ended."""
from __future__ import annotations

from flask_babel import gettext as _


def scope_labels() -> dict[str, str]:
    """The name of each section a household may be shown, in the reader's language."""
    return {
        "basic": _("Basic information"),
        "identity": _("Identity verification"),
        "work_history": _("Enterprises and work history"),
        "training": _("Training and vocational certificates"),
        "insurance_health": _("Insurance and health checks"),
        "service_feedback": _("Ratings and complaints from home visits"),
        "background_check": _("Police background check"),
        "tax": _("Tax information"),
        "bank_credit": _("Bank personal credit summary"),
        "identity_photo": _("Identity document photo"),
    }


def scope_label(key: str) -> str:
    return scope_labels().get(key, _("Other information"))


def end_reason_message(reason: str | None) -> str:
    """Why a grant ended before its time, as the household and the worker read it."""
    return {
        "revoked": _("The worker has withdrawn this authorization."),
        "consent_withdrawn": _("The worker has withdrawn the credit-information authorization; "
                               "nothing can be shown any more."),
        "departed": _("The worker has left the platform's active register (no monthly check-in for more than "
                      "30 days); nothing can be shown any more."),
        "certificate_revoked": _("The platform has revoked the worker's credit certificate; nothing can be shown "
                                 "any more."),
        "barred": _("The worker is barred from the platform; nothing can be shown any more."),
        "account_deleted": _("The worker has closed the account; nothing can be shown any more."),
    }.get(reason or "revoked", _("The worker has withdrawn this authorization."))


def expired_message() -> str:
    return _("This authorization has expired; scan the certificate again to ask anew.")
