"""The profile as people read it: section names, row fields, education levels, and each section in words."""
from __future__ import annotations

from flask_babel import gettext as _

from registry.enterprises import catalog
from registry.web.presenting import NOTHING, Facts, Table, day, joined, text


def section_titles() -> dict[str, str]:
    """Section names as the real app shows them."""
    return {"basic": _("Basic information"), "service": _("Service and education"), "insurance": _("Insurance"),
            "work": _("Work history"), "training": _("Training and assessments"), "health": _("Health checks")}


def row_fields(section: str) -> list[tuple[str, str, str]]:
    """(key, label, input type) of one row of a list section (or the service section's certificates)."""
    return {
        "service": [("name", _("Certificate"), "text"), ("number", _("Certificate number"), "text"),
                    ("level", _("Level"), "text")],
        "insurance": [("insurer", _("Insurer"), "text"), ("kind", _("Type of insurance"), "text"),
                      ("policy_number", _("Policy number"), "text"), ("valid_from", _("Valid from"), "date"),
                      ("valid_to", _("Valid to"), "date")],
        "work": [("employer", _("Employer"), "text"), ("role", _("Role"), "text"), ("from", _("From"), "date"),
                 ("to", _("To (empty if current)"), "date")],
        "training": [("course", _("Course or assessment"), "text"), ("issuer", _("Issued by"), "text"),
                     ("certificate_number", _("Certificate number"), "text"), ("grade", _("Grade"), "text"),
                     ("date", _("Date"), "date")],
        "health": [("institution", _("Institution"), "text"), ("date", _("Date of check"), "date"),
                   ("result", _("Result"), "text"), ("valid_until", _("Valid until"), "date")],
    }.get(section, [])


def education_levels() -> dict[str, str]:
    return {"primary": _("Primary school"), "junior_high": _("Junior high school"),
            "senior_high": _("Senior high school"), "vocational": _("Vocational school"),
            "college": _("College"), "bachelor": _("Bachelor's degree"), "postgraduate": _("Postgraduate")}


def _cell(kind: str, value, key: str) -> str:
    if kind == "date":
        return day(value) if value else (_("present") if key == "to" else NOTHING)
    return text(value)


def section_blocks(section: str, data: dict | None) -> list[Facts | Table]:
    """One saved section in words (an empty list when nothing was saved)."""
    if not data:
        return []
    title = section_titles()[section]
    if section == "basic":
        return [Facts(title, [
            (_("Hometown"), text(data.get("hometown"))), (_("Ethnicity"), text(data.get("ethnicity"))),
            (_("Education"), education_levels().get(data.get("education") or "", NOTHING)),
            (_("Languages"), joined(data.get("languages")))])]
    if section == "service":
        services = [str(catalog.SERVICE_TYPES[s][2]) for s in data.get("service_types") or [] if s in catalog.SERVICE_TYPES]
        blocks: list[Facts | Table] = [Facts(title, [
            (_("Service types"), joined(services)), (_("Skills"), joined(data.get("skills"))),
            (_("Years of experience"), text(data.get("years_experience")))])]
        certificates = data.get("certificates") or []
        if certificates:
            fields = row_fields("service")
            blocks.append(Table(_("Vocational certificates"), [label for _k, label, _t in fields],
                                [[_cell(kind, row.get(key), key) for key, _l, kind in fields] for row in certificates]))
        return blocks
    fields = row_fields(section)
    columns = [_("To") if key == "to" else label for key, label, _kind in fields]
    return [Table(title, columns, [[_cell(kind, row.get(key), key) for key, _l, kind in fields]
                                   for row in data.get("entries") or []])]
