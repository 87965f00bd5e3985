"""Visit pages (the household's and the worker's), complaint pages for enterprises and operators, /api/v1."""
from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.accounts.models import Role
from registry.core.errors import DomainError, NotFound
from registry.web.api import ApiValidationError, dump, load_body, operation, require_json_api_login
from registry.web.helpers import flash_success, load_form, parse_form, refusal_errors, roles_required
from visits import complaints, messages, services
from visits.complaints import MAX_EVIDENCE_BYTES
from visits.presenting import describe_complaint, describe_visit
from visits.schemas import (
    ComplaintFormSchema,
    ComplaintListSchema,
    ComplaintSchema,
    DecisionInputSchema,
    EnterpriseVisitsSchema,
    EntryRequestSchema,
    RatingInputSchema,
    RatingSchema,
    ReplyInputSchema,
    ResponseInputSchema,
    VisitListSchema,
    VisitSchema,
)
from workers.roster.services import staff_enterprise

bp = Blueprint("visits", __name__, template_folder="templates")

TAGS = ("visits",)
HOUSEHOLD, WORKER = Role.CONSUMER.value, Role.WORKER.value
STAFF, ADMIN = Role.ENTERPRISE_STAFF.value, Role.ADMIN.value
VISIT_ACTIONS = {"confirm": services.confirm_entry, "decline": services.decline_entry, "end": services.end_visit}


def _me():
    return current_user._get_current_object()


def _labels() -> dict:
    return {"tags": messages.tag_labels(), "categories": messages.category_labels(),
            "against": messages.against_labels(), "outcomes": messages.operator_outcome_labels()}


def _evidence_uploads() -> list[bytes]:
    files = request.files.getlist("evidence")
    # One byte past the limit lets the service name the refusal without buffering a huge file.
    return [f.stream.read(MAX_EVIDENCE_BYTES + 1) for f in files if f and f.filename]


# --- pages: the household and the worker ------------------------------------------

@bp.route("/visits/entry", methods=["GET", "POST"])
@roles_required(HOUSEHOLD)
def entry_page():
    """确认入户: the household scans (or types) the certificate at the door and asks the worker to confirm."""
    errors: dict = {}
    if request.method == "POST":
        # Optional fields left empty are not given at all (an empty enterprise number is not a bad number).
        data, errors = load_form(EntryRequestSchema(), {name: request.form[name].strip() for name in
                                                        ("scanned", "enterprise_id", "area")
                                                        if request.form.get(name, "").strip()})
        if not errors:
            try:
                visit = services.request_entry(_me(), data["scanned"], data.get("enterprise_id"), data.get("area"))
            except DomainError as exc:
                errors = refusal_errors(exc)
            else:
                return redirect(url_for("visits.visit_page", visit_id=visit.id))
    return render_template("visits/entry.html", errors=errors, form=request.form if request.method == "POST"
                           else request.args), 422 if errors else 200


@bp.get("/visits")
@roles_required(HOUSEHOLD, WORKER)
def my_visits():
    """My visits, newest first; a worker's unanswered entry requests on top."""
    me = _me()
    return render_template("visits/mine.html", visits=[describe_visit(v, me) for v in services.visits_of(me)],
                           complaints=[describe_complaint(c) for c in complaints.own_complaints(me)])


@bp.get("/visits/<int:visit_id>")
@roles_required(HOUSEHOLD, WORKER)
def visit_page(visit_id: int, errors: dict | None = None, status: int = 200):
    me = _me()
    visit = services.get_visit(me, visit_id)
    rating = services.rating_of(visit)
    return render_template("visits/visit.html", visit=describe_visit(visit, me), labels=_labels(),
                           rating=rating, errors=errors or {}, form=request.form), status


@bp.post("/visits/<int:visit_id>/<action>")
@roles_required(HOUSEHOLD, WORKER)
def visit_action_page(visit_id: int, action: str):
    if action not in VISIT_ACTIONS:
        raise NotFound(_("Unknown action."), code="unknown_action")
    try:
        VISIT_ACTIONS[action](_me(), visit_id)
    except DomainError as exc:
        if exc.status == 404:
            raise
        return visit_page(visit_id, refusal_errors(exc), 409)
    flash_success({"confirm": _("Entry confirmed. The visit has started."),
                   "decline": _("Declined. The household has been told this was not you."),
                   "end": _("The visit has ended.")}[action])
    return redirect(url_for("visits.visit_page", visit_id=visit_id))


@bp.post("/visits/<int:visit_id>/rating/new")
@roles_required(HOUSEHOLD)
def rate_page(visit_id: int):
    # The service checks stars, tags and comment and names what is wrong; a form sends the stars as text.
    stars = request.form.get("stars", "")
    errors = {} if stars.isdigit() and len(stars) == 1 else {"stars": [_("Give 1 to 5 stars.")]}
    if not errors:
        try:
            services.rate_visit(_me(), visit_id, int(stars), request.form.getlist("tags"), request.form.get("comment"))
        except DomainError as exc:
            if exc.status == 404:
                raise
            errors = refusal_errors(exc)
    if errors:
        return visit_page(visit_id, errors, 422)
    flash_success(_("Thank you. Your rating counts towards the worker's and the enterprise's averages."))
    return redirect(url_for("visits.visit_page", visit_id=visit_id))


@bp.post("/visits/<int:visit_id>/complaints/new")
@roles_required(HOUSEHOLD)
def complain_page(visit_id: int):
    data, errors = parse_form(ComplaintFormSchema(), only=("against", "category", "description"))
    if not errors:
        try:
            complaint = complaints.file_complaint(_me(), visit_id, data["against"], data["category"],
                                                  data["description"], _evidence_uploads())
        except DomainError as exc:
            if exc.status == 404:
                raise
            errors = refusal_errors(exc)
    if errors:
        return visit_page(visit_id, errors, 422)
    flash_success(_("Your complaint has been sent. The enterprise must answer it by %(day)s.",
                    day=complaint.respond_by.strftime("%Y-%m-%d")))
    return redirect(url_for("visits.complaint_page", complaint_id=complaint.id))


# --- pages: complaints for everyone concerned --------------------------------------

COMPLAINT_ACTIONS = {
    "response": (STAFF, ResponseInputSchema, lambda me, cid, d: complaints.respond(me, cid, d["response"])),
    "reply": (WORKER, ReplyInputSchema, lambda me, cid, d: complaints.worker_reply(me, cid, d["reply"])),
    "decision": (ADMIN, DecisionInputSchema, lambda me, cid, d: complaints.close(me, cid, d["outcome"], d["note"])),
    "withdrawal": (HOUSEHOLD, None, lambda me, cid, d: complaints.withdraw(me, cid)),
}


@bp.get("/complaints/<int:complaint_id>")
@roles_required()
def complaint_page(complaint_id: int, errors: dict | None = None, status: int = 200):
    me = _me()
    complaint = complaints.visible_complaint(me, complaint_id)
    return render_template("visits/complaint.html", complaint=describe_complaint(complaint), role=me.role,
                           labels=_labels(), errors=errors or {}, form=request.form), status


@bp.post("/complaints/<int:complaint_id>/<action>")
@roles_required()
def complaint_action_page(complaint_id: int, action: str):
    me = _me()
    role, schema, act = COMPLAINT_ACTIONS.get(action, (None, None, None))
    if role is None or me.role != role:
        raise NotFound(_("Unknown action."), code="unknown_action")
    data, errors = parse_form(schema()) if schema else ({}, {})
    if not errors:
        try:
            act(me, complaint_id, data)
        except DomainError as exc:
            if exc.status == 404:
                raise
            errors = refusal_errors(exc)
    if errors:
        return complaint_page(complaint_id, errors, 422)
    flash_success(_("Saved."))
    return redirect(url_for("visits.complaint_page", complaint_id=complaint_id))


@bp.get("/complaints/<int:complaint_id>/evidence/<int:evidence_id>")
@roles_required()
def evidence_photo(complaint_id: int, evidence_id: int):
    complaint = complaints.visible_complaint(_me(), complaint_id)
    photo = next((e for e in complaint.evidence if e.id == evidence_id), None)
    if photo is None:
        raise NotFound(_("This photo does not exist."), code="evidence_not_found")
    return Response(photo.content, mimetype=photo.media_type,
                    headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})


@bp.get("/enterprise/complaints")
@roles_required(STAFF)
def enterprise_complaints():
    """Complaints about the enterprise and its workers, with their deadlines; its workers' visits by count."""
    me = _me()
    enterprise = staff_enterprise(me)
    return render_template("visits/enterprise.html", enterprise=enterprise,
                           complaints=[describe_complaint(c) for c in complaints.for_enterprise(me, open_only=False)],
                           visits=services.enterprise_visits(enterprise.id))


@bp.get("/admin/complaints")
@roles_required(ADMIN)
def admin_complaints():
    return render_template("visits/admin_queue.html",
                           complaints=[describe_complaint(c) for c in complaints.operator_queue(_me())])


# --- API -------------------------------------------------------------------------

@bp.post("/api/v1/visits")
@operation("At the door (household): the scanned certificate names the worker, who must confirm entry",
           body=EntryRequestSchema, response=VisitSchema, status=201, errors=(403, 409, 422), tags=TAGS)
@require_json_api_login
def api_request_entry():
    data = load_body(EntryRequestSchema)
    visit = services.request_entry(_me(), data["scanned"], data.get("enterprise_id"), data.get("area"))
    return dump(VisitSchema, describe_visit(visit, _me()), status=201)


@bp.get("/api/v1/visits")
@operation("My visits (household or worker), newest first", response=VisitListSchema, errors=(403,), tags=TAGS)
@require_json_api_login
def api_my_visits():
    me = _me()
    if me.role not in (HOUSEHOLD, WORKER):
        raise DomainError(_("Only households and workers have visits."), code="role_has_no_visits", status=403)
    return dump(VisitListSchema, {"items": [describe_visit(v, me) for v in services.visits_of(me)]})


@bp.get("/api/v1/visits/<int:visit_id>")
@operation("One of my visits", response=VisitSchema, errors=(404,), tags=TAGS)
@require_json_api_login
def api_visit(visit_id: int):
    return dump(VisitSchema, describe_visit(services.get_visit(_me(), visit_id), _me()))


def _api_visit_action(visit_id: int, action: str):
    visit = VISIT_ACTIONS[action](_me(), visit_id)
    return dump(VisitSchema, describe_visit(visit, _me()))


@bp.post("/api/v1/visits/<int:visit_id>/confirmation")
@operation("The worker confirms entry: the visit starts", response=VisitSchema, errors=(403, 404, 409), tags=TAGS)
@require_json_api_login
def api_confirm(visit_id: int):
    return _api_visit_action(visit_id, "confirm")


@bp.post("/api/v1/visits/<int:visit_id>/declination")
@operation("The worker says it is not them at that door", response=VisitSchema, errors=(403, 404, 409), tags=TAGS)
@require_json_api_login
def api_decline(visit_id: int):
    return _api_visit_action(visit_id, "decline")


@bp.post("/api/v1/visits/<int:visit_id>/end")
@operation("The household or the worker ends a visit under way", response=VisitSchema, errors=(404, 409),
           tags=TAGS)
@require_json_api_login
def api_end(visit_id: int):
    return _api_visit_action(visit_id, "end")


@bp.post("/api/v1/visits/<int:visit_id>/rating")
@operation("The household rates an ended visit, once (1-5 stars, tags, comment)", body=RatingInputSchema,
           response=RatingSchema, status=201, errors=(403, 404, 409, 422), tags=TAGS)
@require_json_api_login
def api_rate(visit_id: int):
    data = load_body(RatingInputSchema)
    rating = services.rate_visit(_me(), visit_id, data["stars"], data["tags"], data.get("comment"))
    return dump(RatingSchema, {"stars": rating.stars, "tags": [messages.tag_labels()[t] for t in rating.tag_list],
                               "created_at": rating.created_at}, status=201)


@bp.post("/api/v1/visits/<int:visit_id>/complaints")
@operation("The household complains about a visit that started, against the worker or the enterprise. "
           "multipart/form-data with against, category, description and up to 6 evidence photos.",
           form=ComplaintFormSchema, response=ComplaintSchema, status=201, errors=(404, 409, 413, 422), tags=TAGS)
@require_json_api_login
def api_complain(visit_id: int):
    data, errors = parse_form(ComplaintFormSchema(), only=("against", "category", "description"))
    if errors:
        raise ApiValidationError(_("Some fields are not valid."), fields=errors)
    complaint = complaints.file_complaint(_me(), visit_id, data["against"], data["category"], data["description"],
                                          _evidence_uploads())
    return dump(ComplaintSchema, describe_complaint(complaint), status=201)


@bp.get("/api/v1/complaints/<int:complaint_id>")
@operation("A complaint, for its household, worker, enterprise or an operator", response=ComplaintSchema,
           errors=(404,), tags=TAGS)
@require_json_api_login
def api_complaint(complaint_id: int):
    return dump(ComplaintSchema, describe_complaint(complaints.visible_complaint(_me(), complaint_id)))


def _api_complaint_action(complaint_id: int, action: str):
    role, schema, act = COMPLAINT_ACTIONS[action]
    if _me().role != role:
        raise DomainError(_("You cannot do this with this complaint."), code="wrong_role", status=403)
    data = load_body(schema) if schema else {}
    return dump(ComplaintSchema, describe_complaint(act(_me(), complaint_id, data)))


@bp.post("/api/v1/complaints/<int:complaint_id>/response")
@operation("The enterprise answers (its staff)", body=ResponseInputSchema, response=ComplaintSchema,
           errors=(403, 404, 409), tags=TAGS)
@require_json_api_login
def api_respond(complaint_id: int):
    return _api_complaint_action(complaint_id, "response")


@bp.post("/api/v1/complaints/<int:complaint_id>/reply")
@operation("The worker gives their side", body=ReplyInputSchema, response=ComplaintSchema, errors=(403, 404, 409),
           tags=TAGS)
@require_json_api_login
def api_reply(complaint_id: int):
    return _api_complaint_action(complaint_id, "reply")


@bp.post("/api/v1/complaints/<int:complaint_id>/withdrawal")
@operation("The household withdraws its complaint", response=ComplaintSchema, errors=(403, 404, 409), tags=TAGS)
@require_json_api_login
def api_withdraw(complaint_id: int):
    return _api_complaint_action(complaint_id, "withdrawal")


@bp.post("/api/v1/complaints/<int:complaint_id>/decision")
@operation("An operator closes a complaint with an outcome; upheld against an enterprise it becomes a "
           "消费投诉 credit record", body=DecisionInputSchema, response=ComplaintSchema, errors=(403, 404, 409),
           tags=TAGS)
@require_json_api_login
def api_decide(complaint_id: int):
    return _api_complaint_action(complaint_id, "decision")


@bp.get("/api/v1/enterprise/complaints")
@operation("Complaints about my enterprise and its workers (staff), oldest first", response=ComplaintListSchema,
           errors=(403,), tags=TAGS)
@require_json_api_login
def api_enterprise_complaints():
    return dump(ComplaintListSchema, {"items": [describe_complaint(c) for c in
                                                complaints.for_enterprise(_me(), open_only=False)]})


@bp.get("/api/v1/enterprise/visits")
@operation("My enterprise's workers' visits: counts and dates, never the households (staff)",
           response=EnterpriseVisitsSchema, errors=(403,), tags=TAGS)
@require_json_api_login
def api_enterprise_visits():
    return dump(EnterpriseVisitsSchema, services.enterprise_visits(staff_enterprise(_me()).id))


@bp.get("/api/v1/admin/complaints")
@operation("Complaints not yet closed, oldest first (operators)", response=ComplaintListSchema, errors=(403,),
           tags=TAGS)
@require_json_api_login
def api_admin_complaints():
    return dump(ComplaintListSchema, {"items": [describe_complaint(c) for c in complaints.operator_queue(_me())]})
