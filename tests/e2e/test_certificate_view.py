"""A household scans a worker's certificate, the worker approves by face, the
household reads, the worker revokes, the household is refused — in Chromium.

Two cameras: the household's phone films the worker's QR code (a video made
from the rendered certificate QR), the worker's phone films the worker (real
photos of one person: straight, turned right, straight, turned left; the
challenge is fixed to "turn right, then turn left" by the test-only setting).
Each phase runs in its own browser, because a fake camera is per browser.
"""
from __future__ import annotations

import pytest

from registry.core import qr
from tests.e2e import face_support, qr_support

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # slow: dlib face recognition in the live app


def _context(browser, server, app, phone):
    context = browser.new_context(locale="zh-CN", viewport={"width": 414, "height": 860})
    face_support.log_in(context, server.url, app, phone)
    page = context.new_page()
    page.set_default_timeout(30000)
    return context, page


def test_scan_approve_view_revoke(worker_and_household, face_video, tmp_path, artifacts):
    server, app, (worker_phone, household_phone) = worker_and_household

    # The worker opens the certificate; the test films its QR for the household's camera.
    def show_certificate(browser):
        context, page = _context(browser, server, app, worker_phone)
        page.goto(server.url + "/workers/certificate")
        assert page.get_by_test_id("certificate").get_attribute("data-status") == "active"
        page.screenshot(path=str(artifacts / "certificate.png"), full_page=True)
        return context.request.get(server.url + "/api/v1/workers/me/certificate").json()["token"]

    token = face_support.run_in_browser(face_video, show_certificate)
    qr_video = qr_support.write_y4m(tmp_path / "qr.y4m", [
        (qr_support.camera_frame(qr.render_png(token, scale=5)), 30)])  # 73 modules fit 480 px

    def household_scans(browser):
        context, page = _context(browser, server, app, household_phone)
        page.goto(server.url + "/scan")
        page.get_by_test_id("qr-start").click()
        page.wait_for_url("**/requests/*")
        assert page.get_by_test_id("request").get_attribute("data-state") == "pending"
        return page.url

    request_url = qr_support.run_in_browser(qr_video, household_scans)

    def worker_approves(browser):
        context, page = _context(browser, server, app, worker_phone)
        page.goto(server.url + "/me/requests")
        assert "诸*" in page.get_by_test_id("pending-requests").inner_text()
        page.locator("[data-testid^=approve-]").first.click()
        face_support.approve_by_face(page, "/me/grants")  # the passed check submits the approval itself
        assert page.locator("[data-testid^=grant-]").count() == 1

    face_support.run_in_browser(face_video, worker_approves)

    def household_reads(browser):
        context, page = _context(browser, server, app, household_phone)
        page.goto(request_url)
        assert page.get_by_test_id("request").get_attribute("data-state") == "approved"
        page.get_by_test_id("open-view").click()
        assert page.get_by_test_id("section-basic").is_visible()
        assert "黄*英" in page.get_by_test_id("section-basic").inner_text()
        assert page.get_by_test_id("section-training").get_by_test_id("no-data").is_visible()
        assert page.get_by_test_id("section-tax").count() == 0  # opt-in, not ticked by default
        page.screenshot(path=str(artifacts / "credit-view.png"), full_page=True)
        return page.url

    view_url = qr_support.run_in_browser(qr_video, household_reads)

    def worker_revokes(browser):
        context, page = _context(browser, server, app, worker_phone)
        page.goto(server.url + "/me/grants")
        assert "基本信息" in page.get_by_test_id("reads-1").inner_text()  # the read is listed, in words
        page.locator("[data-testid^=revoke-]").click()
        assert "已撤回" in page.locator("[data-testid^=grant-]").inner_text() or \
            page.locator("[data-testid^=revoke-]").count() == 0

    face_support.run_in_browser(face_video, worker_revokes)

    def household_refused(browser):
        context, page = _context(browser, server, app, household_phone)
        response = page.goto(view_url)
        assert response.status == 410 and "已撤回" in page.content()

    qr_support.run_in_browser(qr_video, household_refused)
