"""Public enterprise credit pages and the /api/v1/enterprises endpoints."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from marshmallow import ValidationError

from registry.core import clock
from registry.core.errors import DomainError, NotFound
from registry.core.extensions import db
from registry.enterprises import catalog, regions, search, services
from registry.enterprises.models import CreditRecord, Enterprise
from registry.enterprises.schemas import (
    EnterpriseSchema,
    SearchPageSchema,
    SearchQuerySchema,
)
from registry.web.api import dump, load_query, operation, query_arguments
from registry.web.caching import public_page
from registry.web.ratelimit import limit_lookups

bp = Blueprint("enterprises", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/enterprises")


def _profile_version(code: str):
    """The fingerprint of one enterprise's public profile, read in one indexed query: the row's last
    update, its records' count and last update, and today (records stop counting on their valid-until
    day). None when no enterprise has the code: the view answers (404 or 422) without the cache."""
    row = db.session.execute(
        sa.select(Enterprise.id, Enterprise.updated_at, sa.func.count(CreditRecord.id),
                  sa.func.max(CreditRecord.updated_at))
        .outerjoin(CreditRecord, CreditRecord.enterprise_id == Enterprise.id)
        .where(Enterprise.credit_code == (code or "").strip().upper()).group_by(Enterprise.id)).first()
    if row is None:
        return None
    return row[0], str(row[1]), row[2], str(row[3]), clock.china_today().isoformat()


# Search answers and the active-worker count of a profile (kept by another domain) are kept a short
# time; see registry/web/caching.py for why.
CACHE_SECONDS = "ENTERPRISE_CACHE_SECONDS"


def _run_search(args: dict) -> search.SearchResult:
    return search.search(args.get("q"), province=args.get("province"), city=args.get("city"),
                         service=args.get("service"), code=args.get("code"), page=args["page"],
                         per_page=current_app.config["PAGE_SIZE"])


@bp.get("/enterprises")
@limit_lookups()
@public_page(ttl=CACHE_SECONDS)
def search_page():
    """企业信用查询: one box plus region and service filters."""
    raw = query_arguments()
    errors: dict = {}
    try:
        args = SearchQuerySchema().load(raw)
    except ValidationError as exc:
        errors = {k: (v if isinstance(v, list) else [str(v)]) for k, v in exc.messages.items()}
        args = SearchQuerySchema().load({k: v for k, v in raw.items() if k not in errors and k == "q"})
    result = None
    searched = any((raw.get(k) or "").strip() for k in ("q", "province", "city", "code", "service"))
    if searched and not errors:
        try:
            result = _run_search(args)
        except DomainError as exc:
            errors = exc.fields or {"q": [exc.message]}
    # The form sent with nothing in it: say what to enter rather than show nothing.
    hint = _("Enter a name, brand or unified social credit code, or choose a province, city or service type.") \
        if "q" in raw and not searched and not errors else None
    return _search_page(args, result, errors, hint)


def _search_page(args: dict, result, errors: dict, hint: str | None = None):
    table = regions.table()
    cities = table.children_of(args["province"]) if args.get("province") else []
    status = 422 if errors else 200
    return render_template("enterprises/search.html", args=args, result=result, errors=errors, hint=hint,
                           provinces=table.provinces(), cities=cities, services=catalog.SERVICE_TYPES,
                           regions=table, catalog=catalog), status


@bp.get("/enterprises/<code>")
@limit_lookups()
@public_page(key=_profile_version, ttl=CACHE_SECONDS)
def detail_page(code: str):
    """One enterprise: profile, current adverse records, full history by kind."""
    try:
        enterprise = services.get_by_code(code)
    except search.MistypedCode as exc:
        # A code that cannot be right: the search box, holding it, says which position is wrong.
        return _search_page(SearchQuerySchema().load({"q": code[:200]}), None, {"q": exc.fields["code"]})
    return render_template("enterprises/detail.html", enterprise=enterprise,
                           summary=services.credit_summary(enterprise),
                           workers=services.affiliated_active_workers(enterprise),
                           regions=regions.table(), catalog=catalog)


@bp.get("/api/v1/enterprises")
@operation("Search enterprises by credit code, name or brand, region and service type (ranked). A code "
           "(the code parameter, or q that looks like one) failing its check is 422, fields saying which "
           "position is wrong", query=SearchQuerySchema, response=SearchPageSchema, errors=(429,),
           tags=("enterprises",))
@limit_lookups()
@public_page(ttl=CACHE_SECONDS)
def api_search():
    return dump(SearchPageSchema, _run_search(load_query(SearchQuerySchema)))


@bp.get("/api/v1/enterprises/<code>")
@operation("One enterprise's credit profile and full record history; a code failing its check is 422 "
           "(fields.code says which position is wrong)", response=EnterpriseSchema,
           errors=(404, 422, 429), tags=("enterprises",))
@limit_lookups()
@public_page(key=_profile_version, ttl=CACHE_SECONDS)
def api_detail(code: str):
    return dump(EnterpriseSchema, services.get_by_code(code))


@bp.get("/api/v1/regions")
@operation("Provinces, or the cities/districts under a region code (for cascading selects)",
           tags=("enterprises",))
@public_page()
def api_regions():
    table = regions.table()
    parent = request.args.get("parent") or None
    if parent and table.get(parent) is None:
        raise NotFound(_("Unknown region code."))
    children = table.children_of(parent) if parent else table.provinces()
    return jsonify([{"code": r.code, "name": r.name, "level": r.level} for r in children])
