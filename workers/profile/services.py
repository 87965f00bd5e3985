"""The worker's profile (本人信息管理): six sections, each saved as a new version.

Sections: basic information, service and education, insurance, work
history, training and assessments (the real app's five pages) and health
checks. The consumer view reads the current version of each section.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from marshmallow import Schema, fields

from registry.accounts.models import Account
from registry.audit import services as audit
from registry.core import clock
from registry.core.errors import Conflict, NotFound
from registry.core.extensions import db
from workers.models import Worker
from workers.profile.models import ProfileVersion
from workers.profile.schemas import SECTION_SCHEMAS

SECTIONS = tuple(SECTION_SCHEMAS)
# Insurance and health checks must be renewed: flag them this many days ahead.
EXPIRY_WARNING_DAYS = 30
EXPIRY_FIELDS = {"insurance": "valid_to", "health": "valid_until"}

_input_schemas: dict[str, type[Schema]] = {}


def input_schema(section: str) -> Schema:
    """The section's schema plus `base_version`, the version the edit started from."""
    if section not in _input_schemas:
        base = SECTION_SCHEMAS[section]
        _input_schemas[section] = type(f"{base.__name__}Input", (base,), {
            "base_version": fields.Integer(load_default=None, allow_none=True, strict=True)})
    return _input_schemas[section]()


def check_section(section: str) -> None:
    """NotFound for an unknown section name."""
    if section not in SECTION_SCHEMAS:
        raise NotFound(_("This profile section does not exist."), code="section_not_found")


@dataclass
class Section:
    """A section as shown: its current data (empty before the first save) and expiry flags."""

    section: str
    version: int | None
    saved_at: dt.datetime | None
    data: dict
    flags: list[dict] = field(default_factory=list)


def empty_data(section: str) -> dict:
    """What an unsaved section looks like."""
    schema = SECTION_SCHEMAS[section]()
    return schema.dump(schema.load({"entries": []} if "entries" in schema.fields else {}))


def expiry_flags(section: str, data: dict, today: dt.date | None = None) -> list[dict]:
    """Expired or soon expiring insurance policies and health checks."""
    key = EXPIRY_FIELDS.get(section)
    if key is None:
        return []
    today = today or clock.china_today()
    flags = []
    for index, entry in enumerate(data.get("entries", [])):
        until = dt.date.fromisoformat(entry[key])
        if until < today:
            flags.append({"index": index, "state": "expired", "date": entry[key]})
        elif (until - today).days <= EXPIRY_WARNING_DAYS:
            flags.append({"index": index, "state": "expiring", "date": entry[key]})
    return flags


def _to_section(row: ProfileVersion | None, section: str) -> Section:
    if row is None:
        return Section(section, None, None, empty_data(section))
    data = json.loads(row.content)
    return Section(section, row.version, row.created_at, data, expiry_flags(section, data))


def _current_row(worker: Worker, section: str) -> ProfileVersion | None:
    return db.session.scalar(sa.select(ProfileVersion).where(
        ProfileVersion.worker_id == worker.account_id, ProfileVersion.section == section,
        ProfileVersion.current.is_(True)))


def current_section(worker: Worker, section: str) -> Section:
    """The current version of one section."""
    check_section(section)
    return _to_section(_current_row(worker, section), section)


def current_profile(worker: Worker) -> list[Section]:
    """Every section's current version, in the app's order."""
    rows = {r.section: r for r in db.session.scalars(sa.select(ProfileVersion).where(
        ProfileVersion.worker_id == worker.account_id, ProfileVersion.current.is_(True)))}
    return [_to_section(rows.get(s), s) for s in SECTIONS]


def section_history(worker: Worker, section: str) -> list[Section]:
    """Every saved version of a section, newest first."""
    check_section(section)
    rows = db.session.scalars(sa.select(ProfileVersion).where(
        ProfileVersion.worker_id == worker.account_id, ProfileVersion.section == section)
        .order_by(ProfileVersion.version.desc()))
    return [_to_section(r, section) for r in rows]


def save_section(worker: Worker, section: str, data: dict, base_version: int | None = None) -> tuple[Section, bool]:
    """Save a section's validated data as a new version; returns (section, whether a version was added).

    Saving what is already current adds nothing (a double submission is
    harmless). base_version, when given, must be the current version: an
    edit made on an outdated page is refused rather than silently undoing
    another edit.
    """
    check_section(section)
    schema = SECTION_SCHEMAS[section]()
    content = schema.dump(data)
    # Serialise edits of one worker's profile: PostgreSQL locks the row; SQLite has one writer anyway.
    db.session.refresh(worker, with_for_update=True)
    current = _current_row(worker, section)
    if current is not None and json.loads(current.content) == content:
        return _to_section(current, section), False
    current_version = current.version if current else 0
    if base_version is not None and base_version != current_version:
        raise Conflict(_("This section was changed meanwhile; reload it and edit again."), code="version_conflict",
                       fields={"base_version": [_("This section was changed meanwhile; reload it and edit again.")]})
    if current is not None:
        current.current = False
        db.session.flush()  # the old row stops being current before the new one exists
    row = ProfileVersion(worker_id=worker.account_id, section=section, version=current_version + 1, current=True,
                         content=json.dumps(content, ensure_ascii=False, sort_keys=True), created_at=clock.now())
    db.session.add(row)
    db.session.flush()
    audit.record("worker.profile_saved", subject_id=worker.account_id, section=section, version=row.version)
    return _to_section(row, section), True


def delete_profile(account: Account) -> None:
    """A deleted account's profile versions go with it."""
    db.session.execute(sa.delete(ProfileVersion).where(ProfileVersion.worker_id == account.id))
