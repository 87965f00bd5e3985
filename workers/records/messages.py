"""Words of records: kinds, categories, states, where a record comes from, validity."""
from __future__ import annotations

from flask_babel import gettext as _

from registry.feeds import messages as feed_messages


def kind_labels() -> dict[str, str]:
    return feed_messages.credential_kind_labels()


def kind_label(kind: str) -> str:
    return kind_labels().get(kind, _("Other record"))


def category_labels() -> dict[str, str]:
    return {"health": _("Health"), "insurance": _("Insurance"), "training": _("Training and skills")}


def source_labels() -> dict[str, str]:
    """Where a record shown to a household comes from (本人填报 / 企业核验 / 平台核验 / 机构数据)."""
    return {"self": _("Self-reported"), "enterprise": _("Verified by an enterprise"),
            "operator": _("Verified by the platform"), "institution": _("Institution data")}


def state_labels() -> dict[str, str]:
    return {"pending": _("Waiting for verification"), "verified": _("Verified"), "rejected": _("Rejected")}


def validity_labels() -> dict[str, str]:
    return {"lasting": _("No end date"), "valid": _("Valid"), "expiring": _("Expiring within 30 days"),
            "expired": _("Expired")}
