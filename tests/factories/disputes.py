"""Disputes: the records a worker may contest (feed entries, enterprise decisions, profile versions)."""
from __future__ import annotations

import json

import sqlalchemy as sa

from registry.core.extensions import db
from registry.feeds import services as feeds
from registry.feeds.models import FeedRecord
from tests.factories.enterprises import make_enterprise, make_staff
from workers import services as workers
from workers.models import Affiliation
from workers.profile import services as profile
from workers.profile.models import ProfileVersion
from workers.roster import services as roster

DISPUTES_URL = "/api/v1/workers/me/disputes"
RECORDS_URL = "/api/v1/workers/me/disputes/records"
QUEUE_URL = "/api/v1/admin/disputes"

FEED_LINES = {
    "tax": {"source": "国家税务总局北京市税务局", "as_of": "2026-10-01", "status": "arrears"},
    "bank_credit": {"source": "中国人民银行征信中心", "as_of": "2026-10-01", "status": "adverse",
                    "credit_accounts": 3, "overdue_accounts": 1,
                    "adverse_records": [{"category": "逾期", "started_on": "2025-01-01", "ended_on": None}]},
    "background_check": {"source": "公安部门", "as_of": "2026-10-01", "result": "record_found",
                         "records": [{"category": "治安违法", "started_on": "2025-06-01", "ended_on": None}]},
}


def make_feed_record(account, kind: str = "tax", **fields) -> FeedRecord:
    """An agency's record of a person, loaded through the real import."""
    report = feeds.ImportReport()
    line = {**FEED_LINES[kind], **fields, "id_number": account.id_number}
    feeds.import_lines(kind, [(1, json.dumps(line, ensure_ascii=False))], report)
    assert not report.errors, report.errors
    return db.session.scalar(sa.select(FeedRecord).where(FeedRecord.id_number_hash == account.id_number_hash,
                                                         FeedRecord.kind == kind))


def make_confirmed_affiliation(account, enterprise=None, *, end: bool = False) -> Affiliation:
    """The worker claims an enterprise whose staff confirm it (and end it, with end)."""
    enterprise = enterprise or make_enterprise("示例家政服务有限公司")
    worker = workers.ensure_worker(account)
    affiliation = next(a for a in workers.claim_enterprises(worker, [enterprise.credit_code])
                       if a.enterprise_id == enterprise.id)
    staff = make_staff(enterprise)
    roster.confirm(staff, affiliation.id)
    if end:
        roster.end(staff, affiliation.id)
    db.session.refresh(affiliation)
    return affiliation


def make_profile_version(account, hometown: str = "河南信阳"):
    """A saved version of the worker's basic-information section; returns its row."""
    worker = workers.ensure_worker(account)
    data = profile.input_schema("basic").load({"hometown": hometown, "languages": ["普通话"]})
    data.pop("base_version", None)
    section, _added = profile.save_section(worker, "basic", data)
    return db.session.scalar(sa.select(ProfileVersion).where(ProfileVersion.worker_id == account.id,
                                                             ProfileVersion.section == "basic",
                                                             ProfileVersion.version == section.version))
