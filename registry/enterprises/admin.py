"""Admin pages: add or correct enterprises and their credit records, attach staff."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.accounts import services as accounts
from registry.accounts.models import Role
from registry.core.errors import DomainError
from registry.enterprises import catalog, fileio, regions, search, services
from registry.enterprises.schemas import EnterpriseFormSchema, RecordFormSchema
from registry.enterprises.views import bp
from registry.web.helpers import flash_success, refusal_errors, roles_required

admin_only = roles_required(Role.ADMIN.value)


def _form_values(schema) -> dict:
    raw = {}
    for name, field in schema.fields.items():
        if field.__class__.__name__ == "List":
            raw[name] = request.form.getlist(name)
        elif name in request.form:
            raw[name] = request.form.get(name, "")
    return raw


@bp.get("/admin/enterprises")
@admin_only
def admin_list():
    """Find an enterprise to correct, or add one."""
    q = request.args.get("q", "")
    page = max(1, request.args.get("page", 1, type=int) or 1)
    errors: dict = {}
    try:
        result = search.search(q, page=min(page, 10_000), per_page=current_app.config["PAGE_SIZE"])
    except DomainError as exc:
        result, errors = None, {"q": [exc.message]}
    return render_template("enterprises/admin_list.html", q=q, result=result, errors=errors)


@bp.route("/admin/enterprises/new", methods=["GET", "POST"])
@bp.route("/admin/enterprises/<code>/edit", methods=["GET", "POST"])
@admin_only
def admin_edit(code: str | None = None):
    """Create an enterprise or correct its profile."""
    enterprise = services.get_by_code(code) if code else None
    errors: dict = {}
    if request.method == "POST":
        form = _form_values(EnterpriseFormSchema())
        if enterprise is not None:
            form["credit_code"] = enterprise.credit_code
        data, errors = EnterpriseFormSchema().clean(form)
        if not errors:
            try:
                saved = services.save_enterprise(enterprise, data, current_user.id)
            except DomainError as exc:
                errors = refusal_errors(exc)
            else:
                flash_success(_("The enterprise has been saved."))
                return redirect(url_for("enterprises.admin_edit", code=saved.credit_code))
    else:
        form = fileio.enterprise_row(enterprise) if enterprise else {"status": "operating", "service_types": []}
        form["brands"] = "|".join(form.get("brands") or [])
        form = {k: ("" if v is None else v) for k, v in form.items()}
    return render_template("enterprises/admin_edit.html", enterprise=enterprise, form=form, errors=errors,
                           catalog=catalog, provinces=regions.table().provinces(),
                           staff=services.list_staff(enterprise) if enterprise else []), 422 if errors else 200


@bp.route("/admin/enterprises/<code>/records/new", methods=["GET", "POST"])
@bp.route("/admin/enterprises/<code>/records/<int:record_id>/edit", methods=["GET", "POST"])
@admin_only
def admin_record(code: str, record_id: int | None = None):
    """Add or correct one credit record."""
    enterprise = services.get_by_code(code)
    record = services.get_record(enterprise, record_id) if record_id else None
    errors: dict = {}
    if request.method == "POST":
        form = _form_values(RecordFormSchema())
        data, errors = RecordFormSchema().clean(form)
        if not errors:
            services.save_record(enterprise, record, data, current_user.id)
            flash_success(_("The credit record has been saved."))
            return redirect(url_for("enterprises.admin_edit", code=enterprise.credit_code))
    else:
        form = {name: ("" if getattr(record, name, None) is None else str(getattr(record, name)))
                for name in RecordFormSchema().fields} if record else {"source": _("Platform operator")}
    return render_template("enterprises/admin_record.html", enterprise=enterprise, record=record, form=form,
                           errors=errors, catalog=catalog), 422 if errors else 200


@bp.post("/admin/enterprises/<code>/records/<int:record_id>/delete")
@admin_only
def admin_record_delete(code: str, record_id: int):
    """Delete a record entered by mistake."""
    enterprise = services.get_by_code(code)
    services.delete_record(enterprise, services.get_record(enterprise, record_id), current_user.id)
    flash_success(_("The credit record has been deleted."))
    return redirect(url_for("enterprises.admin_edit", code=enterprise.credit_code))


@bp.post("/admin/enterprises/<code>/staff")
@admin_only
def admin_add_staff(code: str):
    """Attach an enterprise-staff account (by phone) to this enterprise."""
    enterprise = services.get_by_code(code)
    account = accounts.find_by_phone(request.form.get("phone", "").strip())
    if account is None:
        flash(_("No account uses this phone number."), "error")
    else:
        try:
            services.add_staff(account, enterprise, current_user.id)
            flash_success(_("The staff account now belongs to this enterprise."))
        except DomainError as exc:
            refusal_errors(exc)
            flash(_("Only enterprise staff accounts can belong to an enterprise."), "error")
    return redirect(url_for("enterprises.admin_edit", code=enterprise.credit_code))
