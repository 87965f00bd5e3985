"""The worker's side of a view: pending requests, face approval, grants and their reads."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consent import grants
from consumers import services
from consumers.schemas import ApprovalSchema, GrantSchema, PendingRequestSchema, ViewRequestSchema, WorkerGrantSchema
from consumers.views import bp
from registry.accounts.models import Account, Role
from registry.core.errors import DomainError, Forbidden
from registry.core.extensions import db
from registry.core.idnumbers import mask_name
from registry.web.api import dump, load_body, operation, require_json_api_login
from registry.web.helpers import flash_success, parse_form, refusal_errors, roles_required

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
    face_check = request.values.get("face_check", type=int)
    if request.method == "POST":
        data, errors = parse_form(ApprovalSchema())
        if not errors:
            try:
                services.approve(worker, request_id, data["face_check_id"])
            except DomainError as exc:
                errors = refusal_errors(exc)
            else:
                flash_success(_("Approved. The household can now see your credit information."))
                return redirect(url_for("consumers.worker_grants"))
        face_check = None
    pending = dict((r.id, a) for r, a in services.pending_for_worker(worker))
    if request_id not in pending and not errors:
        errors = {"_form": [_("This request is no longer waiting for an answer.")]}
    consumer = pending.get(request_id)
    return render_template("consumers/approve.html", request_id=request_id, face_check=face_check,
                           consumer_name=mask_name(consumer.name) if consumer else "",
                           errors=errors), (422 if errors else 200)


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
    rows = []
    for grant in grants.grants_of_worker(worker):
        consumer = db.session.get(Account, grant.consumer_id)
        rows.append((grant, mask_name(consumer.name) if consumer else "", grants.reads_of(grant)))
    return render_template("consumers/worker_grants.html", rows=rows)


@bp.post("/me/grants/<int:grant_id>/revoke")
@roles_required(WORKER)
def revoke_grant_page(grant_id: int):
    """Withdraw a grant at once."""
    grants.revoke_grant(_worker(), grant_id)
    flash_success(_("Withdrawn. The household can no longer see your information."))
    return redirect(url_for("consumers.worker_grants"))


# --- API -------------------------------------------------------------------------

@bp.get("/api/v1/workers/me/view-requests")
@operation("Pending view requests for the signed-in worker", response=PendingRequestSchema(many=True), tags=TAGS)
@require_json_api_login
def api_pending():
    rows = services.pending_for_worker(_worker())
    return dump(PendingRequestSchema, [{"id": r.id, "consumer_name": mask_name(a.name), "created_at": r.created_at,
                                        "expires_at": r.expires_at} for r, a in rows], many=True)


@bp.post("/api/v1/workers/me/view-requests/<int:request_id>/approval")
@operation("Approve with a passed face check of purpose view_approval; creates the grant", body=ApprovalSchema,
           response=GrantSchema, status=201, tags=TAGS)
@require_json_api_login
def api_approve(request_id: int):
    data = load_body(ApprovalSchema)
    return dump(GrantSchema, services.approve(_worker(), request_id, data["face_check_id"]), status=201)


@bp.post("/api/v1/workers/me/view-requests/<int:request_id>/decline")
@operation("Decline a view request", response=ViewRequestSchema, tags=TAGS)
@require_json_api_login
def api_decline(request_id: int):
    view_request = services.decline(_worker(), request_id)
    return dump(ViewRequestSchema, services.request_summary(view_request))


@bp.get("/api/v1/workers/me/grants")
@operation("Every grant the worker gave, with the reads made under it", response=WorkerGrantSchema(many=True),
           tags=TAGS)
@require_json_api_login
def api_worker_grants():
    worker = _worker()
    items = []
    for grant in grants.grants_of_worker(worker):
        consumer = db.session.get(Account, grant.consumer_id)
        items.append({"id": grant.id, "scope_list": grant.scope_list, "valid_from": grant.valid_from,
                      "valid_until": grant.valid_until, "revoked_at": grant.revoked_at,
                      "face_check_id": grant.face_check_id,
                      "consumer_name": mask_name(consumer.name) if consumer else "",
                      "reads": grants.reads_of(grant)})
    return dump(WorkerGrantSchema, items, many=True)


@bp.post("/api/v1/workers/me/grants/<int:grant_id>/revocation")
@operation("Withdraw a grant at once", response=GrantSchema, tags=TAGS)
@require_json_api_login
def api_revoke_grant(grant_id: int):
    return dump(GrantSchema, grants.revoke_grant(_worker(), grant_id))
