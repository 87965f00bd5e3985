"""Account rules: registration, login, phone change and deletion (注销)."""
from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from registry.accounts.codes import send_code, verify_code
from registry.accounts.models import Account, CodePurpose, LoginSession, Role, SmsCode, SmsMessage
from registry.accounts.names import InvalidName, normalize_name
from registry.accounts.sms import notify_by_sms
from registry.audit import services as audit
from registry.core import clock, signals
from registry.core.crypto import lookup_hash
from registry.core.errors import Conflict, DomainError, NotFound
from registry.core.extensions import db
from registry.core.idnumbers import age_in_full_years, birth_date_of


def find_by_phone(phone: str) -> Account | None:
    """The account using this phone number, if any."""
    return db.session.scalar(sa.select(Account).where(Account.phone_hash == lookup_hash(phone, "phone")))


def phone_taken(phone: str) -> bool:
    """Whether a phone number already belongs to an account."""
    return find_by_phone(phone) is not None


def check_role(role: Role) -> None:
    if role not in (Role.WORKER, Role.CONSUMER):
        raise DomainError(_("Only workers and households can register themselves."), code="role_not_allowed",
                          fields={"role": [_("Choose worker or household.")]})


def check_worker_age(role: Role, id_number: str, today: dt.date | None = None) -> None:
    """Refuse a worker younger than WORKER_MIN_AGE by the birth date in the ID number (households: no rule)."""
    if role is not Role.WORKER:
        return
    minimum = int(current_app.config["WORKER_MIN_AGE"])
    if age_in_full_years(birth_date_of(id_number), today or clock.china_today()) < minimum:
        message = _("You must be at least %(age)d years old to register as a domestic worker; by the birth date "
                    "in this ID number you are not yet.", age=minimum)
        raise DomainError(message, code="under_minimum_age", status=422, fields={"id_number": [message]})


def request_registration_code(role: Role, phone: str, client_ip: str | None) -> None:
    """A registration code; the answer is the same whether or not the phone is registered.

    A phone that already has an account gets, instead of a code, a message
    telling its owner to log in: only the person holding it learns that.
    """
    check_role(role)
    if phone_taken(phone):
        send_code(phone, CodePurpose.REGISTER, client_ip, deliver=False)
        notify_by_sms(phone, current_app.config["SMS_SIGNATURE"] + "此手机号已注册家政信用平台账号，请直接登录。"
                      "This phone number already has an account; please log in.")
    else:
        send_code(phone, CodePurpose.REGISTER, client_ip)


def request_login_code(phone: str, client_ip: str | None) -> None:
    """A login code, sent only when an account uses the phone; the answer is the same either way."""
    send_code(phone, CodePurpose.LOGIN, client_ip, deliver=find_by_phone(phone) is not None)


def check_registration(role: Role, id_number: str, phone: str) -> None:
    """Refuse duplicates; called once the phone's code is proven, so only its holder learns of them."""
    check_role(role)
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
    check_role(role)
    check_worker_age(role, id_number)  # what the person typed, so it may be said before the code is tried
    verify_code(phone, CodePurpose.REGISTER, code)
    check_registration(role, id_number, phone)
    account = Account(role=role.value, name=name, id_number=id_number,
                      id_number_hash=lookup_hash(id_number, "id-number"),
                      phone=phone, phone_hash=lookup_hash(phone, "phone"))
    db.session.add(account)
    db.session.flush()
    audit.record("account.registered", subject_id=account.id, role=role.value)
    return account


def create_privileged(role: Role, name: str, phone: str) -> Account:
    """Create an admin or enterprise staff account (CLI and admin pages only)."""
    try:
        name = normalize_name(name)
    except InvalidName as exc:
        raise DomainError(str(exc), code="invalid_name", status=422, fields={"name": [str(exc)]}) from None
    if phone_taken(phone):
        raise Conflict(_("This phone number is already registered."), code="phone_taken")
    account = Account(role=role.value, name=name, phone=phone, phone_hash=lookup_hash(phone, "phone"))
    db.session.add(account)
    db.session.flush()
    audit.record("account.created", subject_id=account.id, role=role.value)
    return account


def login(phone: str, code: str) -> Account:
    """The account for phone once its login code is verified (an unknown phone never got one)."""
    verify_code(phone, CodePurpose.LOGIN, code)
    account = find_by_phone(phone)
    if account is None:
        raise NotFound(_("No account uses this phone number; register first."), code="no_account",
                       fields={"phone": [_("No account uses this phone number; register first.")]})
    account.last_login_at = clock.now()
    audit.record("account.login", subject_id=account.id)
    return account


def start_session(account: Account, remember: bool = False) -> str:
    """Open a login session (a fresh secret at every login: no fixation) and attach it to the account."""
    now = clock.now()
    hours = current_app.config["REMEMBER_DAYS"] * 24 if remember else current_app.config["LOGIN_SESSION_HOURS"]
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(account_id=account.id, token_hash=lookup_hash(token, "login-session"),
                                remember=remember, created_at=now, expires_at=now + dt.timedelta(hours=hours)))
    db.session.flush()
    account.login_token = token
    return token


def load_session_account(session_id: str) -> Account | None:
    """The account of a live login session "s:<secret>"; None once it ended, expired or is unknown."""
    if not isinstance(session_id, str) or not session_id.startswith("s:") or len(session_id) > 100:
        return None
    token = session_id[2:]
    row = db.session.scalar(sa.select(LoginSession).where(
        LoginSession.token_hash == lookup_hash(token, "login-session")))
    if row is None or row.ended_at is not None or row.expires_at <= clock.now():
        return None
    account = db.session.get(Account, row.account_id)
    if account is not None:
        account.login_token = token
    return account


def end_session(account: Account) -> None:
    """Logout: this login session ends now, cookie and remember-me cookie alike."""
    if account.login_token:
        db.session.execute(sa.update(LoginSession).where(
            LoginSession.token_hash == lookup_hash(account.login_token, "login-session"),
            LoginSession.ended_at.is_(None)).values(ended_at=clock.now()))
        account.login_token = None


def end_all_sessions(account: Account) -> None:
    db.session.execute(sa.update(LoginSession).where(LoginSession.account_id == account.id,
                                                     LoginSession.ended_at.is_(None))
                       .values(ended_at=clock.now()))
    account.login_token = None


def purge_sessions(days: int = 30) -> int:
    """Forget login sessions that ended or expired more than `days` ago."""
    before = clock.now() - dt.timedelta(days=days)
    return db.session.execute(sa.delete(LoginSession).where(
        sa.or_(LoginSession.ended_at < before, LoginSession.expires_at < before))).rowcount or 0


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
    end_all_sessions(account)
    audit.record("account.phone_changed", subject_id=account.id)


def logout_everywhere(account: Account) -> None:
    """End every session and remember-me cookie of the account."""
    end_all_sessions(account)
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
    db.session.execute(sa.delete(LoginSession).where(LoginSession.account_id == account.id))
    audit.erase_subject(account.id)
    db.session.delete(account)
    db.session.flush()
    audit.record("account.deleted", role=role)
