"""The worker's home screen, the home-page entry and the API document."""
from __future__ import annotations

from tests.factories.http import log_in
from tests.factories.workers import at_china_time, make_worker


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


def test_site_home_links_worker_services(client):
    assert 'data-testid="entry-workers"' in client.get("/").get_data(as_text=True)


def test_openapi_lists_worker_operations(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/workers/me/check-ins" in paths and "/api/v1/enterprise/roster" in paths
    assert "/api/v1/workers/me/profile/{section}" in paths
