"""The worker's side of a view: pending requests, face approval, grants and their reads."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consent import grants
from consent import messages as consent_messages
from consumers import services
from consumers.schemas import (
    ApprovalSchema,
    GrantSchema,
    NarrowingSchema,
    PendingRequestSchema,
    ViewRequestSchema,
    WorkerGrantSchema,
)
from consumers.views import bp
from registry.accounts.models import Account, Role
from registry.core.errors import DomainError, Forbidden
from registry.core.idnumbers import mask_name
from registry.web.api import dump, load_body, operation, require_json_api_login
from registry.web.helpers import flash_success, load_form, refusal_errors, roles_required

TAGS = ("approvals",)
WORKER = Role.WORKER.value


def _worker() -> Account:
    account = current_user._get_current_object()
    if account.role != WORKER:
        raise Forbidden(_("Only domestic workers answer view requests."), code="not_a_worker")
    return account


@bp.get("/me/requests")
@roles_required(WORKER)
def worker_requests():
    """Households waiting for the worker's answer, with who asks."""
    pending = services.pending_for_worker(_worker())
    return render_template("consumers/worker_requests.html", pending=pending)


@bp.route("/me/requests/<int:request_id>/approve", methods=["GET", "POST"])
@roles_required(WORKER)
def approve_page(request_id: int):
    """Approve after a fresh face check (刷脸授权)."""
    worker = _worker()
    errors: dict = {}
    chosen = request.form.getlist("scopes") if request.method == "POST" else list(grants.DEFAULT_SCOPES)
    if request.method == "POST":
        data, errors = _approval_form()
        if not errors:
            try:
                services.approve(worker, request_id, data["face_check_id"], data["scopes"], data["until"])
            except DomainError as exc:
                errors = refusal_errors(exc)
            else:
                flash_success(_("Approved. The household can now see what you chose, until the end you chose."))
                return redirect(url_for("consumers.worker_grants"))
    pending = {r.id: (r, a) for r, a in services.pending_for_worker(worker)}
    if request_id not in pending and not errors:
        errors = {"_form": [_("This request is no longer waiting for an answer.")]}
    view_request, consumer = pending.get(request_id, (None, None))
    return render_template("consumers/approve.html", request_id=request_id, chosen=chosen, form=request.form,
                           consumer_name=mask_name(consumer.name) if consumer else "",
                           asked_before=services.times_asked_before(view_request) if view_request else 0,
                           scopes=grants.SCOPES, labels=consent_messages.scope_labels(),
                           durations=grants.DURATION_HOURS, errors=errors), (422 if errors else 200)


def _approval_form() -> tuple[dict, dict]:
    """The approval form: ticked sections, one duration or an end date, and the passed face check."""
    form = request.form
    duration = form.get("duration", "24")
    raw = {"face_check_id": form.get("face_check_id", ""), "scopes": form.getlist("scopes")}
    if duration == "date":
        raw["until_date"] = form.get("until_date", "")
    else:
        raw["hours"] = int(duration) if duration.isdigit() and len(duration) < 5 else duration
    return load_form(ApprovalSchema(), raw)


@bp.post("/me/requests/<int:request_id>/decline")
@roles_required(WORKER)
def decline_page(request_id: int):
    """Refuse a request."""
    services.decline(_worker(), request_id)
    flash_success(_("Declined. The household has been told."))
    return redirect(url_for("consumers.worker_requests"))


@bp.get("/me/grants")
@roles_required(WORKER)
def worker_grants():
    """Every grant given, and every read made under it."""
    worker = _worker()
    rows = [(grant, grants.masked_consumer_name(grant), grants.reads_of(grant))
            for grant in grants.grants_of_worker(worker)]
    return render_template("consumers/worker_grants.html", rows=rows, labels=consent_messages.scope_labels(),
                           is_live=grants.is_live, ended_message=grants.ended_message)


@bp.post("/me/grants/<int:grant_id>/revoke")
@roles_required(WORKER)
def revoke_grant_page(grant_id: int):
    """Withdraw a grant at once."""
    grants.revoke_grant(_worker(), grant_id)
    flash_success(_("Withdrawn. The household can no longer see your information."))
    return redirect(url_for("consumers.worker_grants"))


@bp.post("/me/grants/<int:grant_id>/narrow")
@roles_required(WORKER)
def narrow_grant_page(grant_id: int):
    """Keep sharing only the ticked sections."""
    data, errors = load_form(NarrowingSchema(), {"scopes": request.form.getlist("scopes")})
    if errors:
        flash(_("Tick at least one section to keep sharing, or withdraw the authorization."), "error")
        return redirect(url_for("consumers.worker_grants"))
    try:
        grants.narrow_grant(_worker(), grant_id, data["scopes"], None)
    except DomainError as exc:
        flash(refusal_errors(exc).get("_form", [exc.message])[0], "error")
    else:
        flash_success(_("Saved. The household now sees only the sections you kept."))
    return redirect(url_for("consumers.worker_grants"))


# --- API -------------------------------------------------------------------------

@bp.get("/api/v1/workers/me/view-requests")
@operation("Pending view requests for the signed-in worker", response=PendingRequestSchema(many=True), errors=(403,), tags=TAGS)
@require_json_api_login
def api_pending():
    rows = services.pending_for_worker(_worker())
    return dump(PendingRequestSchema, [{"id": r.id, "consumer_name": mask_name(a.name), "created_at": r.created_at,
                                        "times_asked_before": services.times_asked_before(r),
                                        "expires_at": r.expires_at} for r, a in rows], many=True)


@bp.post("/api/v1/workers/me/view-requests/<int:request_id>/approval")
@operation("Approve with a passed face check of purpose view_approval: the sections chosen (default: basic, "
           "identity, work history, training, insurance and health), for `hours` (2, 24 or 168) or until the end of "
           "`until_date` (China time), at most the operator's maximum; creates the grant", body=ApprovalSchema,
           response=GrantSchema, status=201, errors=(403, 409), tags=TAGS)
@require_json_api_login
def api_approve(request_id: int):
    worker = _worker()
    data = load_body(ApprovalSchema)
    grant = services.approve(worker, request_id, data["face_check_id"], data["scopes"], data["until"])
    return dump(GrantSchema, grant, status=201)


@bp.post("/api/v1/workers/me/view-requests/<int:request_id>/decline")
@operation("Decline a view request", response=ViewRequestSchema, errors=(403, 409), tags=TAGS)
@require_json_api_login
def api_decline(request_id: int):
    view_request = services.decline(_worker(), request_id)
    return dump(ViewRequestSchema, services.request_summary(view_request))


@bp.get("/api/v1/workers/me/grants")
@operation("Every grant the worker gave, with the reads made under it", response=WorkerGrantSchema(many=True),
           errors=(403,), tags=TAGS)
@require_json_api_login
def api_worker_grants():
    return dump(WorkerGrantSchema, grants.grants_of_worker(_worker()), many=True)


@bp.post("/api/v1/workers/me/grants/<int:grant_id>/revocation")
@operation("Withdraw a grant at once", response=GrantSchema, errors=(403, 409), tags=TAGS)
@require_json_api_login
def api_revoke_grant(grant_id: int):
    return dump(GrantSchema, grants.revoke_grant(_worker(), grant_id))


@bp.post("/api/v1/workers/me/grants/<int:grant_id>/narrowing")
@operation("Share fewer sections, or until an earlier time; an ended grant answers 410", body=NarrowingSchema,
           response=GrantSchema, errors=(403, 410), tags=TAGS)
@require_json_api_login
def api_narrow_grant(grant_id: int):
    worker = _worker()
    data = load_body(NarrowingSchema)
    return dump(GrantSchema, grants.narrow_grant(worker, grant_id, data["scopes"], data["until"]))
