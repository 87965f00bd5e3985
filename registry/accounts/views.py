"""Account pages and /api/v1 endpoints: register, login, logout, personal center, phone change, deletion."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from registry.accounts import codes, export, services
from registry.accounts.models import CodePurpose, Role
from registry.accounts.schemas import (
    AccountSchema,
    CodeOnlySchema,
    CsrfSchema,
    ExportSchema,
    LoginSchema,
    NewPhoneConfirmSchema,
    NewPhoneSchema,
    RegisterSchema,
    SendCodeResultSchema,
    SendCodeSchema,
)
from registry.core import clock
from registry.core.errors import DomainError
from registry.core.idnumbers import mask_id_number, mask_phone
from registry.web.api import dump, load_body, operation, require_json_api_login
from registry.web.helpers import client_ip, flash_success, next_step, parse_form, refusal_errors, safe_next
from registry.web.home import account_links
from registry.web.presenting import moment
from registry.web.ratelimit import limit_sign_in

bp = Blueprint("accounts", __name__, template_folder="templates")

# How long a confirmed old number stays good for the second step of a phone change.
PHONE_CHANGE_WINDOW = dt.timedelta(minutes=10)
PHONE_CHANGE_KEY = "phone_change_confirmed_at"


def _render(template: str, errors: dict, status_if_errors: int = 422, **context):
    status = status_if_errors if errors else 200
    return render_template(template, errors=errors, **context), status



def sign_in(account, remember: bool = False) -> None:
    """A fresh login session (server-side row), then the cookie that names it."""
    services.start_session(account, remember)
    login_user(account, remember=remember)


def sign_out() -> None:
    if current_user.is_authenticated:
        services.end_session(current_user._get_current_object())
    logout_user()

@bp.route("/register", methods=["GET", "POST"])
@limit_sign_in()
def register():
    """Register as a domestic worker or a household, confirmed by SMS code."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.personal_center"))
    schema = RegisterSchema()
    errors: dict = {}
    code_sent = False
    form = request.form
    if request.method == "POST":
        action = form.get("action", "register")
        if action == "send":
            data, errors = parse_form(schema, only=("role", "name", "id_number", "phone"))
            if not errors:
                try:
                    services.check_worker_age(Role(data["role"]), data["id_number"])  # no code for who cannot register
                    services.request_registration_code(Role(data["role"]), data["phone"], client_ip())
                    code_sent = True
                except DomainError as exc:
                    errors = refusal_errors(exc)
        else:
            data, errors = parse_form(schema)
            if not errors:
                try:
                    account = services.register(Role(data["role"]), data["name"].strip(),
                                                 data["id_number"], data["phone"], data["code"])
                except DomainError as exc:
                    errors = refusal_errors(exc)
                    code_sent = True
                else:
                    sign_in(account)
                    flash_success(_("Welcome! Your account has been created."))
                    # A worker goes straight on to the first registration step.
                    following = next_step(account)
                    return redirect(following[0] if following else url_for("accounts.personal_center"))
            else:
                code_sent = True
    return _render("accounts/register.html", errors, form=form, code_sent=code_sent)


@bp.route("/login", methods=["GET", "POST"])
@limit_sign_in()
def login():
    """Log in with phone number and SMS code."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.personal_center"))
    schema = LoginSchema()
    errors: dict = {}
    code_sent = False
    form = request.form
    if request.method == "POST":
        if form.get("action") == "send":
            data, errors = parse_form(schema, only=("phone",))
            if not errors:
                try:
                    services.request_login_code(data["phone"], client_ip())
                    code_sent = True
                except DomainError as exc:
                    errors = refusal_errors(exc)
        else:
            code_sent = True
            data, errors = parse_form(schema)
            if not errors:
                try:
                    account = services.login(data["phone"], data["code"])
                except DomainError as exc:
                    errors = refusal_errors(exc)
                else:
                    sign_in(account, remember=data["remember"])
                    return redirect(safe_next(request.args.get("next"), url_for("accounts.personal_center")))
    return _render("accounts/login.html", errors, form=form, code_sent=code_sent)


@bp.post("/logout")
def logout():
    """End this session (server-side: a replayed cookie no longer works)."""
    sign_out()
    return redirect(url_for("home.index"))


@bp.get("/me")
@login_required
def personal_center():
    """个人中心: masked account data and account actions."""
    return render_template("accounts/personal_center.html",
                           masked_id=mask_id_number(current_user.id_number),
                           masked_phone=mask_phone(current_user.phone),
                           personal_center_links=account_links(current_user.role))


@bp.get("/me/export")
@login_required
def export_page():
    """我的数据: everything the platform holds about me, in words, and the signed copy to download.

    Always the signed-in person's own: no id in the URL, nobody can ask for another account's copy.
    """
    document, sections = export.readable_export(current_user._get_current_object())
    response = make_response(render_template("accounts/export.html", sections=sections,
                                             generated_at=moment(document["generated_at"]),
                                             jwks_url=export.JWKS_PATH))
    response.headers["Cache-Control"] = "no-store"  # unmasked ID number and phone: never kept by a cache
    return response


@bp.post("/me/logout-everywhere")
@login_required
def logout_everywhere():
    """End every session of this account, this one included."""
    services.logout_everywhere(current_user._get_current_object())
    logout_user()
    flash_success(_("You have been logged out on every device."))
    return redirect(url_for("accounts.login"))


def old_phone_confirmed() -> bool:
    stamp = session.get(PHONE_CHANGE_KEY)
    if not stamp:
        return False
    account_id, when = stamp
    confirmed = dt.datetime.fromisoformat(when)
    return account_id == current_user.id and clock.now() - confirmed < PHONE_CHANGE_WINDOW


@bp.route("/me/phone", methods=["GET", "POST"])
@login_required
def change_phone():
    """Change phone: a code to the old number, then one to the new number."""
    account = current_user._get_current_object()
    errors: dict = {}
    code_sent = False
    form = request.form
    if request.method == "POST":
        action = form.get("action")
        try:
            if action == "send_old":
                codes.send_code(account.phone, CodePurpose.CHANGE_PHONE_OLD, client_ip())
                code_sent = True
            elif action == "verify_old":
                data, errors = parse_form(CodeOnlySchema())
                code_sent = True
                if not errors:
                    services.confirm_old_phone(account, data["code"])
                    session[PHONE_CHANGE_KEY] = (account.id, clock.now().isoformat())
                    code_sent = False
                    form = {}  # step 2 starts empty: the old number's code is no code for the new one
            elif action in ("send_new", "confirm") and old_phone_confirmed():
                if action == "send_new":
                    data, errors = parse_form(NewPhoneSchema())
                    if not errors:
                        if services.phone_taken(data["phone"]):
                            raise DomainError(_("This phone number is already registered."),
                                              fields={"phone": [_("This phone number is already registered.")]})
                        codes.send_code(data["phone"], CodePurpose.CHANGE_PHONE_NEW, client_ip())
                        code_sent = True
                else:
                    code_sent = True
                    data, errors = parse_form(NewPhoneConfirmSchema())
                    if not errors:
                        services.change_phone(account, data["phone"], data["code"])
                        session.pop(PHONE_CHANGE_KEY, None)
                        # Other sessions ended with the version bump; keep this one.
                        sign_in(account)
                        flash_success(_("Your phone number has been changed. Other devices were logged out."))
                        return redirect(url_for("accounts.personal_center"))
            elif action in ("send_new", "confirm"):
                errors = {"_form": [_("Confirm your current number first.")]}
            else:
                errors = {"_form": [_("Unknown action.")]}
        except DomainError as exc:
            errors = refusal_errors(exc)
    return _render("accounts/change_phone.html", errors, form=form, code_sent=code_sent,
                   old_confirmed=old_phone_confirmed(), masked_phone=mask_phone(account.phone))


@bp.route("/me/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    """注销: delete the account and all its data, confirmed by SMS code."""
    account = current_user._get_current_object()
    errors: dict = {}
    code_sent = False
    if request.method == "POST":
        try:
            if request.form.get("action") == "send":
                codes.send_code(account.phone, CodePurpose.DELETE_ACCOUNT, client_ip())
                code_sent = True
            else:
                code_sent = True
                data, errors = parse_form(CodeOnlySchema())
                if not errors:
                    services.delete_account(account, data["code"])
                    logout_user()
                    flash_success(_("Your account and all of its data have been deleted."))
                    return redirect(url_for("home.index"))
        except DomainError as exc:
            errors = refusal_errors(exc)
    return _render("accounts/delete.html", errors, code_sent=code_sent, masked_phone=mask_phone(account.phone))


# --- API -------------------------------------------------------------------------

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
           status=202, errors=(429,), tags=TAGS)
def api_send_code():
    data = load_body(SendCodeSchema)
    purpose = CodePurpose(data["purpose"])
    # The same answer for registered and unregistered phones (no enumeration); see the services.
    if purpose is CodePurpose.LOGIN:
        services.request_login_code(data["phone"], client_ip())
    else:
        services.request_registration_code(Role.WORKER, data["phone"], client_ip())
    return _code_result(data["phone"])


@bp.post("/api/v1/accounts")
@operation("Register a worker or household account", body=RegisterSchema, response=AccountSchema,
           status=201, errors=(403, 409, 429), tags=TAGS)
@limit_sign_in()
def api_register():
    data = load_body(RegisterSchema)
    account = services.register(Role(data["role"]), data["name"].strip(), data["id_number"],
                                data["phone"], data["code"])
    sign_in(account)
    return dump(AccountSchema, account, status=201)


@bp.post("/api/v1/session")
@operation("Log in with phone and SMS code", body=LoginSchema, response=AccountSchema, errors=(404, 429), tags=TAGS)
@limit_sign_in()
def api_login():
    data = load_body(LoginSchema)
    account = services.login(data["phone"], data["code"])
    sign_in(account, remember=data["remember"])
    return dump(AccountSchema, account)


@bp.delete("/api/v1/session")
@operation("Log out", status=204, tags=TAGS)
def api_logout():
    sign_out()
    return "", 204


@bp.get("/api/v1/me")
@operation("The signed-in account (masked)", response=AccountSchema, tags=TAGS)
@require_json_api_login
def api_me():
    return dump(AccountSchema, current_user)


@bp.get("/api/v1/me/export")
@operation("Everything the platform holds about me (PIPL art. 45), unmasked, as one signed document",
           response=ExportSchema, tags=TAGS)
@require_json_api_login
def api_export():
    token = export.signed_export(current_user._get_current_object())
    response = dump(ExportSchema, {"token": token, "document": export.document_of(token)})
    # A browser following the page's button saves it as a file; API clients read it as JSON.
    filename = f"my-data-{clock.china_today().isoformat()}.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/api/v1/me/phone/old-code")
@operation("Send a code to the current phone to start a phone change", response=SendCodeResultSchema,
           status=202, errors=(429,), tags=TAGS)
@require_json_api_login
def api_send_old_phone_code():
    codes.send_code(current_user.phone, CodePurpose.CHANGE_PHONE_OLD, client_ip())
    return _code_result(current_user.phone)


@bp.post("/api/v1/me/phone/old-code/verify")
@operation("Confirm the code sent to the current phone", body=CodeOnlySchema, status=204, errors=(429,), tags=TAGS)
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
           status=202, errors=(409, 429), tags=TAGS)
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
           response=AccountSchema, errors=(409, 429), tags=TAGS)
@require_json_api_login
def api_change_phone():
    data = load_body(NewPhoneConfirmSchema)
    _requireold_phone_confirmed()
    account = current_user._get_current_object()
    services.change_phone(account, data["phone"], data["code"])
    session.pop(PHONE_CHANGE_KEY, None)
    sign_in(account)
    return dump(AccountSchema, account)


@bp.post("/api/v1/me/deletion-code")
@operation("Send a code confirming account deletion", response=SendCodeResultSchema, status=202, errors=(429,), tags=TAGS)
@require_json_api_login
def api_send_deletion_code():
    codes.send_code(current_user.phone, CodePurpose.DELETE_ACCOUNT, client_ip())
    return _code_result(current_user.phone)


@bp.post("/api/v1/me/deletion")
@operation("Delete the account and all its data (注销)", body=CodeOnlySchema, status=204, errors=(429,), tags=TAGS)
@require_json_api_login
def api_delete_account():
    data = load_body(CodeOnlySchema)
    services.delete_account(current_user._get_current_object(), data["code"])
    logout_user()
    return "", 204
