"""The 0004_workers migration builds exactly the tables the workers models describe."""
from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from registry.core.extensions import db
from tests.factories.enterprises import make_enterprise, make_staff
from tests.factories.workers import at_china_time, make_worker
from workers import services
from workers.models import Affiliation
from workers.roster import services as roster

OUR_TABLES = {"worker", "worker_affiliation", "worker_profile_version", "worker_notice"}


def _table_of(diff) -> str | None:
    if isinstance(diff, list):  # column modifications come as a list of tuples
        diff = diff[0]
    subject = diff[1]
    if isinstance(subject, sa.Table):
        return subject.name
    if getattr(subject, "table", None) is not None:  # indexes and constraints
        return subject.table.name
    return diff[2] if len(diff) > 2 and isinstance(diff[2], str) else None


def _ours(diff) -> bool:
    return _table_of(diff) in OUR_TABLES


def test_worker_tables_match_the_migration(app, db_session):
    context = MigrationContext.configure(db_session.connection())
    differences = [d for d in compare_metadata(context, db.metadata) if _ours(d)]
    assert differences == []


def test_active_count_for_the_enterprise_page(db_session, set_clock):
    set_clock(at_china_time(2026, 1, 1, 9))
    enterprise = make_enterprise()
    staff = make_staff(enterprise)
    old = make_worker("老", enterprises=[enterprise])
    set_clock(at_china_time(2026, 2, 15, 9))
    new = make_worker("新", enterprises=[enterprise])
    for account in (old, new):
        affiliation = db_session.scalar(sa.select(Affiliation).where(Affiliation.worker_id == account.id))
        roster.confirm(staff, affiliation.id)
    assert services.count_active_affiliated(enterprise) == 1
