"""Words a household reads: credit-view field names and the state of its request."""
from __future__ import annotations

from flask_babel import gettext as _

from consumers.models import RequestState, ViewRequest
from registry.feeds import messages as feed_messages


def field_labels() -> dict[str, str]:
    """Readable names for the data keys and codes a view shows (the feeds' own come from the feeds domain)."""
    return {
        **feed_messages.field_labels(),
        "name": _("Name"), "status": _("Status"), "active": _("Active"), "departed": _("Departed"),
        "data": _("Details"), "basic": _("Basic information"), "hometown": _("Hometown"),
        "ethnicity": _("Ethnicity"), "education": _("Education"), "languages": _("Languages"),
        "service": _("Service and education"), "service_types": _("Service types"), "skills": _("Skills"),
        "years_experience": _("Years of experience"), "certificates": _("Vocational certificates"),
        "number": _("Number"), "level": _("Level"), "insurance": _("Insurance"), "insurer": _("Insurer"),
        "kind": _("Type"), "policy_number": _("Policy number"), "valid_from": _("Valid from"),
        "valid_to": _("Valid to"), "work": _("Work history"), "employer": _("Employer"),
        "role": _("Role"), "date_from": _("From"), "date_to": _("To"), "from": _("From"), "to": _("To"),
        "to.empty": _("present"), "training": _("Training and assessments"),
        "course": _("Course"), "issuer": _("Issuer"), "certificate_number": _("Certificate number"),
        "grade": _("Grade"), "date": _("Date"), "health": _("Health checks"), "institution": _("Institution"),
        "valid_until": _("Valid until"), "entries": _("Entries"),
        "enterprises": _("Enterprises"), "credit_code": _("Unified social credit code"),
        "state": _("State"), "confirmed": _("Confirmed"), "ended": _("Ended"), "confirmed_at": _("Confirmed at"),
        "ended_at": _("Ended at"), "method": _("Method"), "document_kind": _("Document"),
        "checks": _("Checks"), "verified_at": _("Verified at"), "simulated": _("Simulated card (demo)"),
        "passed": _("Passed"), "failed": _("Failed"),
        "skipped": _("Skipped"), "expired": _("Expired"), "expiring": _("Expiring soon"),
    }


def status_message(request: ViewRequest) -> str:
    """What the household is told about its request."""
    return {
        RequestState.PENDING.value: _("Waiting for the worker to approve with a face check…"),
        RequestState.APPROVED.value: _("The worker approved. You can now view the credit information."),
        RequestState.DECLINED.value: _("The worker declined this request."),
        RequestState.EXPIRED.value: _("The worker did not answer in time; the request has expired."),
    }[request.state]
