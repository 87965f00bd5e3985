"""Dispute pages (the worker's, the operators' queue) and the /api/v1 endpoints."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from disputes import messages, services
from disputes.schemas import (
    DisputeFormSchema,
    DisputeInputSchema,
    DisputeListSchema,
    DisputeSchema,
    OperatorDisputeSchema,
    QueuePageSchema,
    QueueQuerySchema,
    RecordListSchema,
    ResolutionSchema,
)
from registry.accounts.models import Role
from registry.core.errors import DomainError
from registry.feeds import messages as feed_messages
from registry.web.api import dump, load_body, load_query, operation, require_json_api_login
from registry.web.helpers import flash_success, parse_form, refusal_errors, roles_required

bp = Blueprint("disputes", __name__, template_folder="templates")

TAGS = ("disputes",)
WORKER = Role.WORKER.value
ADMIN = Role.ADMIN.value


def _me():
    return current_user._get_current_object()


def _page_number() -> int:
    try:
        return load_query(QueueQuerySchema)["page"]
    except DomainError:
        return 1


# --- the worker's page -------------------------------------------------------

@bp.route("/me/disputes", methods=["GET", "POST"])
@roles_required(WORKER)
def my_disputes():
    """我的异议: my disputes with their state, and a form to dispute one of my records."""
    account = _me()
    errors: dict = {}
    if request.method == "POST":
        data, errors = parse_form(DisputeFormSchema())
        if not errors:
            try:
                services.open_dispute(account, data["kind"], data["record_id"], data["reason"])
            except DomainError as exc:
                errors = refusal_errors(exc)
            else:
                flash_success(_("Your dispute has been sent. The record is marked as disputed until an operator "
                                "decides; you will be told the outcome."))
                return redirect(url_for("disputes.my_disputes"))
    return render_template("disputes/mine.html", disputes=services.list_own(account),
                           records=services.disputable_records(account), disputed_label=messages.disputed_label(),
                           errors=errors, form=request.form), 422 if errors else 200


# --- operators ---------------------------------------------------------------

@bp.get("/admin/disputes")
@roles_required(ADMIN)
def admin_queue():
    """Open disputes, oldest first, each record in words."""
    page = services.queue(_me(), _page_number(), current_app.config["PAGE_SIZE"])
    return render_template("disputes/admin_queue.html", page=page)


@bp.route("/admin/disputes/<int:dispute_id>", methods=["GET", "POST"])
@roles_required(ADMIN)
def admin_detail(dispute_id: int):
    """One dispute: the worker's reason, what the record says; uphold or reject it with a reason."""
    errors: dict = {}
    if request.method == "POST":
        data, errors = parse_form(ResolutionSchema())
        if not errors:
            try:
                services.resolve(_me(), dispute_id, data["outcome"], data["reason"])
            except DomainError as exc:
                errors = refusal_errors(exc)
            else:
                flash_success(_("The decision has been saved; the worker has been told."))
                return redirect(url_for("disputes.admin_queue"))
    item = services.get_for_operator(_me(), dispute_id)
    return render_template("disputes/admin_detail.html", item=item, outcomes=messages.outcome_labels(),
                           labels=feed_messages.field_labels(),
                           disputed_label=messages.disputed_label(), errors=errors,
                           form=request.form), 422 if errors else 200


# --- API -----------------------------------------------------------------------

@bp.post("/api/v1/workers/me/disputes")
@operation("Dispute one of my records (kind, record_id, reason); it is marked disputed until an operator decides",
           body=DisputeInputSchema, response=DisputeSchema, status=201, errors=(403, 404, 409), tags=TAGS)
@require_json_api_login
def api_open():
    data = load_body(DisputeInputSchema)
    dispute = services.open_dispute(_me(), data["kind"], data["record_id"], data["reason"])
    return dump(DisputeSchema, services.describe(dispute), status=201)


@bp.get("/api/v1/workers/me/disputes")
@operation("My disputes, newest first, each with its record in words and its state", response=DisputeListSchema,
           errors=(403,), tags=TAGS)
@require_json_api_login
def api_mine():
    return dump(DisputeListSchema, {"items": services.list_own(_me())})


@bp.get("/api/v1/workers/me/disputes/records")
@operation("The records held about me that I may dispute, in words, each marked when a dispute is open",
           response=RecordListSchema, errors=(403,), tags=TAGS)
@require_json_api_login
def api_records():
    return dump(RecordListSchema, {"items": services.disputable_records(_me())})


@bp.get("/api/v1/admin/disputes")
@operation("Open disputes, oldest first, each record in words (operators)", query=QueueQuerySchema,
           response=QueuePageSchema, errors=(403,), tags=TAGS)
@require_json_api_login
def api_queue():
    page = load_query(QueueQuerySchema)["page"]
    return dump(QueuePageSchema, services.queue(_me(), page, current_app.config["PAGE_SIZE"]))


@bp.post("/api/v1/admin/disputes/<int:dispute_id>/resolution")
@operation("Decide a dispute (operators): upheld (the reason says what happens to the record) or rejected",
           body=ResolutionSchema, response=OperatorDisputeSchema, errors=(403, 409), tags=TAGS)
@require_json_api_login
def api_resolve(dispute_id: int):
    data = load_body(ResolutionSchema)
    dispute = services.resolve(_me(), dispute_id, data["outcome"], data["reason"])
    return dump(OperatorDisputeSchema, services.describe(dispute, for_operator=True))
