"""The sweep beside a live check-in on PostgreSQL: the check-in always wins."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from registry.accounts.models import Account
from registry.core import clock
from registry.core.crypto import lookup_hash
from workers.attendance import departure
from workers.models import Worker


@pytest.mark.postgres
def test_sweep_waits_for_a_concurrent_check_in_and_keeps_it(app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("row locking is a PostgreSQL matter (SQLite has one writer at a time)")
    engine = sa.create_engine(database_url)
    now, today = clock.now(), clock.china_today()
    phone = "13700001234"
    with engine.begin() as setup:
        account_id = setup.execute(sa.insert(Account.__table__).values(
            role="worker", name="并发", phone=phone, phone_hash=lookup_hash(phone, "phone"),
            created_at=now, updated_at=now).returning(Account.__table__.c.id)).scalar_one()
        setup.execute(sa.insert(Worker.__table__).values(
            account_id=account_id, registration_step="complete", registered_at=now - dt.timedelta(days=60),
            due_on=today - dt.timedelta(days=5), status="active", created_at=now, updated_at=now))
    try:
        check_in = engine.connect()
        transaction = check_in.begin()
        # The check-in has updated the row but not committed yet.
        check_in.execute(sa.update(Worker.__table__).where(Worker.__table__.c.account_id == account_id)
                         .values(due_on=today + dt.timedelta(days=30), last_check_in_at=now))
        outcome = {}

        def sweep():
            with engine.begin() as connection:
                outcome["changed"] = connection.execute(
                    departure.sweep_statement(account_id, account_id + 1, today, now)).rowcount

        thread = threading.Thread(target=sweep)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive(), "the sweep should wait for the check-in's row lock"
        transaction.commit()
        thread.join(10)
        check_in.close()
        assert outcome["changed"] == 0
        with engine.connect() as connection:
            status = connection.execute(sa.select(Worker.__table__.c.status).where(
                Worker.__table__.c.account_id == account_id)).scalar_one()
        assert status == "active"
    finally:
        with engine.begin() as cleanup:
            cleanup.execute(sa.delete(Worker.__table__).where(Worker.__table__.c.account_id == account_id))
            cleanup.execute(sa.delete(Account.__table__).where(Account.__table__.c.id == account_id))
        engine.dispose()
