"""The worker's home screen, the home-page entry and the API document."""
from __future__ import annotations

import sqlalchemy as sa

from tests.factories.accounts import make_account
from tests.factories.http import api_post, form_post, log_in
from tests.factories.workers import at_china_time, make_worker
from workers import services
from workers.models import WorkerNotice


def test_home_shows_the_functions_with_days_left(client, db_session, set_clock):
    set_clock(at_china_time(2026, 3, 1, 9))
    account = make_worker()
    set_clock(at_china_time(2026, 3, 21, 9))
    log_in(client, account)
    page = client.get("/workers").get_data(as_text=True)
    assert 'data-testid="tile-enterprise-credit"' in page  # the enterprise search page exists
    assert 'data-testid="tile-profile"' in page and 'data-testid="tile-check-in"' in page
    assert "10" in page.split('data-testid="tile-check-in"')[1].split("</a>")[0]
    assert 'data-testid="next-step"' in page
    # Certificate and scan tiles appear exactly when those pages exist at runtime.
    endpoints = client.application.view_functions
    assert ('data-testid="tile-certificate"' in page) == ("workers.certificate_page" in endpoints)
    assert ('data-testid="tile-scan"' in page) == ("consumers.scan_page" in endpoints)


def test_home_shows_departed_banner(client, db_session, set_clock):
    set_clock(at_china_time(2026, 1, 1, 9))
    account = make_worker()
    set_clock(at_china_time(2026, 3, 1, 9))
    log_in(client, account)
    assert 'data-testid="departed-banner"' in client.get("/workers").get_data(as_text=True)
    assert client.get("/workers/check-in").status_code == 200


def test_pages_need_a_worker_login(client, db_session):
    assert client.get("/workers").status_code == 302
    assert client.get("/api/v1/workers/me/profile").status_code == 401
    assert client.get("/enterprise/roster").status_code == 302


def test_the_home_tiles_follow_the_role(app, db_session):
    """A tile a person cannot use is not shown: households saw worker and staff tiles that answered 403."""
    def tiles(account=None):
        client = app.test_client()
        if account is not None:
            log_in(client, account)
        return client.get("/").get_data(as_text=True)

    worker, household = make_worker("钱多多"), make_account("consumer", name="郑家")
    staff = make_account("enterprise_staff", name="赵经理")
    assert 'data-testid="entry-workers"' in tiles(worker) and 'data-testid="entry-scan"' not in tiles(worker)
    shown = tiles(household)
    assert 'data-testid="entry-scan"' in shown
    assert 'data-testid="entry-workers"' not in shown and 'data-testid="entry-enterprise-roster"' not in shown
    assert 'data-testid="entry-enterprise-roster"' in tiles(staff)
    assert 'data-testid="entry-workers"' not in tiles()
    assert 'data-testid="tab-scan"' in shown and 'data-testid="tab-scan"' not in tiles()  # 扫一扫 one tap away


def test_openapi_lists_worker_operations(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/workers/me/check-ins" in paths and "/api/v1/enterprise/roster" in paths
    assert "/api/v1/workers/me/profile/{section}" in paths


def test_reading_the_home_page_leaves_notices_new_until_the_worker_marks_them(client, db_session):
    account = make_worker()
    services.add_notice(account.id, "affiliation_confirmed", "阳光家政")
    log_in(client, account)
    for _visit in range(2):  # a GET changes nothing: the notice stays new
        page = client.get("/workers?lang=en").get_data(as_text=True)
        assert "阳光家政" in page and 'data-testid="notices-read"' in page
    assert db_session.scalar(sa.select(WorkerNotice.read_at).where(WorkerNotice.worker_id == account.id)) is None
    assert form_post(client, "/workers/notices/read", {}).status_code == 302
    assert 'data-testid="notices-read"' not in client.get("/workers").get_data(as_text=True)
    assert db_session.scalar(sa.select(WorkerNotice.read_at).where(WorkerNotice.worker_id == account.id)) is not None


def test_notices_read_api(client, db_session):
    account = make_worker()
    services.add_notice(account.id, "affiliation_ended", "某公司")
    log_in(client, account)
    assert api_post(client, "/api/v1/workers/me/notices/read").get_json() == {"marked_read": 1}
    assert api_post(client, "/api/v1/workers/me/notices/read").get_json() == {"marked_read": 0}
    assert all(n["read"] for n in client.get("/api/v1/workers/me/notices").get_json()["items"])
