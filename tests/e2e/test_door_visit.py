"""Trust at the door, in Chromium: a household scans a green certificate and confirms entry, the worker
confirms, the visit ends, the household rates it and complains; the enterprise answers, an operator upholds
it; the enterprise's public page shows the 消费投诉 record and the worker's code is yellow while it was open."""
from __future__ import annotations

import datetime as dt
import io
import os

import pytest
from PIL import Image

from registry.core import clock
from registry.core.extensions import db
from tests.e2e import face_support
from tests.e2e.browser_support import CHROMIUM
from tests.factories.accounts import make_account
from tests.factories.visits import make_door
from workers.certificates import services as certificates
from workers.models import Worker
from workers.records import services as records

pytestmark = [pytest.mark.e2e]


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (80, 60), (180, 200, 220)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture(scope="module")
def door_app(tmp_path_factory):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package")
    app = face_support.build_app(tmp_path_factory.mktemp("door-live"))
    with app.app_context():
        door = make_door()
        worker = db.session.get(Worker, door.worker.id)
        worker.identity_verified_at = clock.now()
        today = clock.china_today()
        for kind in ("health_certificate", "accident_insurance"):
            record = records.add_record(door.worker, kind, "机构", None, today - dt.timedelta(days=5),
                                        today + dt.timedelta(days=300), _photo())
            records.decide(door.staff, record.id, "verify")
        operator = make_account("admin", name="运营小张")
        code = certificates.show(worker).fallback_code
        people = {"worker": door.worker.phone, "household": door.household.phone, "staff": door.staff.phone,
                  "operator": operator.phone}
        enterprise_code = door.enterprise.credit_code
        db.session.commit()
    with face_support.LiveServer(app) as server:
        yield server, app, people, code, enterprise_code


def _as(browser, server, app, phone):
    context = browser.new_context(locale="zh-CN", viewport={"width": 414, "height": 860})
    face_support.log_in(context, server.url, app, phone)
    page = context.new_page()
    page.set_default_timeout(15000)
    return page


def _colour(page, server) -> str:
    page.goto(server.url + "/workers/certificate")
    return page.get_by_test_id("status-code").get_attribute("data-colour")


def test_door_visit_rating_complaint_answer_and_decision(browser, door_app, artifacts):
    server, app, people, code, enterprise_code = door_app
    worker = _as(browser, server, app, people["worker"])
    assert _colour(worker, server) == "green"

    household = _as(browser, server, app, people["household"])
    household.goto(server.url + "/scan")
    household.get_by_test_id("qr-code").fill(code)
    household.get_by_test_id("qr-submit-code").click()
    household.wait_for_url("**/requests/*")
    assert household.get_by_test_id("status-code").get_attribute("data-colour") == "green"
    household.get_by_test_id("confirm-entry").click()
    household.wait_for_url("**/visits/*")
    assert household.get_by_test_id("visit").get_attribute("data-state") == "requested"
    visit_url = household.url

    worker.goto(server.url + "/visits")
    worker.locator("[data-testid^=visit-] a").first.click()
    worker.get_by_test_id("visit-confirm").click()
    assert worker.get_by_test_id("visit").get_attribute("data-state") == "started"

    household.goto(visit_url)
    household.get_by_test_id("visit-end").click()
    assert household.get_by_test_id("visit").get_attribute("data-state") == "ended"
    household.get_by_test_id("stars-4").check()
    household.get_by_test_id("tag-punctual").check()
    household.get_by_test_id("rating-submit").click()
    assert household.get_by_test_id("rated").is_visible()
    household.get_by_test_id("complaint-open").click()
    household.get_by_test_id("against-enterprise").check()
    household.get_by_test_id("complaint-category").select_option("pricing")
    household.get_by_test_id("complaint-description").fill("结束时多收了两个小时的费用")
    household.get_by_test_id("complaint-submit").click()
    household.wait_for_url("**/complaints/*")
    complaint_url = household.url
    assert household.get_by_test_id("complaint").get_attribute("data-state") == "open"
    household.screenshot(path=str(artifacts / "complaint.png"), full_page=True)

    assert _colour(worker, server) == "yellow"  # while the complaint is open

    staff = _as(browser, server, app, people["staff"])
    staff.goto(server.url + "/enterprise/complaints")
    staff.locator("[data-testid^=complaint-] a").first.click()
    staff.get_by_test_id("response-text").fill("经核实多收一小时，已退还差价。")
    staff.get_by_test_id("response-submit").click()
    assert staff.get_by_test_id("complaint").get_attribute("data-state") == "answered"

    operator = _as(browser, server, app, people["operator"])
    operator.goto(server.url + "/admin/complaints")
    operator.locator("[data-testid^=complaint-] a").first.click()
    operator.get_by_test_id("outcome-upheld").check()
    operator.get_by_test_id("decision-note").fill("多收费属实，企业已退款。")
    operator.get_by_test_id("decision-submit").click()
    assert operator.get_by_test_id("complaint").get_attribute("data-state") == "closed"

    household.goto(complaint_url)
    assert "投诉成立" in household.get_by_test_id("complaint-outcome").inner_text()
    household.goto(server.url + f"/enterprises/{enterprise_code}")
    assert "消费投诉" in household.get_by_test_id("record-history").inner_text()
    assert _colour(worker, server) == "green"  # closed: nothing open any more
