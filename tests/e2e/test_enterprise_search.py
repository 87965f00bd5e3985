"""Real-browser test of enterprise credit search: region filter, 2-character name, detail page."""
from __future__ import annotations

import threading

import flask_migrate
import pytest
from cryptography.fernet import Fernet
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from registry.app import MIGRATIONS_DIR, create_app
from registry.core.extensions import db
from registry.enterprises import demo, loader, validation

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """The app on a temporary SQLite database, seeded with synthetic enterprises, served on 127.0.0.1."""
    folder = tmp_path_factory.mktemp("enterprise-e2e")
    app = create_app({"SECRET_KEY": "e2e", "DATA_KEYS": [Fernet.generate_key().decode()], "LOOKUP_KEY": "e2e",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'e2e.sqlite'}"},
                     instance_path=str(folder))
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS_DIR)
        rows = [validation.clean_enterprise(raw, default_source=demo.DEMO_SOURCE) for raw in demo.generate(300)]
        rows.append(validation.clean_enterprise({
            "credit_code": demo.demo_code(10**9, "330106"), "name": "杭州西湖浏览器测试家政有限公司（演示）",
            "brands": ["西湖阿姨"], "district_code": "330106", "service_types": ["保洁"],
            "records": [{"kind": "complaint", "occurred_on": "2024-03-01", "summary": "演示投诉记录",
                         "valid_until": "2099-01-01"}]}, default_source=demo.DEMO_SOURCE))
        loader.upsert_batch(rows, demo.DEMO_SOURCE)
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=["--no-sandbox", "--disable-background-networking"])
        yield instance
        instance.close()


def test_search_by_region_and_two_characters_then_open_detail(live_server, browser):
    page = browser.new_page(locale="zh-CN")
    try:
        page.goto(live_server + "/")
        page.get_by_test_id("entry-enterprises").click()
        page.wait_for_url("**/enterprises")

        # Region: the city list is filled by script when a province is picked.
        page.get_by_test_id("search-province").select_option("330000")
        page.wait_for_selector('[data-testid="search-city"] option[value="330100"]', state="attached")
        page.get_by_test_id("search-city").select_option("330100")
        page.get_by_test_id("search-submit").click()
        page.wait_for_url("**city=330100**")
        results = page.get_by_test_id("enterprise-results")
        assert "杭州西湖浏览器测试家政有限公司" in results.inner_text()
        assert "330100" in page.url and page.get_by_test_id("result-count").is_visible()

        # Two characters of a name, no region.
        page.get_by_test_id("search-province").select_option("")
        page.get_by_test_id("search-q").fill("西湖")
        page.get_by_test_id("search-submit").click()
        page.wait_for_url("**q=**")
        links = page.get_by_test_id("enterprise-link")
        assert links.count() >= 1
        assert "西湖" in links.first.inner_text()
        links.first.click()
        page.wait_for_url("**/enterprises/9*")
        assert "西湖" in page.get_by_test_id("enterprise-name").inner_text()
        assert "演示投诉记录" in page.get_by_test_id("record-history").inner_text()
        assert page.get_by_test_id("affiliated-workers").inner_text() == "0"  # counted by the workers domain
    finally:
        page.close()
