"""Worker pages and /api/v1/workers/me endpoints: home, enterprises, check-in, notices."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.accounts.models import Account, Role
from registry.core.errors import DomainError
from registry.core.extensions import db
from registry.enterprises import catalog, search
from registry.enterprises.models import Enterprise
from registry.web.api import dump, load_body, operation, require_json_api_login
from registry.web.helpers import (
    flash_success,
    refusal_errors,
    roles_required,
)
from workers import services
from workers.models import RegistrationStep, Worker
from workers.schemas import AffiliationListSchema, AffiliationSchema, ClaimSchema, notice_text

bp = Blueprint("workers", __name__, template_folder="templates")

TAGS = ("workers",)
WORKER = Role.WORKER.value
OPTIONAL_TILES = {"search": "enterprises.search_page", "certificate": "workers.certificate_page",
                  "scan": "consumers.scan_page"}


def _affiliation_item(affiliation, enterprise) -> dict:
    return {"id": affiliation.id, "enterprise_id": enterprise.id, "enterprise_name": enterprise.name,
            "credit_code": enterprise.credit_code, "state": affiliation.state,
            "claimed_at": affiliation.claimed_at, "decided_at": affiliation.decided_at}


# --- pages -------------------------------------------------------------------

@bp.get("/workers")
@roles_required(WORKER)
def home():
    """The worker's home: the real app's functions on one screen, plus notices."""
    worker = services.ensure_worker(current_user)
    notices = services.recent_notices(worker)
    unread = [n for n in notices if n.read_at is None]
    # Tiles of functions other domains build appear once their pages exist.
    present = current_app.view_functions
    tiles = {name: endpoint if endpoint in present else None for name, endpoint in OPTIONAL_TILES.items()}
    return render_template("workers/home.html", worker=worker, status=services.status_summary(worker),
                           notices=[(n, notice_text(n)) for n in notices], unread=len(unread),
                           tiles=tiles, affiliations=services.list_affiliations(worker))


@bp.post("/workers/notices/read")
@roles_required(WORKER)
def notices_read_page():
    """已读: the worker has seen the new messages (reading the home page changes nothing)."""
    services.mark_notices_read(services.ensure_worker(current_user))
    return redirect(url_for("workers.home"))


@bp.route("/workers/enterprises", methods=["GET", "POST"])
@roles_required(WORKER)
def enterprises_page():
    """选择所属家政企业: search as you type, tick several, submit; see each claim's state."""
    worker = services.ensure_worker(current_user)
    errors: dict = {}
    q = (request.args.get("q") or "").strip()[:50]
    found, search_error = [], None
    if q:
        try:
            found = search.search(q, per_page=10).items
        except DomainError as exc:
            search_error = exc.message
    if request.method == "POST":
        codes = [c for c in request.form.getlist("credit_code") if len(c) <= 18][:20]
        try:
            services.claim_enterprises(worker, codes)
        except DomainError as exc:
            errors = refusal_errors(exc)
        else:
            flash_success(_("Your choice has been sent. Each enterprise will confirm that you work there."))
            return redirect(url_for("workers.enterprises_page"))
    status = 422 if errors else 200
    search_api = url_for("enterprises.api_search") if "enterprises.api_search" in current_app.view_functions else ""
    # Revoked or deregistered enterprises are shown, so the worker knows why, but cannot be ticked.
    closed = {status: _("Cannot be chosen: %(status)s", status=catalog.STATUSES[status][1])
              for status in sorted(catalog.CLOSED_STATUSES)}
    return render_template("workers/enterprises.html", worker=worker, q=q, found=found, search_error=search_error,
                           search_api=search_api, closed=closed,
                           affiliations=services.list_affiliations(worker), errors=errors), status


@bp.post("/workers/enterprises/<int:affiliation_id>/withdraw")
@roles_required(WORKER)
def withdraw_page(affiliation_id: int):
    """Withdraw a claim or leave an enterprise."""
    worker = services.ensure_worker(current_user)
    services.withdraw_affiliation(worker, affiliation_id)
    flash_success(_("You are no longer listed with this enterprise."))
    return redirect(url_for("workers.enterprises_page"))


# --- API ---------------------------------------------------------------------



@bp.get("/api/v1/workers/me/affiliations")
@operation("The enterprises I claimed to work for, each with its state", response=AffiliationListSchema, errors=(403,), tags=TAGS)
@require_json_api_login
def api_affiliations():
    worker = services.ensure_worker(current_user)
    return dump(AffiliationListSchema, {"items": [_affiliation_item(a, e)
                                                  for a, e in services.list_affiliations(worker)]})


@bp.post("/api/v1/workers/me/affiliations")
@operation("Claim to work for enterprises (several allowed); each stays pending until its staff confirm",
           body=ClaimSchema, response=AffiliationListSchema, status=201, errors=(403, 404, 409), tags=TAGS)
@require_json_api_login
def api_claim():
    worker = services.ensure_worker(current_user)
    services.claim_enterprises(worker, load_body(ClaimSchema)["credit_codes"])
    return dump(AffiliationListSchema, {"items": [_affiliation_item(a, e)
                                                  for a, e in services.list_affiliations(worker)]}, status=201)


@bp.delete("/api/v1/workers/me/affiliations/<int:affiliation_id>")
@operation("Withdraw a claim or leave an enterprise", response=AffiliationSchema, errors=(403, 409), tags=TAGS)
@require_json_api_login
def api_withdraw(affiliation_id: int):
    worker = services.ensure_worker(current_user)
    affiliation = services.withdraw_affiliation(worker, affiliation_id)
    return dump(AffiliationSchema, _affiliation_item(affiliation, db.session.get(Enterprise, affiliation.enterprise_id)))


@bp.get("/api/v1/workers/me/notices")
@operation("My in-app notices, newest first", errors=(403,), tags=TAGS)
@require_json_api_login
def api_notices():
    worker = services.ensure_worker(current_user)
    return {"items": [{"id": n.id, "kind": n.kind, "text": notice_text(n),
                       "created_at": n.created_at.isoformat(), "read": n.read_at is not None}
                      for n in services.recent_notices(worker, 50)]}


@bp.post("/api/v1/workers/me/notices/read")
@operation("Mark every new in-app notice read", errors=(403,), tags=TAGS)
@require_json_api_login
def api_notices_read():
    worker = services.ensure_worker(current_user)
    return {"marked_read": services.mark_notices_read(worker)}


def registration_next_step(account: Account) -> tuple[str, str] | None:
    """signals.next_step: a worker who has not finished registering is sent to the step at hand."""
    if account.role != Role.WORKER.value:
        return None
    worker = db.session.get(Worker, account.id)
    step = worker.registration_step if worker else RegistrationStep.ENTERPRISES.value
    return {
        RegistrationStep.ENTERPRISES.value: (url_for("workers.enterprises_page"),
                                             _("Next step: choose the enterprises you work for")),
        RegistrationStep.IDENTITY.value: (url_for("workers.identity_page"),
                                          _("Next step: verify your identity with your ID card and your face")),
        RegistrationStep.AUTHORIZATION.value: (url_for("consent.letter_page"),
                                               _("Last step: sign the credit-information authorization letter")),
    }.get(step)
