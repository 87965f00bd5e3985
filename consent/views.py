"""Authorization pages, the consent API and the operator's letter page."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from consent import services
from consent.schemas import ConsentSchema, LetterInputSchema, LetterSchema, SignSchema
from registry.accounts.models import Role
from registry.core.errors import DomainError
from registry.news.markdown import render_markdown
from registry.web.api import dump, load_body, operation, require_json_api_login
from registry.web.helpers import flash_success, parse_form, refusal_errors, roles_required

bp = Blueprint("consent", __name__, template_folder="templates")

TAGS = ("consent",)


@bp.route("/consent/letter", methods=["GET", "POST"])
@roles_required(Role.WORKER.value)
def letter_page():
    """The letter in full; sign it after a fresh face check."""
    account = current_user._get_current_object()
    letter = services.current_letter()
    errors: dict = {}
    face_check = request.values.get("face_check", type=int)
    if request.method == "POST":
        data, errors = parse_form(SignSchema())
        if not errors:
            try:
                consent = services.sign(account, data["letter_version"], data["letter_sha256"],
                                        data["face_check_id"])
            except DomainError as exc:
                errors = refusal_errors(exc)
            else:
                flash_success(_("You have signed the authorization letter."))
                return redirect(url_for("consent.receipt", consent_id=consent.id))
    status = 422 if errors else 200
    return render_template("consent/letter.html", letter=letter, body_html=render_markdown(letter.body),
                           face_check=face_check, active=services.active_consent(account),
                           errors=errors), status


@bp.get("/consent/mine")
@login_required
def my_consents():
    """The account's signed authorizations."""
    return render_template("consent/mine.html", consents=services.list_own(current_user._get_current_object()))


@bp.get("/consent/receipts/<int:consent_id>")
@login_required
def receipt(consent_id: int):
    """A printable receipt of exactly what was signed."""
    consent = services.get_own(current_user._get_current_object(), consent_id)
    letter = next(item for item in services.letters() if item.id == consent.letter_id)
    return render_template("consent/receipt.html", consent=consent, letter=letter,
                           body_html=render_markdown(letter.body), signature_ok=services.verify_signature(consent))


@bp.post("/consent/<int:consent_id>/revoke")
@login_required
def revoke_page(consent_id: int):
    """Withdraw an authorization."""
    services.revoke(current_user._get_current_object(), consent_id)
    flash_success(_("The authorization has been withdrawn."))
    return redirect(url_for("consent.my_consents"))


# --- API -----------------------------------------------------------------------

@bp.get("/api/v1/consent/letter")
@operation("The current authorization letter with its version and SHA-256", response=LetterSchema, errors=(404,), tags=TAGS)
def api_letter():
    return dump(LetterSchema, services.current_letter())


@bp.post("/api/v1/consent/consents")
@operation("Sign the current letter with a passed face check of purpose 'consent'", body=SignSchema,
           response=ConsentSchema, status=201, errors=(403, 409), tags=TAGS)
@require_json_api_login
def api_sign():
    data = load_body(SignSchema)
    consent = services.sign(current_user._get_current_object(), data["letter_version"], data["letter_sha256"],
                            data["face_check_id"])
    return dump(ConsentSchema, consent, status=201)


@bp.get("/api/v1/consent/consents")
@operation("The signed-in account's consents", response=ConsentSchema(many=True), tags=TAGS)
@require_json_api_login
def api_list():
    return dump(ConsentSchema, services.list_own(current_user._get_current_object()), many=True)


@bp.post("/api/v1/consent/consents/<int:consent_id>/revocation")
@operation("Withdraw a consent", response=ConsentSchema, errors=(409,), tags=TAGS)
@require_json_api_login
def api_revoke(consent_id: int):
    return dump(ConsentSchema, services.revoke(current_user._get_current_object(), consent_id))


# --- operators -------------------------------------------------------------------

@bp.route("/admin/consent/letters", methods=["GET", "POST"])
@roles_required(Role.ADMIN.value)
def admin_letters():
    """Publish a new version of the letter; see every version."""
    errors: dict = {}
    form = request.form
    if request.method == "POST":
        data, errors = parse_form(LetterInputSchema())
        if not errors:
            letter = services.publish_letter(data["title"].strip(), data["body"], current_user.id)
            flash_success(_("Version %(version)s has been published.", version=letter.version))
            return redirect(url_for("consent.admin_letters"))
    status = 422 if errors else 200
    return render_template("consent/admin_letters.html", letters=services.letters(), form=form,
                           errors=errors), status
