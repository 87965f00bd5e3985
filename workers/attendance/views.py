"""The monthly check-in (签到) page and API, and the worker's status API."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.accounts.models import Role
from registry.core.errors import DomainError
from registry.face import services as face
from registry.web.api import dump, load_body, operation, require_json_api_login
from registry.web.helpers import (
    flash_success,
    posted_face_check_id,
    refusal_errors,
    returned_face_check,
    roles_required,
)
from workers import services
from workers.attendance import checkins
from workers.attendance.schemas import CheckInResultSchema, CheckInSchema, WorkerStatusSchema
from workers.views import bp

TAGS = ("workers",)
WORKER = Role.WORKER.value


@bp.route("/workers/check-in", methods=["GET", "POST"])
@roles_required(WORKER)
def check_in_page():
    """签到: the face component (purpose check_in) then this page's form completes the check-in."""
    worker = services.ensure_worker(current_user)
    errors: dict = {}
    if request.method == "POST":
        try:
            result = checkins.check_in(current_user, posted_face_check_id())
        except DomainError as exc:
            errors = refusal_errors(exc)
        else:
            flash_success(_("Checked in. You are active until %(day)s.", day=result.worker.due_on.isoformat()))
            return redirect(url_for("workers.check_in_page"))
    return render_template("workers/check_in.html", worker=worker, status=services.status_summary(worker),
                           errors=errors, face_check=returned_face_check(),
                           enrolled=face.active_reference(current_user) is not None), 422 if errors else 200


@bp.get("/api/v1/workers/me/status")
@operation("My working status: active or departed (离职), last check-in, days left", response=WorkerStatusSchema,
           errors=(403,), tags=TAGS)
@require_json_api_login
def api_status():
    return dump(WorkerStatusSchema, services.status_summary(services.ensure_worker(current_user)))


@bp.post("/api/v1/workers/me/check-ins")
@operation("Monthly check-in (签到) with a passed face check of purpose check_in", body=CheckInSchema,
           response=CheckInResultSchema, status=201, errors=(403, 404, 409), tags=TAGS)
@require_json_api_login
def api_check_in():
    services.ensure_worker(current_user)  # role first: a household gets 403, not a validation error
    data = load_body(CheckInSchema)
    result = checkins.check_in(current_user, data["face_check_id"])
    return dump(CheckInResultSchema, {**services.status_summary(result.worker), "reactivated": result.reactivated},
                status=201)
