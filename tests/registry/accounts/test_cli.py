"""flask admin create and flask demo seed."""
from __future__ import annotations

import sqlalchemy as sa

from registry.accounts.models import Account
from registry.news.models import Article


def test_admin_create(runner, db_session):
    result = runner.invoke(args=["admin", "create", "--name", "运营", "--phone", "+86 138 0013 8000"])
    assert result.exit_code == 0, result.output
    assert "138****8000" in result.output and "13800138000" not in result.output
    admin = db_session.scalars(sa.select(Account).where(Account.role == "admin")).one()
    assert admin.phone == "13800138000" and admin.id_number is None


def test_admin_create_refuses_bad_or_taken_phone(runner, db_session):
    bad = runner.invoke(args=["admin", "create", "--name", "运营", "--phone", "12345"])
    assert bad.exit_code != 0 and "大陆手机号" in bad.output
    runner.invoke(args=["admin", "create", "--name", "运营", "--phone", "13800138000"])
    taken = runner.invoke(args=["admin", "create", "--name", "运营二", "--phone", "13800138000"])
    assert taken.exit_code != 0
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Account)) == 1


def test_demo_seed_is_idempotent(runner, db_session):
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Article)) == 3
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Account).where(Account.role == "admin")) == 1
