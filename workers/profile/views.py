"""Profile pages (one form per section) and /api/v1/workers/me/profile."""
from __future__ import annotations

import re

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from registry.core.errors import DomainError
from registry.enterprises import catalog
from registry.web.api import dump, load_body, localize_messages, operation, require_json_api_login
from registry.web.helpers import flash_success, refusal_errors, roles_required
from workers import services
from workers.profile import services as profile
from workers.profile.presenting import education_levels, row_fields, section_titles
from workers.profile.schemas import ProfileSchema, ProfileSectionSchema, VersionListSchema
from workers.views import bp

TAGS = ("workers",)
_LIST_SPLIT = re.compile(r"[,，、;；\n]+")
ROW_PREFIX = {"service": "certificates"}  # other list sections use "entries"


def _split(text: str) -> list[str]:
    return [part.strip() for part in _LIST_SPLIT.split(text or "") if part.strip()]


def _rows(prefix: str, keys: list[str]) -> list[dict]:
    indexes = sorted({int(m.group(1)) for name in request.form
                      if (m := re.fullmatch(rf"{prefix}-(\d{{1,3}})-\w+", name))})
    rows = []
    for index in indexes:
        row = {key: request.form.get(f"{prefix}-{index}-{key}", "").strip() for key in keys}
        if any(row.values()):
            rows.append(row)
    return rows


def form_data(section: str) -> dict:
    """The posted form as the section's API shape (validation happens in the schema)."""
    form = request.form
    if section == "basic":
        return {"hometown": form.get("hometown", ""), "ethnicity": form.get("ethnicity", ""),
                "education": form.get("education", "") or None, "languages": _split(form.get("languages", ""))}
    keys = [key for key, _label, _type in row_fields(section)]
    if section == "service":
        return {"service_types": form.getlist("service_types"), "skills": _split(form.get("skills", "")),
                "years_experience": form.get("years_experience", "").strip() or None,
                "certificates": _rows("certificates", keys)}
    return {"entries": _rows("entries", keys)}


def flatten_errors(messages, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as {"entries.0.insurer": [...]}."""
    if isinstance(messages, dict):
        out: dict[str, list[str]] = {}
        for key, value in messages.items():
            out.update(flatten_errors(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return {prefix or "_form": messages}
    return {prefix or "_form": [str(messages)]}


@bp.get("/workers/profile")
@roles_required("worker")
def profile_page():
    """本人信息管理: every section's current version, expiring entries flagged."""
    worker = services.ensure_worker(current_user)
    return render_template("workers/profile.html", sections=profile.current_profile(worker),
                           titles=section_titles(), services_catalog=catalog.SERVICE_TYPES,
                           education=education_levels())


@bp.route("/workers/profile/<section>", methods=["GET", "POST"])
@roles_required("worker")
def section_page(section: str):
    """One section's form; saving adds a version."""
    worker = services.ensure_worker(current_user)
    current = profile.current_section(worker, section)
    errors: dict = {}
    data = current.data
    if request.method == "POST":
        data = form_data(section)
        base = request.form.get("base_version", "")
        try:
            loaded = profile.input_schema(section).load({**data, "base_version": int(base) if base.isdigit() else None})
        except ValidationError as exc:
            errors = flatten_errors(localize_messages(exc.messages))
        else:
            loaded.pop("base_version", None)
            try:
                _saved, changed = profile.save_section(worker, section, loaded, int(base) if base.isdigit() else None)
            except DomainError as exc:
                errors = refusal_errors(exc)
            else:
                flash_success(_("Saved.") if changed else _("Nothing changed."))
                return redirect(url_for("workers.profile_page"))
    return render_template("workers/section.html", section=section, current=current, data=data, errors=errors,
                           title=section_titles()[section], fields=row_fields(section),
                           services_catalog=catalog.SERVICE_TYPES, education=education_levels(),
                           row_prefix=ROW_PREFIX.get(section, "entries")), 422 if errors else 200


@bp.get("/api/v1/workers/me/profile")
@operation("My profile: the current version of every section, expiring insurance/health flagged",
           response=ProfileSchema, errors=(403,), tags=TAGS)
@require_json_api_login
def api_profile():
    worker = services.ensure_worker(current_user)
    return dump(ProfileSchema, {"sections": profile.current_profile(worker)})


@bp.get("/api/v1/workers/me/profile/<section>")
@operation("One profile section (basic, service, insurance, work, training, health), current version",
           response=ProfileSectionSchema, errors=(403,), tags=TAGS)
@require_json_api_login
def api_section(section: str):
    worker = services.ensure_worker(current_user)
    return dump(ProfileSectionSchema, profile.current_section(worker, section))


@bp.put("/api/v1/workers/me/profile/<section>")
@operation("Save a profile section as a new version. List sections take {entries: [...]}; "
           "base_version (optional) refuses edits made on an outdated copy",
           body=tuple(profile.input_schema(section) for section in profile.SECTIONS),
           response=ProfileSectionSchema, errors=(403, 409), tags=TAGS)
@require_json_api_login
def api_save_section(section: str):
    worker = services.ensure_worker(current_user)
    profile.check_section(section)
    data = load_body(profile.input_schema(section))
    base = data.pop("base_version", None)
    saved, _changed = profile.save_section(worker, section, data, base)
    return dump(ProfileSectionSchema, saved)


@bp.get("/api/v1/workers/me/profile/<section>/versions")
@operation("Every saved version of a profile section, newest first", response=VersionListSchema, errors=(403,), tags=TAGS)
@require_json_api_login
def api_section_versions(section: str):
    worker = services.ensure_worker(current_user)
    return dump(VersionListSchema, {"items": profile.section_history(worker, section)})
