"""Records pages and API: the worker uploads; enterprise staff and operators verify; documents for those two."""
from __future__ import annotations

from flask import Response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.accounts.models import Role
from registry.core.errors import DomainError
from registry.web.api import ApiValidationError, dump, load_body, operation, require_json_api_login
from registry.web.helpers import flash_success, load_form, parse_form, refusal_errors, roles_required
from workers.records import messages, services
from workers.records.models import MAX_DOCUMENT_BYTES
from workers.records.presenting import describe
from workers.records.schemas import DecisionSchema, RecordFormSchema, RecordListSchema, RecordSchema
from workers.views import bp

TAGS = ("worker records",)
WORKER, STAFF, ADMIN = Role.WORKER.value, Role.ENTERPRISE_STAFF.value, Role.ADMIN.value


def _me():
    return current_user._get_current_object()


def _upload() -> tuple[dict, dict, bytes | None]:
    """The posted fields (empty optional ones left out) and the document, one byte past the limit at most."""
    raw = {name: request.form[name].strip() for name in ("kind", "issuer", "number", "issued_on", "expires_on")
           if request.form.get(name, "").strip()}
    data, errors = load_form(RecordFormSchema(), raw, partial=("document",))
    document = request.files.get("document")
    content = document.stream.read(MAX_DOCUMENT_BYTES + 1) if document and document.filename else None
    if content is None:
        errors["document"] = [_("Add a photo or PDF of the document.")]
    return data, errors, content


def _add(data: dict, content: bytes):
    return services.add_record(_me(), data["kind"], data["issuer"], data.get("number"), data["issued_on"],
                               data.get("expires_on"), content)


@bp.route("/workers/records", methods=["GET", "POST"])
@roles_required(WORKER)
def records_page():
    """证明材料: health checks, insurance policies and certificates with their documents and verification."""
    errors: dict = {}
    if request.method == "POST":
        data, errors, content = _upload()
        if not errors:
            try:
                _add(data, content)
            except DomainError as exc:
                errors = refusal_errors(exc)
            else:
                flash_success(_("Uploaded. Your enterprise or the platform will verify it against the document."))
                return redirect(url_for("workers.records_page"))
    items = [describe(r, for_owner=True) for r in services.records_of(_me().id)]
    return render_template("workers/records.html", items=items, kinds=messages.kind_labels(), errors=errors,
                           form=request.form), 422 if errors else 200


@bp.post("/workers/records/<int:record_id>/removal")
@roles_required(WORKER)
def remove_record_page(record_id: int):
    services.remove_record(_me(), record_id)
    flash_success(_("Removed, with its document."))
    return redirect(url_for("workers.records_page"))


@bp.get("/records/<int:record_id>/document")
@roles_required(WORKER, STAFF, ADMIN)
def record_document(record_id: int):
    """The document itself: for its worker and for those who may verify it, never for households."""
    me = _me()
    record = services.own_record(me, record_id) if me.role == WORKER else services.record_for_verifier(me, record_id)
    return Response(record.document, mimetype=record.document_type,
                    headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff",
                             "Content-Disposition": "inline"})


@bp.route("/verifications/records", methods=["GET", "POST"])
@roles_required(STAFF, ADMIN)
def verification_page():
    """Records waiting for verification: an enterprise's confirmed workers', or everyone's for operators."""
    errors: dict = {}
    if request.method == "POST":
        data, errors = parse_form(DecisionSchema())
        record_id = request.form.get("record_id", "")
        if not errors and record_id.isdigit() and int(record_id) < 2**31:
            try:
                services.decide(_me(), int(record_id), data["decision"], data.get("reason"))
            except DomainError as exc:
                errors = refusal_errors(exc)
            else:
                flash_success(_("Verified.") if data["decision"] == "verify" else _("Rejected; the worker is told why."))
                return redirect(url_for("workers.verification_page"))
        elif not errors:
            errors = {"_form": [_("This record does not exist.")]}
    items = [describe(r, for_owner=False) for r in services.pending_for(_me())]
    return render_template("workers/record_verification.html", items=items, errors=errors), 422 if errors else 200


@bp.get("/api/v1/workers/me/records")
@operation("My health, insurance and training records with their verification and validity",
           response=RecordListSchema, errors=(403,), tags=TAGS)
@require_json_api_login
def api_my_records():
    if _me().role != WORKER:
        raise DomainError(_("Only workers keep records."), code="not_a_worker", status=403)
    return dump(RecordListSchema, {"items": [describe(r, for_owner=True) for r in services.records_of(_me().id)]})


@bp.post("/api/v1/workers/me/records")
@operation("Upload a record: multipart/form-data with kind, issuer, number, issued_on, expires_on and the document",
           form=RecordFormSchema, response=RecordSchema, status=201, errors=(403, 413, 422), tags=TAGS)
@require_json_api_login
def api_add_record():
    if _me().role != WORKER:
        raise DomainError(_("Only workers keep records."), code="not_a_worker", status=403)
    data, errors, content = _upload()
    if errors:
        raise ApiValidationError(_("Some fields are not valid."), fields=errors)
    return dump(RecordSchema, describe(_add(data, content), for_owner=True), status=201)


@bp.delete("/api/v1/workers/me/records/<int:record_id>")
@operation("Remove one of my records and its document", errors=(404,), tags=TAGS, status=204)
@require_json_api_login
def api_remove_record(record_id: int):
    services.remove_record(_me(), record_id)
    return "", 204


@bp.get("/api/v1/verifications/records")
@operation("Records waiting for my verification (enterprise staff: confirmed workers'; operators: all)",
           response=RecordListSchema, errors=(403,), tags=TAGS)
@require_json_api_login
def api_pending_records():
    return dump(RecordListSchema, {"items": [describe(r, for_owner=False) for r in services.pending_for(_me())]})


@bp.post("/api/v1/verifications/records/<int:record_id>")
@operation("Verify a record against its document, or reject it with a reason", body=DecisionSchema,
           response=RecordSchema, errors=(403, 404, 409), tags=TAGS)
@require_json_api_login
def api_decide_record(record_id: int):
    data = load_body(DecisionSchema)
    record = services.decide(_me(), record_id, data["decision"], data.get("reason"))
    return dump(RecordSchema, describe(record, for_owner=False))
