"""Enterprise staff pages and API: confirm or reject claims, end affiliations, roster, CSV."""
from __future__ import annotations

from flask import Response, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.accounts.models import Role
from registry.core import clock
from registry.core.errors import DomainError
from registry.web.api import dump, load_query, operation, require_json_api_login
from registry.web.helpers import flash_success, roles_required
from workers.certificates import status_code
from workers.records import services as records
from workers.records.presenting import describe
from workers.roster import services as roster
from workers.roster.schemas import AffiliationDecisionSchema, RosterPageSchema, RosterQuerySchema
from workers.views import bp

TAGS = ("enterprise roster",)
STAFF = Role.ENTERPRISE_STAFF.value
ACTIONS = {"confirm": roster.confirm, "reject": roster.reject, "end": roster.end}


def state_labels() -> dict[str, str]:
    """Claim states and working statuses for pages and the CSV."""
    return {"pending": _("Waiting for confirmation"), "confirmed": _("Confirmed"), "rejected": _("Rejected"),
            "ended": _("Ended by the enterprise"), "withdrawn": _("Withdrawn by the worker"),
            "active": _("Active"), "departed": _("Departed")}


def _page_args() -> dict:
    try:
        return load_query(RosterQuerySchema)
    except DomainError:
        return {"state": None, "status": None, "page": 1}


@bp.get("/enterprise/roster")
@roles_required(STAFF)
def roster_page():
    """The enterprise's workers with their claim state, working status and last check-in."""
    enterprise = roster.staff_enterprise(current_user)
    args = _page_args()
    page = roster.roster(enterprise, state=args["state"], status=args["status"], page=args["page"],
                         per_page=current_app.config["PAGE_SIZE"])
    filters = {k: v for k, v in (("state", args["state"]), ("status", args["status"])) if v}
    # The status code of each confirmed worker on this page (computed, a few queries each).
    codes = {row.worker_id: status_code.compute(row.worker_id) for row in page.items if row.state == "confirmed"}
    expiring = [describe(r, for_owner=False) for r in records.expiring_for_enterprise(enterprise.id)]
    return render_template("workers/roster.html", enterprise=enterprise, page=page, filters=filters,
                           labels=state_labels(), codes=codes, expiring=expiring,
                           colour_names={"green": _("Green"), "yellow": _("Yellow"), "red": _("Red")})


@bp.post("/enterprise/affiliations/<int:affiliation_id>/<action>")
@roles_required(STAFF)
def decide_page(affiliation_id: int, action: str):
    """Confirm, reject or end from the roster page."""
    if action not in ACTIONS:
        raise DomainError(_("Unknown action."), code="unknown_action", status=404)
    ACTIONS[action](current_user, affiliation_id)
    flash_success({"confirm": _("Confirmed."), "reject": _("Rejected."),
                   "end": _("The affiliation has ended; the worker has been told.")}[action])
    return redirect(request.referrer if (request.referrer or "").startswith(request.host_url)
                    else url_for("workers.roster_page"))


@bp.get("/enterprise/roster.csv")
@roles_required(STAFF)
def roster_csv():
    """The filtered roster as a CSV file."""
    enterprise = roster.staff_enterprise(current_user)
    args = _page_args()
    body = "".join(roster.roster_csv(enterprise, state=args["state"], status=args["status"], labels=state_labels()))
    stamp = clock.now().astimezone(clock.CHINA_TZ).strftime("%Y%m%d")
    return Response(body.encode("utf-8"), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=roster-{enterprise.credit_code}-{stamp}.csv"})


@bp.get("/api/v1/enterprise/roster")
@operation("Enterprise staff: my enterprise's workers with claim state, status (active/departed) and last "
           "check-in", query=RosterQuerySchema, response=RosterPageSchema, errors=(403,), tags=TAGS)
@require_json_api_login
def api_roster():
    enterprise = roster.staff_enterprise(current_user)
    args = load_query(RosterQuerySchema)
    return dump(RosterPageSchema, roster.roster(enterprise, state=args["state"], status=args["status"],
                                                page=args["page"], per_page=current_app.config["PAGE_SIZE"]))


def _api_decide(action: str, affiliation_id: int):
    affiliation = ACTIONS[action](current_user, affiliation_id)
    return dump(AffiliationDecisionSchema, affiliation)


@bp.post("/api/v1/enterprise/affiliations/<int:affiliation_id>/confirm")
@operation("Enterprise staff: confirm a worker's claim", response=AffiliationDecisionSchema, errors=(403, 409), tags=TAGS)
@require_json_api_login
def api_confirm(affiliation_id: int):
    return _api_decide("confirm", affiliation_id)


@bp.post("/api/v1/enterprise/affiliations/<int:affiliation_id>/reject")
@operation("Enterprise staff: reject a worker's claim", response=AffiliationDecisionSchema, errors=(403, 409), tags=TAGS)
@require_json_api_login
def api_reject(affiliation_id: int):
    return _api_decide("reject", affiliation_id)


@bp.post("/api/v1/enterprise/affiliations/<int:affiliation_id>/end")
@operation("Enterprise staff: end a confirmed affiliation (the worker is told in the app and by SMS)",
           response=AffiliationDecisionSchema, errors=(403, 409), tags=TAGS)
@require_json_api_login
def api_end(affiliation_id: int):
    return _api_decide("end", affiliation_id)


