"""A person's own copy of everything the platform holds about them (PIPL art. 45), signed.

Each domain answers `signals.subject_export` with its own section; `build_export` collects the
answers into one document, and `signed_export` signs its canonical JSON as a compact JWS (EdDSA)
with the "export" key ring. Those public keys are published at /.well-known/jwks.json beside the
certificate keys, so anyone holding a copy can check it offline, without asking the platform.

The page shows the same sections in words: each domain answers `signals.subject_export_readable`
with a `ReadableSection` (the shapes and the formatting helpers are here, so every section looks
alike). This module also answers for the accounts domain itself (the "account" section).
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from registry.accounts.models import Account, LoginSession
from registry.audit import services as audit
from registry.core import clock, signals, tokens
from registry.core.extensions import db
from registry.core.signing import b64url_decode, canonical_json, key_ring
from registry.web.presenting import Facts, Table, moment, text, yes_no

KEY_PURPOSE = "export"
TOKEN_TYPE = "hscr-export+jws"  # household-services credit registry, subject export
FORMAT = "hscr-subject-export/1"
JWKS_PATH = "/.well-known/jwks.json"


# --- the document ------------------------------------------------------------------

def iso(value: dt.datetime | dt.date | None) -> str | None:
    """A time or date as ISO 8601, as every section writes them (None stays None)."""
    return value.isoformat() if value is not None else None


def build_export(account: Account) -> dict:
    """Every domain's section about this account, under a minimal subject and the moment it was made."""
    sections: dict = {}
    for receiver, answer in signals.subject_export.send(account):
        if answer is None:
            continue
        key, data = answer
        if key in sections:
            raise RuntimeError(f"two receivers answered the export section {key!r} ({receiver!r})")
        sections[key] = data
    return {
        "format": FORMAT,
        "subject": {"account_id": account.id, "role": account.role},
        "generated_at": iso(clock.now()),
        "verify_with": JWKS_PATH,
        "sections": sections,
    }


def sign_document(document: dict) -> str:
    """The compact JWS over the document's canonical JSON (sorted keys, no spaces, UTF-8)."""
    return tokens.sign_payload(key_ring(KEY_PURPOSE), canonical_json(document), TOKEN_TYPE)


def document_of(token: str) -> dict:
    """The document a signed export carries (what was signed, byte for byte); no signature check."""
    return json.loads(b64url_decode(token.split(".")[1]))


def signed_export(account: Account) -> str:
    """The person's signed copy, as a compact JWS; the export is audited."""
    token = sign_document(build_export(account))
    audit.record("account.exported", subject_id=account.id, actor_id=account.id, form="signed_json",
                 kid=json.loads(b64url_decode(token.split(".")[0]))["kid"])
    return token


# --- the readable page ----------------------------------------------------------------

@dataclass(frozen=True)
class ReadableSection:
    """A domain's section in the reader's language: every code in words, times in China Standard Time."""

    key: str
    title: str
    blocks: list[Facts | Table] = field(default_factory=list)


def readable_export(account: Account) -> tuple[dict, list[ReadableSection]]:
    """The document and its sections in words, in the order the domains answer; the view is audited."""
    document = build_export(account)
    shown: list[ReadableSection] = []
    for _receiver, section in signals.subject_export_readable.send(account, sections=document["sections"]):
        if section is not None:
            shown.append(section)
    audit.record("account.exported", subject_id=account.id, actor_id=account.id, form="page")
    return document, shown


# --- the accounts domain's own section -----------------------------------------------

def role_label(role: str) -> str:
    return {"worker": _("Domestic worker"), "consumer": _("Household"), "enterprise_staff": _("Enterprise staff"),
            "admin": _("Platform operator")}.get(role, role)


def export_account(account: Account) -> tuple[str, dict]:
    """signals.subject_export: the account as stored (ID number and phone unmasked) and its logins.

    Login sessions give only their times: the cookie secret's hash is never exported. SMS codes are
    not exported either (only their keyed hashes are kept, and they expire within minutes).
    """
    sessions = db.session.scalars(sa.select(LoginSession).where(LoginSession.account_id == account.id)
                                  .order_by(LoginSession.created_at, LoginSession.id))
    return "account", {
        "name": account.name,
        "role": account.role,
        "phone": account.phone,
        "id_number": account.id_number,
        "created_at": iso(account.created_at),
        "updated_at": iso(account.updated_at),
        "last_login_at": iso(account.last_login_at),
        "login_sessions": [{"created_at": iso(s.created_at), "expires_at": iso(s.expires_at),
                            "ended_at": iso(s.ended_at), "remember": s.remember} for s in sessions],
    }


def readable_account(account: Account, *, sections: dict) -> ReadableSection | None:
    """signals.subject_export_readable: the "account" section in words."""
    data = sections.get("account")
    if data is None:
        return None
    facts = Facts(_("Account"), [
        (_("Name"), text(data["name"])), (_("Role"), role_label(data["role"])),
        (_("Resident ID number"), text(data["id_number"])), (_("Mobile number"), text(data["phone"])),
        (_("Registered"), moment(data["created_at"])), (_("Last login"), moment(data["last_login_at"])),
    ])
    logins = Table(_("Login sessions"), [_("Started"), _("Expires"), _("Ended"), _("Remember me on this device")],
                   [[moment(s["created_at"]), moment(s["expires_at"]), moment(s["ended_at"]), yes_no(s["remember"])]
                    for s in data["login_sessions"]],
                   note=_("The secret in each login cookie is never part of the copy."))
    return ReadableSection("account", _("Account and logins"), [facts, logins])
