"""Account rules: registration, login, phone change and deletion (注销)."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from registry.accounts.codes import verify_code
from registry.accounts.models import Account, CodePurpose, Role, SmsCode, SmsMessage
from registry.audit import services as audit
from registry.core import clock, signals
from registry.core.crypto import lookup_hash
from registry.core.errors import Conflict, DomainError, NotFound
from registry.core.extensions import db


def find_by_phone(phone: str) -> Account | None:
    """The account using this phone number, if any."""
    return db.session.scalar(sa.select(Account).where(Account.phone_hash == lookup_hash(phone, "phone")))


def phone_taken(phone: str) -> bool:
    """Whether a phone number already belongs to an account."""
    return find_by_phone(phone) is not None


def check_registration(role: Role, id_number: str, phone: str) -> None:
    """Refuse duplicates before a code is even sent."""
    if role not in (Role.WORKER, Role.CONSUMER):
        raise DomainError(_("Only workers and households can register themselves."), code="role_not_allowed",
                          fields={"role": [_("Choose worker or household.")]})
    if phone_taken(phone):
        raise Conflict(_("This phone number is already registered; log in instead."), code="phone_taken",
                       fields={"phone": [_("This phone number is already registered; log in instead.")]})
    exists = db.session.scalar(sa.select(Account.id).where(
        Account.id_number_hash == lookup_hash(id_number, "id-number"), Account.role == role.value))
    if exists:
        raise Conflict(_("An account with this ID number already exists for this role."), code="id_number_taken",
                       fields={"id_number": [_("An account with this ID number already exists for this role.")]})


def register(role: Role, name: str, id_number: str, phone: str, code: str) -> Account:
    """Create a worker or household account after the SMS code checks out."""
    check_registration(role, id_number, phone)
    verify_code(phone, CodePurpose.REGISTER, code)
    account = Account(role=role.value, name=name, id_number=id_number,
                      id_number_hash=lookup_hash(id_number, "id-number"),
                      phone=phone, phone_hash=lookup_hash(phone, "phone"))
    db.session.add(account)
    db.session.flush()
    audit.record("account.registered", subject_id=account.id, role=role.value)
    return account


def create_privileged(role: Role, name: str, phone: str) -> Account:
    """Create an admin or enterprise staff account (CLI and admin pages only)."""
    if phone_taken(phone):
        raise Conflict(_("This phone number is already registered."), code="phone_taken")
    account = Account(role=role.value, name=name, phone=phone, phone_hash=lookup_hash(phone, "phone"))
    db.session.add(account)
    db.session.flush()
    audit.record("account.created", subject_id=account.id, role=role.value)
    return account


def login(phone: str, code: str) -> Account:
    """The account for phone once its login code is verified."""
    account = find_by_phone(phone)
    if account is None:
        raise NotFound(_("No account uses this phone number; register first."), code="no_account",
                       fields={"phone": [_("No account uses this phone number; register first.")]})
    verify_code(phone, CodePurpose.LOGIN, code)
    account.last_login_at = clock.now()
    audit.record("account.login", subject_id=account.id)
    return account


def load_session_account(session_id: str) -> Account | None:
    """The account for a session id "id:version"; None when the version moved on."""
    try:
        account_id, version = (int(part) for part in session_id.split(":", 1))
    except ValueError:
        return None
    account = db.session.get(Account, account_id)
    if account is None or account.session_version != version:
        return None
    return account


def confirm_old_phone(account: Account, code: str) -> None:
    """First step of a phone change: prove the old number is still in hand."""
    verify_code(account.phone, CodePurpose.CHANGE_PHONE_OLD, code)


def change_phone(account: Account, new_phone: str, code: str) -> None:
    """Second step: move to the new number and end every other session."""
    if new_phone == account.phone:
        raise DomainError(_("The new number is the same as the current one."), code="same_phone",
                          fields={"phone": [_("The new number is the same as the current one.")]})
    if phone_taken(new_phone):
        raise Conflict(_("This phone number is already registered."), code="phone_taken",
                       fields={"phone": [_("This phone number is already registered.")]})
    verify_code(new_phone, CodePurpose.CHANGE_PHONE_NEW, code)
    account.phone = new_phone
    account.phone_hash = lookup_hash(new_phone, "phone")
    account.session_version += 1
    audit.record("account.phone_changed", subject_id=account.id)


def logout_everywhere(account: Account) -> None:
    """End every session and remember-me cookie of the account."""
    account.session_version += 1
    audit.record("account.logout_everywhere", subject_id=account.id)


def delete_account(account: Account, code: str) -> None:
    """Delete the account and all of its data in this transaction (注销)."""
    verify_code(account.phone, CodePurpose.DELETE_ACCOUNT, code)
    erase_account(account)


def erase_account(account: Account) -> None:
    """Remove every row of an account; the audit log keeps a non-identifying note.

    Every domain holding rows of the person deletes them in its receiver of
    `signals.account_deleting`, in this same transaction.
    """
    role = account.role
    signals.account_deleting.send(account)
    phone_hash = account.phone_hash
    db.session.execute(sa.delete(SmsCode).where(SmsCode.phone_hash == phone_hash))
    db.session.execute(sa.delete(SmsMessage).where(SmsMessage.phone_hash == phone_hash))
    audit.erase_subject(account.id)
    db.session.delete(account)
    db.session.flush()
    audit.record("account.deleted", role=role)
