"""The feeds section of a person's data export (signals.subject_export) and its words.

What outside agencies sent about the person (tax, bank credit summary, background check), as
stored: decrypted, with the agency, the as-of date and when it was loaded. The records are found
by the keyed hash of the account's ID number; the hash itself is not exported.
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from flask_babel import gettext as _

from registry.accounts.export import ReadableSection, iso
from registry.accounts.models import Account
from registry.core.extensions import db
from registry.feeds import messages
from registry.feeds.models import FeedRecord
from registry.feeds.schemas import CREDENTIAL_KINDS, KINDS
from registry.web.presenting import Facts, Table, day, moment, text

SECTION = "feeds"


def export_feeds(account: Account) -> tuple[str, dict] | None:
    """signals.subject_export: the "feeds" section, or None when no agency sent anything about the person."""
    if not account.id_number_hash:
        return None
    order = {kind: index for index, kind in enumerate(KINDS)}
    rows = sorted(db.session.scalars(sa.select(FeedRecord).where(FeedRecord.id_number_hash == account.id_number_hash)),
                  key=lambda r: (order.get(r.kind, len(order)), r.kind, r.id))
    if not rows:
        return None
    return SECTION, {"records": [{"kind": r.kind, "source": r.source, "as_of": iso(r.as_of),
                                  "imported_at": iso(r.imported_at), "data": json.loads(r.payload)} for r in rows]}


# --- words -------------------------------------------------------------------------

def _kind_label(kind: str) -> str:
    return messages.feed_kind_labels().get(kind, kind)


def _value_label(value) -> str:
    words = {"normal": _("Normal"), "arrears": _("Arrears"), "attention": _("Attention"), "adverse": _("Adverse"),
             "filed": _("Filed"), "not_filed": _("Not filed"), "no_record": _("No record"),
             "record_found": _("Record found")}
    return words.get(value, text(value)) if isinstance(value, str) else text(value)


def _adverse_table(title: str, records: list[dict]) -> Table:
    return Table(title, [_("Category"), _("Started"), _("Ended"), _("Summary")],
                 [[text(r.get("category")), day(r.get("started_on")), day(r.get("ended_on")), text(r.get("summary"))]
                  for r in records])


def _blocks(record: dict) -> list[Facts | Table]:
    data = record["data"]
    items = [(_("Source"), text(record["source"])), (_("Date"), day(record["as_of"])),
             (_("Loaded at"), moment(record["imported_at"]))]
    blocks: list[Facts | Table] = []
    if record["kind"] == "tax":
        items.append((_("Status"), _value_label(data.get("status"))))
        blocks.append(Table(_("Periods"), [_("Period"), _("Status"), _("Tax paid")],
                            [[text(p.get("period")), _value_label(p.get("status")), text(p.get("tax_paid"))]
                             for p in data.get("periods") or []]))
    elif record["kind"] == "bank_credit":
        items += [(_("Status"), _value_label(data.get("status"))),
                  (_("Credit accounts"), text(data.get("credit_accounts"))),
                  (_("Overdue accounts"), text(data.get("overdue_accounts"))),
                  (_("Longest overdue (months)"), text(data.get("max_overdue_months")))]
        blocks.append(_adverse_table(_("Adverse records"), data.get("adverse_records") or []))
    elif record["kind"] == "background_check":
        items.append((_("Result"), _value_label(data.get("result"))))
        blocks.append(_adverse_table(_("Records"), data.get("records") or []))
    elif record["kind"] in CREDENTIAL_KINDS:
        kinds = messages.credential_kind_labels()
        blocks.append(Table(_("Records"), [_("Kind"), _("Issuer"), _("Number"), _("Issued on"), _("Valid until")],
                            [[kinds.get(i.get("kind"), text(i.get("kind"))), text(i.get("issuer")),
                              text(i.get("number")), day(i.get("issued_on")), day(i.get("expires_on"))]
                             for i in data.get("items") or []]))
    else:  # a kind this version does not know: its fields as they are
        items += [(key, _value_label(value)) for key, value in sorted(data.items())]
    return [Facts(_kind_label(record["kind"]), items), *blocks]


def readable_feeds(account: Account, *, sections: dict) -> ReadableSection | None:
    """signals.subject_export_readable: the "feeds" section in words."""
    data = sections.get(SECTION)
    if data is None:
        return None
    return ReadableSection(SECTION, _("Data from outside agencies"),
                           [block for record in data["records"] for block in _blocks(record)])
