"""Records in words for the worker, a verifier or a household, with the institution feeds beside them."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _

from registry.accounts.models import Account
from registry.core.extensions import db
from registry.core.idnumbers import mask_name
from registry.feeds import services as feeds
from registry.web.presenting import Table, day
from workers.records import messages, services
from workers.records.models import CredentialRecord, RecordState


def _masked(number: str | None) -> str | None:
    return None if not number else (number[:2] + "*" * max(0, len(number) - 4) + number[-2:])


def describe(record: CredentialRecord, *, for_owner: bool) -> dict:
    source = record.verified_via if record.state == RecordState.VERIFIED.value else "self"
    worker = db.session.get(Account, record.worker_id)
    return {"id": record.id, "category": messages.category_labels()[record.category],
            "kind": messages.kind_label(record.kind), "issuer": record.issuer,
            "number": record.number if for_owner else _masked(record.number), "issued_on": record.issued_on,
            "expires_on": record.expires_on,
            "validity": messages.validity_labels()[services.validity(record.expires_on)],
            "validity_code": services.validity(record.expires_on), "state": record.state,
            "state_label": messages.state_labels()[record.state], "source": messages.source_labels()[source],
            "rejection_reason": record.rejection_reason if for_owner else None,
            "worker_name": mask_name(worker.name) if worker else ""}


def institution_items(account: Account, category: str) -> tuple[str, list[dict]] | None:
    """An institution feed's records of one category for this person: (source, items) or None."""
    view = feeds.person_feed(account, category)
    if view is None:
        return None
    return view.source, list(view.data.get("items") or [])


def household_table(account: Account, categories: tuple[str, ...]) -> Table | None:
    """What a household reads under a grant: each record's kind, issuer, validity and where it comes from.

    Rejected uploads are left out; numbers are masked; documents are never shown.
    """
    rows = []
    for category in categories:
        for record in services.records_of(account.id, category):
            if record.state == RecordState.REJECTED.value:
                continue
            shown = describe(record, for_owner=False)
            rows.append([shown["kind"], record.issuer, day(record.issued_on), day(record.expires_on),
                         shown["validity"], shown["source"]])
        found = institution_items(account, category)
        if found:
            source, items = found
            for item in items:
                rows.append([messages.kind_label(item.get("kind", "")), item.get("issuer", ""),
                             day(item.get("issued_on")), day(item.get("expires_on")),
                             messages.validity_labels()[services.validity(_date(item.get("expires_on")))],
                             f"{messages.source_labels()['institution']}（{source}）"])
    if not rows:
        return None
    return Table(_("Documented records"), [_("Kind"), _("Issuer"), _("Issued on"), _("Valid until"), _("Validity"),
                                           _("Source")], rows)


def _date(value) -> dt.date | None:
    """The feed keeps dates as ISO text."""
    return dt.date.fromisoformat(value) if isinstance(value, str) and value else None
