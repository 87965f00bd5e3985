"""Enterprises: credit codes, import rows, enterprises loaded through the real loader, their staff."""
from __future__ import annotations

import itertools

from registry.core.extensions import db
from registry.enterprises import creditcode, loader, services, validation
from registry.enterprises.demo import demo_code
from registry.enterprises.models import EnterpriseStaff
from tests.factories.accounts import make_account

_numbers = itertools.count(1)


def make_code(district: str = "110105") -> str:
    """A fresh valid credit code (organisation part from a counter)."""
    return demo_code(500_000_000 + next(_numbers), district)


def raw_row(**overrides) -> dict:
    """An import-format row with sensible defaults."""
    row = {
        "credit_code": overrides.pop("credit_code", None) or make_code(),
        "name": "北京示例家政服务有限公司",
        "brands": ["示例阿姨"],
        "district_code": "110105",
        "address": "朝阳区示例路1号",
        "legal_representative": "张三",
        "registered_on": "2015-03-01",
        "registered_capital": "100",
        "business_scope": "家政服务",
        "service_types": ["保洁", "月嫂"],
        "status": "存续",
        "commitment_signed_on": "2020-01-01",
        "commitment_text": "诚信经营",
        "records": [],
    }
    row.update(overrides)
    return row


def make_enterprise(name: str = "家政服务有限公司", *, source: str = "test", **overrides):
    """One enterprise with a fresh valid credit code, loaded through the real loader; returns the model.

    Any import-row field may be given (brands, district_code, records...).
    """
    data = validation.clean_enterprise(raw_row(name=name, **overrides), default_source=source)
    loader.upsert_batch([data], source)
    return services.get_by_code(data["credit_code"])


def make_staff(enterprise, name: str = "企业管理员"):
    """An enterprise-staff account linked to enterprise."""
    account = make_account("enterprise_staff", name=name)
    db.session.add(EnterpriseStaff(account_id=account.id, enterprise_id=enterprise.id))
    db.session.flush()
    return account


assert creditcode.is_valid(make_code())
