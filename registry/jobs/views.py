"""The operator's jobs page: imports started from the browser with their progress, the dead letters."""
from __future__ import annotations

import os

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.core.errors import DomainError, Forbidden
from registry.jobs import services
from registry.jobs.schemas import ImportFormSchema, JobListSchema, JobSchema
from registry.web.api import dump, operation, require_json_api_login
from registry.web.helpers import flash_success, parse_form, refusal_errors, roles_required

bp = Blueprint("jobs", __name__, template_folder="templates")

ADMIN = "admin"
admin_only = roles_required(ADMIN)


def _import_choices() -> list[dict]:
    return [{"kind": spec.name, "label": spec.label(), "formats": spec.upload_formats}
            for spec in services.upload_kinds()]


def _read_upload(kind: str) -> tuple[str, bytes, dict[str, list[str]]]:
    """The uploaded file's name and bytes, or the reasons it cannot be imported."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return "", b"", {"file": [_("Choose the file to import.")]}
    name = os.path.basename(upload.filename.replace("\\", "/"))
    spec = services.KINDS[kind]
    if not name.lower().endswith(tuple(f".{ending}" for ending in spec.upload_formats)):
        allowed = ", ".join(f".{ending}" for ending in spec.upload_formats)
        return name, b"", {"file": [_("This import takes %(allowed)s files.", allowed=allowed)]}
    content = upload.read(current_app.config["IMPORT_MAX_BYTES"] + 1)
    if not content:
        return name, b"", {"file": [_("The file is empty.")]}
    if len(content) > current_app.config["IMPORT_MAX_BYTES"]:
        limit = current_app.config["IMPORT_MAX_BYTES"] // (1024 * 1024)
        return name, b"", {"file": [_("The file is larger than %(mb)s MB; load it with the command line.", mb=limit)]}
    return name, content, {}


@bp.route("/admin/jobs", methods=["GET", "POST"])
@admin_only
def admin_jobs():
    """Start an import from a file; see every job's progress and the failed ones."""
    # An import file may be bigger than an ordinary form (the limit is read before the body is parsed).
    request.max_content_length = current_app.config["IMPORT_MAX_BYTES"] + 1024 * 1024
    errors: dict[str, list[str]] = {}
    choices = _import_choices()
    if request.method == "POST":
        data, errors = parse_form(ImportFormSchema())
        if not errors and data["kind"] not in {choice["kind"] for choice in choices}:
            errors = {"kind": [_("Choose what the file holds.")]}
        if not errors:
            filename, content, errors = _read_upload(data["kind"])
        if not errors:
            options = {"source": data["source"].strip() or filename}
            try:
                job = services.submit_upload(data["kind"], filename, content, options, current_user.id)
            except DomainError as exc:
                errors = refusal_errors(exc)
            else:
                flash_success(_("The import has started; its progress is shown below."))
                return redirect(url_for("jobs.admin_job", job_id=job.id))
    status = request.args.get("status")
    status = status if status in {s.value for s in services.JobStatus} else None
    return render_template("jobs/admin_jobs.html", choices=choices, errors=errors, form=request.form,
                           counts=services.counts(), jobs=services.recent(50, status), status=status,
                           queue_ok=current_app.extensions[services.QUEUE_EXTENSION].reachable()), \
        422 if errors else 200


@bp.get("/admin/jobs/<int:job_id>")
@admin_only
def admin_job(job_id: int):
    """One job: progress (the page refreshes itself while the job runs), result, failure."""
    return render_template("jobs/admin_job.html", job=services.get(job_id))


@bp.post("/admin/jobs/<int:job_id>/retry")
@admin_only
def admin_retry(job_id: int):
    services.retry(job_id)
    flash_success(_("The job was queued again."))
    return redirect(url_for("jobs.admin_job", job_id=job_id))


@bp.post("/admin/jobs/<int:job_id>/discard")
@admin_only
def admin_discard(job_id: int):
    services.discard(job_id)
    flash_success(_("The failed job was deleted."))
    return redirect(url_for("jobs.admin_jobs"))


def _require_admin() -> None:
    if current_user.role != ADMIN:
        raise Forbidden(_("You are not allowed to do this."))


@bp.get("/api/v1/admin/jobs")
@require_json_api_login
@operation("The latest jobs and the count in each status (operators)", response=JobListSchema, tags=("jobs",))
def api_jobs():
    _require_admin()
    return dump(JobListSchema, {"counts": services.counts(), "items": services.recent(50)})


@bp.get("/api/v1/admin/jobs/<int:job_id>")
@require_json_api_login
@operation("One job's status and progress (operators)", response=JobSchema, tags=("jobs",))
def api_job(job_id: int):
    _require_admin()
    return dump(JobSchema, services.get(job_id))
