"""A burst of concurrent writers on one SQLite file: every request that reads then writes waits for the
write lock it took at BEGIN, so none answers 5xx ("database is locked") and nothing is lost."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from registry.core.extensions import db
from tests.factories.app import make_app
from tests.factories.http import csrf_token

pytestmark = pytest.mark.own_app
THREADS, REQUESTS = 8, 25


def test_eight_writers_at_once_get_no_lock_errors(tmp_path):
    app = make_app(f"sqlite:///{tmp_path}/burst.sqlite", str(tmp_path), SMS_HOURLY_LIMIT_PER_IP=10**6)
    statuses: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def writer(index: int) -> None:
        client = app.test_client()
        token = csrf_token(client)
        start.wait()
        for number in range(REQUESTS):
            # Checks the send limits (reads), then stores the code, its job and the outbox message (writes).
            response = client.post("/api/v1/sms/codes", headers={"X-CSRFToken": token},
                                   json={"phone": f"139{index:02d}{number:06d}", "purpose": "register"})
            with lock:
                statuses.append(response.status_code)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert statuses.count(202) == THREADS * REQUESTS, sorted(set(statuses))
    with app.app_context():
        assert db.session.scalar(sa.text("SELECT count(*) FROM sms_code")) == THREADS * REQUESTS
        assert db.session.scalar(sa.text("SELECT count(*) FROM sms_message")) == THREADS * REQUESTS
        db.engine.dispose()
