"""Words for what the agencies' feeds say: field names and coded values of tax, bank and background data."""
from __future__ import annotations

from flask_babel import gettext as _


def field_labels() -> dict[str, str]:
    """Readable names for the keys and codes a feed record holds."""
    return {
        "no_record": _("No record"), "record_found": _("Record found"), "records": _("Records"),
        "category": _("Category"), "started_on": _("Started"), "ended_on": _("Ended"), "summary": _("Summary"),
        "normal": _("Normal"), "arrears": _("Arrears"), "attention": _("Attention"), "adverse": _("Adverse"),
        "periods": _("Periods"), "period": _("Period"), "filed": _("Filed"), "not_filed": _("Not filed"),
        "tax_paid": _("Tax paid"), "credit_accounts": _("Credit accounts"),
        "overdue_accounts": _("Overdue accounts"), "max_overdue_months": _("Longest overdue (months)"),
        "adverse_records": _("Adverse records"), "result": _("Result"), "status": _("Status"),
    }


def credential_kind_labels() -> dict[str, str]:
    """The kinds of health, insurance and training records (institution feeds and workers' uploads)."""
    return {"health_check": _("Health check report"), "health_certificate": _("Health certificate"),
            "accident_insurance": _("Accident insurance"), "liability_insurance": _("Employer liability insurance"),
            "training_certificate": _("Training certificate"),
            "skill_certificate": _("Vocational skill level certificate")}


def feed_kind_labels() -> dict[str, str]:
    return {"tax": _("Tax information"), "bank_credit": _("Bank personal credit summary"),
            "background_check": _("Police background check"), "health": _("Health checks (institution data)"),
            "insurance": _("Insurance policies (institution data)"),
            "training": _("Training certificates (institution data)")}
