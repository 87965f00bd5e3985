"""With Redis unreachable the registry still serves: work waits in the database, readiness and the
operator's page say what is delayed, and recovery delivers it once the queue is back."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from registry.accounts import sms
from registry.core import effects
from registry.core.extensions import db
from registry.jobs import services as jobs
from registry.jobs.models import Job
from tests.factories.accounts import make_account
from tests.factories.app import make_app
from tests.factories.http import log_in

pytestmark = pytest.mark.own_app


def test_pages_and_codes_still_work_notices_wait_and_the_delay_is_said(tmp_path):
    # Port 9 (discard) is closed on 127.0.0.1: every connection is refused at once.
    app = make_app(f"sqlite:///{tmp_path}/q.sqlite", str(tmp_path), JOBS_BACKEND="redis",
                   JOBS_REDIS_URL="redis://127.0.0.1:9/0")
    client = app.test_client()
    assert client.get("/").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["checks"]["queue"] is False
    with app.app_context():
        operator = make_account(role="admin", name="运营")
        sms.notify_by_sms(operator.phone, "通知", operator.id)
        db.session.commit()
        effects.run_pending()
        notice = db.session.scalars(sa.select(Job).where(Job.kind == sms.MESSAGE_JOB)).one()
        assert notice.status == "pending" and notice.enqueued_at is not None  # kept for recovery
        # A verification code is sent by the web process itself: a person is waiting to log in.
        log_in(client, operator)
        code = db.session.scalars(sa.select(Job).where(Job.kind == sms.CODE_JOB)).one()
        assert code.status == "done"
        page = client.get("/admin/jobs").get_data(as_text=True)
        assert 'data-testid="queue-down"' in page and "任务队列暂时无法连接" in page
        assert jobs.enqueue(notice.id) is False  # recovery keeps trying; nothing is lost
        db.session.expire_all()
        assert db.session.get(Job, notice.id).status == "pending"
        db.session.remove()
        db.engine.dispose()
