"""Factories of the workers tests: enterprises, staff, workers and passed face checks."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest

from registry.core import clock
from registry.core.extensions import db

_codes = itertools.count(1)


def make_enterprise(name: str = "家政服务有限公司"):
    """An enterprise with a valid, unique credit code."""
    from registry.enterprises.creditcode import check_character
    from registry.enterprises.models import Enterprise
    from registry.enterprises.services import refresh_search_fields

    first17 = f"91110105{next(_codes):09d}"
    enterprise = Enterprise(credit_code=first17 + check_character(first17), name=name, province_code="110000",
                            city_code="110100")
    refresh_search_fields(enterprise)
    db.session.add(enterprise)
    db.session.flush()
    return enterprise


def make_staff(enterprise, name: str = "企业管理员"):
    """An enterprise-staff account linked to enterprise."""
    from registry.enterprises.models import EnterpriseStaff
    from tests.helpers import make_account

    account = make_account("enterprise_staff", name=name)
    db.session.add(EnterpriseStaff(account_id=account.id, enterprise_id=enterprise.id))
    db.session.flush()
    return account


def make_worker(name: str = "李阿姨", enterprises=()):
    """A worker account with its worker record, having claimed the given enterprises."""
    from tests.helpers import make_account
    from workers import services

    account = make_account("worker", name=name)
    worker = services.ensure_worker(account)
    if enterprises:
        services.claim_enterprises(worker, [e.credit_code for e in enterprises])
    return account


def passed_check(account, purpose: str = "check_in", passed: bool = True, age: dt.timedelta = dt.timedelta(0)):
    """A recorded face decision, as registry.face.services.verify would leave it."""
    from registry.face.models import FaceCheck

    check = FaceCheck(account_id=account.id, purpose=purpose, actions="blink", passed=passed,
                      reason=None if passed else "no_match", frame_count=3, provider="test", engine="test",
                      scores={}, thresholds={}, created_at=clock.now() - age)
    db.session.add(check)
    db.session.flush()
    return check


@pytest.fixture
def enterprise():
    return make_enterprise()


@pytest.fixture
def worker_account(enterprise):
    """A worker who has chosen `enterprise` (pending)."""
    return make_worker(enterprises=[enterprise])


def at_china_time(year, month, day, hour=12, minute=0) -> dt.datetime:
    """An aware UTC moment given as China Standard Time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=clock.CHINA_TZ).astimezone(dt.UTC)


@pytest.fixture
def set_clock():
    """Put the app's clock at an aware moment."""
    def set_to(moment: dt.datetime) -> None:
        clock.set_offset(moment - dt.datetime.now(dt.UTC))

    return set_to
