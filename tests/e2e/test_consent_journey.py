"""Consent that holds, in Chromium: the household types the certificate code, the worker's open certificate
page shows the request without a reload, the worker approves two sections for 2 hours by face in one step,
the household sees exactly those two, the worker withdraws the authorization letter, and the household's
next read is refused with the reason in words.

One browser (its fake camera films the worker) with two contexts: the worker's phone and the household's.
"""
from __future__ import annotations

import pytest

from tests.e2e import face_support

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # slow: dlib face recognition in the live app


def _page(browser, server, app, phone):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    face_support.log_in(context, server.url, app, phone)
    page = context.new_page()
    page.set_default_timeout(30000)
    return page


def test_two_sections_for_two_hours_then_the_withdrawal_ends_the_view(worker_and_household, face_video, artifacts):
    server, app, (worker_phone, household_phone) = worker_and_household

    def journey(browser):
        worker = _page(browser, server, app, worker_phone)
        worker.goto(server.url + "/workers/certificate")
        code = worker.get_by_test_id("fallback-code").inner_text().replace(" ", "").replace("-", "")
        worker.evaluate("window.__sameDocument = true")  # gone if the page were reloaded

        household = _page(browser, server, app, household_phone)
        household.goto(server.url + "/scan")
        household.get_by_test_id("qr-code").fill(code)
        household.get_by_test_id("qr-submit-code").click()
        household.wait_for_url("**/requests/*")
        assert household.get_by_test_id("request").get_attribute("data-state") == "pending"

        prompt = worker.get_by_test_id("request-prompt")
        prompt.wait_for(state="visible", timeout=15000)
        assert worker.evaluate("window.__sameDocument") is True
        assert worker.get_by_test_id("request-badge").inner_text() == "1"
        assert "诸*" in prompt.inner_text()
        worker.screenshot(path=str(artifacts / "consent-prompt.png"), full_page=True)

        worker.locator("[data-testid^=prompt-approve-]").first.click()
        for scope in ("identity", "training", "insurance_health", "service_feedback"):  # keep basic and work history only
            worker.get_by_test_id(f"scope-{scope}").uncheck()
        worker.get_by_test_id("duration-2").check()
        face_support.approve_by_face(worker, "/me/grants")  # the passed check submits the choice itself
        grant = worker.locator("[data-testid^=grant-]").first
        assert "基本信息" in grant.inner_text() and "实名认证" not in grant.inner_text()

        household.wait_for_selector("[data-testid=request][data-state=approved]", timeout=20000)  # refreshes itself
        household.get_by_test_id("open-view").click()
        shown = household.locator("[data-testid^=section-]")
        assert sorted(shown.evaluate_all("els => els.map(e => e.dataset.testid)")) == \
            ["section-basic", "section-work_history"]
        household.screenshot(path=str(artifacts / "consent-two-sections.png"), full_page=True)
        view_url = household.url

        worker.goto(server.url + "/consent/mine")
        worker.get_by_role("button", name="撤回").click()
        worker.wait_for_load_state()

        refused = household.goto(view_url)
        assert refused.status == 410
        assert "撤回了信用信息授权" in household.content()
        household.screenshot(path=str(artifacts / "consent-withdrawn.png"), full_page=True)

    face_support.run_in_browser(face_video, journey, timeout=180)
