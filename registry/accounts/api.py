"""Account endpoints under /api/v1."""
from __future__ import annotations

from flask import current_app, session
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from registry.accounts import codes, services
from registry.accounts.models import CodePurpose, Role
from registry.accounts.schemas import (
    AccountSchema,
    CodeOnlySchema,
    CsrfSchema,
    LoginSchema,
    NewPhoneConfirmSchema,
    NewPhoneSchema,
    RegisterSchema,
    SendCodeResultSchema,
    SendCodeSchema,
)
from registry.accounts.views import PHONE_CHANGE_KEY, bp, old_phone_confirmed
from registry.core import clock
from registry.core.errors import DomainError, NotFound
from registry.core.idnumbers import mask_phone
from registry.web.api import dump, load_body, operation, require_json_api_login
from registry.web.helpers import client_ip

TAGS = ("accounts",)


def _code_result(phone: str):
    config = current_app.config
    return dump(SendCodeResultSchema, {"sent_to": mask_phone(phone), "expires_in": config["SMS_CODE_TTL_SECONDS"],
                                       "resend_after": config["SMS_RESEND_SECONDS"]}, status=202)


@bp.get("/api/v1/session/csrf")
@operation("Get a CSRF token for state-changing calls (send it as X-CSRFToken)", response=CsrfSchema, tags=TAGS)
def api_csrf():
    return dump(CsrfSchema, {"csrf_token": generate_csrf()})


@bp.post("/api/v1/sms/codes")
@operation("Send an SMS code for registration or login", body=SendCodeSchema, response=SendCodeResultSchema,
           status=202, tags=TAGS)
def api_send_code():
    data = load_body(SendCodeSchema)
    purpose = CodePurpose(data["purpose"])
    if purpose is CodePurpose.LOGIN and services.find_by_phone(data["phone"]) is None:
        raise NotFound(_("No account uses this phone number; register first."), code="no_account",
                       fields={"phone": [_("No account uses this phone number; register first.")]})
    codes.send_code(data["phone"], purpose, client_ip())
    return _code_result(data["phone"])


@bp.post("/api/v1/accounts")
@operation("Register a worker or household account", body=RegisterSchema, response=AccountSchema,
           status=201, tags=TAGS)
def api_register():
    data = load_body(RegisterSchema)
    account = services.register(Role(data["role"]), data["name"].strip(), data["id_number"],
                                data["phone"], data["code"])
    login_user(account)
    return dump(AccountSchema, account, status=201)


@bp.post("/api/v1/session")
@operation("Log in with phone and SMS code", body=LoginSchema, response=AccountSchema, tags=TAGS)
def api_login():
    data = load_body(LoginSchema)
    account = services.login(data["phone"], data["code"])
    login_user(account, remember=data["remember"])
    return dump(AccountSchema, account)


@bp.delete("/api/v1/session")
@operation("Log out", status=204, tags=TAGS)
def api_logout():
    logout_user()
    return "", 204


@bp.get("/api/v1/me")
@operation("The signed-in account (masked)", response=AccountSchema, tags=TAGS)
@require_json_api_login
def api_me():
    return dump(AccountSchema, current_user)


@bp.post("/api/v1/me/phone/old-code")
@operation("Send a code to the current phone to start a phone change", response=SendCodeResultSchema,
           status=202, tags=TAGS)
@require_json_api_login
def api_send_old_phone_code():
    codes.send_code(current_user.phone, CodePurpose.CHANGE_PHONE_OLD, client_ip())
    return _code_result(current_user.phone)


@bp.post("/api/v1/me/phone/old-code/verify")
@operation("Confirm the code sent to the current phone", body=CodeOnlySchema, status=204, tags=TAGS)
@require_json_api_login
def api_verify_old_phone():
    data = load_body(CodeOnlySchema)
    services.confirm_old_phone(current_user._get_current_object(), data["code"])
    session[PHONE_CHANGE_KEY] = (current_user.id, clock.now().isoformat())
    return "", 204


def _requireold_phone_confirmed() -> None:
    if not old_phone_confirmed():
        raise DomainError(_("Confirm your current number first."), code="old_phone_not_confirmed", status=409)


@bp.post("/api/v1/me/phone/new-code")
@operation("Send a code to the new phone", body=NewPhoneSchema, response=SendCodeResultSchema,
           status=202, tags=TAGS)
@require_json_api_login
def api_send_new_phone_code():
    data = load_body(NewPhoneSchema)
    _requireold_phone_confirmed()
    if services.phone_taken(data["phone"]):
        raise DomainError(_("This phone number is already registered."), code="phone_taken", status=409,
                          fields={"phone": [_("This phone number is already registered.")]})
    codes.send_code(data["phone"], CodePurpose.CHANGE_PHONE_NEW, client_ip())
    return _code_result(data["phone"])


@bp.post("/api/v1/me/phone")
@operation("Change to the new phone; every other session ends", body=NewPhoneConfirmSchema,
           response=AccountSchema, tags=TAGS)
@require_json_api_login
def api_change_phone():
    data = load_body(NewPhoneConfirmSchema)
    _requireold_phone_confirmed()
    account = current_user._get_current_object()
    services.change_phone(account, data["phone"], data["code"])
    session.pop(PHONE_CHANGE_KEY, None)
    login_user(account)
    return dump(AccountSchema, account)


@bp.post("/api/v1/me/deletion-code")
@operation("Send a code confirming account deletion", response=SendCodeResultSchema, status=202, tags=TAGS)
@require_json_api_login
def api_send_deletion_code():
    codes.send_code(current_user.phone, CodePurpose.DELETE_ACCOUNT, client_ip())
    return _code_result(current_user.phone)


@bp.post("/api/v1/me/deletion")
@operation("Delete the account and all its data (注销)", body=CodeOnlySchema, status=204, tags=TAGS)
@require_json_api_login
def api_delete_account():
    data = load_body(CodeOnlySchema)
    services.delete_account(current_user._get_current_object(), data["code"])
    logout_user()
    return "", 204
