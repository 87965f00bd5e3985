"""Household pages and API: scan, follow the request, read under a grant."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consent import grants
from consumers import credit_view, messages, services
from consumers.schemas import CreditViewSchema, ScanResultSchema, ScanSchema, ViewRequestSchema
from disputes import services as disputes
from registry.accounts.models import Role
from registry.core.errors import DomainError, NotFound
from registry.web.api import dump, load_body, operation, require_json_api_login
from registry.web.helpers import refusal_errors, roles_required
from workers.certificates import messages as certificate_messages

bp = Blueprint("consumers", __name__, template_folder="templates")

SCANNERS = (Role.CONSUMER.value, Role.WORKER.value)
TAGS = ("scan",)


def _scan_payload(result: services.ScanResult) -> dict:
    if result.request is None:
        message = _("This worker has departed (no monthly check-in for more than 30 days); no credit information is available.")
    else:
        message = messages.status_message(result.request)
    code = result.status_code
    return {"status": result.status, "worker_name": result.masked_name,
            "request_id": result.request.id if result.request else None,
            "request_state": result.request.state if result.request else None, "message": message,
            "status_code": code.colour if code else None,
            "status_code_label": certificate_messages.status_colour_labels()[code.colour] if code else None,
            "status_code_about": [certificate_messages.status_category_labels()[c] for c in code.categories]
            if code else []}


@bp.route("/scan", methods=["GET", "POST"])
@roles_required(*SCANNERS)
def scan_page():
    """扫一扫: camera, photo or typed code."""
    errors: dict = {}
    if request.method == "POST":
        # The scanner component posts `token` (camera, photo) or `code` (typed).
        scanned = next((request.form[k] for k in ("token", "code", "scanned") if request.form.get(k)), "")
        if not scanned or len(scanned) > 1024:
            errors = {"scanned": [_("Scan a QR code or type the code first.")]}
        else:
            try:
                result = services.scan(current_user._get_current_object(), scanned)
            except DomainError as exc:
                errors = refusal_errors(exc)
            else:
                if result.request is None:
                    return render_template("consumers/departed.html")
                return redirect(url_for("consumers.request_page", request_id=result.request.id))
    return render_template("consumers/scan.html", errors=errors), (422 if errors else 200)


@bp.get("/requests/<int:request_id>")
@roles_required(*SCANNERS)
def request_page(request_id: int):
    """The household follows its request until the worker answers."""
    view_request = services.request_for_consumer(current_user._get_current_object(), request_id)
    return render_template("consumers/request.html", view_request=view_request,
                           message=messages.status_message(view_request),
                           status=services.door_status(view_request),
                           colour_labels=certificate_messages.status_colour_labels(),
                           about_labels=certificate_messages.status_category_labels(),
                           worker_name=services.masked_worker_name(view_request),
                           has_photo=services.photo_grant(view_request, current_user._get_current_object())
                           is not None)


@bp.post("/requests/<int:request_id>/entry")
@roles_required(Role.CONSUMER.value)
def entry_from_request(request_id: int):
    """确认入户 right after the scan at the door."""
    try:
        visit = services.enter_from_request(current_user._get_current_object(), request_id)
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "error")
        return redirect(url_for("consumers.request_page", request_id=request_id))
    return redirect(url_for("visits.visit_page", visit_id=visit.id))


@bp.get("/requests/<int:request_id>/photo")
@roles_required(*SCANNERS)
def request_photo(request_id: int):
    """The worker's identity photo, for the household that scanned them."""
    view_request = services.request_for_consumer(current_user._get_current_object(), request_id)
    photo = services.worker_photo(view_request, current_user._get_current_object())
    if photo is None:
        raise NotFound(_("No photo is available."), code="no_photo")
    return Response(photo, mimetype="image/jpeg", headers={"Cache-Control": "private, no-store"})


@bp.get("/views/<int:grant_id>")
@roles_required(*SCANNERS)
def credit_page(grant_id: int):
    """The worker's credit data, while the grant is live."""
    grant, sections = credit_view.read_and_log(grant_id, current_user._get_current_object())
    return render_template("consumers/view.html", grant=grant, sections=sections,
                           labels=messages.field_labels(), disputed_label=disputes.disputed_label())


@bp.get("/views")
@roles_required(*SCANNERS)
def my_views():
    """Every authorization the household has received."""
    return render_template("consumers/views.html", grants=grants.grants_of_consumer(current_user._get_current_object()),
                           is_live=grants.is_live, ended_message=grants.ended_message)


# --- API -------------------------------------------------------------------------

@bp.post("/api/v1/scans")
@operation("Scan a certificate token or code; opens a view request for an active worker", body=ScanSchema,
           response=ScanResultSchema, errors=(403, 404, 429), tags=TAGS)
@require_json_api_login
def api_scan():
    data = load_body(ScanSchema)
    return dump(ScanResultSchema, _scan_payload(services.scan(current_user._get_current_object(),
                                                              data["scanned"])))


@bp.get("/api/v1/view-requests/<int:request_id>")
@operation("The state of the household's view request", response=ViewRequestSchema, tags=TAGS)
@require_json_api_login
def api_request(request_id: int):
    view_request = services.request_for_consumer(current_user._get_current_object(), request_id)
    return dump(ViewRequestSchema, services.request_summary(view_request))


@bp.get("/api/v1/grants/<int:grant_id>/view")
@operation("The worker's authorized credit data under a live grant (every read is logged)",
           response=CreditViewSchema, errors=(410,), tags=TAGS)
@require_json_api_login
def api_credit_view(grant_id: int):
    grant, sections = credit_view.read_and_log(grant_id, current_user._get_current_object())
    return dump(CreditViewSchema, {"grant": grant, "sections": sections})
