"""The consent section of a person's data export (signals.subject_export) and its words.

Signed authorizations (with the server's countersignature, which is public), the view grants the
person gave to households (and, for a household, the grants it received) and every read made
under them. The other party is named only by a masked name.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from consent import messages
from consent.models import DataAccess, SignedConsent, ViewGrant
from registry.accounts.export import ReadableSection, iso
from registry.accounts.models import Account
from registry.core import signals
from registry.core.extensions import db
from registry.core.idnumbers import mask_name
from registry.web.presenting import NOTHING, Table, joined, moment

SECTION = "consent"


def connect() -> None:
    """Connect this module's receivers (consent's init_app calls it)."""
    signals.subject_export.connect(export_consent)
    signals.subject_export_readable.connect(readable_consent)


def export_consent(account: Account) -> tuple[str, dict] | None:
    """signals.subject_export: the "consent" section, or None when the person signed and shared nothing."""
    consents = db.session.scalars(sa.select(SignedConsent).where(SignedConsent.account_id == account.id)
                                  .order_by(SignedConsent.signed_at, SignedConsent.id)).all()
    given = _grants(ViewGrant.worker_id == account.id, ViewGrant.consumer_id)
    received = _grants(ViewGrant.consumer_id == account.id, ViewGrant.worker_id)
    if not consents and not given and not received:
        return None
    return SECTION, {
        "signed_consents": [{
            "letter_version": c.letter_version, "letter_sha256": c.letter_sha256, "signed_at": iso(c.signed_at),
            "withdrawn_at": iso(c.revoked_at), "server_key_id": c.key_id, "server_signature": c.signature,
        } for c in consents],
        "grants_given": [dict(grant, household=other) for grant, other in given],
        "grants_received": [dict(grant, worker=other) for grant, other in received],
    }


def _grants(condition, other_party) -> list[tuple[dict, str]]:
    """(grant, masked name of the other party) in the order given, each with its reads."""
    rows = db.session.execute(sa.select(ViewGrant, Account.name).join(Account, Account.id == other_party)
                              .where(condition).order_by(ViewGrant.valid_from, ViewGrant.id)).all()
    reads: dict[int, list[dict]] = {}
    if rows:
        for access in db.session.scalars(sa.select(DataAccess).where(DataAccess.grant_id.in_([g.id for g, _n in rows]))
                                         .order_by(DataAccess.accessed_at, DataAccess.id)):
            reads.setdefault(access.grant_id, []).append({"section": access.section, "at": iso(access.accessed_at)})
    return [({"scopes": grant.scope_list, "valid_from": iso(grant.valid_from), "valid_until": iso(grant.valid_until),
              "ended_at": iso(grant.ended_at), "end_reason": grant.end_reason, "reads": reads.get(grant.id, [])},
             mask_name(name)) for grant, name in rows]


def _scopes(keys: list[str]) -> str:
    return joined(messages.scope_label(key) for key in keys)


def _reads(reads: list[dict]) -> str:
    return "；".join(f"{moment(r['at'])} {messages.scope_label(r['section'])}" for r in reads) or _("Not viewed yet.")


def _grant_rows(grants: list[dict], party: str) -> list[list[str]]:
    return [[g[party], _scopes(g["scopes"]), moment(g["valid_from"]), moment(g["valid_until"]), moment(g["ended_at"]),
             messages.end_reason_message(g["end_reason"]) if g["ended_at"] else NOTHING, _reads(g["reads"])]
            for g in grants]


def readable_consent(account: Account, *, sections: dict) -> ReadableSection | None:
    """signals.subject_export_readable: the "consent" section in words."""
    data = sections.get(SECTION)
    if data is None:
        return None
    columns = [_("Sections"), _("Valid from"), _("Valid until"), _("Ended at"), _("Reason"), _("Views")]
    blocks = [
        Table(_("Authorizations I signed"), [_("Letter"), _("Signed at"), _("Withdrawn"), "SHA-256", _("Server signature")],
              [[_("Version %(version)s", version=c["letter_version"]), moment(c["signed_at"]), moment(c["withdrawn_at"]),
                c["letter_sha256"], f"{c['server_key_id']} · {c['server_signature']}"]
               for c in data["signed_consents"]]),
        Table(_("Authorizations I gave"), [_("Household"), *columns], _grant_rows(data["grants_given"], "household")),
    ]
    if data["grants_received"]:
        blocks.append(Table(_("Authorizations received"), [_("Domestic worker"), *columns],
                            _grant_rows(data["grants_received"], "worker")))
    return ReadableSection(SECTION, _("My authorizations"), blocks)
